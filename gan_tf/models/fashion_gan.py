"""FashionGAN: the DCGAN-style Fashion-MNIST GAN of the source material."""

import keras

from gan_tf.config import FashionGANConfig
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.networks import fashion_gan as networks


@keras.saving.register_keras_serializable(package="gan_tf")
class FashionGAN(AdversarialModel):
    """`FashionGAN()` then `compile()` then `fit(images)`; images in [0, 1]."""

    config_class = FashionGANConfig

    def build_networks(self, config):
        self.generator = networks.build_generator(
            config.latent_dim, config.generator_filters, config.image_shape
        )
        self.discriminator = networks.build_discriminator(
            config.image_shape, config.discriminator_filters, dropout=config.dropout
        )

    def default_optimizers(self):
        config = self.config
        return (
            keras.optimizers.Adam(config.g_learning_rate, beta_1=config.beta_1,
                                  beta_2=config.beta_2, name="g_adam"),
            keras.optimizers.Adam(config.d_learning_rate, beta_1=config.beta_1,
                                  beta_2=config.beta_2, name="d_adam"),
        )
