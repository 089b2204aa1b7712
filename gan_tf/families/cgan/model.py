"""The label-conditional GAN: the class label goes into both networks.

The reader yields (images, labels) (`uses_labels`); the shared adversarial step passes the
labels to `generate` and `discriminate`, and generated batches reuse the real batch's labels,
so the class mix follows the data. Monitor grids have one row per class, and the export takes
labels as an input.
"""

import dataclasses
import math

import keras
import tensorflow as tf

from gan_tf.data.reader import TANH_RANGE
from gan_tf.families.cgan import networks
from gan_tf.families.cgan.config import ConditionalGANConfig
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.networks import small_dcgan


@keras.saving.register_keras_serializable(package="gan_tf")
class ConditionalGAN(AdversarialModel):
    """`ConditionalGAN()` then `compile()` then `fit((images, labels))`; images in [-1, 1]."""

    config_class = ConditionalGANConfig
    value_range = TANH_RANGE
    uses_labels = True

    def build_networks(self, config):
        self.num_classes = config.num_classes
        if config.architecture == "dcgan":  # the fast preset's: FashionGAN's, label-conditioned
            self.generator = small_dcgan.build_conditional_generator(
                config.latent_dim, config.num_classes, config.embedding_dim, config.generator_filters,
                config.image_shape)
            self.discriminator = small_dcgan.build_conditional_discriminator(
                config.image_shape, config.num_classes,
                (config.discriminator_filters, 2 * config.discriminator_filters))
            return
        if config.architecture != "source":
            raise ValueError(f"unknown architecture {config.architecture!r}; choose source or dcgan")
        self.generator = networks.build_generator(
            config.latent_dim, config.num_classes, config.embedding_dim,
            config.generator_filters, config.image_shape,
        )
        self.discriminator = networks.build_discriminator(
            config.image_shape, config.num_classes, config.discriminator_filters
        )

    @classmethod
    def config_for_data(cls, config, metadata):
        """Also takes `num_classes` from the data; refuses unlabelled data."""
        config = super().config_for_data(config, metadata)
        if not metadata.get("num_classes"):
            raise ValueError("the conditional GAN needs labelled data (class folders or a "
                             "labelled data set); this data set has no classes")
        return dataclasses.replace(config, num_classes=int(metadata["num_classes"]))

    def generate(self, latent, labels=None, training=False):
        return self.generator_for(training)([tf.convert_to_tensor(latent), tf.cast(labels, tf.int32)],
                                            training=training)

    def discriminate(self, images, labels=None, training=False):
        return self.discriminator([tf.convert_to_tensor(images), tf.cast(labels, tf.int32)],
                                  training=training)

    def call(self, inputs, training=False):
        latent, labels = inputs
        return self.generate(latent, labels, training=training)

    def monitor_columns(self, count):
        return math.ceil(count / self.num_classes)

    def monitor_images(self, count, seed):
        """One row per class; column j of every row uses the same latent, so rows compare."""
        columns = self.monitor_columns(count)
        latent = tf.tile(self.seeded_latent(columns, seed), [self.num_classes, 1])
        labels = tf.repeat(tf.range(self.num_classes), columns)
        return self.to_uint8(self.generate(latent, labels))
