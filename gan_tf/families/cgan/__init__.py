"""The label-conditional GAN of the source material."""

from gan_tf.families import Family
from gan_tf.families.cgan.config import ConditionalGANConfig

FAMILY = Family(
    "cgan", ConditionalGANConfig, "gan_tf.families.cgan.model:ConditionalGAN",
    "label-conditional GAN", "labelled images",
    order=40, preset_batch_sizes={"fast": 64},
)
