"""FashionGAN: the source material's DCGAN-style GAN for Fashion-MNIST."""

from gan_tf.families import Family
from gan_tf.families.fashion_gan.config import FashionGANConfig

FAMILY = Family(
    "fashion_gan", FashionGANConfig, "gan_tf.families.fashion_gan.model:FashionGAN",
    "DCGAN-style GAN of the source material", "images (Fashion-MNIST)",
    order=10, preset_batch_sizes={"fast": 64},
)
