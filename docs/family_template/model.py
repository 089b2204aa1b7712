"""TemplateGAN's model: it builds the networks and overrides the base's hooks, not `train_step`
(`AdversarialModel` brings the shared adversarial step, every GAN option and the export)."""

import keras

from gan_tf.data.reader import TANH_RANGE
from gan_tf.families.template_gan import networks
from gan_tf.families.template_gan.config import TemplateGANConfig
from gan_tf.models.adversarial import AdversarialModel


@keras.saving.register_keras_serializable(package="gan_tf")
class TemplateGAN(AdversarialModel):
    """`TemplateGAN()` then `compile()` then `fit(images in [-1, 1])`."""

    config_class = TemplateGANConfig
    value_range = TANH_RANGE  # the range of the images it is fed and draws

    def build_networks(self, config):
        self.generator = networks.build_generator(config.latent_dim, config.hidden_units, config.image_shape)
        self.discriminator = networks.build_discriminator(config.image_shape, config.hidden_units)
