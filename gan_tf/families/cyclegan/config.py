"""CycleGAN's hyper-parameters: the paper's defaults and the `fast` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import ImageTranslationConfig


@dataclasses.dataclass(frozen=True)
class CycleGANConfig(ImageTranslationConfig):
    """CycleGAN (Zhu et al. 2017): ResNet-9 generators, instance norm, LSGAN, cycle lambda 10,
    identity 0.5 lambda (`identity_weight` 0 switches it off), a pool of 50 past fakes. The
    `fast` preset (chosen on a held-out part of horse2zebra's train split:
    docs/families/cyclegan.md) trains 128-px crops of the picture at 256 px with narrow networks
    (16-filter ResNet-6 generators, resize-convolution upsampling, 32-filter discriminators),
    annealed over the second half of a `--seconds` budget. `f_generator_filters` gives F (B -> A)
    its own width, for a direction that needs more than the other."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("channels",)
    f_generator_filters: int = 0  # F's (B -> A) width when it differs from G's; 0: generator_filters
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
