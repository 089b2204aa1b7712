"""Label-conditional generator and projection discriminator for small labelled images.

G (Mirza & Osindero 2014): a learned label embedding is concatenated with z, then
Dense -> (H/4, W/4, F) -> 2x ConvTranspose(4, stride 2) -> Conv2D -> tanh.
D (projection, Miyato & Koyama 2018): conv features h, logit = Dense(1)(h) + <embed(y), h>,
so the label acts on D's output instead of being painted into the image channels.
"""

import keras
from keras import layers


def _label_input():
    return keras.Input((), dtype="int32", name="label")


def build_generator(latent_dim=100, num_classes=10, embedding_dim=50, filters=128,
                    image_shape=(28, 28, 1), leak=0.2):
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ValueError(f"image height and width must be multiples of 4, got {image_shape}")
    latent = keras.Input((latent_dim,), name="latent")
    label = _label_input()
    embedded = layers.Embedding(num_classes, embedding_dim)(label)
    x = layers.Concatenate()([latent, embedded])
    x = layers.Dense((height // 4) * (width // 4) * filters)(x)
    x = layers.LeakyReLU(leak)(x)
    x = layers.Reshape((height // 4, width // 4, filters))(x)
    for _ in range(2):
        x = layers.Conv2DTranspose(filters, 4, 2, "same")(x)
        x = layers.LeakyReLU(leak)(x)
    images = layers.Conv2D(channels, 7, padding="same", activation="tanh", name="images",
                           dtype="float32")(x)
    return keras.Model([latent, label], images, name="generator")


def build_discriminator(image_shape=(28, 28, 1), num_classes=10, filters=64, leak=0.2):
    images = keras.Input(image_shape, name="images")
    label = _label_input()
    x = images
    for multiple in (1, 2):
        x = layers.Conv2D(filters * multiple, 4, 2, "same")(x)
        x = layers.LeakyReLU(leak)(x)
    features = layers.Flatten()(x)
    unconditional = layers.Dense(1)(features)
    projection = layers.Dot(axes=1)([layers.Embedding(num_classes, features.shape[-1])(label), features])
    logits = layers.Add(name="logits", dtype="float32")([unconditional, projection])
    return keras.Model([images, label], logits, name="discriminator")
