"""The variational autoencoder of the source material."""

from gan_tf.families import Family
from gan_tf.families.vae.config import VAEConfig

FAMILY = Family(
    "vae", VAEConfig, "gan_tf.families.vae.model:VAE",
    "variational autoencoder", "images",
    order=50,
)
