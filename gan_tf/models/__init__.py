"""Model families, each a `keras.Model` subclass trained with `model.fit`.

`FAMILIES` maps the CLI's family names to their model classes (a family with stages names
its first; `model_class_for(config)` picks the stage's class).
"""

from gan_tf.models.conditional_gan import ConditionalGAN
from gan_tf.models.cyclegan import CycleGAN
from gan_tf.models.dcgan import DCGAN, WGANGP
from gan_tf.models.fashion_gan import FashionGAN
from gan_tf.models.pix2pix import Pix2Pix
from gan_tf.models.stackgan import StackGANStageI, StackGANStageII
from gan_tf.models.vae import CVAE, VAE
from gan_tf.models.vanilla_gan import VanillaGAN

FAMILIES = {
    "fashion_gan": FashionGAN,
    "vanilla": VanillaGAN,
    "dcgan": DCGAN,
    "wgan-gp": WGANGP,
    "cgan": ConditionalGAN,
    "vae": VAE,
    "cvae": CVAE,
    "cyclegan": CycleGAN,
    "pix2pix": Pix2Pix,
    "stackgan": StackGANStageI,  # --stage 2 trains StackGANStageII (model_class_for)
}

__all__ = ["FAMILIES", "CVAE", "ConditionalGAN", "CycleGAN", "DCGAN", "FashionGAN", "Pix2Pix",
           "StackGANStageI", "StackGANStageII", "VAE", "VanillaGAN", "WGANGP"]
