"""What every benchmark script shares: epoch timing, fixed training budgets, the real data
sets (preprocessed once and reused), the device line, the JSON of its rows."""

import contextlib
import dataclasses
import json
import math
import os
import platform
import time

import keras
import tensorflow as tf

from gan_tf import distribute
from gan_tf.data import load_metadata

SOURCES = {
    "mnist": os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist"),
    "fashion_mnist": "/usr/share/datasets/fashion-mnist",
}


def describe_device(gpus):
    """The GPU's name, or the CPU and its thread count."""
    if gpus:
        details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
        return details.get("device_name", "GPU")
    threads = tf.config.threading.get_inter_op_parallelism_threads() or "all"
    return f"CPU ({platform.processor() or platform.machine()}, {threads} threads, {os.cpu_count()} cores)"


def write_rates(path, device, batch_size, rows):
    """Writes (name, images/s) rows with the device and batch size as JSON."""
    with open(path, "w") as handle:
        json.dump({"device": device, "batch_size": batch_size, "images_per_second": dict(rows)},
                  handle, indent=2)


def preprocessed(name, source_dir, work_dir):
    """The Beam stage's output for an IDX data set under `work_dir`, made on first use."""
    from pipeline import preprocess
    from pipeline.datasets import idx_source

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
    history = model.fit(dataset, epochs=epochs, steps_per_epoch=steps, callbacks=[timer], verbose=0)
    return sum(timer.times[1:]), history.history


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` once `seconds` have passed since the end of the first step (which traces
    and compiles, so the budget buys the same training whatever the compile time); counts the
    steps and times those after the first, which gives the training rate of the same run."""

    def __init__(self, seconds=math.inf):
        super().__init__()
        self.seconds = seconds
        self.start = None
        self.steps = 0
        self.timed_seconds = 0.0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.start is None:
            self.start = time.perf_counter()
            return
        self.timed_seconds = time.perf_counter() - self.start
        if self.timed_seconds >= self.seconds:
            self.model.stop_training = True

    @property
    def steps_per_second(self):
        return (self.steps - 1) / self.timed_seconds if self.timed_seconds else None


@dataclasses.dataclass
class Trained:
    """A model after a fixed budget: wall seconds of `fit` (compiling included), updates made
    and updates per second after the first (compiling) one."""

    model: keras.Model
    seconds: float
    updates: int
    updates_per_second: float


def train_on_data(model_class, data, batch_size, jit, steps=None, seconds=None, config=None,
                  compile_kwargs=None):
    """A `Trained` model after a fixed budget on a preprocessed data set: `steps` updates, or
    as many as fit in `seconds` after the first (compiling) one."""
    config = model_class.config_for_data(config or model_class.config_class(), load_metadata(data))
    keras.utils.set_random_seed(config.seed)
    model = model_class(config)
    model.compile(jit_compile=jit, **(compile_kwargs or {}))
    dataset = model_class.training_dataset(data, config, batch_size).repeat()
    budget = TimeBudget(seconds or math.inf)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps or 10**9, verbose=0, callbacks=[budget])
    return Trained(model, time.perf_counter() - start, budget.steps, budget.steps_per_second)
