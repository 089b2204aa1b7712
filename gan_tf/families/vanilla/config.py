"""The vanilla GAN's hyper-parameters: the book's defaults and the `fast` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import AdversarialConfig


@dataclasses.dataclass(frozen=True)
class VanillaGANConfig(AdversarialConfig):
    """Fully connected GAN of the book's first chapters; `image_shape` (2,) for 2-D points.
    The `fast` preset keeps the networks and batch 128 and takes FashionGAN fast's step: one
    generator forward per step, Adam 4e-4, rates annealed over the second half of a budget."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": {"learning_rate": 4e-4, "simultaneous_updates": True, "anneal": 0.5},
    }
    latent_dim: int = 100
    image_shape: tuple[int, ...] = (28, 28, 1)
    hidden_units: tuple[int, ...] = (256, 512)
    output_activation: str = "tanh"
    learning_rate: float = 2e-4
    beta_1: float = 0.5
