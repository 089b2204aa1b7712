"""TemplateGAN's networks: plain functional Keras models, no training logic. Discriminators
return logits; the last layer of every network is float32 (mixed precision)."""

import keras
from keras import layers


def build_generator(latent_dim, hidden_units, image_shape):
    latent = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(hidden_units, activation="relu")(latent)
    x = layers.Dense(int(keras.ops.prod(image_shape)), activation="tanh", dtype="float32")(x)
    return keras.Model(latent, layers.Reshape(image_shape, name="images")(x), name="generator")


def build_discriminator(image_shape, hidden_units):
    """Returns logits: the losses apply the sigmoid."""
    images = keras.Input(image_shape, name="images")
    x = layers.LeakyReLU(0.2)(layers.Dense(hidden_units)(layers.Flatten()(images)))
    return keras.Model(images, layers.Dense(1, name="logits", dtype="float32")(x), name="discriminator")
