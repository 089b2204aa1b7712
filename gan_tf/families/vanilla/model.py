"""The vanilla GAN: fully connected networks on 2-D toy points or flattened images.

On the toy distributions of `gan_tf.families.vanilla.toy_data` it learns in seconds on a CPU, which makes it
the quickest end-to-end check that the shared adversarial step really learns.
"""

import keras

from gan_tf.data.reader import TANH_RANGE
from gan_tf.families.vanilla import networks
from gan_tf.families.vanilla.config import VanillaGANConfig
from gan_tf.models.adversarial import AdversarialModel


@keras.saving.register_keras_serializable(package="gan_tf")
class VanillaGAN(AdversarialModel):
    """`VanillaGAN()` on images in [-1, 1]; `VanillaGAN(VanillaGANConfig(image_shape=(2,),
    output_activation="linear"))` on points."""

    config_class = VanillaGANConfig
    value_range = TANH_RANGE

    def build_networks(self, config):
        self.generator = networks.build_generator(
            config.latent_dim, config.hidden_units, config.image_shape, config.output_activation
        )
        self.discriminator = networks.build_discriminator(
            config.image_shape, tuple(reversed(config.hidden_units))
        )
