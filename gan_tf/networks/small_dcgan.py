"""The DCGAN-style networks of the `fast` presets for small images (28x28: Fashion-MNIST,
MNIST), unconditional and label-conditional.

G (Radford et al. 2016, sized as measured for a CPU budget): Dense to a quarter of the image
side with F channels (no bias) + BatchNorm + LeakyReLU -> ConvTranspose(F/2, 4, 2) + BatchNorm
+ LeakyReLU [-> per `refine` entry a Conv(f, 3) + BatchNorm + LeakyReLU at that half size]
-> ConvTranspose(channels, 4, 2) -> tanh. D: per filter count a Conv2D(f, 4, 2) +
LeakyReLU [+ Dropout], then a linear Dense(1) logit; no BatchNorm, so real and fake batches
share one call. The conditional pair embeds the label into G's input and projects it onto D's
features (Miyato & Koyama 2018), as the source cGAN does.
"""

import keras
from keras import layers


def _upsample(x, filters, image_shape, kernel_size, leak, refine=()):
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ValueError(f"image height and width must be multiples of 4, got {image_shape}")
    x = layers.Dense((height // 4) * (width // 4) * filters, use_bias=False)(x)
    x = layers.LeakyReLU(leak)(layers.BatchNormalization()(x))
    x = layers.Reshape((height // 4, width // 4, filters))(x)
    x = layers.Conv2DTranspose(filters // 2, kernel_size, 2, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU(leak)(layers.BatchNormalization()(x))
    for count in refine:
        x = layers.Conv2D(count, 3, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU(leak)(layers.BatchNormalization()(x))
    return layers.Conv2DTranspose(channels, kernel_size, 2, padding="same", activation="tanh",
                                  name="images", dtype="float32")(x)


def _features(images, filters, kernel_size, dropout, leak):
    x = images
    for count in filters:
        x = layers.LeakyReLU(leak)(layers.Conv2D(count, kernel_size, 2, padding="same")(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    return layers.Flatten()(x)


def build_generator(latent_dim=100, filters=128, image_shape=(28, 28, 1), kernel_size=4, leak=0.2, refine=()):
    latent = keras.Input((latent_dim,), name="latent")
    return keras.Model(latent, _upsample(latent, filters, image_shape, kernel_size, leak, refine), name="generator")


def build_discriminator(image_shape=(28, 28, 1), filters=(32, 64), kernel_size=4, dropout=0.0, leak=0.2):
    images = keras.Input(image_shape, name="images")
    logits = layers.Dense(1, name="logits", dtype="float32")(_features(images, filters, kernel_size, dropout, leak))
    return keras.Model(images, logits, name="discriminator")


def build_conditional_generator(latent_dim=100, num_classes=10, embedding_dim=50, filters=128,
                                image_shape=(28, 28, 1), kernel_size=4, leak=0.2):
    latent = keras.Input((latent_dim,), name="latent")
    label = keras.Input((), dtype="int32", name="label")
    x = layers.Concatenate()([latent, layers.Embedding(num_classes, embedding_dim)(label)])
    return keras.Model([latent, label], _upsample(x, filters, image_shape, kernel_size, leak), name="generator")


def build_conditional_discriminator(image_shape=(28, 28, 1), num_classes=10, filters=(32, 64),
                                    kernel_size=4, dropout=0.0, leak=0.2):
    images = keras.Input(image_shape, name="images")
    label = keras.Input((), dtype="int32", name="label")
    features = _features(images, filters, kernel_size, dropout, leak)
    projection = layers.Dot(axes=1)([layers.Embedding(num_classes, features.shape[-1])(label), features])
    logits = layers.Add(name="logits", dtype="float32")([layers.Dense(1)(features), projection])
    return keras.Model([images, label], logits, name="discriminator")
