"""FashionGAN's hyper-parameters: the source's defaults and the `fast` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import AdversarialConfig


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
                 "anneal": 0.5},
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
