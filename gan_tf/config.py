"""Hyper-parameter dataclasses shared by the models (get_config) and the CLI (flags).

Each family declares one frozen dataclass whose defaults are its source's values; the CLI
turns every field into a `--field-name` flag, so a new hyper-parameter needs no CLI code.
This module imports no TensorFlow, so `gan-tf --help` stays fast. `CONFIGS` maps the CLI's
family names to their configs.
"""

import argparse
import dataclasses
import typing


@dataclasses.dataclass(frozen=True)
class Config:
    """Base of the families' configs: dict round trip and argparse flags."""

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
    def add_arguments(cls, parser):
        """Adds one `--field-name` flag per field; defaults stay None so unset flags are known."""
        hints = typing.get_type_hints(cls)
        group = parser.add_argument_group(f"{cls.__name__} hyper-parameters")
        for field in dataclasses.fields(cls):
            kind = hints[field.name]
            flag = "--" + field.name.replace("_", "-")
            if kind is bool:
                group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                                   help=f"(default: {field.default})")
            else:
                group.add_argument(flag, type=_parser_for(kind), default=None,
                                   metavar=field.name.upper(), help=f"(default: {field.default})")

    @classmethod
    def from_args(cls, args):
        """The config with every flag the user set applied over the defaults."""
        values = {
            f.name: getattr(args, f.name)
            for f in dataclasses.fields(cls)
            if getattr(args, f.name, None) is not None
        }
        return cls.from_dict(values)


def _parser_for(kind):
    """A string -> value parser for a field's type; tuples are comma-separated."""
    origin = typing.get_origin(kind)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return lambda text: tuple(item(part) for part in text.split(","))
    if origin is typing.Union:  # Optional[X]
        return next(a for a in typing.get_args(kind) if a is not type(None))
    return kind


@dataclasses.dataclass(frozen=True)
class FashionGANConfig(Config):
    """Defaults are the source's: latent 128, Adam 1e-4 for G and 1e-5 for D."""

    latent_dim: int = 128
    image_shape: tuple[int, ...] = (28, 28, 1)
    generator_filters: int = 128
    discriminator_filters: tuple[int, ...] = (32, 64, 128, 256)
    dropout: float = 0.4
    g_learning_rate: float = 1e-4
    d_learning_rate: float = 1e-5
    beta_1: float = 0.9
    label_smoothing: float = 0.0
    label_noise: float = 0.0
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class ImageTranslationConfig(Config):
    """Fields CycleGAN and pix2pix share; defaults are the papers' (256 px, Adam 2e-4/0.5,
    constant rate for `constant_epochs` then linear decay to zero over `decay_epochs`)."""

    image_size: int = 256
    generator_filters: int = 64
    discriminator_filters: int = 64
    discriminator_layers: int = 3  # 3 stride-2 blocks: 70x70 patches
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    constant_epochs: int = 100
    decay_epochs: int = 100
    jitter: bool = True
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class CycleGANConfig(ImageTranslationConfig):
    """CycleGAN (Zhu et al. 2017): ResNet-9 generators, instance norm, LSGAN, cycle lambda 10,
    identity 0.5 lambda (`identity_weight` 0 switches it off), a pool of 50 past fakes."""

    channels: int = 3
    generator: str = "resnet"
    residual_blocks: int = 9
    norm: str = "instance"
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    pool_size: int = 50


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(ImageTranslationConfig):
    """pix2pix (Isola et al. 2017): U-Net generator, PatchGAN on (input, target), BCE + 100 L1.

    The channels come from the data: paired records give both; an unpaired image folder is
    trained as colourisation (greyscale input, colour target)."""

    input_channels: int = 3
    output_channels: int = 3
    norm: str = "batch"
    dropout: float = 0.5
    l1_weight: float = 100.0


CONFIGS = {"fashion_gan": FashionGANConfig, "cyclegan": CycleGANConfig, "pix2pix": Pix2PixConfig}
