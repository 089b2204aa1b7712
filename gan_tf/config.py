"""The config bases the families' configs derive from: dict round trip, presets and CLI flags.

Each family declares one frozen dataclass in its folder (`gan_tf/families/<name>/config.py`)
whose defaults are its source's values; the CLI turns every field into a `--field-name` flag, so
a new hyper-parameter needs no CLI code. Fields the data decides (image shape, channels,
classes, ...) are listed in each config's `DATA_FIELDS`: the model sets them from the data's
metadata (`config_for_data`), so they are not flags. `AdversarialConfig` holds the options
every GAN shares and `ImageTranslationConfig` those CycleGAN and pix2pix share. This module
imports no TensorFlow, so `gan-tf --help` stays fast.
"""

import argparse
import dataclasses
import typing
from typing import ClassVar

MAX_SAMPLE_COUNT = 4096  # default of `gan-tf export --max-count`: most images one request may ask for
MAX_PIXELS = 4096 * 4096  # default of `gan-tf export --max-pixels`: most pixels of one image request


@dataclasses.dataclass(frozen=True)
class Config:
    """Base of the families' configs: dict round trip and argparse flags. Every family has a
    `seed` (weights, random streams and data order derive from it)."""

    seed: int = 0

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Named configurations: {name: {field: value}} over the defaults ("source": the defaults).
    # Config values only: the batch a preset was tuned at is its family's (`preset_batch_sizes`).
    PRESETS: ClassVar[dict[str, dict]] = {}

    @classmethod
    def presets(cls):
        return {"source": {}, **cls.PRESETS}

    @classmethod
    def preset_values(cls, name):
        """The field values of the preset `name`."""
        presets = cls.presets()
        if name not in presets:
            raise ValueError(f"{cls.__name__} has no preset {name!r}; presets: {', '.join(presets)}")
        return dict(presets[name])

    @classmethod
    def from_preset(cls, name="source", **values):
        """The config of the preset `name` with `values` over it."""
        return cls.from_dict({**cls.preset_values(name), **values})

    @classmethod
    def flag_fields(cls):
        """The fields a user sets: every field but those the data decides."""
        return [f for f in dataclasses.fields(cls) if f.name not in cls.DATA_FIELDS]

    @classmethod
    def from_dict(cls, values):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown {cls.__name__} fields: {', '.join(sorted(unknown))}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def add_arguments(cls, parser, preset="source"):
        """Adds one `--field-name` flag per field; defaults stay None so unset flags are known.
        `preset` is the preset the run starts from unless `--preset` names another (an alias's
        own, which `--preset source` also names there): the defaults shown are its values."""
        hints = typing.get_type_hints(cls)
        shown = cls.preset_values(preset)
        described = {name: ", ".join(f"{k}={v}" for k, v in values.items()) or "the defaults"
                     for name, values in cls.presets().items()}
        if preset != "source":  # an alias's own preset is its source (gan_tf.registry.preset_of)
            described["source"] = f"as {preset}"
        group = parser.add_argument_group(f"{cls.__name__} hyper-parameters")
        group.add_argument("--preset", choices=list(cls.presets()), default=preset,
                           help="named configuration the other flags start from: "
                           + "; ".join(f"{name}: {text}" for name, text in described.items()))
        for field in cls.flag_fields():
            kind = hints[field.name]
            flag = "--" + field.name.replace("_", "-")
            default = shown.get(field.name, field.default)
            if kind is bool:
                group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                                   help=f"(default: {default})")
            else:
                group.add_argument(flag, type=_parser_for(kind), default=None,
                                   metavar=field.name.upper(), help=f"(default: {default})")

    @classmethod
    def overrides_from_args(cls, args):
        """{field: value} of every flag the user set."""
        return {f.name: getattr(args, f.name) for f in cls.flag_fields()
                if getattr(args, f.name, None) is not None}


def _parser_for(kind):
    """A string -> value parser for a field's type; tuples are comma-separated ("" is empty,
    to switch off a preset's tuple)."""
    origin = typing.get_origin(kind)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return lambda text: tuple(item(part) for part in text.split(",") if part.strip())
    if origin is typing.Union:  # Optional[X]
        return next(a for a in typing.get_args(kind) if a is not type(None))
    return kind


@dataclasses.dataclass(frozen=True)
class AdversarialConfig(Config):
    """Options of the shared adversarial base, so every GAN family offers them.

    `loss`: bce, least_squares, hinge or wasserstein (`gan_tf.training.losses.LOSSES`);
    `gradient_penalty`: WGAN-GP weight lambda (0 = off); `critic_steps`: discriminator
    updates per generator update (WGAN's n_critic); `label_smoothing` / `label_noise`:
    one-sided softening of the real targets (bce only); `simultaneous_updates`: both networks
    update from one generator forward per step (the TF docs DCGAN's step) instead of the
    sources' D-then-G step with a second forward (needs critic_steps 1); `anneal`: in a run
    bounded by `--seconds`, the fraction of the budget at its end over which both learning
    rates fall linearly to zero (0 = constant rates); `generator_ema`: the decay of a moving
    average of the generator's weights that draws every image outside training (0 = off, as
    the sources; `gan_tf.training.averaging`).
    """

    loss: str = "bce"
    gradient_penalty: float = 0.0
    critic_steps: int = 1
    label_smoothing: float = 0.0
    label_noise: float = 0.0
    simultaneous_updates: bool = False
    anneal: float = 0.0
    generator_ema: float = 0.0


@dataclasses.dataclass(frozen=True)
class ImageTranslationConfig(Config):
    """Fields CycleGAN and pix2pix share; defaults are the papers" (256 px, Adam 2e-4/0.5,
    constant rate for `constant_epochs` then linear decay to zero over `decay_epochs`).

    `upsample` "resize" replaces the generators' transposed convolutions (see
    `gan_tf.networks.image_to_image`); `anneal` > 0 takes both learning rates linearly to zero
    over that fraction of a `--seconds` budget, as the latent GANs' fast presets do;
    `generator_ema` (0: off, as the papers) is the decay of a moving average of each
    generator's weights that translates every image outside training (`gan_tf.training.averaging`).
    `load_size` 0 trains on whole images resized to `image_size` (jittered to 286/256 of it)
    and serves by resizing to it. A `load_size` above `image_size` is patch training: images
    are resized to `load_size` and the networks see random `image_size` crops of them, so they
    learn at that scale for a fraction of the compute; the export then resizes images to
    `load_size` and translates them whole in overlapping `image_size` tiles."""

    image_size: int = 256
    load_size: int = 0
    generator_filters: int = 64
    upsample: str = "transpose"
    discriminator_filters: int = 64
    discriminator_layers: int = 3  # 3 stride-2 blocks: 70x70 patches
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    constant_epochs: int = 100
    decay_epochs: int = 100
    anneal: float = 0.0
    generator_ema: float = 0.0
    jitter: bool = True
