"""The base CycleGAN and pix2pix share, over `TwoPlayerModel`'s optimizers and named loss
trackers: jittered data, fixed monitor inputs and the image-in/image-out serving endpoints
(the driver adds the papers' learning-rate schedule, `gan_tf.training.driver.family_callbacks`).

A family lists its networks in `generators`/`discriminators` (one Adam each for all generators
and for all discriminators, as in the papers' code), names its reported losses in `loss_names`,
and supplies `train_step`, `read_pairs` and `monitor_images`.

Serving size policy: an endpoint takes uint8 images of any size, resizes them (bilinear) to the
trained `image_size`, translates, and resizes the result back to the input's size, so callers
get an image of the size they sent; the network itself only ever sees its trained size. A
patch-trained model (`load_size` above `image_size`) is served at the scale it learnt: images
are resized to `load_size` and translated in overlapping `image_size` tiles, tones matched.
Tiled endpoints (`gan-tf export --tiled`, `tiled_endpoints`) instead translate the image at its
own resolution in overlapping trained-size tiles (`gan_tf.serving.tiling`).
"""

import numpy as np
import tensorflow as tf

from gan_tf.data import jitter
from gan_tf.data.reader import TANH_RANGE, load_metadata, make_dataset
from gan_tf.models.two_player import TwoPlayerModel
from gan_tf.serving import tiling
from gan_tf.viz.images import to_uint8


class ImageTranslationModel(TwoPlayerModel):
    """Generators and discriminators trained on image batches in [-1, 1]."""

    value_range = TANH_RANGE

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

    # -- Sampling and serving --------------------------------------------------------------

    def to_uint8(self, images):
        return to_uint8(images, self.value_range)

    def translation_endpoint(self, network):
        """(function, specs) of an endpoint: uint8 `images` of any size -> uint8 `images` of
        the same size, through `network` at the trained size, or in tiles at `load_size` for
        a patch-trained model (see the module's size policy)."""
        config = self.config
        pixels = tiling.pixel_translator(network)[0]
        if self.patch_trained(config):
            scale = config.load_size
            whole = lambda images: tiling.tiled(images, pixels, config.image_size, config.image_size // 8,
                                                match_tone=True)
        else:
            scale, whole = config.image_size, pixels

        def translate(images):
            input_size = tf.shape(images)[1:3]
            outputs = whole(tf.image.resize(tf.cast(images, tf.float32), [scale, scale]))
            return {"images": to_uint8(tf.image.resize(outputs, input_size), (0.0, 255.0))}

        channels = network.input_shape[-1]
        return translate, [tf.TensorSpec([None, None, None, channels], tf.uint8, name="images")]

    def tiled_endpoint(self, network, overlap, batch_size=tiling.DEFAULT_BATCH):
        """(function, specs) like `translation_endpoint`'s, translating in trained-size tiles
        overlapping by `overlap`, `batch_size` tiles per network call, tones matched."""
        size = self.config.image_size
        tiling.check_tiling(size, overlap, batch_size)
        translate, channels = tiling.pixel_translator(network)

        def translate_tiled(images):
            pixels = tiling.tiled(tf.cast(images, tf.float32), translate, size, overlap, batch_size,
                                  match_tone=True)
            return {"images": to_uint8(pixels, (0.0, 255.0))}

        return translate_tiled, [tf.TensorSpec([None, None, None, channels], tf.uint8, name="images")]

    def tiled_endpoints(self, overlap=None, batch_size=tiling.DEFAULT_BATCH):
        """`<signature>_tiled` for each of `serving_endpoints`' translations (overlap: default
        an eighth of the trained size)."""
        overlap = self.config.image_size // 8 if overlap is None else overlap
        return {f"{name}_tiled": self.tiled_endpoint(network, overlap, batch_size)
                for name, network in self.translation_networks().items()}

    def translation_networks(self):
        """{signature name: generator} of the translations this model serves."""
        raise NotImplementedError

    def serving_endpoints(self):
        return {name: self.translation_endpoint(network) for name, network in self.translation_networks().items()}

    def serving_networks(self):
        return list(self.translation_networks().values())


def require_splits(data_dir, splits, family):
    """The metadata of `data_dir`, after checking it has every split `family` trains on."""
    metadata = load_metadata(data_dir)
    missing = [split for split in splits if split not in metadata["splits"]]
    if missing:
        raise ValueError(f"{family} needs the splits {', '.join(splits)}; {data_dir} lacks "
                         f"{', '.join(missing)} (it has {', '.join(metadata['splits'])})")
    return metadata
