"""Accelerator set-up done once, before any tensor is placed."""

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
