"""DCGAN at 64x64 (CelebA or any image folder; 32x32 for CIFAR-10), and WGAN-GP on its networks.

Both train with the shared adversarial step: WGAN-GP is the same model with the config's
`wgan_gp` preset (Wasserstein loss, gradient penalty, 5 critic steps, no batch norm in the
critic).
"""

import keras

from gan_tf.data.reader import TANH_RANGE
from gan_tf.families.dcgan import networks
from gan_tf.families.dcgan.config import DCGANConfig
from gan_tf.models.adversarial import AdversarialModel


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
    """WGAN-GP (Gulrajani et al. 2017) with the DCGAN generator and a batch-norm-free critic: a
    DCGAN whose config defaults to the `wgan_gp` preset. `gan-tf train wgan_gp` trains a DCGAN
    of that preset; this class keeps the name that `.keras` files saved when WGAN-GP was a
    family of its own were saved under, so they still load (and export under that name)."""

    export_name = "wgan_gp"

    def __init__(self, config=None, **kwargs):
        super().__init__(self.config_class.from_preset("wgan_gp") if config is None else config, **kwargs)
