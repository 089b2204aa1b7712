"""The VAE's hyper-parameters: the source's defaults and the `fast` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import Config


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
