"""Generator and discriminator of the Fashion-MNIST GAN of the source material.

Defaults are the source's sizes: UpSampling2D + 5x5 convolutions at full width, judged by four
unstrided 5x5 convolutions (about 9.6 GFLOP per image per training step; the `fast` preset's
networks are in `small_dcgan`). The discriminator ends in a linear Dense(1): it returns
logits, and the losses apply the sigmoid (numerically safer than a sigmoid layer + BCE).
"""

import keras
from keras import layers


def build_generator(latent_dim=128, filters=128, image_shape=(28, 28, 1), leak=0.2):
    """latent -> Dense 7x7xF -> 2x (UpSampling2D + Conv2D(F, 5)) -> 2x Conv2D(F, 4) -> sigmoid."""
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ValueError(f"image height and width must be multiples of 4, got {image_shape}")
    latent = keras.Input((latent_dim,), name="latent")
    x = layers.Dense((height // 4) * (width // 4) * filters)(latent)
    x = layers.LeakyReLU(leak)(x)
    x = layers.Reshape((height // 4, width // 4, filters))(x)
    for _ in range(2):
        x = layers.UpSampling2D()(x)
        x = layers.Conv2D(filters, 5, padding="same")(x)
        x = layers.LeakyReLU(leak)(x)
    for _ in range(2):
        x = layers.Conv2D(filters, 4, padding="same")(x)
        x = layers.LeakyReLU(leak)(x)
    images = layers.Conv2D(channels, 4, padding="same", activation="sigmoid", name="images",
                           dtype="float32")(x)  # float32 under mixed precision
    return keras.Model(latent, images, name="generator")


def build_discriminator(
    image_shape=(28, 28, 1), filters=(32, 64, 128, 256), kernel_size=5, dropout=0.4, leak=0.2
):
    """image -> 4x (Conv2D(32/64/128/256, 5) + LeakyReLU + Dropout) -> Flatten -> Dropout -> Dense(1)."""
    images = keras.Input(image_shape, name="images")
    x = images
    for count in filters:
        x = layers.Conv2D(count, kernel_size)(x)
        x = layers.LeakyReLU(leak)(x)
        x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    logits = layers.Dense(1, name="logits", dtype="float32")(x)
    return keras.Model(images, logits, name="discriminator")

