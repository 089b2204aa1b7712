"""`--jit auto`: XLA on or off, chosen by timing the family's own train step both ways.

XLA speeds some families up and slows others (on one CPU the VAEs ran at 0.35x with it, the
conditional GAN at 2.3x), and the answer changes with the device and the precision, so no fixed
default is right. The driver times a few steps of the compiled model on one real batch with
XLA on and then off (each after an untimed first step, which traces and compiles), keeps the
faster, puts every variable back as it was, and remembers the answer in a small cache keyed by
family, config, batch, device, precision, replicas and TensorFlow version, so a repeated run
decides at once.
"""

import hashlib
import json
import os
import sys
import time

import keras
import tensorflow as tf

from gan_tf.data.reader import repeated_batch
from gan_tf.files import writes

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "gan_tf", "jit.json")


class _StepTimes(keras.callbacks.Callback):
    """Wall time of every step after the first; stops `fit` after `seconds` of timed steps."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if batch:  # the first step traces and compiles
            self.times.append(time.perf_counter() - self.start)
            if sum(self.times) >= self.seconds:
                self.model.stop_training = True


def cache_key(family, config, batch_size, device, precision, replicas):
    digest = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{family}|{digest}|{batch_size}|{device}|{precision}|{replicas}|tf{tf.__version__}"


def _state(model):
    """Every variable a step changes: the model's (weights, random states, trackers) and its
    optimizers'."""
    return list(model.variables) + [v for optimizer in model.optimizers() for v in optimizer.variables]


def steps_per_second(model, batch, jit, steps=5, seconds=3.0):
    """Train steps per second of `model` on `batch` with XLA `jit`; the model's state changes."""
    model.jit_compile = jit
    model.make_train_function(force=True)
    timer = _StepTimes(seconds)
    model.fit(repeated_batch(batch), epochs=1, steps_per_epoch=steps + 1,
              callbacks=[timer], verbose=0, shuffle=False)  # a tf.data input: Keras warns on True
    return len(timer.times) / sum(timer.times)


def choose(model, batch, key, cache_path=CACHE):
    """(XLA on?, {"on": steps/s, "off": steps/s} or None when cached) for a compiled model;
    its state is as before afterwards, and its next `fit` uses the choice."""
    cache = {}
    if os.path.isfile(cache_path):
        with open(cache_path) as handle:
            cache = json.load(handle)
    rates = None
    if key in cache:
        jit = cache[key]["jit"]
    else:
        saved = [v.numpy() for v in _state(model)]
        rates = {name: steps_per_second(model, batch, jit) for name, jit in (("on", True), ("off", False))}
        for variable, value in zip(_state(model), saved):
            variable.assign(value)
        jit = rates["on"] >= rates["off"]
        cache[key] = {"jit": jit, "steps_per_second": rates}
        remember(cache_path, cache)
    model.jit_compile = jit
    model.make_train_function(force=True)
    return jit, rates


def remember(cache_path, cache):
    """Writes the cache; one that cannot be written (a read-only home, a full disk) costs
    only the next run's measurement, so training goes on after a one-line warning."""
    try:
        writes.write_json(cache_path, cache, "the choice is not remembered (the next run measures again)")
    except writes.WriteError as error:
        print(f"WARNING: {error}", file=sys.stderr, flush=True)
