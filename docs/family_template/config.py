"""TemplateGAN's hyper-parameters: every field is a `gan-tf train template_gan` flag, except
the `DATA_FIELDS` the data decides. This module imports no TensorFlow (`gan-tf --help` reads it)."""

import dataclasses
from typing import ClassVar

from gan_tf.config import AdversarialConfig


@dataclasses.dataclass(frozen=True)
class TemplateGANConfig(AdversarialConfig):
    """Defaults are the source's (say where they come from); loss, gradient penalty, critic
    steps and label smoothing come with AdversarialConfig."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)
    # Named configurations over the defaults, config values only, e.g.
    # {"fast": {"hidden_units": 128, "learning_rate": 4e-4}}; `--preset fast` then trains them.
    PRESETS: ClassVar[dict[str, dict]] = {}

    latent_dim: int = 64
    image_shape: tuple[int, ...] = (28, 28, 1)
    hidden_units: int = 256
    learning_rate: float = 2e-4
    beta_1: float = 0.5
