"""What every family shares, adversarial or not.

A family is a `GenerativeModel` subclass with a `config_class` (a `gan_tf.config.Config`
dataclass whose defaults are the source's) and `build_networks()`. The base keeps the config
for `get_config` (so `.keras` files reload), owns the seeded random stream and saves its state
with the weights (so resumed runs continue it), reads its training data through the one
reader, and names the hooks that the callbacks and the export path call.
"""

import dataclasses

import keras

from gan_tf.data import UNIT_RANGE, make_dataset

_SEED_STATE = "seed_generator_state"


class GenerativeModel(keras.Model):
    """Base of the families: config, seeded randomness, data, and sampling/serving hooks."""

    config_class = None
    value_range = UNIT_RANGE  # range of the model's images and of the data it is fed
    uses_labels = False  # whether training batches are (images, labels)
    default_batch_size = 128  # the CLI's --batch-size when none is given
    monitor_columns = None  # ModelMonitor's grid width for `monitor_images` (None: square)

    def __init__(self, config=None, **kwargs):
        super().__init__(**kwargs)
        if config is None:
            config = self.config_class()
        elif isinstance(config, dict):
            config = self.config_class.from_dict(config)
        self.config = config
        self.seed_generator = keras.random.SeedGenerator(config.seed)
        self.build_networks(config)
        # The networks are built functional models. Without this Keras treats the model as
        # unbuilt after fit (train_step never calls it) and refuses to save its weights.
        self.built = True

    def build_networks(self, config):
        """Creates the family's networks as attributes."""
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "config": self.config.to_dict()}

    def save_own_variables(self, store):
        """Saves the random-generator state with the weights, so a resumed run continues the
        same random stream (Keras leaves a model's SeedGenerator out of its weights)."""
        super().save_own_variables(store)
        store[_SEED_STATE] = self.seed_generator.state.numpy()

    def load_own_variables(self, store):
        if _SEED_STATE in store:
            self.seed_generator.state.assign(store[_SEED_STATE])

    @classmethod
    def config_for_data(cls, config, metadata):
        """`config` with the fields the data decides (here `image_shape`) set from its metadata."""
        if "image_shape" in {field.name for field in dataclasses.fields(config)}:
            return dataclasses.replace(config, image_shape=tuple(metadata["image_shape"]))
        return config

    @classmethod
    def training_dataset(cls, data_dir, config, batch_size, limit=None):
        """The training batches this family's `train_step` expects."""
        return make_dataset(
            data_dir,
            batch_size=batch_size,
            value_range=cls.value_range,
            with_labels=cls.uses_labels,
            limit=limit,
            seed=config.seed,
        )

    def training_callbacks(self):
        """Callbacks the family's training recipe needs (e.g. a learning-rate schedule)."""
        return []

    def use_data_for_monitoring(self, data_dir, count):
        """Lets a family that translates images keep `count` fixed inputs from `data_dir` for
        `monitor_images`; families sampling from a prior need no data."""

    def monitor_images(self, count, seed):
        """uint8 [N, H, W, C] pictures from fixed inputs, drawn by `ModelMonitor` each epoch."""
        raise NotImplementedError

    def serving_networks(self):
        """The networks an export needs (never a discriminator)."""
        raise NotImplementedError

    def serving_endpoints(self):
        """{signature name: (function, [named tf.TensorSpec])}; the first is serving_default."""
        raise NotImplementedError
