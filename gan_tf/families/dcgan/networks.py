"""DCGAN generator and discriminator (Radford et al. 2016) as the DCGAN lab builds them.

At 64x64: G is five ConvTranspose2D(4x4, no bias) layers, the first stride 1 without padding
(1x1 -> 4x4) and the rest stride 2 with padding 1 ("same": doubles the side), filters
8F/4F/2F/F then the image's channels, BatchNorm + ReLU between, tanh out. D mirrors it: five
Conv2D(4x4, no bias), LeakyReLU(0.2), BatchNorm on the middle three, the last one 4x4 -> 1x1.
Every kernel is initialised N(0, 0.02) and every BatchNorm scale N(1, 0.02), as in the lab.
Other power-of-two sides (32x32 for CIFAR-10) get one layer fewer or more per halving.

D returns logits: the lab's final Sigmoid is applied inside the BCE loss (the same function,
numerically safer), and the Wasserstein/hinge losses need the raw score anyway.
`batch_norm=False` builds a WGAN-GP critic (the gradient penalty is per example, which batch
statistics would break).
"""

import math

import keras
from keras import layers

KERNEL = 4


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _batch_norm():
    # PyTorch's momentum 0.1 and eps 1e-5 in Keras terms.
    return layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
    )


def halvings(image_shape):
    """Number of stride-2 layers between a 4x4 map and the image; refuses other sides."""
    height, width = image_shape[:2]
    if len(image_shape) != 3 or height != width or height < 16 or height & (height - 1):
        raise ValueError(
            f"DCGAN networks need square images whose side is a power of two >= 16 (64 for "
            f"CelebA, 32 for CIFAR-10), got {tuple(image_shape)}; for 28x28 data use "
            "fashion_gan or cgan (with --loss wasserstein --gradient-penalty 10 for WGAN-GP)"
        )
    return int(math.log2(height)) - 2


def build_generator(latent_dim=100, filters=64, image_shape=(64, 64, 3)):
    """latent -> 1x1 -> ConvT 4x4 s1 (8F) -> ConvT s2 (4F, 2F, F) -> ConvT s2 (C) -> tanh."""
    steps = halvings(image_shape)
    latent = keras.Input((latent_dim,), name="latent")
    x = layers.Reshape((1, 1, latent_dim))(latent)
    for index in range(steps):
        width = filters * 2 ** (steps - 1 - index)
        strides, padding = (1, "valid") if index == 0 else (2, "same")
        x = layers.Conv2DTranspose(width, KERNEL, strides, padding, use_bias=False,
                                   kernel_initializer=_init())(x)
        x = _batch_norm()(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(image_shape[-1], KERNEL, 2, "same", use_bias=False,
                               kernel_initializer=_init())(x)
    images = layers.Activation("tanh", name="images", dtype="float32")(x)
    return keras.Model(latent, images, name="generator")


def build_discriminator(image_shape=(64, 64, 3), filters=64, batch_norm=True, leak=0.2):
    """image -> Conv s2 (F) -> Conv s2 + BN (2F, 4F, 8F) -> Conv 4x4 valid -> 1 logit."""
    steps = halvings(image_shape)
    images = keras.Input(image_shape, name="images")
    x = images
    for index in range(steps):
        x = layers.Conv2D(filters * 2**index, KERNEL, 2, "same", use_bias=False,
                          kernel_initializer=_init())(x)
        if batch_norm and index > 0:
            x = _batch_norm()(x)
        x = layers.LeakyReLU(leak)(x)
    x = layers.Conv2D(1, KERNEL, 1, "valid", use_bias=False, kernel_initializer=_init())(x)
    logits = layers.Flatten(name="logits", dtype="float32")(x)
    return keras.Model(images, logits, name="discriminator")
