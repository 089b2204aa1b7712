"""FashionGAN: the Fashion-MNIST GAN of the source material, and its `fast` preset.

`architecture` "source" is the source's networks (images in [0, 1]); "dcgan" the DCGAN-style
pair of `gan_tf.networks.small_dcgan` (images in [-1, 1]) that the `fast` preset trains.
"""

import keras

from gan_tf.data.reader import TANH_RANGE, UNIT_RANGE
from gan_tf.families.fashion_gan import networks
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.networks import small_dcgan
from gan_tf.training.optimizers import FusedAdam

ARCHITECTURES = ("source", "dcgan")


@keras.saving.register_keras_serializable(package="gan_tf")
class FashionGAN(AdversarialModel):
    """`FashionGAN()` then `compile()` then `fit(images)`; images in `value_range`."""

    config_class = FashionGANConfig

    @classmethod
    def value_range_for(cls, config):
        return TANH_RANGE if config.architecture == "dcgan" else UNIT_RANGE

    def build_networks(self, config):
        if config.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {config.architecture!r}; choose {', '.join(ARCHITECTURES)}")
        if config.generator_refine and config.architecture != "dcgan":
            raise ValueError("generator_refine applies to architecture dcgan only")
        if config.architecture == "dcgan":
            self.generator = small_dcgan.build_generator(
                config.latent_dim, config.generator_filters, config.image_shape, refine=config.generator_refine)
            self.discriminator = small_dcgan.build_discriminator(
                config.image_shape, config.discriminator_filters, dropout=config.dropout)
            return
        self.generator = networks.build_generator(
            config.latent_dim, config.generator_filters, config.image_shape
        )
        self.discriminator = networks.build_discriminator(
            config.image_shape, config.discriminator_filters, dropout=config.dropout
        )

    def default_optimizers(self):
        config = self.config
        return (
            FusedAdam(config.g_learning_rate, beta_1=config.beta_1,
                      beta_2=config.beta_2, name="g_adam"),
            FusedAdam(config.d_learning_rate, beta_1=config.beta_1,
                      beta_2=config.beta_2, name="d_adam"),
        )
