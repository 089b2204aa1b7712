"""The conditional VAE (CVAE): the VAE with the one-hot label fed to both networks."""

import dataclasses

import keras
import tensorflow as tf
from keras import ops

from gan_tf.families.cvae.config import CVAEConfig
from gan_tf.families.vae.model import GRID_SIDE, VAE
from gan_tf.viz.images import make_grid


@keras.saving.register_keras_serializable(package="gan_tf")
class CVAE(VAE):
    """`CVAE()` then `compile()` then `fit((images, labels))`; integer labels in [0, classes)."""

    config_class = CVAEConfig
    uses_labels = True

    @property
    def num_classes(self):
        return self.config.num_classes

    @classmethod
    def config_for_data(cls, config, metadata):
        config = super().config_for_data(config, metadata)
        return dataclasses.replace(config, num_classes=int(metadata["num_classes"]))

    def conditioning_size(self, config):
        return config.num_classes

    def condition(self, labels):
        return [ops.one_hot(ops.cast(labels, "int32"), self.num_classes)]

    def grid_pictures(self):
        """One row per class, the same GRID_SIDE prior draws in every row."""
        latent = tf.tile(self.seeded_latent(GRID_SIDE, self.config.seed), [self.num_classes, 1])
        labels = tf.repeat(tf.range(self.num_classes), GRID_SIDE)
        return {"class_grid": make_grid(self.to_uint8(self.generate(latent, labels)), GRID_SIDE)}
