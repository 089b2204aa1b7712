"""The conditional GAN's hyper-parameters: the source's defaults and the `fast` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import AdversarialConfig


@dataclasses.dataclass(frozen=True)
class ConditionalGANConfig(AdversarialConfig):
    """Label-conditional GAN for 28x28 class-labelled data (Fashion-MNIST, MNIST). The `fast`
    preset trains FashionGAN's fast networks, label-conditioned (`architecture` dcgan)."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape", "num_classes")
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"architecture": "dcgan", "generator_filters": 128, "discriminator_filters": 32,
                 "learning_rate": 4e-4, "simultaneous_updates": True, "anneal": 0.5},
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
