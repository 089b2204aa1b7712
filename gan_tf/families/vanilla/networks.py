"""Fully connected generator and discriminator of the vanilla GAN (Goodfellow et al. 2014).

The same builders serve 2-D toy points (`data_shape` (2,), linear output) and flattened
images (`data_shape` (28, 28, 1), tanh output): the data is flattened at D's input and
reshaped at G's output, so the networks themselves are only Dense layers.
"""

import math

import keras
from keras import layers


def build_generator(latent_dim=100, hidden_units=(256, 512), data_shape=(28, 28, 1),
                    output_activation="tanh", leak=0.2):
    """latent -> Dense(u) + LeakyReLU per hidden size -> Dense(prod(shape)) -> reshape."""
    latent = keras.Input((latent_dim,), name="latent")
    x = latent
    for units in hidden_units:
        x = layers.LeakyReLU(leak)(layers.Dense(units)(x))
    x = layers.Dense(math.prod(data_shape), activation=output_activation, dtype="float32")(x)
    samples = layers.Reshape(tuple(data_shape), name="images")(x)
    return keras.Model(latent, samples, name="generator")


def build_discriminator(data_shape=(28, 28, 1), hidden_units=(512, 256), leak=0.2):
    """flatten -> Dense(u) + LeakyReLU per hidden size -> Dense(1) logits."""
    samples = keras.Input(tuple(data_shape), name="images")
    x = layers.Flatten()(samples)
    for units in hidden_units:
        x = layers.LeakyReLU(leak)(layers.Dense(units)(x))
    logits = layers.Dense(1, name="logits", dtype="float32")(x)
    return keras.Model(samples, logits, name="discriminator")
