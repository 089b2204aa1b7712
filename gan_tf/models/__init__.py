"""Model families, each a `keras.Model` subclass trained with `model.fit`.

`FAMILIES` maps the CLI's family names to their model classes.
"""

from gan_tf.models.fashion_gan import FashionGAN

FAMILIES = {"fashion_gan": FashionGAN}
