"""Callbacks shared by every family."""

import contextlib
import json
import os
import shutil
import time

import keras
import numpy as np
import tensorflow as tf

from gan_tf.files import tempfiles, writes
from gan_tf.viz.images import save_png

STOPPED_KEY = "gan_tf stopped after"  # PNG text of a stopped epoch's grid: "steps run/steps"


def write_scalars(writer, values, step):
    """Writes {name: number} to a TensorBoard `writer` (None: nowhere) at `step`, flushed so a
    running TensorBoard shows them at once."""
    if writer is None:
        return
    with writer.as_default():
        for name, value in values.items():
            tf.summary.scalar(name, float(value), step=step)
    writer.flush()


class TrainingClock(keras.callbacks.Callback):
    """Counts training steps (from `initial_step`, so a resumed run goes on counting) and
    training seconds since `fit` began, compiling included, plus `setup_seconds` spent before
    `fit` on the run's behalf (choosing XLA, say); time spent inside `paused()` (a quality
    measurement) is not counted. List it first: the callbacks that read it then see this step
    counted."""

    def __init__(self, initial_step=0, setup_seconds=0.0):
        super().__init__()
        self.step = initial_step
        self.initial_step = initial_step
        self.first_step_seconds = None  # seconds up to the end of the first step (compiling)
        self._seconds = setup_seconds
        self._since = None

    @property
    def seconds(self):
        running = time.perf_counter() - self._since if self._since is not None else 0.0
        return self._seconds + running

    @contextlib.contextmanager
    def paused(self):
        running = self._since is not None
        if running:
            self._seconds, self._since = self.seconds, None
        try:
            yield
        finally:
            if running:
                self._since = time.perf_counter()

    def on_train_begin(self, logs=None):
        self._since = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.first_step_seconds is None:
            self.first_step_seconds = self.seconds

    def on_train_end(self, logs=None):
        self._seconds, self._since = self.seconds, None

    @property
    def steps_per_second(self):
        """Steps per second after the first (compiling) step; None before a second step."""
        steps = self.step - self.initial_step - 1
        timed = self.seconds - (self.first_step_seconds or 0.0)
        return steps / timed if steps > 0 and timed > 0 else None


class TimeLimit(keras.callbacks.Callback):
    """Stops `fit` after `seconds` of training on `clock` (compiling included), at the end of
    a step, so a run buys a fixed wall-clock budget whatever the machine."""

    def __init__(self, seconds, clock):
        super().__init__()
        self.seconds = seconds
        self.clock = clock

    def on_train_batch_end(self, batch, logs=None):
        if self.clock.seconds >= self.seconds:
            self.model.stop_training = True


class EpochProgress(keras.callbacks.ProgbarLogger):
    """Keras' progress display (a bar on a terminal, one line per epoch with verbose=2) that
    tells a stopped epoch from a whole one: Keras draws an epoch cut short by `stop_training`
    (the --seconds budget) as if all its steps had run. Listed last, as Keras lists its own."""

    def on_epoch_end(self, epoch, logs=None):
        if self.target is None or self.seen >= self.target:
            super().on_epoch_end(epoch, logs)
            return
        self.progbar.update(self.seen, list((logs or {}).items()), finalize=True)
        if self.verbose:
            print(f"epoch {epoch + 1}: stopped after {self.seen}/{self.target} steps", flush=True)


class StepLogger(keras.callbacks.Callback):
    """Every `every` steps, writes the step's logs (losses, running means over the epoch) to
    `<log_dir>/steps` against the global step of `clock`, so TensorBoard draws a curve even
    for a short run (its "relative" axis shows them against wall time)."""

    def __init__(self, log_dir, every, clock):
        super().__init__()
        self.every = every
        self.clock = clock
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "steps"))

    def on_train_batch_end(self, batch, logs=None):
        if self.clock.step % self.every:
            return
        write_scalars(self.writer, {name: np.mean(value) for name, value in (logs or {}).items()},
                      self.clock.step)


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the whole training state after every epoch so that a killed run can resume.

    The state is the model's weights file (both networks, both optimizers' slots and step
    counts, every random-generator state) plus the number of finished epochs and the config it
    was trained with. Keras' BackupAndRestore writes those as two files in place, so a kill
    between the two writes pairs new weights with an old epoch count. Here each state is
    written to a fresh folder and published by renames: `current` is the newest complete
    state, `previous` the one before; whatever instant the process dies, one of them is
    complete and self-consistent. A state holding any NaN or infinite value (weights or
    optimizer variables: losses can look finite while a bias has overflowed) is never
    published: training stops with `NonFiniteStateError` and the last good state stays.
    """

    WEIGHTS = "model.weights.h5"
    STATE = "state.json"

    def __init__(self, directory):
        super().__init__()
        self.directory = directory
        self.kept_epoch = 0  # finished epochs of the newest good state (0: none)

    def _candidates(self):
        return [os.path.join(self.directory, name) for name in ("current", "previous")]

    def _states(self):
        """(folder, state) of each readable state, newest first."""
        for folder in self._candidates():
            try:
                with open(os.path.join(folder, self.STATE)) as handle:
                    state = json.load(handle)
                yield folder, {**state, "epoch": int(state["epoch"])}
            except (OSError, ValueError, KeyError, TypeError):
                continue

    def saved_config(self):
        """The config (a dict) the newest state was trained with; None when unknown."""
        return next((state.get("config") for _, state in self._states()), None)

    def saved_epoch(self):
        """Finished epochs of the newest readable state; None when there is none."""
        return next((state["epoch"] for _, state in self._states()), None)

    def restore(self, model):
        """Loads the newest complete state into `model`; returns its finished epochs (0: none).
        Removes the staging folders of killed runs first."""
        tempfiles.clean_stale(self.directory)
        for folder, state in self._states():
            try:
                model.load_weights(os.path.join(folder, self.WEIGHTS))
            except (OSError, ValueError):
                continue
            self.kept_epoch = state["epoch"]
            return self.kept_epoch
        return 0

    def kept(self):
        """Which state a stopped run leaves, in words."""
        if not self.kept_epoch:
            return "no checkpoint was kept (the next run starts over)"
        return (f"the checkpoint after epoch {self.kept_epoch} "
                f"({os.path.join(self.directory, 'current')}) was kept")

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        not_saved = f"epoch {epoch + 1} not saved; {self.kept()}"
        writes.check_space(self.directory, self._needed_bytes(), not_saved)
        staging = os.path.join(self.directory, tempfiles.temp_name())
        try:
            self._stage(staging, epoch)
            self._publish(staging)
        except OSError as error:  # a full disk, a quota, a read-only mount: the kept state stays
            shutil.rmtree(staging, ignore_errors=True)
            failure = writes.as_write_error(error, self.directory, not_saved)
            if failure is None:
                raise
            raise failure from None
        self.kept_epoch = epoch + 1

    def _needed_bytes(self):
        """Room for one more state: the newest state's size, or before the first one three
        copies of the weights (weights, two optimizer slots each), plus a megabyte."""
        current = os.path.join(self._candidates()[0], self.WEIGHTS)
        if os.path.exists(current):
            return os.path.getsize(current) + 2**20
        return 3 * sum(int(np.prod(w.shape)) * 4 for w in self.model.weights) + 2**20

    def _stage(self, staging, epoch):
        """The state after `epoch` written into the folder `staging`; refuses a non-finite one."""
        os.makedirs(staging)
        weights = os.path.join(staging, self.WEIGHTS)
        self.model.save_weights(weights)
        bad = non_finite_arrays(weights)
        if bad:
            shutil.rmtree(staging)
            raise NonFiniteStateError(
                f"after epoch {epoch + 1}, {len(bad)} weight or optimizer arrays hold NaN or "
                f"inf (first: {bad[0]}); that state was not saved and {self.kept()}. Lower the "
                "learning rate (new rates apply when a run resumes), then run again.")
        config = getattr(self.model, "config", None)
        with open(os.path.join(staging, self.STATE), "w") as handle:
            json.dump({"epoch": epoch + 1, **({"config": config.to_dict()} if config else {})}, handle)

    def _publish(self, staging):
        current, previous = self._candidates()
        if os.path.isdir(previous):
            shutil.rmtree(previous)
        if os.path.isdir(current):
            os.rename(current, previous)
        os.rename(staging, current)


def non_finite_arrays(weights_file):
    """Names of the float arrays in a Keras `.weights.h5` file holding NaN or inf."""
    import h5py

    bad = []

    def check(name, item):
        if isinstance(item, h5py.Dataset) and item.dtype.kind == "f" and not np.isfinite(item[()]).all():
            bad.append(name)

    with h5py.File(weights_file, "r") as handle:
        handle.visititems(check)
    return bad


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite; training stopped before any checkpoint took that state."""


class NonFiniteStateError(NonFiniteLossError):
    """An epoch ended with NaN or infinite weights or optimizer variables; it was not saved."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training with a clear error as soon as any reported loss is NaN or infinite.

    Keras' TerminateOnNaN watches only a metric named `loss`; GANs report `d_loss`, `g_loss`,
    .... Raising (rather than setting `stop_training`) ends `fit` before the epoch-end
    checkpoint, so `EpochCheckpoint` (or BackupAndRestore) keeps the last good state; given the
    run's `checkpoint`, the message says which.
    """

    def __init__(self, checkpoint=None):
        super().__init__()
        self.checkpoint = checkpoint

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            if name.endswith("loss") and not np.isfinite(value):
                kept = self.checkpoint.kept() if self.checkpoint else "this run keeps no checkpoint"
                raise NonFiniteLossError(
                    f"{name} became {value} at batch {batch + 1}; training stopped and {kept}. "
                    "Lower the learning rate (new rates apply when a run resumes) or check the "
                    "data, then run the same command to resume from that checkpoint."
                )


class ModelMonitor(keras.callbacks.Callback):
    """Saves a grid of samples from fixed inputs after every epoch, as PNG and to TensorBoard.

    The model draws the picture through `model.monitor_grid(count, seed, columns)` (by default
    a grid of `model.monitor_images(count, seed)`, uint8 [N, H, W, C]); the same `seed` every
    epoch means every grid shows the same latents, so epochs are comparable; the model may
    choose the grid's columns (`monitor_columns`, e.g. one row per class). Files are
    `<output_dir>/epoch_0001.png`, ...; with `log_dir` the grid also goes to TensorBoard's
    `images` run under the tag `samples`. The grid of an epoch cut short (the --seconds budget)
    carries the steps it ran as the PNG text `STOPPED_KEY`, so the GIF does not show it as whole.
    """

    def __init__(self, output_dir, log_dir=None, num_images=25, seed=0, columns=None):
        super().__init__()
        self.output_dir = output_dir
        self.num_images = num_images
        self.seed = seed
        self.columns = columns  # default: the model's `monitor_columns`, else a square grid
        self.steps_run = 0  # of the current epoch
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "images")) if log_dir else None

    def grid(self):
        return np.asarray(self.model.monitor_grid(self.num_images, self.seed, self.columns))

    def on_epoch_begin(self, epoch, logs=None):
        self.steps_run = 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps_run = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        grid = self.grid()
        steps = (self.params or {}).get("steps")  # none when called outside fit
        stopped = {STOPPED_KEY: f"{self.steps_run}/{steps}"} if steps and self.steps_run < steps else None
        save_png(grid, os.path.join(self.output_dir, f"epoch_{epoch + 1:04d}.png"), text=stopped)
        if self.writer:
            with self.writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)
            self.writer.flush()


class PeriodicScores(keras.callbacks.Callback):
    """Scores the model every `every` epochs and/or every `every_seconds` seconds of training
    on `clock` (a `TrainingClock`, whose time stops while this measures), and at the end of a
    time-triggered run. Subclasses give `scores()`, a {name: number} dict of the model now.

    Epoch results are added to the epoch's `logs`, so a TensorBoard callback listed after this
    one logs them with the losses; every result is kept in `records` with its step and
    training seconds, printed in one line (progress for long runs), and written as scalars
    under `<log_dir>/metrics` against the global step when `log_dir` is given.
    """

    def __init__(self, every=1, log_dir=None, clock=None, every_seconds=None):
        super().__init__()
        self.every = every
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "metrics")) if log_dir else None
        self.clock = clock or TrainingClock()
        self.every_seconds = every_seconds
        self.next_due = every_seconds
        self.records = []

    def scores(self):
        raise NotImplementedError

    def measure(self, step=None):
        """Scores the model now; returns them and keeps them in `records`."""
        with self.clock.paused():
            results = self.scores()
        step = self.clock.step if step is None else step
        self.records.append({"step": step, "seconds": round(self.clock.seconds, 2), **results})
        write_scalars(self.writer, results, step)
        print(f"quality at step {step}, {self.clock.seconds:.0f} s of training: "
              + ", ".join(f"{name} {value:.4g}" for name, value in results.items()), flush=True)
        return results

    def on_train_batch_end(self, batch, logs=None):
        if self.every_seconds and self.clock.seconds >= self.next_due:
            self.measure()
            self.next_due = self.clock.seconds + self.every_seconds

    def on_train_end(self, logs=None):
        """A time-triggered run ends with a measurement of the final model."""
        if self.every_seconds and (not self.records or self.records[-1]["step"] != self.clock.step):
            self.measure()

    def on_epoch_end(self, epoch, logs=None):
        if not self.every or (epoch + 1) % self.every:
            return
        results = self.measure(step=self.clock.step or epoch + 1)
        if logs is not None:
            logs.update(results)


class QualityMetrics(PeriodicScores):
    """FID, KID, IS, precision and recall of the model's samples (see `PeriodicScores` for
    when).

    Real features are extracted once, on first use, from `real_batches` (uint8 batches, e.g.
    `gan_tf.metrics.report.real_image_batches`). With `held_out` batches the model's
    `held_out_scores` (a VAE's negative ELBO) join the results. With `conditions` (the model's
    `scoring_inputs`: StackGAN's test captions) the samples are drawn from them and
    `class_agreement` is the text-conditioning accuracy.
    """

    def __init__(self, extractor, real_batches, every=1, num_samples=1000, seed=0, log_dir=None,
                 kid_subsets=100, kid_subset_size=1000, clock=None, every_seconds=None, held_out=None,
                 conditions=None):
        super().__init__(every, log_dir, clock, every_seconds)
        self.extractor = extractor
        self.real_batches = real_batches
        self.num_samples = num_samples
        self.seed = seed
        self.kid = {"kid_subsets": kid_subsets, "kid_subset_size": kid_subset_size}
        self.held_out = held_out
        self.conditions = conditions
        self.real = None

    def scores(self):
        from gan_tf.metrics.features import stream_features
        from gan_tf.metrics.report import evaluate_model

        if self.real is None:
            self.real = stream_features(self.extractor, self.real_batches)
        results = evaluate_model(self.model, self.extractor, self.real, self.num_samples,
                                 self.seed, self.conditions, **self.kid)
        if self.held_out is not None:
            results.update(self.model.held_out_scores(self.held_out))
        return results


class TranslationScores(PeriodicScores):
    """An image-to-image model's `score(model)` ({name: number}, e.g.
    `gan_tf.metrics.translation.paired_scorer`) over training (see `PeriodicScores`)."""

    def __init__(self, score, every=1, log_dir=None, clock=None, every_seconds=None):
        super().__init__(every, log_dir, clock, every_seconds)
        self.score = score

    def scores(self):
        return self.score(self.model)


class TrainingDiagnostics(keras.callbacks.Callback):
    """Logs `gan_tf.metrics.diagnostics` each epoch (and every `every_steps` steps of `clock`) and
    prints a warning on collapse or dead gradients at the end of an epoch.

    `real_images` is one fixed batch (in the model's value range), with its `labels` for
    conditional models; the latents are fixed by `seed`, so successive measurements are
    comparable. Epoch results join the epoch's `logs` (for a later TensorBoard callback); all go
    to `<log_dir>/diagnostics` against the global step (the epoch without a clock). No warning
    is printed before the generator has made `warmup_steps` updates (its optimizer's
    iterations, so a resumed run counts the steps before it): an untrained generator's samples
    all look alike, which is not collapse.
    """

    def __init__(self, real_images, labels=None, seed=0, classifier=None, log_dir=None,
                 collapse_diversity=0.1, vanishing_grad_norm=1e-4, warmup_steps=500,
                 clock=None, every_steps=None):
        super().__init__()
        self.real_images = tf.convert_to_tensor(real_images)
        self.labels = labels
        self.num_samples = int(self.real_images.shape[0])
        self.seed = seed
        self.classifier = classifier
        self.thresholds = {"collapse_diversity": collapse_diversity,
                           "vanishing_grad_norm": vanishing_grad_norm}
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "diagnostics")) if log_dir else None
        self.warmup_steps = warmup_steps
        self.clock = clock
        self.every_steps = every_steps
        self.last = None

    def measure(self, step):
        from gan_tf.metrics import diagnostics

        latent = self.model.seeded_latent(self.num_samples, self.seed)
        self.last = diagnostics.measure(self.model, self.real_images, latent, self.classifier, self.labels)
        write_scalars(self.writer, self.last, step)
        return self.last

    def on_train_batch_end(self, batch, logs=None):
        if self.clock and self.every_steps and not self.clock.step % self.every_steps:
            self.measure(self.clock.step)

    def on_epoch_end(self, epoch, logs=None):
        from gan_tf.metrics import diagnostics

        self.measure(self.clock.step if self.clock else epoch + 1)
        trained = int(tf.convert_to_tensor(self.model.g_optimizer.iterations)) >= self.warmup_steps
        warnings = diagnostics.warnings_for(self.last, **self.thresholds) if trained else []
        for warning in warnings:
            print(f"\nWARNING (epoch {epoch + 1}): {warning}", flush=True)
        if logs is not None:
            logs.update(self.last)


class PictureMonitor(keras.callbacks.Callback):
    """Saves the model's named pictures of fixed data after every epoch, as PNG and TensorBoard.

    The model draws them through `model.monitor_pictures(images, labels, class_names)`, which
    returns {name: uint8 [H, W, C]} (a latent scatter plot, a decoded grid, ...). Files are
    `<output_dir>/<name>_epoch_0001.png`; with `log_dir` each goes to TensorBoard's `images`
    run under the tag `<name>`.
    """

    def __init__(self, output_dir, log_dir, images, labels, class_names=None):
        super().__init__()
        self.output_dir = output_dir
        self.images = images
        self.labels = labels
        self.class_names = class_names
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "images")) if log_dir else None

    def on_epoch_end(self, epoch, logs=None):
        pictures = self.model.monitor_pictures(self.images, self.labels, self.class_names)
        for name, picture in pictures.items():
            save_png(picture, os.path.join(self.output_dir, f"{name}_epoch_{epoch + 1:04d}.png"))
            if self.writer:
                with self.writer.as_default():
                    tf.summary.image(name, np.asarray(picture)[None], step=epoch + 1)
        if self.writer:
            self.writer.flush()


class TimeAnnealing(keras.callbacks.Callback):
    """Over the last `fraction` of a `seconds` budget of training (on `clock`), the learning
    rates of the model's `optimizers` fall linearly from their starting values to zero, so a
    time-budgeted run ends on a quiet model instead of wherever the last noisy step left it."""

    def __init__(self, seconds, fraction, clock, optimizers=("g_optimizer", "d_optimizer")):
        super().__init__()
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"the annealed fraction of the budget must lie in (0, 1], got {fraction}")
        self.seconds = seconds
        self.fraction = fraction
        self.clock = clock
        self.optimizers = optimizers
        self.base_rates = None

    def scale(self, seconds):
        """Factor of the starting rates after `seconds` of training."""
        return min(1.0, max(0.0, (self.seconds - seconds) / (self.fraction * self.seconds)))

    def on_train_begin(self, logs=None):
        self.base_rates = [float(getattr(self.model, name).learning_rate) for name in self.optimizers]

    def on_train_batch_begin(self, batch, logs=None):
        factor = self.scale(self.clock.seconds)
        if factor < 1.0:
            for name, rate in zip(self.optimizers, self.base_rates):
                getattr(self.model, name).learning_rate = rate * factor


class LinearDecay(keras.callbacks.Callback):
    """Constant learning rate for `constant_epochs`, then linear decay towards zero (CycleGAN).

    The rate of epoch e (from 0) is base * (1 - max(0, e + 1 - constant_epochs) / (decay_epochs + 1)),
    the papers' code's rule (the last decay epoch runs at base / (decay_epochs + 1)); it is set at the start of every epoch from the epoch number alone,
    so a run resumed by BackupAndRestore continues the schedule. `optimizers` name the model's
    optimizer attributes.
    """

    def __init__(self, base_rate, constant_epochs, decay_epochs,
                 optimizers=("g_optimizer", "d_optimizer")):
        super().__init__()
        if constant_epochs < 0 or decay_epochs < 0:
            raise ValueError("constant_epochs and decay_epochs must not be negative")
        self.base_rate = base_rate
        self.constant_epochs = constant_epochs
        self.decay_epochs = decay_epochs
        self.optimizers = optimizers

    def rate(self, epoch):
        decayed = max(0, epoch + 1 - self.constant_epochs) / (self.decay_epochs + 1)
        return self.base_rate * max(0.0, 1.0 - decayed)

    def on_epoch_begin(self, epoch, logs=None):
        for name in self.optimizers:
            getattr(self.model, name).learning_rate = self.rate(epoch)
