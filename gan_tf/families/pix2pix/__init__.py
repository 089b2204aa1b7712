"""pix2pix (Isola et al. 2017): paired image-to-image translation, and colourisation."""

from gan_tf.families import IMAGES, Family
from gan_tf.families.pix2pix.config import Pix2PixConfig

FAMILY = Family(
    "pix2pix", Pix2PixConfig, "gan_tf.families.pix2pix.model:Pix2Pix",
    "paired image-to-image translation",
    "side_by_side pairs, or colour images (colourisation)",
    order=80, default_batch_size=1, draws_from=IMAGES,
)
