"""Every option of a training run, declared once with its default and its help.

`gan-tf train`'s flags are generated from these fields, and `gan_tf.train` takes them (as a
`RunOptions`, or as keywords), so the CLI and Python cannot drift apart. Imports no
TensorFlow: `gan-tf --help` builds its parsers from here.
"""

import dataclasses

from gan_tf.console import numbers

STRATEGIES = ("default", "mirrored", "multiworker", "tpu")
JIT_SETTINGS = {"auto": "auto", "on": True, "off": False}


def option(default, help, **flag):
    """A `RunOptions` field: its default, its help (`{family}` and `{batch}` name the family's
    own; for an option on by default, the help of its `--no-` flag) and the `argparse` settings
    of its flag."""
    return dataclasses.field(default=default, metadata={"help": help, "flag": flag})


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How a run trains and what it writes; the model's hyper-parameters are its config's."""

    run_dir: str | None = option(None, "output folder (default: runs/{family})")
    epochs: int = option(10, "epochs to train", type=numbers.POSITIVE)
    batch_size: int | None = option(None, "global batch, split over the replicas of --strategy "
                                    "(default: {batch})", type=numbers.POSITIVE)
    steps_per_epoch: int | None = option(None, "batches per epoch (default: all)", type=numbers.POSITIVE)
    limit: int | None = option(None, "train on the first N records only", type=numbers.POSITIVE)
    seconds: float | None = option(None, "stop after this much training time (compiling included), "
                                   "at the end of a step; the run is saved as usual",
                                   type=numbers.positive_float)
    strategy: str = option("default", "tf.distribute strategy: mirrored (all local GPUs), multiworker "
                           "(MultiWorkerMirroredStrategy over the machines in TF_CONFIG; run the same "
                           "command on each), tpu (TPUStrategy, see --tpu), default (one device). "
                           "Losses are averaged over the global batch", choices=STRATEGIES)
    tpu: str = option("", "--strategy tpu: TPU name or grpc:// address (default: the local TPU VM)")
    mixed_precision: bool = option(False, "mixed_float16 on GPU (with loss scaling of both "
                                   "optimizers), mixed_bfloat16 elsewhere; outputs and losses stay "
                                   "float32. The dtype policy in force before the run is restored after it")
    jit: str | bool = option("auto", "compile the train step with XLA: auto (default) times a few "
                             "steps both ways at the start and keeps the faster (remembered in "
                             "~/.cache/gan_tf/jit.json); --jit forces it on, --no-jit off (always off "
                             "under mirrored and multiworker strategies with more than one replica)",
                             nargs="?", choices=tuple(JIT_SETTINGS), const="on")
    deterministic: bool = option(False, "deterministic TF ops: a resumed run then matches an "
                                 "uninterrupted one exactly (slower on GPU)")
    monitor_images: int = option(25, "samples in each epoch's grid", type=numbers.POSITIVE)
    fresh: bool = option(False, "discard an interrupted run's checkpoint and start over")
    allow_data_change: bool = option(False, "resume a run on other data than it was trained on "
                                     "(other records, counts or --limit; refused otherwise, naming "
                                     "the difference)")
    classifier: str | None = option(None, "domain classifier (.keras, from gan-tf train-classifier): "
                                    "adds FID/KID/IS/precision/recall to the logs")
    metrics_every: int = option(1, "epochs between metric runs", type=numbers.POSITIVE)
    metrics_seconds: float | None = option(None, "also measure the metrics every this many seconds "
                                           "of training", type=numbers.positive_float)
    metrics_samples: int = option(1000, "samples per metric run", type=numbers.POSITIVE)
    score_split: str | None = option(None, "pix2pix and colourisation: score the translations of "
                                     "this split (test, val, ...) against its real targets (L1, "
                                     "PSNR, SSIM, detail, colourfulness) at the "
                                     "--metrics-every/--metrics-seconds times")
    log_every: int = option(25, "steps between loss points in TensorBoard (0: per epoch only)",
                            type=numbers.NON_NEGATIVE)
    animate: bool = option(True, "do not write RUN_DIR/progress.gif (the epochs' sample grids as an "
                           "animation; gan-tf animate writes it any time)")

    def __post_init__(self):
        if isinstance(self.jit, str):  # the CLI's spelling
            if self.jit not in JIT_SETTINGS:
                raise ValueError(f"jit is one of {', '.join(JIT_SETTINGS)}, True or False; got {self.jit!r}")
            object.__setattr__(self, "jit", JIT_SETTINGS[self.jit])

    @classmethod
    def names(cls):
        return [field.name for field in dataclasses.fields(cls)]

    @classmethod
    def split(cls, options, settings):
        """(RunOptions, the rest): `options` (default: all defaults) with the run options among
        the keyword `settings`; the rest are config fields."""
        names = set(cls.names())
        options = dataclasses.replace(options or cls(), **{k: v for k, v in settings.items() if k in names})
        return options, {k: v for k, v in settings.items() if k not in names}

    @classmethod
    def add_arguments(cls, parser, family, batch):
        """One flag per field (`--no-NAME` for one that is on by default, and `--no-jit`)."""
        for field in dataclasses.fields(cls):
            flag = "--" + field.name.replace("_", "-")
            help = field.metadata["help"].format(family=family, batch=batch)
            settings = field.metadata["flag"]
            if field.default is True:
                parser.add_argument("--no-" + flag[2:], dest=field.name, action="store_false", help=help)
            elif field.default is False:
                parser.add_argument(flag, action="store_true", help=help)
            else:
                parser.add_argument(flag, default=field.default, help=help, **settings)
        parser.add_argument("--no-jit", dest="jit", action="store_const", const="off",
                            help="the same as --jit off")

    @classmethod
    def from_args(cls, args):
        return cls(**{name: getattr(args, name) for name in cls.names()})
