"""A template for a new family: copy it, rename, and split it into the package's three places.

A family is (1) a config dataclass whose defaults are its source's values (`gan_tf/config.py`;
every field becomes a `gan-tf train` flag, except the `DATA_FIELDS` the data decides),
(2) its networks, plain functional Keras models (`gan_tf/networks/<name>.py`), and (3) its
model class, which builds the networks and overrides the base's hooks, not `train_step`
(`gan_tf/models/<name>.py`), plus (4) one `Family` entry in `gan_tf/registry.py`. The CLI's
flags and help, the training driver, the export and the benchmarks then know it.
`tests/test_family_template.py` trains and exports this file's family, so it stays working.
"""

import dataclasses
from typing import ClassVar

import keras
from keras import layers

from gan_tf.config import AdversarialConfig
from gan_tf.data import TANH_RANGE
from gan_tf.models.adversarial import AdversarialModel


# (1) gan_tf/config.py -----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class TemplateGANConfig(AdversarialConfig):
    """Defaults are the source's (say where they come from); loss, gradient penalty, critic
    steps and label smoothing come with AdversarialConfig."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("image_shape",)

    latent_dim: int = 64
    image_shape: tuple[int, ...] = (28, 28, 1)
    hidden_units: int = 256
    learning_rate: float = 2e-4
    beta_1: float = 0.5


# (2) gan_tf/networks/template_gan.py --------------------------------------------------------
def build_generator(latent_dim, hidden_units, image_shape):
    latent = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(hidden_units, activation="relu")(latent)
    x = layers.Dense(int(keras.ops.prod(image_shape)), activation="tanh", dtype="float32")(x)
    return keras.Model(latent, layers.Reshape(image_shape, name="images")(x), name="generator")


def build_discriminator(image_shape, hidden_units):
    """Returns logits: the losses apply the sigmoid."""
    images = keras.Input(image_shape, name="images")
    x = layers.LeakyReLU(0.2)(layers.Dense(hidden_units)(layers.Flatten()(images)))
    return keras.Model(images, layers.Dense(1, name="logits", dtype="float32")(x), name="discriminator")


# (3) gan_tf/models/template_gan.py ----------------------------------------------------------
@keras.saving.register_keras_serializable(package="gan_tf")
class TemplateGAN(AdversarialModel):
    """`TemplateGAN()` then `compile()` then `fit(images in [-1, 1])`."""

    config_class = TemplateGANConfig
    value_range = TANH_RANGE  # the range of the images it is fed and draws

    def build_networks(self, config):
        self.generator = build_generator(config.latent_dim, config.hidden_units, config.image_shape)
        self.discriminator = build_discriminator(config.image_shape, config.hidden_units)


# (4) gan_tf/registry.py, inside FAMILIES:
#     Family("template_gan", configs.TemplateGANConfig, "gan_tf.models.template_gan:TemplateGAN",
#            "one-hidden-layer GAN", "images"),
