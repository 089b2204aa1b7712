"""Layers shared by the families: the reparameterisation `Sampling` layer (VAE, conditioning
augmentation), normalisation by name and reflection padding (image-to-image networks).

tensorflow-addons (InstanceNormalization, ReflectionPadding) is gone; instance normalisation is
`GroupNormalization(groups=-1)` (one group per channel), checked against the formula in the tests.
"""

import keras
from keras import ops

from gan_tf.distribute import draw_per_replica


def reparameterise(mean, log_var, seed=None):
    """z = mean + exp(log_var / 2) * eps with eps ~ N(0, I) (Kingma & Welling 2014, eq. 10).

    Writing the sample this way keeps it differentiable in `mean` and `log_var`. Under a
    `tf.distribute` strategy each replica takes its own part of the global batch's draw.
    """
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

    def call(self, inputs):
        mean, log_var = inputs
        return reparameterise(mean, log_var, self.seed)


NORMS = ("instance", "batch", "none")


def normalization(kind, name=None):
    """The normalisation layer `kind` names: instance (per image and channel), batch or none."""
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    if kind == "batch":
        return keras.layers.BatchNormalization(name=name)
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
