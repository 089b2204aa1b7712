"""Model families, each a `keras.Model` subclass trained with `model.fit`.

`FAMILIES` maps the CLI's family names to their model classes.
"""

from gan_tf.models.fashion_gan import FashionGAN
from gan_tf.models.vae import CVAE, VAE

FAMILIES = {"fashion_gan": FashionGAN, "vae": VAE, "cvae": CVAE}
