"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation."""

from gan_tf.families import IMAGES, Family
from gan_tf.families.cyclegan.config import CycleGANConfig

FAMILY = Family(
    "cyclegan", CycleGANConfig, "gan_tf.families.cyclegan.model:CycleGAN",
    "unpaired image-to-image translation", "image_domains (trainA/trainB)",
    order=70, default_batch_size=1, draws_from=IMAGES,
)
