"""The one training driver: a family, a preprocessed data folder and settings -> a trained,
saved model.

`gan-tf train`, the benchmarks and Python users all come through here:

    from gan_tf import train
    run = train("fashion_gan", data="data/fashion_mnist", epochs=20, batch_size=64)
    run.model, run.run_dir, run.history

Each step happens once, in this order: read the metadata, resolve the config (defaults <
`overrides` < the data's fields) and the batch size, build and compile under the strategy,
resume from the run's checkpoint, make the dataset, assemble the callbacks, fit, save.
"""

import contextlib
import dataclasses
import os
import shutil
import sys
import time

import keras
import tensorflow as tf

from gan_tf import registry
from gan_tf.data import fingerprint as data_fingerprint
from gan_tf.data.reader import DataFolder, batches_per_epoch, make_dataset, record_errors
from gan_tf.files import folder_lock, writes
from gan_tf.training import callbacks as cb, devices, distribute, jit_choice, process_state, run_state, stopping
from gan_tf.training.run_options import RunOptions
from gan_tf.viz import animation

LOCK_FILE = ".lock"  # in the run folder: one training at a time (gan_tf.files.folder_lock)
RUN_SUBFOLDERS = (("backup", "checkpoint folder"), ("samples", "samples folder"),
                  ("logs", "TensorBoard log folder"))  # probed with the run folder before work


@dataclasses.dataclass
class TrainingRun:
    """What `train` did: the model, its config, where it wrote (None: nowhere), the global
    batch, the epoch it resumed after, Keras' history, the run's clock (steps, seconds) and,
    with a classifier, every quality measurement (step, seconds, fid, kid, ...)."""

    model: keras.Model
    config: object
    run_dir: str
    batch_size: int
    first_epoch: int
    history: dict
    clock: cb.TrainingClock
    quality: list


def resolve_config(family, metadata=None, preset=None, **overrides):
    """(model class, config): the family's defaults, then the named `preset`'s values (default:
    "source"; for an alias such as `wgan_gp`, its own preset stands for "source"), then
    `overrides`, then the fields the data decides taken from `metadata`; a stage's class for
    families with stages."""
    entry = registry.family(family)
    config_class = entry.config_class
    fixed = set(overrides) & set(config_class.DATA_FIELDS)
    if fixed:
        raise ValueError(f"{', '.join(sorted(fixed))} of {entry.name} come from the data, not from settings")
    config = config_class.from_preset(registry.preset_of(family, preset), **overrides)
    model_class = entry.model_class()
    if metadata is not None:
        config = model_class.config_for_data(config, metadata)
        run_state.note_data_fields(entry.name, config)
    return model_class.model_class_for(config), config


def build_model(model_class, config, strategy=None, jit=True):
    """A compiled model of `model_class`, its variables placed by `strategy` (default: none),
    weights seeded by the config's seed."""
    keras.utils.set_random_seed(config.seed)  # first: weights and shuffle seeds derive from it
    with (strategy or tf.distribute.get_strategy()).scope():
        model = model_class(config)
        model.warm_start()
        model.compile(jit_compile=jit)
    return model


def train(family, data, options=None, *, preset=None, record=True, callbacks=(), verbose="auto",
          **settings):
    """Trains `family` on the preprocessed folder `data` (a path or an open
    `gan_tf.data.reader.DataFolder`); returns a `TrainingRun`.

    `options` is a `RunOptions` (`gan_tf.training.run_options`: epochs, batch size, time budget,
    strategy, metrics, ...; `gan-tf train`'s flags are the same fields); `settings` are keywords
    over it (`epochs=20`) and config fields (`generator_filters=64`, ...) over the named
    `preset`'s (default: "source"; for an alias such as `wgan_gp`, its own preset stands for
    "source"; `gan-tf train FAMILY --help` lists both). The batch size is the global batch (default: the
    one the preset was tuned at, else the family's). `jit`: True/False forces XLA on/off;
    "auto" times the train step both ways on one real batch and keeps the faster (cached per
    family, config, batch, device and precision). `seconds` stops training after that much
    training time (choosing XLA and compiling included). With `record` (the default) the run
    writes to `run_dir` (default `runs/<family>`; an alias that names a preset keeps its own,
    `runs/wgan_gp`): a checkpoint after every epoch, from which the same call resumes (`fresh`
    discards it; other data than it was trained on is refused unless `allow_data_change`),
    sample grids, TensorBoard logs (losses every `log_every` steps), and `model.keras` at the
    end, with the sample grids animated into `progress.gif` (`animate`, `gan_tf.viz.animation`);
    `record=False` writes nothing (benchmarks). `classifier` (a domain classifier `.keras`) adds
    FID/KID/... every `metrics_every` epochs and/or every `metrics_seconds` seconds; for CycleGAN the classifier
    is a domain-A-vs-B one and both test domains' translations are scored, and `score_split`
    does the same for pix2pix and colourisation, scoring the translations of that split against
    their real targets (`gan_tf.metrics.translation`). `callbacks` are added after the run's own.

    The process is left as it was found: the dtype policy (`mixed_precision`) and the global
    random seeds (set from the config's `seed` so weights and data order repeat) are restored
    on return. Op determinism is turned on only by `deterministic`, and glibc's memory tuning
    only by the caller (`gan_tf.training.devices.keep_freed_host_memory`, as `gan-tf train` does).
    """
    options, overrides = RunOptions.split(options, settings)
    with process_state.restored():
        return _train(registry.family(family), registry.run_name(family), data, options,
                      registry.preset_of(family, preset), record, callbacks, verbose, overrides)


def _train(entry, run_name, data, options, preset, record, callbacks, verbose, overrides):
    devices.enable_memory_growth()
    # Before any other TensorFlow work: MultiWorkerMirroredStrategy starts the collective runtime.
    strategy = distribute.make_strategy(options.strategy, tpu=options.tpu)
    workers = distribute.worker_count(strategy)
    if options.deterministic:
        tf.config.experimental.enable_op_determinism()
    precision = distribute.set_mixed_precision(options.mixed_precision)
    data = DataFolder.open(data)  # the one reading of metadata.json; everything below gets `data`
    metadata = data.metadata
    model_class, config = resolve_config(entry.name, metadata, preset, **overrides)
    batch_size = options.batch_size or entry.batch_size(preset)
    distribute.check_batch_size(strategy, batch_size)
    jit = options.jit
    if jit and strategy.num_replicas_in_sync > 1 and not isinstance(strategy, tf.distribute.TPUStrategy):
        print("XLA is off under a multi-replica mirrored/multiworker strategy (as Keras' "
              "jit_compile='auto' does)", flush=True)
        jit = False

    if record:
        run_dir = options.run_dir or os.path.join("runs", run_name)
        if not distribute.is_chief(strategy):
            # Every worker runs the callbacks; only the chief's files are the run's.
            run_dir = os.path.join(run_dir, f"worker-{strategy.cluster_resolver.task_id}")
    else:
        run_dir = None
    lock = (folder_lock.held(os.path.join(run_dir, LOCK_FILE), f"run folder {run_dir}")
            if run_dir else contextlib.nullcontext())
    # The lock before anything is read from or written to the run folder; an error met in a
    # record (a failed CRC, a bad PNG) is named with its shard and index.
    with lock, record_errors(data):
        if run_dir:
            writes.check_writable(run_dir, "run folder")  # model.keras, config.json, data.json
            for name, what in RUN_SUBFOLDERS:
                writes.check_writable(os.path.join(run_dir, name), what)
        model = build_model(model_class, config, strategy, bool(jit))
        setup_started = time.perf_counter()
        jit, jit_note = _choose_xla(model, jit, entry, config, data, batch_size, precision, strategy)
        print(f"{run_name}: {devices.describe_device()}, {precision}, XLA {'on' if jit else 'off'}"
              f"{jit_note}, global batch {batch_size}"
              + (f", {strategy.num_replicas_in_sync} replicas on {workers} worker(s)"
                 if strategy.num_replicas_in_sync > 1 else ""), flush=True)
        first_epoch = 0
        checkpoint = None
        if run_dir:
            backup_dir = os.path.join(run_dir, "backup")
            if options.fresh and os.path.isdir(backup_dir):
                shutil.rmtree(backup_dir)
            with strategy.scope():
                model.use_data_for_monitoring(data, options.monitor_images)
                checkpoint = cb.EpochCheckpoint(backup_dir)
                data_print = data_fingerprint.fingerprint(data, options.limit)
                if checkpoint.saved_epoch() is not None:
                    data_fingerprint.check(run_dir, data_print, options.allow_data_change)
                first_epoch = run_state.resume(checkpoint, model, config, run_dir, run_name)
                data_fingerprint.record(run_dir, data_print)
            if first_epoch:
                print(f"resuming {run_dir} after epoch {first_epoch}", flush=True)

        dataset, steps = _training_data(model_class, config, data, metadata, strategy, workers,
                                        batch_size, options.limit, options.steps_per_epoch, first_epoch)
        clock = cb.TrainingClock(initial_step=first_epoch * steps, setup_seconds=time.perf_counter() - setup_started)
        run_callbacks = [clock, cb.StopOnNonFiniteLoss(checkpoint)]  # stops fit before a bad state is saved
        if options.seconds:
            run_callbacks += [cb.TimeLimit(options.seconds, clock), *budget_callbacks(model, options.seconds, clock)]
        if run_dir:
            samples, log_dir = os.path.join(run_dir, "samples"), os.path.join(run_dir, "logs")
            run_callbacks += [
                checkpoint,
                cb.ModelMonitor(samples, log_dir, num_images=options.monitor_images, seed=config.seed),
                *family_callbacks(model, data, samples, log_dir),
                *measuring_callbacks(model, entry, data, batch_size, log_dir, clock, options),
                *([cb.StepLogger(log_dir, options.log_every, clock)] if options.log_every else []),
                keras.callbacks.TensorBoard(log_dir),  # after the callbacks that add to the logs
            ]
        else:
            run_callbacks += measuring_callbacks(model, entry, data, batch_size, None, clock, options)
        if verbose == "auto" and (os.environ.get("CI") or not sys.stdout.isatty()):
            verbose = 2  # one line per epoch: a progress bar in a log file is one line per step
        try:
            history = model.fit(dataset, epochs=options.epochs, initial_epoch=first_epoch,
                                steps_per_epoch=steps,
                                callbacks=[*run_callbacks, *callbacks, cb.EpochProgress()],
                                verbose=verbose, shuffle=False)  # the dataset shuffles; Keras warns it ignores True
        except KeyboardInterrupt as interrupt:  # Ctrl-C, or SIGTERM (gan_tf.training.stopping)
            raise stopping.training_stopped(interrupt, checkpoint) from None
        except (OSError, tf.errors.OpError) as error:  # a full disk met by a picture or the logs
            failure = _stopped_by_disk(error, checkpoint, log_dir) if run_dir else None
            if failure is None:
                raise
            raise failure from None
        if run_dir:
            path = os.path.join(run_dir, "model.keras")
            run_state.save_model(model, path, f"{checkpoint.kept()}; run the same command again to "
                                 "write model.keras from it once there is room")
            print(f"saved {path}; samples in {os.path.join(run_dir, 'samples')}; "
                  f"tensorboard --logdir {os.path.join(run_dir, 'logs')}", flush=True)
            if options.animate and checkpoint.kept_epoch:
                _animate(run_dir, checkpoint.kept_epoch)
        quality = next((c.records for c in run_callbacks if isinstance(c, cb.PeriodicScores)), [])
        return TrainingRun(model, config, run_dir, batch_size, first_epoch, history.history, clock, quality)


def _stopped_by_disk(error, checkpoint, log_dir):
    """A write that failed mid-fit on a full, read-only or forbidden disk as one line naming
    its path (TensorBoard's, whose errors name no path: the log folder) and the checkpoint
    kept; the checkpoint's own failure, which says so already, as it is; None for other errors."""
    if isinstance(error, writes.WriteError) and error.filename == checkpoint.directory:
        return error
    return writes.as_write_error(error, getattr(error, "filename", None) or log_dir,
                                 f"training stopped; {checkpoint.kept()}; run the same command again "
                                 "once there is room")


def _animate(run_dir, last_epoch):
    """The run's progress GIFs; one that cannot be written is a warning, since the trained
    model is saved by then (`gan-tf animate` writes it later)."""
    try:
        for gif, epochs, stopped in animation.animate(run_dir, last_epoch=last_epoch, kept=(
                "model.keras and the checkpoints are saved; gan-tf animate writes it once there is room")):
            print(f"wrote {gif}: {animation.describe(epochs, stopped)}", flush=True)
    except writes.WriteError as error:
        print(f"WARNING: {error}", file=sys.stderr, flush=True)


def _choose_xla(model, jit, entry, config, data, batch_size, precision, strategy):
    """(XLA on?, a note for the run's first line): `jit` itself unless it is "auto", which
    times the compiled model's step both ways on its first batch (`gan_tf.training.jit_choice`)."""
    if jit != "auto":
        return jit, ""
    # Read to its end (one batch): a cached dataset left half-read warns that it drops its cache.
    *_, batch = type(model).training_dataset(data, config, batch_size, limit=batch_size)
    key = jit_choice.cache_key(entry.name, config, batch_size, devices.describe_device(), precision,
                               strategy.num_replicas_in_sync)
    jit, rates = jit_choice.choose(model, batch, key)
    if rates is None:
        return jit, " (auto: measured before, cached)"
    return jit, f" (auto: {rates['on']:.2f} vs {rates['off']:.2f} steps/s with and without)"


def _training_data(model_class, config, data, metadata, strategy, workers, batch_size, limit,
                   steps_per_epoch, first_epoch):
    """(dataset, steps per epoch). One worker: the seeded epoch order, replayed up to
    `first_epoch` for a resumed run (an endless dataset for families that replay, counted in
    steps). Several workers: each reads its own shards (auto-sharding by file); the shards hold
    different numbers of records, so the data repeats and epochs are counted in steps (a worker
    running out first would leave the others waiting in an all-reduce)."""
    if workers > 1:
        shards = len(metadata["splits"]["train"]["shards"])
        if shards < workers:
            raise ValueError(f"{data} has {shards} train shards for {workers} workers; "
                             f"preprocess again with --train-shards {workers} or more")
        with strategy.scope():
            dataset = model_class.training_dataset(data, config, batch_size, limit).repeat()
        return dataset, steps_per_epoch or max(1, batches_per_epoch(data, batch_size, limit=limit) - 1)
    dataset = model_class.training_dataset(data, config, batch_size, limit, first_epoch)
    cardinality = int(dataset.cardinality())
    if cardinality == 0:
        raise ValueError(f"{data} gives no full batch of {batch_size}"
                         + (f" from its first {limit} records" if limit else "")
                         + ": lower --batch-size or raise --limit")
    if cardinality == int(tf.data.INFINITE_CARDINALITY):
        return dataset, steps_per_epoch or batches_per_epoch(data, batch_size, limit=limit)
    if steps_per_epoch and steps_per_epoch > cardinality:
        dataset = dataset.repeat()
    return dataset, steps_per_epoch or cardinality


def family_callbacks(model, data, output_dir, log_dir):
    """The callbacks a recorded run adds for what `model` declares: the papers' epoch schedule
    of an image-to-image config (`constant_epochs`, then linear decay over `decay_epochs`), and
    the pictures of its `picture_inputs` (the VAEs')."""
    config, found = model.config, []
    if hasattr(config, "decay_epochs"):
        found.append(cb.LinearDecay(config.learning_rate, config.constant_epochs, config.decay_epochs))
    pictures = model.picture_inputs(data)
    if pictures is not None:
        found.append(cb.PictureMonitor(output_dir, log_dir, *pictures))
    return found


def budget_callbacks(model, seconds, clock):
    """For a run bounded to `seconds` on `clock`: with a config `anneal` > 0, the two players'
    learning rates fall to zero over that fraction of the budget."""
    anneal = getattr(model.config, "anneal", 0.0)
    return [cb.TimeAnnealing(seconds, anneal, clock)] if anneal else []


def translation_scores(entry, data, split, classifier, log_dir, clock, every, every_seconds):
    """The `TranslationScores` callback of an image-to-image family: pix2pix's translations of
    `split` against their targets, or CycleGAN's of both test domains read by the domain
    `classifier`."""
    from gan_tf.metrics import translation

    if entry.name == "cyclegan":
        if not classifier:
            raise ValueError("cyclegan scores its translations with a domain classifier (--classifier, "
                             "from gan-tf train-classifier on the same data)")
        from gan_tf.metrics.features import classifier_features

        score = translation.cycle_scorer(data, classifier_features(classifier))
    elif entry.name == "pix2pix" and split and not classifier:
        splits = DataFolder.open(data).splits
        if split not in splits:
            raise ValueError(f"{data} has no split {split!r} to score (it has {', '.join(splits)})")
        score = translation.paired_scorer(data, split)
    else:
        raise ValueError(f"{entry.name} scores its translations of --score-split against their targets "
                         "(no --classifier)")
    return cb.TranslationScores(score, every, log_dir, clock, every_seconds)


def measuring_callbacks(model, entry, data, batch_size, log_dir, clock, options):
    """Diagnostics for GANs drawing from a latent prior (every epoch and every `log_every`
    steps, when there is a `log_dir`); quality metrics when a classifier is given (families
    drawing from a latent prior, and text-to-image ones from the test captions); translation
    scores of `score_split` for paired image-to-image families."""
    from gan_tf.models.adversarial import AdversarialModel

    run_callbacks = []
    extractor = None
    if entry.draws_from == registry.IMAGES:
        if options.classifier or options.score_split:
            run_callbacks.append(translation_scores(entry, data, options.score_split, options.classifier,
                                                    log_dir, clock, options.metrics_every,
                                                    options.metrics_seconds))
        return run_callbacks
    if options.classifier:
        from gan_tf.metrics.features import classifier_features
        from gan_tf.metrics.report import real_image_batches

        extractor = classifier_features(options.classifier)
        run_callbacks.append(cb.QualityMetrics(
            extractor, real_image_batches(data), options.metrics_every, options.metrics_samples,
            log_dir=log_dir, clock=clock, every_seconds=options.metrics_seconds,
            held_out=model.held_out_batches(data),
            conditions=model.scoring_inputs(data, options.metrics_samples)))
    if log_dir and isinstance(model, AdversarialModel):
        # A separate, unshuffled reader: iterating the training dataset here would draw from
        # its shuffle seeds in a background thread and make the data order irreproducible.
        real, labels = next(iter(make_dataset(data, batch_size=batch_size, value_range=model.value_range,
                                              with_labels=True, shuffle=False, limit=batch_size,
                                              cache=False, drop_remainder=False)))
        classify = (lambda images: extractor(images)[1]) if extractor else None
        run_callbacks.append(cb.TrainingDiagnostics(real, labels if model.uses_labels else None,
                                                    classifier=classify, log_dir=log_dir,
                                                    clock=clock, every_steps=options.log_every))
    return run_callbacks

