"""The base CycleGAN and pix2pix share: two optimizers, named loss trackers, jittered data,
fixed monitor inputs, the learning-rate schedule and the image-in/image-out serving endpoints.

A family lists its networks in `generators`/`discriminators` (one Adam each for all generators
and for all discriminators, as in the papers' code), names its reported losses in `loss_names`,
and supplies `train_step`, `read_pairs` and `monitor_images`.

Serving size policy: an endpoint takes uint8 images of any size, resizes them (bilinear) to the
trained `image_size`, translates, and resizes the result back to the input's size, so callers
get an image of the size they sent; the network itself only ever sees its trained size.
"""

import keras
import numpy as np
import tensorflow as tf

from gan_tf import jitter
from gan_tf.callbacks import LinearDecay
from gan_tf.distribute import global_value, loss_scaled, step_logs
from gan_tf.data import TANH_RANGE, load_metadata, make_dataset, scale_images
from gan_tf.images import to_uint8
from gan_tf.models.base import GenerativeModel


class ImageTranslationModel(GenerativeModel):
    """Generators and discriminators trained on image batches in [-1, 1]."""

    value_range = TANH_RANGE
    default_batch_size = 1
    loss_names = ()

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        self.loss_trackers = [keras.metrics.Mean(name=name) for name in self.loss_names]
        self.monitor_inputs = None

    @property
    def generators(self):
        raise NotImplementedError

    @property
    def discriminators(self):
        raise NotImplementedError

    # -- Keras API -------------------------------------------------------------------------

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """One optimizer for all generators, one for all discriminators (default: the papers'
        Adam); built here so a restored checkpoint brings back their slots."""
        super().compile(optimizer=None, **kwargs)
        config = self.config
        self.g_optimizer = loss_scaled(g_optimizer or keras.optimizers.Adam(
            config.learning_rate, beta_1=config.beta_1, name="g_adam"))
        self.d_optimizer = loss_scaled(d_optimizer or keras.optimizers.Adam(
            config.learning_rate, beta_1=config.beta_1, name="d_adam"))
        self.g_optimizer.build(self.generator_variables())
        self.d_optimizer.build(self.discriminator_variables())

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"g_optimizer": keras.optimizers.serialize(self.g_optimizer),
                "d_optimizer": keras.optimizers.serialize(self.d_optimizer)}

    def compile_from_config(self, config):
        self.compile(g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]),
                     d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]))

    @property
    def metrics(self):
        return list(self.loss_trackers)

    def generator_variables(self):
        return [v for network in self.generators for v in network.trainable_variables]

    def discriminator_variables(self):
        return [v for network in self.discriminators for v in network.trainable_variables]

    def report(self, **losses):
        """Updates each named tracker with the loss's global value (all replicas' shares) and
        returns every tracker's epoch mean for `fit`."""
        for tracker in self.loss_trackers:
            tracker.update_state(global_value(losses[tracker.name]))
        return step_logs({tracker.name: tracker.result() for tracker in self.loss_trackers})

    def monitor_columns(self, count):
        return 3  # input | translated | reconstructed (or target)

    def training_callbacks(self, data_dir, output_dir, log_dir):
        config = self.config
        return [LinearDecay(config.learning_rate, config.constant_epochs, config.decay_epochs)]

    # -- Data ------------------------------------------------------------------------------

    @classmethod
    def example_transform(cls, config, training):
        """Per-example images -> training size: random jitter when training, else a resize."""
        size = config.image_size
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
        the same size, through `network` at the trained size (see the module's size policy)."""
        size = self.config.image_size

        def translate(images):
            input_size = tf.shape(images)[1:3]
            inputs = tf.image.resize(scale_images(images, self.value_range), [size, size])
            outputs = network(inputs, training=False)
            return {"images": self.to_uint8(tf.image.resize(outputs, input_size))}

        channels = network.input_shape[-1]
        return translate, [tf.TensorSpec([None, None, None, channels], tf.uint8, name="images")]

    def serving_networks(self):
        return list(self.generators)


def require_splits(data_dir, splits, family):
    """The metadata of `data_dir`, after checking it has every split `family` trains on."""
    metadata = load_metadata(data_dir)
    missing = [split for split in splits if split not in metadata["splits"]]
    if missing:
        raise ValueError(f"{family} needs the splits {', '.join(splits)}; {data_dir} lacks "
                         f"{', '.join(missing)} (it has {', '.join(metadata['splits'])})")
    return metadata
