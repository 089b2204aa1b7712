"""StackGAN's networks (Zhang et al. 2017), after the official code, at any power-of-two sizes.

- Stage-I generator: [z, eps, text embedding] -> conditioning augmentation c -> concat(c, z)
  -> Dense 4x4x8F + BN + ReLU -> up blocks (nearest x2, conv 3x3, BN, ReLU) halving the filters
  -> conv 3x3 -> tanh. Also returns the code's mean and log-variance for the KL term.
- Stage-II generator: the Stage-I image encoded (conv 3x3 F, two stride-2 convs to 4F at a
  quarter of the Stage-I side), joined with its own c replicated spatially, conv 3x3 + BN +
  ReLU, residual blocks, up blocks to the Stage-II side, conv 3x3, tanh. With `residual` the
  last conv (zero-initialised) instead corrects the bilinearly up-sampled Stage-I image
  (`RefineImage`), so training starts from Stage-I's picture rather than from noise.
- Discriminator (both stages): stride-2 convs (LeakyReLU 0.2, BN after the first) down to 4x4,
  3x3 convs back to 8F when it grew wider; the text embedding is compressed by a Dense layer
  to `code_dim` (LeakyReLU), replicated over the 4x4 map and joined to it, then a 1x1 conv
  (8F, BN, LeakyReLU) and a 4x4 conv give one logit: it judges the (image, text) pair.
"""

import math

import keras
from keras import layers

from gan_tf.networks.layers import ConditioningAugmentation, RefineImage


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _halvings(size, what):
    steps = int(round(math.log2(size / 4))) if size >= 4 else -1
    if steps < 1 or 4 * 2**steps != size:
        raise ValueError(f"{what} must be a power of two >= 8, got {size}")
    return steps


def _conv(x, filters, kernel, strides=1, bias=False):
    return layers.Conv2D(filters, kernel, strides, "same", use_bias=bias, kernel_initializer=_init())(x)


def _bn_relu(x):
    return layers.ReLU()(layers.BatchNormalization()(x))


def _up_block(x, filters):
    """Nearest-neighbour x2, conv 3x3, BN, ReLU (the official upBlock)."""
    return _bn_relu(_conv(layers.UpSampling2D(2, interpolation="nearest")(x), filters, 3))


def _residual_block(x):
    """x + BN(conv(ReLU(BN(conv(x))))), then ReLU (the official ResBlock)."""
    filters = x.shape[-1]
    y = _bn_relu(_conv(x, filters, 3))
    y = layers.BatchNormalization()(_conv(y, filters, 3))
    return layers.ReLU()(layers.Add()([x, y]))


def _replicate(code, side):
    """[N, d] -> [N, side, side, d]: the text code at every position of a feature map."""
    x = layers.Reshape((1, 1, code.shape[-1]))(code)
    return layers.UpSampling2D(side, interpolation="nearest")(x)


def _text_inputs(embedding_dim, code_dim):
    return keras.Input((code_dim,), name="noise"), keras.Input((embedding_dim,), name="embedding")


def stage1_generator(latent_dim=100, embedding_dim=1024, code_dim=128, image_size=64, channels=3,
                     filters=128, name="stage1_generator"):
    steps = _halvings(image_size, "the Stage-I size")
    latent = keras.Input((latent_dim,), name="latent")
    noise, embedding = _text_inputs(embedding_dim, code_dim)
    code, mean, log_var = ConditioningAugmentation(code_dim, name="conditioning")([embedding, noise])
    x = layers.Concatenate()([code, latent])
    x = layers.Dense(4 * 4 * filters * 8, use_bias=False, kernel_initializer=_init())(x)
    x = layers.Reshape((4, 4, filters * 8))(_bn_relu(x))
    for step in range(steps):
        x = _up_block(x, max(filters * 8 // 2 ** (step + 1), 1))
    images = layers.Activation("tanh", name="images")(_conv(x, channels, 3))
    return keras.Model([latent, noise, embedding], [images, mean, log_var], name=name)


def stage2_generator(stage1_size=64, image_size=256, embedding_dim=1024, code_dim=128, channels=3,
                     filters=128, residual_blocks=4, residual=False, name="stage2_generator"):
    _halvings(stage1_size, "the Stage-I size")
    _halvings(image_size, "the Stage-II size")
    if image_size <= stage1_size:
        raise ValueError(f"Stage-II ({image_size}) must be larger than Stage-I ({stage1_size})")
    steps = int(round(math.log2(image_size * 4 / stage1_size)))  # from a quarter of Stage-I
    stage1 = keras.Input((stage1_size, stage1_size, channels), name="stage1_images")
    noise, embedding = _text_inputs(embedding_dim, code_dim)
    code, mean, log_var = ConditioningAugmentation(code_dim, name="conditioning")([embedding, noise])
    x = layers.ReLU()(_conv(stage1, filters, 3))
    for multiple in (2, 4):
        x = _bn_relu(layers.Conv2D(filters * multiple, 4, 2, "same", use_bias=False,
                                   kernel_initializer=_init())(x))
    x = layers.Concatenate()([x, _replicate(code, stage1_size // 4)])
    x = _bn_relu(_conv(x, filters * 4, 3))
    for _ in range(residual_blocks):
        x = _residual_block(x)
    for step in range(steps):
        x = _up_block(x, max(filters * 4 // 2 ** (step + 1), 1))
    if residual:
        delta = layers.Conv2D(channels, 3, 1, "same", kernel_initializer="zeros")(x)
        coarse = layers.UpSampling2D(image_size // stage1_size, interpolation="bilinear")(stage1)
        images = RefineImage(name="images")([coarse, delta])
    else:
        images = layers.Activation("tanh", name="images")(_conv(x, channels, 3))
    return keras.Model([stage1, noise, embedding], [images, mean, log_var], name=name)


def discriminator(image_size=64, channels=3, embedding_dim=1024, code_dim=128, filters=64,
                  name="discriminator"):
    steps = _halvings(image_size, "the discriminator's image size")
    images = keras.Input((image_size, image_size, channels), name="images")
    embedding = keras.Input((embedding_dim,), name="embedding")
    x = images
    for step in range(steps):
        x = layers.Conv2D(filters * 2**step, 4, 2, "same", use_bias=step == 0, kernel_initializer=_init())(x)
        if step:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    width = x.shape[-1]
    while width > filters * 8:  # Stage-II: back from 32F to 8F, as the official code
        width //= 2
        x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(_conv(x, width, 3)))
    text = layers.Dense(code_dim, kernel_initializer=_init())(embedding)
    text = _replicate(layers.LeakyReLU(0.2)(text), 4)
    x = layers.Concatenate()([x, text])
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(_conv(x, filters * 8, 1)))
    logits = layers.Conv2D(1, 4, 1, "valid", kernel_initializer=_init())(x)
    return keras.Model([images, embedding], layers.Flatten(name="logits")(logits), name=name)
