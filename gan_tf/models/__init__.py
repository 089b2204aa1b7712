"""Model families, each a `keras.Model` subclass trained with `model.fit`.

`FAMILIES` maps the CLI's family names to their model classes.
"""

from gan_tf.models.cyclegan import CycleGAN
from gan_tf.models.fashion_gan import FashionGAN
from gan_tf.models.pix2pix import Pix2Pix

FAMILIES = {"fashion_gan": FashionGAN, "cyclegan": CycleGAN, "pix2pix": Pix2Pix}
