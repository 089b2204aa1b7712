"""Layers shared by the families."""

import keras
from keras import ops


def reparameterise(mean, log_var, seed=None):
    """z = mean + exp(log_var / 2) * eps with eps ~ N(0, I) (Kingma & Welling 2014, eq. 10).

    Writing the sample this way keeps it differentiable in `mean` and `log_var`.
    """
    noise = keras.random.normal(ops.shape(mean), seed=seed)
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
