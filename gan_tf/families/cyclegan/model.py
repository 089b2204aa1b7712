"""CycleGAN (Zhu et al. 2017): unpaired translation between domains A and B.

G: A -> B and F: B -> A are trained against PatchGANs D_B and D_A with least-squares losses,
plus cycle consistency |F(G(a)) - a| + |G(F(b)) - b| weighted by `cycle_weight` (lambda) and
identity |G(b) - b| + |F(a) - a| weighted by `identity_weight` * lambda. The discriminators see
fakes through a history pool and their loss is halved, as in the paper. `fit` reports
g_loss, f_loss (adversarial terms of G and F), cycle_loss, identity_loss, d_a_loss, d_b_loss.
Data: a preprocessed folder with splits trainA and trainB (testA/testB for the monitor).
"""

import dataclasses

import keras
import tensorflow as tf

from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.models.image_to_image import ImageTranslationModel, require_splits
from gan_tf.networks.image_to_image import build_generator, patchgan_discriminator
from gan_tf.training import losses
from gan_tf.training.distribute import minimize
from gan_tf.training.history_pool import HistoryPool

TRAIN_SPLITS = ("trainA", "trainB")


@keras.saving.register_keras_serializable(package="gan_tf")
class CycleGAN(ImageTranslationModel):
    """`CycleGAN()`, `compile()`, `fit(dataset of (a_batch, b_batch))`; images in [-1, 1]."""

    config_class = CycleGANConfig
    loss_names = ("g_loss", "f_loss", "cycle_loss", "identity_loss", "d_a_loss", "d_b_loss")
    averaged_names = ("generator_g", "generator_f")

    def build_networks(self, config):
        super().build_networks(config)
        size, channels = config.image_size, config.channels
        generator = lambda name, filters: build_generator(
            config.generator, size, channels, channels, filters, config.norm,
            residual_blocks=config.residual_blocks, upsample=config.upsample, name=name)
        discriminator = lambda name: patchgan_discriminator(
            size, channels, config.discriminator_filters, config.norm,
            config.discriminator_layers, name=name)
        self.generator_g = generator("generator_g", config.generator_filters)  # A -> B
        f_filters = config.f_generator_filters or config.generator_filters
        self.generator_f = generator("generator_f", f_filters)  # B -> A
        self.discriminator_a = discriminator("discriminator_a")
        self.discriminator_b = discriminator("discriminator_b")
        shape = (size, size, channels)
        self.pool_a = HistoryPool(config.pool_size, shape, seed=config.seed, name="pool_a")
        self.pool_b = HistoryPool(config.pool_size, shape, seed=config.seed + 1, name="pool_b")

    @property
    def generators(self):
        return [self.generator_g, self.generator_f]

    @property
    def discriminators(self):
        return [self.discriminator_a, self.discriminator_b]

    def call(self, real_a, training=False):
        return self.generator_for(training, "generator_g")(real_a, training=training)

    # -- Training --------------------------------------------------------------------------

    def cycle_loss(self, real_a, real_b, reconstructed_a, reconstructed_b):
        return losses.l1_distance(real_a, reconstructed_a) + losses.l1_distance(real_b, reconstructed_b)

    def identity_loss(self, real_a, real_b, training=True):
        return (losses.l1_distance(real_b, self.generator_g(real_b, training=training))
                + losses.l1_distance(real_a, self.generator_f(real_a, training=training)))

    def train_step(self, data):
        """G and F update against the current discriminators, then D_A and D_B against the
        fakes of the same forward (through the pools). With `pool_size` 0 the discriminators'
        fake logits are those of G's and F's losses, so each discriminator runs twice per step,
        as in the keras.io example, instead of three times."""
        real_a, real_b = data
        config = self.config
        d_tape = tf.GradientTape()  # also records the fake logits, for the pool-less step
        with tf.GradientTape() as tape, d_tape:
            fake_b = self.generator_g(real_a, training=True)
            fake_a = self.generator_f(real_b, training=True)
            fake_a_logits = self.discriminator_a(fake_a, training=True)
            fake_b_logits = self.discriminator_b(fake_b, training=True)
            g_loss = losses.least_squares_generator_loss(fake_b_logits)
            f_loss = losses.least_squares_generator_loss(fake_a_logits)
            cycle = self.cycle_loss(real_a, real_b, self.generator_f(fake_b, training=True),
                                    self.generator_g(fake_a, training=True))
            total = g_loss + f_loss + config.cycle_weight * cycle
            if config.identity_weight:
                identity = self.identity_loss(real_a, real_b)
                total += config.identity_weight * config.cycle_weight * identity
            else:
                identity = tf.zeros(())
        minimize(tape, total, self.g_optimizer, self.generator_variables())
        self.update_generator_average()
        with d_tape:
            if config.pool_size:
                fake_a_logits = self.discriminator_a(self.pool_a(fake_a), training=True)
                fake_b_logits = self.discriminator_b(self.pool_b(fake_b), training=True)
            d_a_loss = 0.5 * losses.least_squares_discriminator_loss(
                self.discriminator_a(real_a, training=True), fake_a_logits)
            d_b_loss = 0.5 * losses.least_squares_discriminator_loss(
                self.discriminator_b(real_b, training=True), fake_b_logits)
            d_total = d_a_loss + d_b_loss
        minimize(d_tape, d_total, self.d_optimizer, self.discriminator_variables())
        return self.report(g_loss=g_loss, f_loss=f_loss, cycle_loss=cycle,
                           identity_loss=identity, d_a_loss=d_a_loss, d_b_loss=d_b_loss)

    # -- Data ------------------------------------------------------------------------------

    @classmethod
    def config_for_data(cls, config, metadata):
        return dataclasses.replace(config, channels=metadata["image_shape"][-1])

    @classmethod
    def training_dataset(cls, data_dir, config, batch_size, limit=None, first_epoch=None):
        """(a, b) batches: each domain jittered and shuffled on its own; an epoch is as many
        batches as the larger domain has, the smaller one repeating. A resumed run
        (`first_epoch`) gets its full model state back but a fresh data order: random jitter
        makes the order irreproducible anyway."""
        require_splits(data_dir, TRAIN_SPLITS, "cyclegan")
        domain_a, domain_b = (
            cls.read_split(data_dir, split, config, batch_size, limit=limit)
            for split in TRAIN_SPLITS)
        steps = max(int(domain_a.cardinality()), int(domain_b.cardinality()))
        if steps < 1:
            raise ValueError(f"{data_dir}: fewer images than one batch of {batch_size}")
        return tf.data.Dataset.zip(domain_a.repeat(), domain_b.repeat()).take(steps)

    def read_monitor_inputs(self, data_dir, count):
        metadata = require_splits(data_dir, TRAIN_SPLITS, "cyclegan")
        per_domain = max(1, count // 6)
        return tuple(
            self.first_batch(self.read_split(
                data_dir, test if test in metadata["splits"] else train, self.config,
                per_domain, training=False, limit=per_domain))
            for test, train in (("testA", "trainA"), ("testB", "trainB")))

    # -- Sampling and serving --------------------------------------------------------------

    def monitor_images(self, count, seed):
        """Rows of input | translated | reconstructed: test images of A (G then F), then of B
        (F then G); seeded noise inputs when no data was given (`use_data_for_monitoring`)."""
        if self.monitor_inputs is None:
            shape = (max(1, count // 6), self.config.image_size, self.config.image_size,
                     self.config.channels)
            noise = lambda s: tf.random.stateless_uniform(shape, [seed, s], -1.0, 1.0)
            inputs = (noise(0), noise(1))
        else:
            inputs = self.monitor_inputs
        rows = []
        g, f = self.drawing("generator_g"), self.drawing("generator_f")
        for real, forward, backward in ((inputs[0], g, f), (inputs[1], f, g)):
            translated = forward(real, training=False)
            rows.append(tf.stack([real, translated, backward(translated, training=False)], 1))
        images = tf.concat(rows, 0)
        return self.to_uint8(tf.reshape(images, (-1,) + tuple(images.shape[2:])))

    def translation_networks(self):
        """`a_to_b` (G, also serving_default) and `b_to_a` (F): uint8 `images` -> `images`."""
        return {"a_to_b": self.drawing("generator_g"), "b_to_a": self.drawing("generator_f")}
