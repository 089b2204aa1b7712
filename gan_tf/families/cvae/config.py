"""The conditional VAE's hyper-parameters: the VAE's and the number of classes."""

import dataclasses
from typing import ClassVar

from gan_tf.families.vae.config import VAEConfig


@dataclasses.dataclass(frozen=True)
class CVAEConfig(VAEConfig):
    """The VAE's defaults plus the number of classes it is conditioned on (set from the data).
    The `fast` preset weighs the KL term 5x (a beta-VAE): a latent carrying fewer bits leaves
    the class to the label, and prior samples read as their label far more often (docs/families/vae.md)."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape", "num_classes")
    PRESETS: ClassVar[dict[str, dict]] = {"fast": {"architecture": "mlp", "kl_weight": 5.0}}
    num_classes: int = 10
