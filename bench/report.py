"""What the training benchmarks share (`bench.harness` has what every script shares): epoch
timing, fixed training budgets (through the one training driver), the real data sets
(preprocessed once and reused), the JSON of their rates."""

import contextlib
import os

import keras

from bench.harness import Timer, write_json
from gan_tf.training import distribute, driver as training


def write_rates(path, batch_size, rows):
    """Writes (name, images/s) rows with the batch size (and the machine) as JSON."""
    write_json(path, {"batch_size": batch_size, "images_per_second": dict(rows)})


def preprocessed(name, source_dir, work_dir):
    """The Beam stage's output for an IDX data set under `work_dir`, made on first use."""
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    output = os.path.join(work_dir, name)
    if not os.path.exists(os.path.join(output, "metadata.json")):
        preprocess.run(idx_source(name, source_dir), output, shards={"train": 4})
    return output


class StepTimer(keras.callbacks.Callback):
    """`harness.Timer` in `fit`: one lap per epoch (callers drop the first, which includes
    tracing and compiling)."""

    def __init__(self):
        super().__init__()
        self.timer = Timer()

    def on_epoch_begin(self, epoch, logs=None):
        self.timer.start()

    def on_epoch_end(self, epoch, logs=None):
        self.timer.stop()


@contextlib.contextmanager
def precision_policy(mixed):
    """Keras' mixed precision policy (`gan_tf.training.distribute`) for one measurement when `mixed`,
    float32 again afterwards, so the rows of one run do not leak policies into each other."""
    distribute.set_mixed_precision(mixed)
    try:
        yield distribute.mixed_precision_policy_name() if mixed else "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def fit_timed(model, dataset, steps, epochs=2):
    """(seconds of every epoch but the first, history); the first traces and compiles."""
    callback = StepTimer()
    history = model.fit(dataset, epochs=epochs, steps_per_epoch=steps, callbacks=[callback], verbose=0,
                        shuffle=False)  # a tf.data input: Keras warns on True
    return sum(callback.timer.laps[1:]), history.history


def train_on_data(family, data, batch_size, jit, steps=None, seconds=None, **overrides):
    """A `gan_tf.training.driver.TrainingRun` after a fixed budget on a preprocessed data set, writing
    nothing: `steps` updates, or as many as fit in `seconds` (compiling included); its `clock`
    has the updates made and the rate after the first (compiling) one."""
    return training.train(family, data, batch_size=batch_size, jit=jit, epochs=1,
                          steps_per_epoch=steps or 10**9, seconds=seconds, record=False, verbose=0,
                          **overrides)
