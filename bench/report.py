"""What every benchmark script shares: epoch timing, the device line, the JSON of its rows."""

import json
import platform
import time

import keras
import tensorflow as tf


def describe_device(gpus):
    """The GPU's name, or the CPU and its thread count."""
    if gpus:
        details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
        return details.get("device_name", "GPU")
    threads = tf.config.threading.get_inter_op_parallelism_threads() or "all"
    return f"CPU ({platform.processor() or platform.machine()}, {threads} threads)"


def write_rates(path, device, batch_size, rows):
    """Writes (name, images/s) rows with the device and batch size as JSON."""
    with open(path, "w") as handle:
        json.dump({"device": device, "batch_size": batch_size, "images_per_second": dict(rows)},
                  handle, indent=2)


class StepTimer(keras.callbacks.Callback):
    """Wall time of each epoch (callers drop the first, which includes tracing and compiling)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)
