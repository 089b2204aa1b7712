"""The vanilla GAN: the fully connected GAN of the book's first chapters."""

from gan_tf.families import Family
from gan_tf.families.vanilla.config import VanillaGANConfig

FAMILY = Family(
    "vanilla", VanillaGANConfig, "gan_tf.families.vanilla.model:VanillaGAN",
    "fully connected GAN", "images or 2-D points",
    order=20, preset_batch_sizes={"fast": 128},
)
