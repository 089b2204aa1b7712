"""What every benchmark script shares: epoch timing, fixed training budgets (through the one
training driver), the real data sets (preprocessed once and reused), the JSON of its rows."""

import contextlib
import json
import os
import time

import keras

from gan_tf import distribute, training

SOURCES = {
    "mnist": os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist"),
    "fashion_mnist": "/usr/share/datasets/fashion-mnist",
}


def write_rates(path, device, batch_size, rows):
    """Writes (name, images/s) rows with the device and batch size as JSON."""
    with open(path, "w") as handle:
        json.dump({"device": device, "batch_size": batch_size, "images_per_second": dict(rows)},
                  handle, indent=2)


def preprocessed(name, source_dir, work_dir):
    """The Beam stage's output for an IDX data set under `work_dir`, made on first use."""
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    output = os.path.join(work_dir, name)
    if not os.path.exists(os.path.join(output, "metadata.json")):
        preprocess.run(idx_source(name, source_dir), output, shards={"train": 4})
    return output


class StepTimer(keras.callbacks.Callback):
    """Wall time of each epoch (callers drop the first, which includes tracing and compiling)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


@contextlib.contextmanager
def precision_policy(mixed):
    """Keras' mixed precision policy (`gan_tf.distribute`) for one measurement when `mixed`,
    float32 again afterwards, so the rows of one run do not leak policies into each other."""
    distribute.set_mixed_precision(mixed)
    try:
        yield distribute.mixed_precision_policy_name() if mixed else "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def fit_timed(model, dataset, steps, epochs=2):
    """(seconds of every epoch but the first, history); the first traces and compiles."""
    timer = StepTimer()
    history = model.fit(dataset, epochs=epochs, steps_per_epoch=steps, callbacks=[timer], verbose=0,
                        shuffle=False)  # a tf.data input: Keras warns on True
    return sum(timer.times[1:]), history.history


def train_on_data(family, data, batch_size, jit, steps=None, seconds=None, **overrides):
    """A `gan_tf.training.TrainingRun` after a fixed budget on a preprocessed data set, writing
    nothing: `steps` updates, or as many as fit in `seconds` (compiling included); its `clock`
    has the updates made and the rate after the first (compiling) one."""
    return training.train(family, data, batch_size=batch_size, jit=jit, epochs=1,
                          steps_per_epoch=steps or 10**9, seconds=seconds, record=False, verbose=0,
                          **overrides)
