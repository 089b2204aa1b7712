"""DCGAN's hyper-parameters: the DCGAN lab's defaults, and WGAN-GP's as the `wgan_gp` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import AdversarialConfig


@dataclasses.dataclass(frozen=True)
class DCGANConfig(AdversarialConfig):
    """The DCGAN lab's defaults: latent 100, 64 filters, 64x64 RGB, Adam 2e-4 beta_1 0.5. The
    `wgan_gp` preset is WGAN-GP (Gulrajani et al. 2017) on the same networks: Wasserstein loss,
    lambda 10, 5 critic steps, no batch norm in the critic, Adam 1e-4 with betas (0, 0.9)
    (`gan-tf train wgan_gp` trains it)."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    PRESETS: ClassVar[dict[str, dict]] = {
        "wgan_gp": {"loss": "wasserstein", "gradient_penalty": 10.0, "critic_steps": 5,
                    "critic_batch_norm": False, "learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9},
    }

    latent_dim: int = 100
    image_shape: tuple[int, ...] = (64, 64, 3)
    generator_filters: int = 64
    discriminator_filters: int = 64
    critic_batch_norm: bool = True
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
