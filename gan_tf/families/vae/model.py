"""The VAE: an encoder to a Gaussian posterior, a Bernoulli decoder.

Loss per image = binary cross-entropy summed over pixels + kl_weight * KL(q(z|x) || N(0, I));
with kl_weight 1 it is the negative ELBO in nats. `fit` and `evaluate` report `loss`,
`reconstruction_loss` and `kl_loss`. The conditional VAE (`gan_tf.families.cvae`) is this model
with the one-hot label fed to both networks.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from gan_tf.data.reader import DataFolder, make_dataset
from gan_tf.families.vae import networks
from gan_tf.families.vae.config import VAEConfig
from gan_tf.models.base import GenerativeModel
from gan_tf.networks.layers import Sampling
from gan_tf.training import losses
from gan_tf.training.distribute import global_value, loss_scaled, minimize, step_logs
from gan_tf.training.optimizers import FusedAdam
from gan_tf.viz import plots
from gan_tf.viz.images import make_grid

PICTURE_RECORDS = 5000  # test images encoded for the latent scatter plot
GRID_SIDE = 10
GRID_EXTENT = 2.0  # the latent grid spans [-extent, extent] in the first two latent dimensions


@keras.saving.register_keras_serializable(package="gan_tf")
class VAE(GenerativeModel):
    """`VAE()` then `compile()` then `fit(images)`; images in [0, 1]."""

    config_class = VAEConfig
    serving_kind = "vae"
    num_classes = None  # set by conditional subclasses

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        self.latent_dim = self.config.latent_dim
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def build_networks(self, config):
        labels = self.conditioning_size(config)
        if config.architecture == "mlp":
            self.encoder = networks.build_mlp_encoder(
                config.image_shape, config.latent_dim, config.hidden_units, labels)
            self.decoder = networks.build_mlp_decoder(
                config.latent_dim, config.image_shape, config.hidden_units[::-1], labels)
        elif config.architecture == "source":
            self.encoder = networks.build_encoder(config.image_shape, config.latent_dim, config.dropout, labels)
            self.decoder = networks.build_decoder(config.latent_dim, config.image_shape, labels)
        else:
            raise ValueError(f"architecture must be 'source' or 'mlp', got {config.architecture!r}")
        self.sampling = Sampling(seed=self.seed_generator, name="sampling")

    def conditioning_size(self, config):
        """Width of the label input of both networks; None for an unconditional VAE."""
        return None

    def condition(self, labels):
        """The networks' extra inputs for a batch of integer labels (none for the VAE)."""
        return []

    # -- Keras API -------------------------------------------------------------------------

    def compile(self, optimizer=None, **kwargs):
        """Adam(config.learning_rate) unless given; built here so checkpoints restore its slots.

        The losses are the model's own, so `loss`/`metrics` arguments are refused.
        """
        if "loss" in kwargs or "metrics" in kwargs:
            raise ValueError("the VAE computes its own loss and metrics; pass neither")
        optimizer = loss_scaled(optimizer or FusedAdam(self.config.learning_rate))
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.trainable_variables)

    def get_compile_config(self):
        """The optimizer's config, so a saved `.keras` model reloads compiled with its slots."""
        return {"optimizer": keras.optimizers.serialize(self.optimizer)} if self.compiled else None

    def compile_from_config(self, config):
        self.compile(optimizer=keras.optimizers.deserialize(config["optimizer"]))

    @property
    def metrics(self):
        # Only these three: Keras' own `loss` tracker would otherwise shadow ours in the logs.
        return [self.loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, inputs, training=False):
        """Reconstruction probabilities of images (VAE) or (images, labels) (CVAE)."""
        images, labels = inputs if self.num_classes else (inputs, None)
        mean, log_var = self.encode(images, labels, training=training)
        return self.generate(self.sampling([mean, log_var]), labels, training=training)

    def encode(self, images, labels=None, training=False):
        """Images in [0, 1] (and integer labels, for the CVAE) -> (z_mean, z_log_var)."""
        inputs = [ops.convert_to_tensor(images), *self.condition(labels)]
        return self.encoder(inputs if len(inputs) > 1 else images, training=training)

    def generate(self, latent, labels=None, training=False):
        """Decodes z (and integer labels, for the CVAE) to pixel probabilities in [0, 1]."""
        inputs = [ops.convert_to_tensor(latent), *self.condition(labels)]
        return self.decoder(inputs if len(inputs) > 1 else latent, training=training)

    def compute_losses(self, images, labels=None, training=False):
        """(total, reconstruction, KL), each averaged over the (global) batch, in nats per
        image; under a strategy each is this replica's share (see `gan_tf.training.distribute`)."""
        mean, log_var = self.encode(images, labels, training=training)
        reconstruction = self.generate(self.sampling([mean, log_var]), labels, training=training)
        reconstruction_loss = losses.average(losses.bernoulli_reconstruction_loss(
            ops.cast(images, "float32"), ops.cast(reconstruction, "float32")))
        kl_loss = losses.average(losses.gaussian_kl_divergence(
            ops.cast(mean, "float32"), ops.cast(log_var, "float32")))
        return reconstruction_loss + self.config.kl_weight * kl_loss, reconstruction_loss, kl_loss

    def _unpack(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not self.num_classes:
            return x, None
        if y is None:
            raise ValueError(f"{type(self).__name__} trains on (images, labels) batches")
        return x, y

    def _record(self, total, reconstruction_loss, kl_loss):
        self.loss_tracker.update_state(global_value(total))
        self.reconstruction_loss_tracker.update_state(global_value(reconstruction_loss))
        self.kl_loss_tracker.update_state(global_value(kl_loss))
        return step_logs({metric.name: metric.result() for metric in self.metrics})

    def train_step(self, data):
        images, labels = self._unpack(data)
        with tf.GradientTape() as tape:
            total, reconstruction_loss, kl_loss = self.compute_losses(images, labels, training=True)
        minimize(tape, total, self.optimizer, self.trainable_variables)
        return self._record(total, reconstruction_loss, kl_loss)

    def test_step(self, data):
        images, labels = self._unpack(data)
        return self._record(*self.compute_losses(images, labels, training=False))

    def held_out_batches(self, data_dir):
        return make_dataset(data_dir, "test", batch_size=500, value_range=self.value_range,
                            with_labels=self.uses_labels, shuffle=False, drop_remainder=False)

    def held_out_scores(self, batches):
        """Negative ELBO (reconstruction + KL, nats per image, one posterior sample) and its
        two terms over `batches`, without touching the training trackers."""
        totals, count = np.zeros(2), 0
        for data in batches:
            images, labels = self._unpack(data)
            _, reconstruction_loss, kl_loss = self.compute_losses(images, labels)
            size = int(tf.shape(images)[0])
            totals += size * np.array([float(reconstruction_loss), float(kl_loss)])
            count += size
        reconstruction, kl = totals / count
        return {"neg_elbo": reconstruction + kl, "reconstruction": reconstruction, "kl": kl}

    # -- Data and pictures -----------------------------------------------------------------

    def latent_grid(self, side=GRID_SIDE, extent=GRID_EXTENT):
        """[side*side, latent_dim] points of a regular grid over the first two latent axes (the
        rest 0), row by row from the top (second axis high) to the bottom."""
        values = np.linspace(-extent, extent, side, dtype=np.float32)
        points = np.zeros((side * side, self.latent_dim), np.float32)
        rows, columns = np.meshgrid(values[::-1], values, indexing="ij")
        points[:, 0] = columns.ravel()
        if self.latent_dim > 1:
            points[:, 1] = rows.ravel()
        return points

    def monitor_pictures(self, images, labels, class_names=None):
        """{name: uint8 picture}: test-set means scattered by label, and the decoded latent grid."""
        mean, _ = self.encode(images, labels if self.num_classes else None)
        pictures = {"latent_scatter": plots.scatter_plot(np.asarray(mean)[:, :2], labels, class_names)}
        pictures.update(self.grid_pictures())
        return pictures

    def grid_pictures(self):
        return {"latent_grid": make_grid(self.to_uint8(self.generate(self.latent_grid())), GRID_SIDE)}

    def picture_inputs(self, data_dir):
        """The latent pictures' records: the first of the test split (train if none)."""
        folder = DataFolder.open(data_dir)
        split = "test" if "test" in folder.splits else "train"
        images, labels = next(iter(make_dataset(
            folder, split, batch_size=PICTURE_RECORDS, with_labels=True, shuffle=False,
            limit=PICTURE_RECORDS, drop_remainder=False, value_range=self.value_range,
        )))
        return images.numpy(), labels.numpy(), folder.metadata.get("class_names")
