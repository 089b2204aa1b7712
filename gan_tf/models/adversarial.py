"""The two-player base every GAN family extends.

`compile()` takes one optimizer and one loss per network; `train_step` does one discriminator
update then one generator update and reports `d_loss` and `g_loss` through `keras.metrics.Mean`
trackers (reset every epoch by Keras through the `metrics` property). Randomness comes from a
`keras.random.SeedGenerator` owned by the model, so its state is saved with the weights.
Families give the networks and their defaults; they override the hooks, not `train_step`.
"""

import keras
import tensorflow as tf
from keras import ops

from gan_tf.data import UNIT_RANGE
from gan_tf.images import to_uint8

MAX_SAMPLE_COUNT = 4096
_SEED_STATE = "seed_generator_state"


class AdversarialModel(keras.Model):
    """A generator, a discriminator returning logits, and the GAN training step."""

    value_range = UNIT_RANGE  # range of the generator's output and of the data it is fed

    def __init__(self, generator, discriminator, latent_dim, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        # Both networks are built functional models; without this Keras treats the GAN as
        # unbuilt after fit (train_step never calls it) and refuses to save its weights.
        self.built = True

    # -- Family hooks --------------------------------------------------------------------

    def default_optimizers(self):
        """(generator optimizer, discriminator optimizer) used when compile() gets none."""
        raise NotImplementedError

    def default_losses(self):
        """(generator loss, discriminator loss) used when compile() gets none."""
        raise NotImplementedError

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
        self.g_optimizer = g_optimizer or default_g_optimizer
        self.d_optimizer = d_optimizer or default_d_optimizer
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

    def save_own_variables(self, store):
        """Saves the random-generator state with the weights, so a resumed run continues the
        same random stream (Keras leaves a model's SeedGenerator out of its weights)."""
        super().save_own_variables(store)
        store[_SEED_STATE] = self.seed_generator.state.numpy()

    def load_own_variables(self, store):
        if _SEED_STATE in store:
            self.seed_generator.state.assign(store[_SEED_STATE])

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, latent, training=False):
        return self.generator(latent, training=training)

    def sample_latent(self, batch_size):
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]
        d_loss = self.discriminator_step(real, batch_size)
        g_loss = self.generator_step(batch_size)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def discriminator_step(self, real, batch_size):
        fake = self.generator(self.sample_latent(batch_size), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            loss = self.d_loss_fn(real_logits, fake_logits)
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def generator_step(self, batch_size):
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(latent, training=True), training=True)
            loss = self.g_loss_fn(fake_logits)
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
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
        """The networks an export needs (never the discriminator)."""
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
