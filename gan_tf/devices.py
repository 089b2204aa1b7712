"""Accelerator set-up done once, before any tensor is placed, and the one-line device name."""

import os
import platform

import tensorflow as tf


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
