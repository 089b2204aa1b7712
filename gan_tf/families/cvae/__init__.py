"""The label-conditional VAE: the VAE with the label fed to both networks."""

from gan_tf.families import Family
from gan_tf.families.cvae.config import CVAEConfig

FAMILY = Family(
    "cvae", CVAEConfig, "gan_tf.families.cvae.model:CVAE",
    "label-conditional VAE", "labelled images",
    order=60,
)
