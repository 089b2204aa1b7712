"""The base of the GANs that draw from a latent prior (FashionGAN, vanilla, DCGAN, WGAN-GP, cGAN).

`compile()` takes one optimizer and one loss per network; `train_step` does one discriminator
update then one generator update and reports `d_loss` and `g_loss` (`TwoPlayerModel.report`).
Families give the networks (`build_networks` sets `self.generator` and `self.discriminator`,
which returns logits) and their default optimizers; they override the hooks, not `train_step`.

The config's `AdversarialConfig` fields choose the loss (`gan_tf.training.losses.LOSSES`), a WGAN-GP
gradient penalty and the number of critic updates per generator update, so every family gets
WGAN-GP, hinge and least-squares training from the same step. Conditional families override
`generate`/`discriminate` to feed the batch's labels to both networks.

Under a `tf.distribute` strategy (build and compile the model in `strategy.scope()`) the step
runs per replica: the losses are the replica's share of the global-batch mean, latents are
drawn per replica (`gan_tf.training.distribute`), and the trackers get the global values.
"""

import keras
import tensorflow as tf
from keras import ops

from gan_tf.models.two_player import TwoPlayerModel
from gan_tf.training import losses
from gan_tf.training.distribute import draw_per_replica, minimize


def _has_batch_norm(network):
    """Whether a network (or a network nested in it) has a BatchNormalization layer."""
    return any(isinstance(layer, keras.layers.BatchNormalization)
               or (hasattr(layer, "layers") and _has_batch_norm(layer)) for layer in network.layers)


class AdversarialModel(TwoPlayerModel):
    """A generator, a discriminator returning logits, and the GAN training step."""

    loss_names = ("d_loss", "g_loss")
    serving_kind = "latent"

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        self.latent_dim = self.config.latent_dim
        self.critic_steps = self.config.critic_steps
        self.gradient_penalty_weight = self.config.gradient_penalty
        if self.critic_steps < 1:
            raise ValueError(f"critic_steps must be at least 1, got {self.critic_steps}")
        if self.gradient_penalty_weight < 0:
            raise ValueError(f"gradient_penalty must be >= 0, got {self.gradient_penalty_weight}")
        if self.config.simultaneous_updates and self.critic_steps != 1:
            raise ValueError("simultaneous_updates needs critic_steps 1")
        # Real and fake go through D in one call unless D normalises over the batch (BatchNorm
        # statistics of a mixed batch differ from those of two separate ones).
        self.joint_discriminator_call = not _has_batch_norm(self.discriminator)

    # -- Family hooks --------------------------------------------------------------------

    def generator_variables(self):
        return self.generator.trainable_variables

    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    def default_losses(self):
        """(generator loss, discriminator loss) used when compile() gets none: the config's
        `loss`, with its label smoothing/noise for bce."""
        config = self.config
        return losses.adversarial_losses(config.loss, config.label_smoothing, config.label_noise,
                                         seed=config.seed)

    def generate(self, latent, labels=None, training=False):
        """The generator's images; conditional families also feed `labels`."""
        return self.generator_for(training)(latent, training=training)

    def discriminate(self, images, labels=None, training=False):
        """The discriminator's logits (critic scores); conditional families also feed `labels`."""
        return self.discriminator(images, training=training)

    def discriminate_pair(self, real, fake, labels=None):
        """(real logits, fake logits) in training mode: one D call on both halves when D has no
        BatchNorm (the same per-example outputs, one kernel launch per layer), else two."""
        if not self.joint_discriminator_call:
            return (self.discriminate(real, labels, training=True),
                    self.discriminate(fake, labels, training=True))
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        logits = self.discriminate(ops.concatenate([ops.cast(real, fake.dtype), fake], axis=0),
                                   both_labels, training=True)
        return logits[: ops.shape(real)[0]], logits[ops.shape(real)[0]:]

    # -- Keras API -------------------------------------------------------------------------

    def compile(self, g_optimizer=None, d_optimizer=None, g_loss=None, d_loss=None, **kwargs):
        """Sets each network's optimizer and loss (default: the config's); other kwargs
        (jit_compile, ...) go to Keras."""
        super().compile(g_optimizer, d_optimizer, **kwargs)
        default_g_loss, default_d_loss = self.default_losses()
        self.g_loss_fn = g_loss or default_g_loss
        self.d_loss_fn = d_loss or default_d_loss

    def call(self, latent, training=False):
        return self.generate(latent, training=training)

    def sample_latent(self, batch_size):
        """Prior draws for a batch; under a strategy, this replica's part of the global draw."""
        return draw_per_replica(
            lambda batch: keras.random.normal((batch, self.latent_dim), seed=self.seed_generator),
            batch_size,
        )

    def train_step(self, data):
        """`critic_steps` discriminator updates (same real batch, fresh fakes and
        interpolates each time), then one generator update with fresh latents (the sources'
        step); or, with `simultaneous_updates`, both updates from one generator forward.
        Labels, when the data has them, go to `generate`/`discriminate`."""
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]
        if self.config.simultaneous_updates:
            logs = self.simultaneous_step(real, batch_size, labels)
        else:
            d_losses = [self.discriminator_step(real, batch_size, labels) for _ in range(self.critic_steps)]
            logs = {"d_loss": tf.add_n(d_losses) / len(d_losses),
                    "g_loss": self.generator_step(batch_size, labels)}
        self.update_generator_average()
        return self.report(**logs)

    def discriminator_loss(self, real, fake, labels=None):
        real_logits, fake_logits = self.discriminate_pair(real, fake, labels)
        loss = self.d_loss_fn(real_logits, fake_logits)
        if self.gradient_penalty_weight:
            loss += self.gradient_penalty_weight * losses.gradient_penalty(
                lambda images: self.discriminate(images, labels, training=True),
                real, fake, seed=self.seed_generator,
            )
        return loss, fake_logits

    def discriminator_step(self, real, batch_size, labels=None):
        fake = self.generate(self.sample_latent(batch_size), labels, training=True)
        with tf.GradientTape() as tape:
            loss, _ = self.discriminator_loss(real, fake, labels)
        minimize(tape, loss, self.d_optimizer, self.discriminator.trainable_variables)
        return loss

    def simultaneous_step(self, real, batch_size, labels=None):
        """One generator forward; D's loss and G's loss both from its fakes, each network
        updated from its own tape against the same (pre-update) other network. G's gradient
        is the sequential step's but for D's one update (an O(learning rate) difference);
        the sequential step also draws fresh latents for G."""
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generate(latent, labels, training=True)
            d_loss, fake_logits = self.discriminator_loss(real, fake, labels)
            g_loss = self.g_loss_fn(fake_logits)
        minimize(d_tape, d_loss, self.d_optimizer, self.discriminator.trainable_variables)
        minimize(g_tape, g_loss, self.g_optimizer, self.generator.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}

    def generator_step(self, batch_size, labels=None):
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake = self.generate(latent, labels, training=True)
            fake_logits = self.discriminate(fake, labels, training=True)
            loss = self.g_loss_fn(fake_logits)
        minimize(tape, loss, self.g_optimizer, self.generator.trainable_variables)
        return loss
