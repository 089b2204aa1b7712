"""DCGAN (Radford et al. 2016), and WGAN-GP on its networks: its `wgan_gp` preset, which
`gan-tf train wgan_gp` (or `wgan-gp`) trains."""

from gan_tf.families import Family
from gan_tf.families.dcgan.config import DCGANConfig

FAMILY = Family(
    "dcgan", DCGANConfig, "gan_tf.families.dcgan.model:DCGAN",
    "DCGAN (Radford et al. 2016)", "images (64x64 RGB by default)",
    order=30, aliases={"wgan_gp": "wgan_gp", "wgan-gp": "wgan_gp"},
)
