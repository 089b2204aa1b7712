"""StackGAN (Zhang et al. 2017): text to image in two stages."""

from gan_tf.families import CAPTIONS, Family
from gan_tf.families.stackgan.config import StackGANConfig

FAMILY = Family(
    "stackgan", StackGANConfig, "gan_tf.families.stackgan.model:StackGANStageI",
    "two-stage text-to-image GAN (--stage 1, then --stage 2)", "captioned images",
    order=90, default_batch_size=64, preset_batch_sizes={"fast": 64}, draws_from=CAPTIONS,
)
