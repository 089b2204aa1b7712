"""Encoder and decoder of the (conditional) VAE of the source material.

With `num_classes` the networks take a one-hot label as a second input: the encoder maps it
through Dense(H*W) to an extra image channel, the decoder concatenates it with z. The `mlp`
architecture (the `fast` presets) is fully connected; its encoder concatenates the label with
the flattened image.
"""

import math

import keras
from keras import layers


def with_label(inputs, x, num_classes):
    """`x` with a one-hot label input (appended to `inputs`) concatenated; `x` itself without
    classes."""
    if not num_classes:
        return x
    label = keras.Input((num_classes,), name="label")
    inputs.append(label)
    return layers.Concatenate()([x, label])


def build_encoder(image_shape=(28, 28, 1), latent_dim=2, dropout=0.25, num_classes=None):
    """image [, one-hot label] -> Conv2D(32,3,s2)+Dropout -> Conv2D(64,3)+Dropout ->
    Conv2D(128,3,s2) -> Flatten -> Dense(64) -> Dense(16) -> (z_mean, z_log_var)."""
    height, width, _ = image_shape
    images = keras.Input(image_shape, name="images")
    inputs, x = [images], images
    if num_classes:
        label = keras.Input((num_classes,), name="label")
        label_map = layers.Reshape((height, width, 1))(layers.Dense(height * width)(label))
        inputs.append(label)
        x = layers.Concatenate()([images, label_map])
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean", dtype="float32")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var", dtype="float32")(x)
    return keras.Model(inputs if num_classes else images, [z_mean, z_log_var], name="encoder")


def build_decoder(latent_dim=2, image_shape=(28, 28, 1), num_classes=None):
    """z [, one-hot label] -> Dense(64) -> Dense(H/4*W/4*128) -> Conv2DTranspose(128,3,s2) ->
    (64,3) -> (32,3,s2) -> (C,3, sigmoid): pixel probabilities in [0, 1]."""
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ValueError(f"image height and width must be multiples of 4, got {image_shape}")
    latent = keras.Input((latent_dim,), name="latent")
    inputs = [latent]
    x = with_label(inputs, latent, num_classes)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense((height // 4) * (width // 4) * 128, activation="relu")(x)
    x = layers.Reshape((height // 4, width // 4, 128))(x)
    x = layers.Conv2DTranspose(128, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(64, 3, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(x)
    images = layers.Conv2DTranspose(channels, 3, padding="same", activation="sigmoid", name="images",
                                    dtype="float32")(x)
    return keras.Model(inputs if num_classes else latent, images, name="decoder")


def build_mlp_encoder(image_shape=(28, 28, 1), latent_dim=2, hidden_units=(512, 256), num_classes=None):
    """flattened image [+ one-hot label] -> Dense(u) + ReLU per hidden size -> (z_mean,
    z_log_var): the `fast` presets' encoder, a few MFLOP per image instead of the conv one's ~60."""
    images = keras.Input(image_shape, name="images")
    inputs = [images]
    x = with_label(inputs, layers.Flatten()(images), num_classes)
    for units in hidden_units:
        x = layers.Dense(units, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean", dtype="float32")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var", dtype="float32")(x)
    return keras.Model(inputs if num_classes else images, [z_mean, z_log_var], name="encoder")


def build_mlp_decoder(latent_dim=2, image_shape=(28, 28, 1), hidden_units=(256, 512), num_classes=None):
    """z [+ one-hot label] -> Dense(u) + ReLU per hidden size -> Dense(H*W*C, sigmoid) ->
    reshape: pixel probabilities in [0, 1]."""
    latent = keras.Input((latent_dim,), name="latent")
    inputs = [latent]
    x = with_label(inputs, latent, num_classes)
    for units in hidden_units:
        x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(math.prod(image_shape), activation="sigmoid", dtype="float32")(x)
    images = layers.Reshape(tuple(image_shape), name="images")(x)
    return keras.Model(inputs if num_classes else latent, images, name="decoder")
