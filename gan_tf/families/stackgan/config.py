"""StackGAN's hyper-parameters: the official code's defaults and the `fast` preset."""

import dataclasses
import typing
from typing import ClassVar

from gan_tf.config import Config


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
    `gan_tf.training.averaging`); `anneal` is the GANs' (the learning rates fall to zero over that
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
                 "learning_rate": 4e-4, "stage2_residual": True,
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
