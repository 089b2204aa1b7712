"""StackGAN (Zhang et al. 2017): text-to-image in two stages, each its own `keras.Model`.

`StackGANStageI` draws a low-resolution image from (z, c), c drawn by conditioning
augmentation from the caption's embedding; `StackGANStageII` refines a frozen Stage-I's image,
joined with its own c, to the higher resolution. Both train with the matching-aware
discriminator: (real image, right text) is real, (real image, wrong text) and (fake image,
right text) are fake; D's loss is real + (wrong + fake) / 2 (`mismatch_weight` 0.5 splits the
second term) and G's is the non-saturating loss + lambda x KL(N(mean, var) || N(0, I)) (+
Stage-II's optional anchor to the Stage-I image, `stage1_anchor_weight`, at Stage-II's size or
with `stage1_anchor_reduced` at Stage-I's). The KL is averaged over the code's dimensions, as
the official code does, so lambda means what it means there (1 for Stage-I, 2 for Stage-II by
default). With `generator_ema` a moving average of the generator's weights draws every image
outside training (`gan_tf.training.averaging`). `fit` reports d_loss (the total), d_loss_real,
d_loss_wrong, d_loss_fake, g_loss (adversarial + weighted KL [+ anchor]) and kl_loss.
"""

import dataclasses

import keras
import tensorflow as tf
from keras import ops

from gan_tf.data.captions import embedding_dim, fixed_captions, make_caption_dataset
from gan_tf.data.reader import TANH_RANGE
from gan_tf.families.stackgan import networks
from gan_tf.families.stackgan.config import StackGANConfig
from gan_tf.models.base import load_trained_model
from gan_tf.models.two_player import TwoPlayerModel
from gan_tf.text.builtin import TEXT_ENCODERS
from gan_tf.training import losses
from gan_tf.training.distribute import draw_per_replica, minimize
from gan_tf.viz import plots

DEFAULT_KL_WEIGHT = {1: 1.0, 2: 2.0}


@keras.saving.register_keras_serializable(package="gan_tf")
class StackGANStageI(TwoPlayerModel):
    """`StackGANStageI(config)` then `compile()` then `fit(make_caption_dataset(...))`."""

    config_class = StackGANConfig
    value_range = TANH_RANGE
    loss_names = ("d_loss", "d_loss_real", "d_loss_wrong", "d_loss_fake", "g_loss", "kl_loss")
    serving_kind = "captions"
    stage = 1

    @classmethod
    def model_class_for(cls, config):
        return StackGANStageII if config.stage == 2 else StackGANStageI

    @classmethod
    def image_size(cls, config):
        """The side of the images this stage draws and its discriminator judges."""
        return config.stage1_size

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        if self.config.stage != self.stage:
            raise ValueError(f"{type(self).__name__} trains stage {self.stage}, the config asks for "
                             f"stage {self.config.stage}; use StackGANStageI.model_class_for(config)")
        weight = self.config.kl_weight
        self.kl_weight = DEFAULT_KL_WEIGHT[self.stage] if weight is None else weight
        self.monitor_captions = ()
        self.monitor_embeddings = None

    def build_networks(self, config):
        self.generator = networks.stage1_generator(
            config.latent_dim, config.embedding_dim, config.code_dim, config.stage1_size,
            config.channels, config.generator_filters)
        self.discriminator = networks.discriminator(
            self.image_size(config), config.channels, config.embedding_dim, config.code_dim,
            config.discriminator_filters)

    @classmethod
    def config_for_data(cls, config, metadata):
        """Embedding size, channels, data name and text encoder from the captioned data."""
        embedder = metadata.get("embedder", {})
        encoder = embedder.get("name", "")
        if encoder in TEXT_ENCODERS and embedder.get("model_dir"):
            encoder = f"{encoder}:{embedder['model_dir']}"  # the weights the data was embedded with
        return dataclasses.replace(
            config, embedding_dim=embedding_dim(metadata, metadata.get("name", "the data")),
            channels=int(metadata["image_shape"][-1]), data_name=metadata.get("name", ""),
            text_encoder=encoder if encoder.partition(":")[0] in TEXT_ENCODERS else "")

    @classmethod
    def training_dataset(cls, data_dir, config, batch_size, limit=None, first_epoch=None):
        return make_caption_dataset(data_dir, "train", batch_size, cls.image_size(config),
                                    cls.value_range, seed=config.seed, limit=limit,
                                    first_epoch=first_epoch)

    @property
    def export_name(self):
        return f"stackgan_{self.config.data_name or 'model'}"

    def generator_variables(self):
        return self.generator.trainable_variables

    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    # -- Drawing images ------------------------------------------------------------------------

    def random_inputs(self, count):
        """(z, [eps per stage]) from the model's seeded stream (training); each replica of a
        `tf.distribute` strategy takes its own part of the global batch's draw."""
        draw = lambda size: draw_per_replica(
            lambda batch: keras.random.normal((batch, size), seed=self.seed_generator), count)
        return draw(self.config.latent_dim), [draw(self.config.code_dim) for _ in range(self.stage)]

    def seeded_inputs(self, count, seed):
        """(z, [eps per stage]) that depend only on (count, seed): reproducible serving."""
        seed = tf.cast(seed, tf.int64)
        draw = lambda size, k: tf.random.stateless_normal(tf.stack([count, size]), seed=tf.stack([seed, k]))
        return draw(self.config.latent_dim, 0), [draw(self.config.code_dim, k + 1) for k in range(self.stage)]

    def stage_images(self, embeddings, latent, noises, training=False):
        """([images of each stage up to this one], mean, log_var of this stage's code)."""
        generator = self.generator_for(training)
        images, mean, log_var = generator([latent, noises[0], embeddings], training=training)
        return [images], mean, log_var

    def call(self, embeddings, training=False):
        latent, noises = self.random_inputs(ops.shape(embeddings)[0])
        return self.stage_images(embeddings, latent, noises, training)[0][-1]

    # -- Training ------------------------------------------------------------------------------

    def kl_divergence(self, mean, log_var):
        """KL(N(mean, exp(log_var)) || N(0, I)), averaged over the (global) batch and the code
        dimensions."""
        return losses.average(losses.gaussian_kl_divergence(mean, log_var)) / self.config.code_dim

    def discriminator_update(self, images, right, wrong, fake):
        """One matching-aware D step; returns (real, wrong, fake) loss terms."""
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([images, right], training=True)
            wrong_logits = self.discriminator([images, wrong], training=True)
            fake_logits = self.discriminator([fake, right], training=True)
            real = losses.binary_crossentropy(ops.ones_like(real_logits), real_logits)
            mismatched = losses.binary_crossentropy(ops.zeros_like(wrong_logits), wrong_logits)
            fake_loss = losses.binary_crossentropy(ops.zeros_like(fake_logits), fake_logits)
            share = self.config.mismatch_weight
            total = real + share * mismatched + (1.0 - share) * fake_loss
        minimize(tape, total, self.d_optimizer, self.discriminator.trainable_variables)
        return total, real, mismatched, fake_loss

    def train_step(self, data):
        """D then G on one generated batch (as the official code): batches are dicts from
        `make_caption_dataset` with images, embeddings and wrong_embeddings."""
        images, right, wrong = data["images"], data["embeddings"], data["wrong_embeddings"]
        latent, noises = self.random_inputs(ops.shape(images)[0])
        with tf.GradientTape() as tape:
            stages, mean, log_var = self.stage_images(right, latent, noises, training=True)
            with tape.stop_recording():
                d_losses = self.discriminator_update(images, right, wrong, tf.stop_gradient(stages[-1]))
            fake_logits = self.discriminator([stages[-1], right], training=True)
            kl = self.kl_divergence(mean, log_var)
            g_loss = (losses.binary_crossentropy_generator_loss(fake_logits) + self.kl_weight * kl
                      + self.stage_penalty(stages))
        minimize(tape, g_loss, self.g_optimizer, self.generator.trainable_variables)
        self.update_generator_average()
        d_loss, d_loss_real, d_loss_wrong, d_loss_fake = d_losses
        return self.report(d_loss=d_loss, d_loss_real=d_loss_real, d_loss_wrong=d_loss_wrong,
                           d_loss_fake=d_loss_fake, g_loss=g_loss, kl_loss=kl)

    def stage_penalty(self, stages):
        """A generator loss term on the drawn stages beyond the adversarial and KL terms."""
        return 0.0

    # -- Monitoring ----------------------------------------------------------------------------

    def use_data_for_monitoring(self, data_dir, count):
        """Keeps the first caption of `count` test records for every epoch's picture."""
        self.monitor_captions, self.monitor_embeddings, _ = fixed_captions(data_dir, count)

    def scoring_inputs(self, data_dir, count):
        """(embeddings, labels) of the first caption of the first `count` test records: the
        text-conditioning accuracy is the fraction of their images read as their class."""
        _, embeddings, labels = fixed_captions(data_dir, count)
        return embeddings, labels

    def sample(self, count, seed, conditions=None):
        """Each stage's uint8 images for the embeddings `conditions` and `seed`, as
        `serving_default` and `captions` return them, and the last stage's again as `images`."""
        if conditions is None:
            raise ValueError("StackGAN draws from text embeddings: pass them as `conditions`")
        embeddings = tf.convert_to_tensor(conditions)
        latent, noises = self.seeded_inputs(tf.shape(embeddings)[0], tf.cast(seed, tf.int64))
        stages, _, _ = self.stage_images(embeddings, latent, noises)
        drawn = {f"stage{k + 1}_images": self.to_uint8(images) for k, images in enumerate(stages)}
        return {**drawn, "images": drawn[f"stage{self.stage}_images"]}

    def _monitor_stages(self, count, seed):
        if self.monitor_embeddings is None:
            raise ValueError("no captions to draw: call use_data_for_monitoring(data_dir, count) first")
        embeddings = tf.constant(self.monitor_embeddings[:count])
        images = self.sample(len(embeddings), seed, embeddings)
        return [images[f"stage{k + 1}_images"].numpy() for k in range(self.stage)]

    def monitor_images(self, count, seed):
        return self._monitor_stages(count, seed)[-1]

    def monitor_grid(self, count, seed, columns=None):
        """Rows of caption | Stage-I image [| Stage-II image], the same captions every epoch."""
        return plots.captioned_rows(list(self.monitor_captions[:count]), self._monitor_stages(count, seed))


@keras.saving.register_keras_serializable(package="gan_tf")
class StackGANStageII(StackGANStageI):
    """Stage-II over a frozen Stage-I; `warm_start` loads the Stage-I from `stage1_model`."""

    stage = 2

    @classmethod
    def image_size(cls, config):
        return config.stage2_size

    def build_networks(self, config):
        super().build_networks(config)
        self.stage1_generator = self.generator
        self.stage1_generator.trainable = False
        self.generator = networks.stage2_generator(
            config.stage1_size, config.stage2_size, config.embedding_dim, config.code_dim,
            config.channels, config.stage2_generator_filters, config.residual_blocks, config.stage2_residual)

    def warm_start(self):
        """Copies the trained Stage-I generator from `config.stage1_model` (a run folder or a
        `.keras` file), its averaged weights when it kept them; Stage-II cannot learn anything
        from an untrained Stage-I."""
        path = self.config.stage1_model
        if not path:
            raise ValueError("stage 2 needs --stage1-model: a trained Stage-I run folder or .keras file")
        stage1 = load_trained_model(path)
        if not isinstance(stage1, StackGANStageI) or stage1.stage != 1:
            raise ValueError(f"{path} is not a StackGAN Stage-I model")
        try:
            self.stage1_generator.set_weights(stage1.drawing_generator.get_weights())
        except ValueError as error:
            raise ValueError(f"{path}: its Stage-I does not match this config ({error}); use the "
                             "same sizes, filters and embedding as the Stage-I run") from error

    def stage_images(self, embeddings, latent, noises, training=False):
        stage1, _, _ = self.stage1_generator([latent, noises[0], embeddings], training=False)
        generator = self.generator_for(training)
        images, mean, log_var = generator([stage1, noises[1], embeddings], training=training)
        return [stage1, images], mean, log_var

    def stage_penalty(self, stages):
        """`stage1_anchor_weight` x mean |Stage-II image - up-sampled Stage-I image|, or with
        `stage1_anchor_reduced` x mean |Stage-II image averaged down to Stage-I's size - Stage-I
        image|, which holds only the coarse picture and leaves finer detail to D."""
        weight = self.config.stage1_anchor_weight
        if not weight:
            return 0.0
        stage1, stage2 = stages
        if self.config.stage1_anchor_reduced:
            factor = self.config.stage2_size // self.config.stage1_size
            reduced = ops.average_pool(stage2, factor, strides=factor)
            return weight * losses.l1_distance(stage1, reduced)
        enlarged = ops.image.resize(stage1, ops.shape(stage2)[1:3], interpolation="bilinear")
        return weight * losses.l1_distance(enlarged, stage2)
