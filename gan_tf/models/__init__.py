"""Model families, each a `keras.Model` subclass trained with `model.fit`.

The family registry (`gan_tf.registry.FAMILIES`) names them for the CLI and the driver;
importing this package imports every model class, registering them with Keras so that
`.keras` files of any family load.
"""

from gan_tf.models.conditional_gan import ConditionalGAN
from gan_tf.models.cyclegan import CycleGAN
from gan_tf.models.dcgan import DCGAN, WGANGP
from gan_tf.models.fashion_gan import FashionGAN
from gan_tf.models.pix2pix import Pix2Pix
from gan_tf.models.stackgan import StackGANStageI, StackGANStageII
from gan_tf.models.vae import CVAE, VAE
from gan_tf.models.vanilla_gan import VanillaGAN

__all__ = ["CVAE", "ConditionalGAN", "CycleGAN", "DCGAN", "FashionGAN", "Pix2Pix",
           "StackGANStageI", "StackGANStageII", "VAE", "VanillaGAN", "WGANGP"]
