"""DCGAN at 64x64 (CelebA or any image folder; 32x32 for CIFAR-10), and WGAN-GP on its networks.

Both train with the shared adversarial step: WGAN-GP is the same model with another config
(Wasserstein loss, gradient penalty, 5 critic steps, no batch norm in the critic).
"""

import keras

from gan_tf.config import DCGANConfig, WGANGPConfig
from gan_tf.data import TANH_RANGE
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.networks import dcgan as networks


@keras.saving.register_keras_serializable(package="gan_tf")
class DCGAN(AdversarialModel):
    """`DCGAN()` then `compile()` then `fit(images)`; images in [-1, 1]."""

    config_class = DCGANConfig
    value_range = TANH_RANGE

    def build_networks(self, config):
        if config.gradient_penalty and config.critic_batch_norm:
            raise ValueError("the gradient penalty is per example: use --no-critic-batch-norm "
                             "with --gradient-penalty")
        self.generator = networks.build_generator(
            config.latent_dim, config.generator_filters, config.image_shape
        )
        self.discriminator = networks.build_discriminator(
            config.image_shape, config.discriminator_filters, batch_norm=config.critic_batch_norm
        )


@keras.saving.register_keras_serializable(package="gan_tf")
class WGANGP(DCGAN):
    """WGAN-GP (Gulrajani et al. 2017) with the DCGAN generator and a batch-norm-free critic."""

    config_class = WGANGPConfig
