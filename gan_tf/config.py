"""Hyper-parameter dataclasses shared by the models (get_config) and the CLI (flags).

Each family declares one frozen dataclass whose defaults are its source's values; the CLI
turns every field into a `--field-name` flag, so a new hyper-parameter needs no CLI code.
Fields the data decides (image shape, channels, classes, ...) are listed in each config's
`DATA_FIELDS`: the model sets them from the data's metadata (`config_for_data`), so they are
not flags. This module imports no TensorFlow, so `gan-tf --help` stays fast; the family
registry (`gan_tf.registry`) pairs each config with its model class.
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
    # Named configurations: {name: {field: value}} over the defaults ("source": the defaults);
    # a preset may also name the `batch_size` it was tuned at (the run's default batch).
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
    def add_arguments(cls, parser):
        """Adds one `--field-name` flag per field; defaults stay None so unset flags are known."""
        hints = typing.get_type_hints(cls)
        group = parser.add_argument_group(f"{cls.__name__} hyper-parameters")
        group.add_argument("--preset", choices=list(cls.presets()), default="source",
                           help="named configuration the other flags start from: "
                           + "; ".join(f"{name}: {', '.join(f'{k}={v}' for k, v in values.items()) or 'the defaults'}"
                                       for name, values in cls.presets().items()))
        for field in cls.flag_fields():
            kind = hints[field.name]
            flag = "--" + field.name.replace("_", "-")
            if kind is bool:
                group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                                   help=f"(default: {field.default})")
            else:
                group.add_argument(flag, type=_parser_for(kind), default=None,
                                   metavar=field.name.upper(), help=f"(default: {field.default})")

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

    `loss`: bce, least_squares, hinge or wasserstein (`gan_tf.losses.LOSSES`);
    `gradient_penalty`: WGAN-GP weight lambda (0 = off); `critic_steps`: discriminator
    updates per generator update (WGAN's n_critic); `label_smoothing` / `label_noise`:
    one-sided softening of the real targets (bce only); `simultaneous_updates`: both networks
    update from one generator forward per step (the TF docs DCGAN's step) instead of the
    sources' D-then-G step with a second forward (needs critic_steps 1); `anneal`: in a run
    bounded by `--seconds`, the fraction of the budget at its end over which both learning
    rates fall linearly to zero (0 = constant rates); `generator_ema`: the decay of a moving
    average of the generator's weights that draws every image outside training (0 = off, as
    the sources; `gan_tf.averaging`).
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
class FashionGANConfig(AdversarialConfig):
    """Defaults are the source's: latent 128, Adam 1e-4 for G and 1e-5 for D. The `fast`
    preset (chosen by measurement: docs/families/fashion_gan.md) trains the DCGAN-style networks
    (`architecture` dcgan) with one generator forward per step. `generator_refine` adds 3x3
    convolutions (their filter counts) to the dcgan generator at half the image side."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"architecture": "dcgan", "latent_dim": 100, "generator_filters": 128,
                 "generator_refine": (64,), "discriminator_filters": (32, 64), "dropout": 0.0,
                 "g_learning_rate": 8e-4, "d_learning_rate": 4e-4, "beta_1": 0.5, "simultaneous_updates": True,
                 "anneal": 0.5, "batch_size": 64},
    }

    architecture: str = "source"
    latent_dim: int = 128
    image_shape: tuple[int, ...] = (28, 28, 1)
    generator_filters: int = 128
    generator_refine: tuple[int, ...] = ()
    discriminator_filters: tuple[int, ...] = (32, 64, 128, 256)
    dropout: float = 0.4
    g_learning_rate: float = 1e-4
    d_learning_rate: float = 1e-5
    beta_1: float = 0.9
    beta_2: float = 0.999


@dataclasses.dataclass(frozen=True)
class VAEConfig(Config):
    """Defaults are the source's: conv networks, 2-D latent, Adam 1e-3, full KL weight.
    `architecture` mlp is fully connected with `hidden_units` (the encoder's; the decoder
    mirrors them) and ignores `dropout`; the `fast` preset trains it (docs/families/vae.md)."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    PRESETS: ClassVar[dict[str, dict]] = {"fast": {"architecture": "mlp"}}

    architecture: str = "source"
    latent_dim: int = 2
    image_shape: tuple[int, ...] = (28, 28, 1)
    hidden_units: tuple[int, ...] = (512, 256)
    dropout: float = 0.25
    learning_rate: float = 1e-3
    kl_weight: float = 1.0


@dataclasses.dataclass(frozen=True)
class DCGANConfig(AdversarialConfig):
    """The DCGAN lab's defaults: latent 100, 64 filters, 64x64 RGB, Adam 2e-4 beta_1 0.5."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    latent_dim: int = 100
    image_shape: tuple[int, ...] = (64, 64, 3)
    generator_filters: int = 64
    discriminator_filters: int = 64
    critic_batch_norm: bool = True
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999


@dataclasses.dataclass(frozen=True)
class ImageTranslationConfig(Config):
    """Fields CycleGAN and pix2pix share; defaults are the papers" (256 px, Adam 2e-4/0.5,
    constant rate for `constant_epochs` then linear decay to zero over `decay_epochs`).

    `upsample` "resize" replaces the generators' transposed convolutions (see
    `gan_tf.networks.image_to_image`); `anneal` > 0 takes both learning rates linearly to zero
    over that fraction of a `--seconds` budget, as the latent GANs' fast presets do.
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
    jitter: bool = True


@dataclasses.dataclass(frozen=True)
class CVAEConfig(VAEConfig):
    """The VAE's defaults plus the number of classes it is conditioned on (set from the data).
    The `fast` preset weighs the KL term 5x (a beta-VAE): a latent carrying fewer bits leaves
    the class to the label, and prior samples read as their label far more often (docs/families/vae.md)."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape", "num_classes")
    PRESETS: ClassVar[dict[str, dict]] = {"fast": {"architecture": "mlp", "kl_weight": 5.0}}
    num_classes: int = 10


@dataclasses.dataclass(frozen=True)
class WGANGPConfig(DCGANConfig):
    """WGAN-GP (Gulrajani et al. 2017) on the DCGAN networks: Wasserstein loss, lambda 10,
    5 critic steps, no batch norm in the critic, Adam 1e-4 with betas (0, 0.9)."""

    loss: str = "wasserstein"
    gradient_penalty: float = 10.0
    critic_steps: int = 5
    critic_batch_norm: bool = False
    learning_rate: float = 1e-4
    beta_1: float = 0.0
    beta_2: float = 0.9


@dataclasses.dataclass(frozen=True)
class ConditionalGANConfig(AdversarialConfig):
    """Label-conditional GAN for 28x28 class-labelled data (Fashion-MNIST, MNIST). The `fast`
    preset trains FashionGAN's fast networks, label-conditioned (`architecture` dcgan)."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape", "num_classes")
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"architecture": "dcgan", "generator_filters": 128, "discriminator_filters": 32,
                 "learning_rate": 4e-4, "simultaneous_updates": True, "anneal": 0.5, "batch_size": 64},
    }

    architecture: str = "source"
    latent_dim: int = 100
    image_shape: tuple[int, ...] = (28, 28, 1)
    num_classes: int = 10
    embedding_dim: int = 50
    generator_filters: int = 128
    discriminator_filters: int = 64
    learning_rate: float = 2e-4
    beta_1: float = 0.5


@dataclasses.dataclass(frozen=True)
class VanillaGANConfig(AdversarialConfig):
    """Fully connected GAN of the book's first chapters; `image_shape` (2,) for 2-D points.
    The `fast` preset keeps the networks and batch 128 and takes FashionGAN fast's step: one
    generator forward per step, Adam 4e-4, rates annealed over the second half of a budget."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"learning_rate": 4e-4, "simultaneous_updates": True, "anneal": 0.5, "batch_size": 128},
    }
    latent_dim: int = 100
    image_shape: tuple[int, ...] = (28, 28, 1)
    hidden_units: tuple[int, ...] = (256, 512)
    output_activation: str = "tanh"
    learning_rate: float = 2e-4
    beta_1: float = 0.5


@dataclasses.dataclass(frozen=True)
class CycleGANConfig(ImageTranslationConfig):
    """CycleGAN (Zhu et al. 2017): ResNet-9 generators, instance norm, LSGAN, cycle lambda 10,
    identity 0.5 lambda (`identity_weight` 0 switches it off), a pool of 50 past fakes. The
    `fast` preset (chosen on a held-out part of horse2zebra's train split:
    docs/families/cyclegan.md) trains 128-px crops of the picture at 256 px with narrow networks
    (16-filter ResNet-6 generators, resize-convolution upsampling, 32-filter discriminators),
    annealed over the second half of a `--seconds` budget."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("channels",)
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"image_size": 128, "load_size": 256, "generator_filters": 16, "residual_blocks": 6,
                 "upsample": "resize", "discriminator_filters": 32, "anneal": 0.5}}
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
    trained as colourisation (greyscale input, colour target), whose output keeps the input's
    luminance so the generator learns only the colour (`keep_luminance`, as the paper's
    L -> ab colourisation in Lab; paired data ignores it). `gan_weight` 0 trains the
    generator on L1 alone and no discriminator: the paper's L1-only ablation. The `fast`
    preset (chosen on facades' val split: docs/families/pix2pix.md) trains 128-px crops of the
    picture at 256 px with instance norm, annealed over the second half of a `--seconds` budget."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("input_channels", "output_channels")
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"image_size": 128, "load_size": 256, "norm": "instance", "anneal": 0.5}}
    input_channels: int = 3
    output_channels: int = 3
    norm: str = "batch"
    dropout: float = 0.5
    l1_weight: float = 100.0
    gan_weight: float = 1.0
    keep_luminance: bool = True


@dataclasses.dataclass(frozen=True)
class StackGANConfig(Config):
    """StackGAN (Zhang et al. 2017) with the official code's defaults: 128-d conditioning code,
    latent 100, Stage-I 64x64 and Stage-II 256x256, 4 residual blocks, Adam 2e-4 beta_1 0.5.

    `stage` chooses the network trained (2 needs `stage1_model`, a trained Stage-I run or
    `.keras` file, which stays frozen). `kl_weight` None means the stage's default (1 for
    Stage-I, 2 for Stage-II). `mismatch_weight` is the share of D's "fake" loss given to
    (real image, wrong caption) pairs, the rest to generated images (the source's 0.5: real +
    (wrong + fake) / 2). `stage2_residual` makes Stage-II correct the up-sampled Stage-I image
    instead of redrawing it; `stage1_anchor_weight` adds that weight x the mean absolute
    difference between Stage-II's image and the bilinearly up-sampled Stage-I image to Stage-II's
    generator loss, so Stage-II keeps Stage-I's picture (and its class) while its discriminator
    asks for detail (0: off, as the source); `stage1_anchor_reduced` compares instead Stage-II's
    image averaged down to Stage-I's size with the Stage-I image, holding only the coarse
    picture. `generator_ema` (0: off, as the source) is the decay of a moving average of the
    generator's weights that draws every image outside training (monitor, scores, export;
    `gan_tf.averaging`); `anneal` is the GANs' (the learning rates fall to zero over that
    fraction of a `--seconds` budget). `embedding_dim`, `channels`, `data_name` and
    `text_encoder` are taken from the data's metadata (`minilm`, or `minilm:DIR` for captions
    embedded with the weights in DIR, which the export then loads). The `fast` preset (captioned
    Fashion-MNIST, chosen by measurement: docs/families/stackgan.md) is used for both stages;
    its Stage-II is residual with an anchor weight of 40, and both stages draw with a 0.999
    moving average of the generator (the documented Stage-II recipe adds `--anneal 0.5`).
    """

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("embedding_dim", "channels", "data_name", "text_encoder")
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"stage1_size": 32, "stage2_size": 64, "generator_filters": 16, "stage2_generator_filters": 16,
                 "discriminator_filters": 16, "residual_blocks": 1, "mismatch_weight": 0.7,
                 "learning_rate": 4e-4, "batch_size": 64, "stage2_residual": True,
                 "stage1_anchor_weight": 40.0, "generator_ema": 0.999},
    }
    stage: int = 1
    stage1_model: str = ""
    embedding_dim: int = 1024
    code_dim: int = 128
    latent_dim: int = 100
    stage1_size: int = 64
    stage2_size: int = 256
    channels: int = 3
    generator_filters: int = 128
    stage2_generator_filters: int = 128
    discriminator_filters: int = 64
    residual_blocks: int = 4
    stage2_residual: bool = False
    stage1_anchor_weight: float = 0.0
    stage1_anchor_reduced: bool = False
    generator_ema: float = 0.0
    anneal: float = 0.0
    kl_weight: typing.Optional[float] = None
    mismatch_weight: float = 0.5
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    data_name: str = ""
    text_encoder: str = ""

