"""The two-player base every GAN family extends.

`compile()` takes one optimizer and one loss per network; `train_step` does one discriminator
update then one generator update and reports `d_loss` and `g_loss` through `keras.metrics.Mean`
trackers (reset every epoch by Keras through the `metrics` property). Families give the networks
(`build_networks` sets `self.generator` and `self.discriminator`, which returns logits) and
their default optimizers; they override the hooks, not `train_step`.

The config's `AdversarialConfig` fields choose the loss (`gan_tf.losses.LOSSES`), a WGAN-GP
gradient penalty and the number of critic updates per generator update, so every family gets
WGAN-GP, hinge and least-squares training from the same step. Conditional families override
`generate`/`discriminate` to feed the batch's labels to both networks.

Under a `tf.distribute` strategy (build and compile the model in `strategy.scope()`) the step
runs per replica: the losses are the replica's share of the global-batch mean, latents are
drawn per replica (`gan_tf.distribute`), and the trackers get the global values. Under a
`mixed_float16` policy each optimizer is wrapped in a LossScaleOptimizer.
"""

import keras
import tensorflow as tf
from keras import ops

from gan_tf import losses
from gan_tf.distribute import draw_per_replica, global_value, loss_scaled, minimize, step_logs
from gan_tf.images import to_uint8
from gan_tf.models.base import GenerativeModel

MAX_SAMPLE_COUNT = 4096


class AdversarialModel(GenerativeModel):
    """A generator, a discriminator returning logits, and the GAN training step."""

    # Whether images come from latents alone, so diagnostics and FID-style metrics apply
    # (StackGAN's need captions).
    samples_from_latents = True

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        self.latent_dim = self.config.latent_dim
        self.critic_steps = getattr(self.config, "critic_steps", 1)
        self.gradient_penalty_weight = getattr(self.config, "gradient_penalty", 0.0)
        if self.critic_steps < 1:
            raise ValueError(f"critic_steps must be at least 1, got {self.critic_steps}")
        if self.gradient_penalty_weight < 0:
            raise ValueError(f"gradient_penalty must be >= 0, got {self.gradient_penalty_weight}")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    # -- Family hooks --------------------------------------------------------------------

    def default_optimizers(self):
        """(generator optimizer, discriminator optimizer) used when compile() gets none: by
        default one Adam per network from the config's `learning_rate`, `beta_1` and
        `beta_2` (0.999 when absent)."""
        config = self.config
        return tuple(
            keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1,
                                  beta_2=getattr(config, "beta_2", 0.999), name=name)
            for name in ("g_adam", "d_adam")
        )

    def default_losses(self):
        """(generator loss, discriminator loss) used when compile() gets none: the config's
        `loss` (bce when the config has none), with its label smoothing/noise for bce."""
        config = self.config
        return losses.adversarial_losses(
            getattr(config, "loss", "bce"),
            getattr(config, "label_smoothing", 0.0),
            getattr(config, "label_noise", 0.0),
            seed=getattr(config, "seed", None),
        )

    def generate(self, latent, labels=None, training=False):
        """The generator's images; conditional families also feed `labels`."""
        return self.generator(latent, training=training)

    def discriminate(self, images, labels=None, training=False):
        """The discriminator's logits (critic scores); conditional families also feed `labels`."""
        return self.discriminator(images, training=training)

    # -- Keras API -------------------------------------------------------------------------

    def compile(self, g_optimizer=None, d_optimizer=None, g_loss=None, d_loss=None, **kwargs):
        """Sets each network's optimizer and loss; other kwargs (jit_compile, ...) go to Keras.

        No optimizer is given to Keras itself, so it neither builds nor logs a default one.
        Both optimizers are built here, so restoring a checkpoint (BackupAndRestore,
        load_weights) before the first step restores their slots and step counts too.
        """
        super().compile(optimizer=None, **kwargs)
        default_g_optimizer, default_d_optimizer = (
            self.default_optimizers() if g_optimizer is None or d_optimizer is None else (None, None)
        )
        self.g_optimizer = loss_scaled(g_optimizer or default_g_optimizer)
        self.d_optimizer = loss_scaled(d_optimizer or default_d_optimizer)
        default_g_loss, default_d_loss = self.default_losses()
        self.g_loss_fn = g_loss or default_g_loss
        self.d_loss_fn = d_loss or default_d_loss
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def get_compile_config(self):
        """Optimizer configs, so a saved `.keras` model reloads compiled with its slot state."""
        if not self.compiled:
            return None
        return {
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
        }

    def compile_from_config(self, config):
        """Recompiles a loaded model with its saved optimizers and the default losses."""
        self.compile(
            g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]),
            d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]),
        )

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, latent, training=False):
        return self.generator(latent, training=training)

    def sample_latent(self, batch_size):
        """Prior draws for a batch; under a strategy, this replica's part of the global draw."""
        return draw_per_replica(
            lambda batch: keras.random.normal((batch, self.latent_dim), seed=self.seed_generator),
            batch_size,
        )

    def train_step(self, data):
        """`critic_steps` discriminator updates (same real batch, fresh fakes and
        interpolates each time), then one generator update. Labels, when the data has them,
        go to `generate`/`discriminate`."""
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]
        for _ in range(self.critic_steps):
            d_loss = self.discriminator_step(real, batch_size, labels)
            self.d_loss_tracker.update_state(global_value(d_loss))
        g_loss = self.generator_step(batch_size, labels)
        self.g_loss_tracker.update_state(global_value(g_loss))
        return step_logs({metric.name: metric.result() for metric in self.metrics})

    def discriminator_step(self, real, batch_size, labels=None):
        fake = self.generate(self.sample_latent(batch_size), labels, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(real, labels, training=True)
            fake_logits = self.discriminate(fake, labels, training=True)
            loss = self.d_loss_fn(real_logits, fake_logits)
            if self.gradient_penalty_weight:
                loss += self.gradient_penalty_weight * losses.gradient_penalty(
                    lambda images: self.discriminate(images, labels, training=True),
                    real, fake, seed=self.seed_generator,
                )
        minimize(tape, loss, self.d_optimizer, self.discriminator.trainable_variables)
        return loss

    def generator_step(self, batch_size, labels=None):
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake = self.generate(latent, labels, training=True)
            fake_logits = self.discriminate(fake, labels, training=True)
            loss = self.g_loss_fn(fake_logits)
        minimize(tape, loss, self.g_optimizer, self.generator.trainable_variables)
        return loss

    # -- Sampling and serving --------------------------------------------------------------

    def generate_images(self, latent):
        """uint8 images for a latent batch, in inference mode."""
        return to_uint8(self.generator(latent, training=False), self.value_range)

    def seeded_latent(self, count, seed):
        """The same latent batch for the same (count, seed), on every machine and run."""
        return tf.random.stateless_normal(
            tf.stack([count, self.latent_dim]), seed=tf.stack([tf.cast(seed, tf.int64), 0])
        )

    def monitor_images(self, count, seed):
        """uint8 images from fixed latents, for `ModelMonitor`."""
        return self.generate_images(self.seeded_latent(count, seed))

    def serving_networks(self):
        return [self.generator]

    def serving_endpoints(self):
        """{signature name: (function, input TensorSpecs)} for `gan_tf.export`.

        `serving_default` maps a float32 `latent` batch to uint8 `images`; `sample` draws
        `count` images from the prior reproducibly from an int64 `seed`.
        """

        def generate(latent):
            return {"images": self.generate_images(latent)}

        def sample(count, seed):
            tf.debugging.assert_positive(count, message="count must be positive")
            tf.debugging.assert_less_equal(
                count, MAX_SAMPLE_COUNT, message=f"count must be at most {MAX_SAMPLE_COUNT}"
            )
            latent = self.seeded_latent(count, seed)
            return {"images": self.generate_images(latent), "latent": latent}

        return {
            "serving_default": (
                generate,
                [tf.TensorSpec([None, self.latent_dim], tf.float32, name="latent")],
            ),
            "sample": (
                sample,
                [tf.TensorSpec([], tf.int32, name="count"), tf.TensorSpec([], tf.int64, name="seed")],
            ),
        }
