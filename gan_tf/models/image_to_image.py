"""The base CycleGAN and pix2pix share, over `TwoPlayerModel`'s optimizers and named loss
trackers: jittered data and fixed monitor inputs (the driver adds the papers' learning-rate
schedule, `gan_tf.training.driver.family_callbacks`).

A family lists its networks in `generators`/`discriminators` (one Adam each for all generators
and for all discriminators, as in the papers' code), names its reported losses in `loss_names`,
and supplies `train_step`, `read_pairs`, `monitor_images` and `translation_networks` (what an
export serves, and how: `gan_tf.serving.signatures.translation`).
"""

import numpy as np
import tensorflow as tf

from gan_tf.data import jitter
from gan_tf.data.reader import TANH_RANGE, load_metadata, make_dataset
from gan_tf.models.two_player import TwoPlayerModel


class ImageTranslationModel(TwoPlayerModel):
    """Generators and discriminators trained on image batches in [-1, 1]."""

    value_range = TANH_RANGE
    serving_kind = "translation"

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        self.monitor_inputs = None

    def build_networks(self, config):
        if config.load_size and config.load_size < config.image_size:
            raise ValueError(f"load_size ({config.load_size}) must be 0 (whole images) or at least "
                             f"image_size ({config.image_size}), the crop the networks see")

    @property
    def generators(self):
        raise NotImplementedError

    @property
    def discriminators(self):
        raise NotImplementedError

    def generator_variables(self):
        return [v for network in self.generators for v in network.trainable_variables]

    def discriminator_variables(self):
        return [v for network in self.discriminators for v in network.trainable_variables]

    def monitor_columns(self, count):
        return 3  # input | translated | reconstructed (or target)

    # -- Data ------------------------------------------------------------------------------

    @staticmethod
    def patch_trained(config):
        return config.load_size > config.image_size

    @classmethod
    def example_transform(cls, config, training):
        """Per-example images -> training size: random jitter when training (random crops at
        `load_size` when patch training, flipped unless `jitter` is off), else a resize (a
        patch-trained model's central crop at `load_size`, the scale it works at)."""
        size, load = config.image_size, config.load_size
        if cls.patch_trained(config):
            if training:
                return lambda images: jitter.random_jitter(images, size, config.seed, load, config.jitter)
            return lambda images: tuple(tf.image.resize_with_crop_or_pad(image, size, size)
                                        for image in jitter.resize(images, load))
        if training and config.jitter:
            return lambda images: jitter.random_jitter(images, size, seed=config.seed)
        return lambda images: jitter.resize(images, size)

    @classmethod
    def read_split(cls, data_dir, split, config, batch_size, training=True, limit=None,
                   with_targets=False, transform=None):
        """Batches of one split at the training size, in [-1, 1]."""
        base = cls.example_transform(config, training)
        return make_dataset(
            data_dir, split, batch_size=batch_size, value_range=cls.value_range,
            shuffle=training, seed=config.seed, limit=limit, with_targets=with_targets,
            drop_remainder=training, cache=training,
            augment=(lambda images: transform(base(images))) if transform else base,
        )

    def use_data_for_monitoring(self, data_dir, count):
        self.monitor_inputs = self.read_monitor_inputs(data_dir, count)

    def read_monitor_inputs(self, data_dir, count):
        """Fixed float inputs for `monitor_images`, from the data set's test split if any."""
        raise NotImplementedError

    @staticmethod
    def first_batch(dataset):
        return tf.nest.map_structure(np.asarray, next(iter(dataset)))

    def translation_networks(self):
        """{signature name: generator} of the translations an export serves
        (`gan_tf.serving.signatures.translation`)."""
        raise NotImplementedError


def require_splits(data_dir, splits, family):
    """The metadata of `data_dir`, after checking it has every split `family` trains on."""
    metadata = load_metadata(data_dir)
    missing = [split for split in splits if split not in metadata["splits"]]
    if missing:
        raise ValueError(f"{family} needs the splits {', '.join(splits)}; {data_dir} lacks "
                         f"{', '.join(missing)} (it has {', '.join(metadata['splits'])})")
    return metadata
