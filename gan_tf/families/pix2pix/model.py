"""pix2pix (Isola et al. 2017): paired translation input -> target.

A U-Net generator conditioned on the input image is trained against a PatchGAN that sees
(input, target) or (input, output) stacked on channels, with the BCE GAN loss plus
`l1_weight` (lambda 100) times |target - output|; the discriminator's loss is halved, as in the
paper (`gan_weight` scales the adversarial term; 0 is the paper's L1-only ablation). `fit` reports g_loss (adversarial), l1_loss and d_loss. Data: paired records (e.g. CMP
facades through `gan-tf preprocess side_by_side`), or any image folder as colourisation
(greyscale input -> colour target, made on the fly from each colour image).
"""

import dataclasses

import keras
import tensorflow as tf

from gan_tf.data.reader import DataFolder
from gan_tf.families.pix2pix.config import Pix2PixConfig
from gan_tf.models.image_to_image import ImageTranslationModel
from gan_tf.networks.image_to_image import patchgan_discriminator, unet_generator
from gan_tf.training import losses
from gan_tf.training.distribute import minimize

MONITOR_SPLITS = ("test", "val", "train")


def colourisation_pair(images):
    """(greyscale input, colour target) from a colour image."""
    return tf.image.rgb_to_grayscale(images[0]), images[0]


@keras.saving.register_keras_serializable(package="gan_tf")
class Pix2Pix(ImageTranslationModel):
    """`Pix2Pix()`, `compile()`, `fit(dataset of (inputs, targets))`; images in [-1, 1]."""

    config_class = Pix2PixConfig
    loss_names = ("g_loss", "l1_loss", "d_loss")

    def build_networks(self, config):
        super().build_networks(config)
        self.generator = unet_generator(
            config.image_size, config.input_channels, config.output_channels,
            config.generator_filters, config.norm, config.dropout, upsample=config.upsample,
            keep_luminance=config.keep_luminance and config.input_channels == 1, name="generator")
        self.discriminator = patchgan_discriminator(
            config.image_size, config.input_channels + config.output_channels,
            config.discriminator_filters, config.norm, config.discriminator_layers,
            name="discriminator")
        self.d_loss_fn = losses.BinaryCrossentropyDiscriminatorLoss()

    @property
    def generators(self):
        return [self.generator]

    @property
    def discriminators(self):
        return [self.discriminator]

    def call(self, inputs, training=False):
        return self.generator_for(training)(inputs, training=training)

    def train_step(self, data):
        """One update of G on gan_weight x BCE + l1_weight x L1, then of D on the same
        outputs; with `gan_weight` 0, G on L1 alone and D not at all (its losses read 0)."""
        inputs, targets = data
        adversarial = bool(self.config.gan_weight)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            outputs = self.generator(inputs, training=True)
            l1_loss = losses.l1_distance(targets, outputs)
            g_loss = d_loss = tf.zeros(())
            if adversarial:
                real_logits = self.discriminator(tf.concat([inputs, targets], -1), training=True)
                fake_logits = self.discriminator(tf.concat([inputs, outputs], -1), training=True)
                g_loss = losses.binary_crossentropy_generator_loss(fake_logits)
                d_loss = 0.5 * self.d_loss_fn(real_logits, fake_logits)
            total = self.config.gan_weight * g_loss + self.config.l1_weight * l1_loss
        minimize(g_tape, total, self.g_optimizer, self.generator_variables())
        self.update_generator_average()
        if adversarial:
            minimize(d_tape, d_loss, self.d_optimizer, self.discriminator_variables())
        return self.report(g_loss=g_loss, l1_loss=l1_loss, d_loss=d_loss)

    # -- Data ------------------------------------------------------------------------------

    @classmethod
    def config_for_data(cls, config, metadata):
        """Paired data gives both channel counts; a plain image folder means colourisation."""
        if "target_shape" in metadata:  # paired records (`DataFolder.paired`)
            channels = metadata["image_shape"][-1], metadata["target_shape"][-1]
        else:
            if metadata["image_shape"][-1] != 3:
                raise ValueError("colourisation needs colour images (preprocess with --channels 3)")
            channels = 1, 3
        return dataclasses.replace(config, input_channels=channels[0], output_channels=channels[1])

    @classmethod
    def read_pairs(cls, data_dir, split, config, batch_size, training=True, limit=None):
        """(inputs, targets) batches of `split`: stored pairs, or colourisation pairs."""
        paired = DataFolder.open(data_dir).paired
        return cls.read_split(data_dir, split, config, batch_size, training, limit,
                              with_targets=paired,
                              transform=None if paired else colourisation_pair)

    @classmethod
    def training_dataset(cls, data_dir, config, batch_size, limit=None, first_epoch=None):
        """Jittered (input, target) batches; like CycleGAN's, resumed runs get a fresh order."""
        return cls.read_pairs(data_dir, "train", config, batch_size, limit=limit)

    def read_monitor_inputs(self, data_dir, count):
        splits = DataFolder.open(data_dir).splits
        split = next(s for s in MONITOR_SPLITS if s in splits)
        rows = max(1, count // 3)
        return self.first_batch(self.read_pairs(data_dir, split, self.config, rows,
                                                training=False, limit=rows))

    # -- Sampling and serving --------------------------------------------------------------

    def monitor_images(self, count, seed):
        """Rows of input | output | target for fixed test pairs (seeded noise inputs and no
        target when no data was given)."""
        config = self.config
        if self.monitor_inputs is None:
            shape = (max(1, count // 3), config.image_size, config.image_size)
            inputs = tf.random.stateless_uniform(shape + (config.input_channels,), [seed, 0], -1.0, 1.0)
            targets = tf.fill(shape + (config.output_channels,), -1.0)
        else:
            inputs, targets = (tf.convert_to_tensor(x) for x in self.monitor_inputs)
        outputs = self.drawing_generator(inputs, training=False)
        as_output = lambda x: tf.image.grayscale_to_rgb(x) if x.shape[-1] != outputs.shape[-1] else x
        images = tf.stack([as_output(inputs), outputs, targets], 1)
        return self.to_uint8(tf.reshape(images, (-1,) + tuple(images.shape[2:])))

    def translation_networks(self):
        """`translate` (also serving_default): uint8 input `images` -> uint8 output `images`."""
        return {"translate": self.drawing_generator}
