"""Layers shared by the families: the reparameterisation `Sampling` layer (VAE), StackGAN's
`ConditioningAugmentation` (built on the same reparameterisation), its residual Stage-II's
`RefineImage`, normalisation by name and reflection padding (image-to-image networks).

tensorflow-addons (InstanceNormalization, ReflectionPadding) is gone; instance normalisation is
`GroupNormalization(groups=-1)` (one group per channel) computed by fused kernels
(`InstanceNormalization`), checked against the formula and that layer in the tests.
"""

import keras
import tensorflow as tf
from keras import ops

from gan_tf.training.distribute import draw_per_replica


def reparameterise(mean, log_var, seed=None, noise=None):
    """z = mean + exp(log_var / 2) * eps with eps ~ N(0, I) (Kingma & Welling 2014, eq. 10).

    Writing the sample this way keeps it differentiable in `mean` and `log_var`. `noise` is a
    given eps (seeded serving draws its own, statelessly); otherwise eps is drawn from `seed`,
    and under a `tf.distribute` strategy each replica takes its own part of the global batch's
    draw.
    """
    if noise is None:
        shape = tuple(ops.shape(mean))
        noise = draw_per_replica(
            lambda batch: keras.random.normal((batch,) + shape[1:], seed=seed, dtype=mean.dtype),
            shape[0])
    return mean + ops.exp(0.5 * log_var) * noise


@keras.saving.register_keras_serializable(package="gan_tf")
class Sampling(keras.layers.Layer):
    """[mean, log_var] -> a reparameterised sample of N(mean, diag(exp(log_var))).

    `seed` is an int or a `keras.random.SeedGenerator`; a model passes its own seeded stream so
    the draws are reproducible and resume with the model's saved generator state.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed if isinstance(seed, keras.random.SeedGenerator) else keras.random.SeedGenerator(seed)
        # No weights to create: built now, so a CVAE (whose call takes (images, labels)) is not
        # "symbolically built" by fit from the images alone, which fails under MirroredStrategy.
        self.built = True

    def call(self, inputs):
        mean, log_var = inputs
        return reparameterise(mean, log_var, self.seed)


@keras.saving.register_keras_serializable(package="gan_tf")
class ConditioningAugmentation(keras.layers.Layer):
    """[text embedding, eps] -> [c, mean, log_var] (StackGAN, Zhang et al. 2017, section 3.1).

    One Dense layer (LeakyReLU 0.2, as the official TensorFlow code) gives the mean and
    log-variance of a Gaussian over the `code_dim`-d conditioning code c; c is drawn by
    reparameterisation from the given eps ~ N(0, I), so the networks stay deterministic and
    the caller owns the randomness. Sampling c instead of using the embedding itself smooths
    the conditioning manifold; the caller adds the KL term to N(0, I) to the generator loss.
    """

    def __init__(self, code_dim, **kwargs):
        super().__init__(**kwargs)
        self.code_dim = int(code_dim)
        self.dense = keras.layers.Dense(2 * self.code_dim, name="mean_log_var")

    def build(self, input_shape):
        self.dense.build(input_shape[0])

    def call(self, inputs):
        embedding, noise = inputs
        statistics = ops.leaky_relu(self.dense(embedding), 0.2)
        mean, log_var = statistics[:, : self.code_dim], statistics[:, self.code_dim :]
        return reparameterise(mean, log_var, noise=noise), mean, log_var

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0][0], self.code_dim)
        return shape, shape, shape

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim}


@keras.saving.register_keras_serializable(package="gan_tf")
class InstanceNormalization(keras.layers.GroupNormalization):
    """`GroupNormalization(groups=-1)` (same weights and result) computed by TensorFlow's fused
    batch-norm kernels: the images' channels are laid side by side as the channels of one image,
    whose batch statistics are then each image's own. One fused kernel forward and one backward
    replace the moments, broadcasts and their gradients, the largest non-convolution cost of
    CycleGAN's step on a CPU. The kernel's floor on epsilon is 1.001e-5."""

    def __init__(self, epsilon=1e-5, **kwargs):
        kwargs.pop("groups", None)
        super().__init__(groups=-1, epsilon=epsilon, **kwargs)

    def call(self, inputs):
        shape = tf.shape(inputs)
        batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        side_by_side = tf.reshape(tf.transpose(inputs, [1, 2, 0, 3]), [1, height, width, batch * channels])
        outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
            side_by_side, tf.tile(tf.cast(self.gamma, "float32"), [batch]),
            tf.tile(tf.cast(self.beta, "float32"), [batch]), epsilon=self.epsilon, is_training=True)
        return tf.transpose(tf.reshape(outputs, [height, width, batch, channels]), [2, 0, 1, 3])


@keras.saving.register_keras_serializable(package="gan_tf")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` (same weights, moving statistics and results) whose
    training pass on NHWC images runs TensorFlow's fused kernels, as `InstanceNormalization`
    does; other cases (inference, masks, renorm, another axis) are Keras' own code."""

    def call(self, inputs, training=None, mask=None):
        fused = (training and self.trainable and mask is None and not self.renorm
                 and len(inputs.shape) == 4 and self.axis in (-1, 3) and self.scale and self.center)
        if not fused:
            return super().call(inputs, training=training, mask=mask)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, tf.cast(self.gamma, "float32"), tf.cast(self.beta, "float32"),
            epsilon=self.epsilon, is_training=True)
        # the kernel returns the unbiased variance; Keras' moving variance follows the biased one
        count = tf.cast(tf.size(inputs) // tf.shape(inputs)[-1], "float32")
        variance = tf.where(count > 1.0, variance * (count - 1.0) / count, tf.zeros_like(variance))
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return tf.cast(outputs, self.compute_dtype)


NORMS = ("instance", "batch", "none")


def normalization(kind, name=None):
    """The normalisation layer `kind` names: instance (per image and channel), batch or none."""
    if kind == "instance":
        return InstanceNormalization(name=name)
    if kind == "batch":
        return FusedBatchNormalization(name=name)
    if kind == "none":
        return keras.layers.Identity(name=name)
    raise ValueError(f"unknown normalisation {kind!r}; choose one of {', '.join(NORMS)}")


@keras.saving.register_keras_serializable(package="gan_tf")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the border (no zero frame for the convolution to see)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda side: None if side is None else side + 2 * self.padding
        return batch, grow(height), grow(width), channels

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="gan_tf")
class MirrorLeftRight(keras.layers.Layer):
    """Images [N, H, W, C] mirrored left to right (a classifier's second view of each image)."""

    def call(self, inputs):
        return ops.flip(inputs, axis=2)


@keras.saving.register_keras_serializable(package="gan_tf")
class RefineImage(keras.layers.Layer):
    """tanh(atanh(coarse) + delta): a correction to a coarse image in [-1, 1], added in the
    pre-tanh space so the result stays in range and a zero `delta` returns `coarse` exactly.

    StackGAN's residual Stage-II starts from the up-sampled Stage-I image this way instead of
    learning to redraw it from nothing. `coarse` is clipped just inside (-1, 1) first.
    """

    def call(self, inputs):
        coarse, delta = inputs
        limit = 1.0 - 1e-3
        return ops.tanh(ops.arctanh(ops.clip(coarse, -limit, limit)) + delta)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="gan_tf")
class KeepLuminance(keras.layers.Layer):
    """A colour image whose luminance is the grey input's: `colour` shifted by the grey minus its
    own luminance, clipped to [-1, 1]. Colourisation then learns only the colour, as pix2pix's
    L -> ab colourisation in Lab does, and the lightness it is given stays exact."""

    def call(self, inputs):
        grey, colour = inputs
        own = tf.image.rgb_to_grayscale(colour)  # the grey a colourisation input is made as
        return ops.clip(colour + ops.cast(grey, colour.dtype) - own, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape[1]
