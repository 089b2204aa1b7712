"""Device set-up done once, before any tensor is placed, and the one-line device name."""

import ctypes
import os
import platform

import tensorflow as tf

# glibc `mallopt` options (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_MAX = -1, -2, -4
_HOST_MEMORY_VARIABLE = "GAN_TF_HOST_MEMORY"


def prepare():
    """The set-up a process that is one training or timing run (`gan-tf train`, a benchmark)
    does first; returns the GPU count. `gan_tf.train` itself only enables memory growth: a
    library leaves the allocator of its caller's process alone."""
    keep_freed_host_memory()
    return enable_memory_growth()


def keep_freed_host_memory():
    """Keeps memory that TensorFlow frees in the process for its next step; True if set.

    A train step frees and reallocates the same large buffers (activations, gradients: up to
    34 MB each for pix2pix). glibc serves big blocks with `mmap` and hands them, and the top of
    its heap, back to the kernel on `free`, so every step page-faults them in again: 65,000
    minor faults per pix2pix step at 256 px. Serving every block from the heap and never
    trimming it removes those faults; the peak memory is unchanged (it is reached in the
    first step) and pix2pix trains 1.2x faster on a 2-core CPU (docs/benchmarks.md).
    Set GAN_TF_HOST_MEMORY=release to keep glibc's defaults, e.g. on a shared machine where a
    finished job should shrink. A no-op where the C library is not glibc.
    """
    if os.environ.get(_HOST_MEMORY_VARIABLE, "keep") == "release":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return all([mallopt(_M_MMAP_MAX, 0), mallopt(_M_TRIM_THRESHOLD, 2**31 - 1),
                mallopt(_M_TOP_PAD, 256 << 20)])


def enable_memory_growth():
    """Lets TensorFlow grow GPU memory as needed instead of taking it all; returns GPU count."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # Already initialised (e.g. in a notebook): growth cannot change.
            pass
    return len(gpus)


def describe_device():
    """The first GPU's name, or the CPU, its thread setting and its cores."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    threads = tf.config.threading.get_inter_op_parallelism_threads() or "all"
    return f"CPU ({platform.processor() or platform.machine()}, {threads} threads, {os.cpu_count()} cores)"
