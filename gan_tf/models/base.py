"""What every family shares, adversarial or not.

A family's model (`gan_tf/families/<name>/model.py`) is a `GenerativeModel` subclass with a
`config_class` (a `gan_tf.config.Config` dataclass whose defaults are the source's) and
`build_networks()`. The base keeps the config for `get_config` (so `.keras` files reload), owns
the seeded random stream and saves its state with the weights (so resumed runs continue it),
reads its training data through the one reader, and names the hooks that the driver's callbacks
call. What an export serves is `gan_tf.serving.signatures`' business: a model names its kind
in `serving_kind`.
"""

import dataclasses
import os
import zipfile
import zlib

import keras
import tensorflow as tf

from gan_tf.data.reader import UNIT_RANGE, make_dataset
from gan_tf.viz.images import make_grid, to_uint8

_SEED_STATE = "seed_generator_state"


def load_trained_model(path):
    """A trained model from a run folder (its `model.keras`) or a `.keras` file, loaded in
    Keras' safe mode (no Python code from the file). Every family's model class is imported
    first, so a file of any family loads (also one saved before the families moved to
    `gan_tf.families`: Keras finds a class by its registered name, "gan_tf>" + class name)."""
    from gan_tf.registry import import_models

    import_models()
    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: train first (gan-tf train ...) or name a .keras file")
    check_keras_file(path)
    return keras.models.load_model(path, compile=False, safe_mode=True)


class CorruptModelError(ValueError):
    """A `.keras` file is not a complete zip (a killed save, a cut copy, flipped bytes)."""


def check_keras_file(path):
    """Raises `CorruptModelError` unless `path` is a whole zip whose members pass their CRC:
    Keras itself reports a cut file as "File not found" and a bad CRC as a raw BadZipFile."""
    problem = None
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad:
                problem = f"member {bad} fails its CRC check"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        problem = str(error)
    if problem:
        raise CorruptModelError(f"{path} is corrupt or incomplete ({problem}); train again "
                                "(gan-tf train ...) or copy the file again")


class GenerativeModel(keras.Model):
    """Base of the families: config, seeded randomness, data, and sampling/serving hooks."""

    config_class = None
    value_range = UNIT_RANGE  # range of the model's images and of the data it is fed
    serving_kind = None  # which signatures an export serves (`gan_tf.serving.signatures.KINDS`)
    uses_labels = False  # whether training batches are (images, labels)

    def __init__(self, config=None, **kwargs):
        super().__init__(**kwargs)
        if config is None:
            config = self.config_class()
        elif isinstance(config, dict):
            config = self.config_class.from_dict(config)
        self.config = config
        self.value_range = self.value_range_for(config)
        self.seed_generator = keras.random.SeedGenerator(config.seed)
        self.build_networks(config)
        # The networks are built functional models. Without this Keras treats the model as
        # unbuilt after fit (train_step never calls it) and refuses to save its weights.
        self.built = True

    def build_networks(self, config):
        """Creates the family's networks as attributes."""
        raise NotImplementedError

    @classmethod
    def value_range_for(cls, config):
        """The range of the images a model of `config` draws and is fed (a family whose
        architectures differ in output activation overrides this)."""
        return cls.value_range

    @classmethod
    def model_class_for(cls, config):
        """The class that trains `config` (a family with stages picks one per stage)."""
        return cls

    def warm_start(self):
        """Loads weights a run starts from before training (StackGAN Stage-II: the trained
        Stage-I); nothing by default. `gan-tf train` calls it before restoring a checkpoint."""

    def get_config(self):
        return {**super().get_config(), "config": self.config.to_dict()}

    def optimizers(self):
        """The model's optimizers (a GAN's two, a VAE's one), as compiled: a loss-scaled one
        stays wrapped."""
        return [value for value in vars(self).values() if isinstance(value, keras.optimizers.Optimizer)]

    def random_states(self):
        """Every random-generator state in the model (its own and its layers', e.g. Dropout's).

        Keras keeps them out of `weights`, so checkpoints would restart every random stream.
        """
        weights = {id(w) for w in self.weights}
        return [v for v in self.variables if id(v) not in weights]

    def save_own_variables(self, store):
        """Saves the random-generator states with the weights, so a resumed run continues the
        very random streams an uninterrupted run would have used."""
        super().save_own_variables(store)
        for index, state in enumerate(self.random_states()):
            store[f"{_SEED_STATE}_{index}"] = state.numpy()

    def load_own_variables(self, store):
        for index, state in enumerate(self.random_states()):
            key = f"{_SEED_STATE}_{index}"
            if key in store:
                state.assign(store[key])

    @classmethod
    def config_for_data(cls, config, metadata):
        """`config` with the fields the data decides (here `image_shape`) set from its metadata."""
        if "image_shape" in {field.name for field in dataclasses.fields(config)}:
            return dataclasses.replace(config, image_shape=tuple(metadata["image_shape"]))
        return config

    @classmethod
    def training_dataset(cls, data_dir, config, batch_size, limit=None, first_epoch=None):
        """The training batches this family's `train_step` expects (see `make_dataset`)."""
        return make_dataset(
            data_dir,
            batch_size=batch_size,
            value_range=cls.value_range_for(config),
            with_labels=cls.uses_labels,
            limit=limit,
            seed=config.seed,
            first_epoch=first_epoch,
        )

    def use_data_for_monitoring(self, data_dir, count):
        """Lets a family that translates images keep `count` fixed inputs from `data_dir` for
        `monitor_images`; families sampling from a prior need no data."""

    def monitor_images(self, count, seed):
        """uint8 [N, H, W, C] pictures from fixed inputs, drawn by `ModelMonitor` each epoch:
        by default `sample`'s images of (count, seed)."""
        return self.sample(count, seed)["images"]

    def held_out_batches(self, data_dir):
        """Batches of the data's test split for `held_out_scores`; None for families without
        a held-out likelihood."""
        return None

    def held_out_scores(self, batches):
        """{name: value} measured on held-out `batches` (the VAEs' negative ELBO)."""
        return {}

    def sample_labels(self, count):
        """The labels `gan-tf sample` asks a conditional family for with `count` images (0, 1,
        2, ... in turn); None for unconditional families."""
        return tf.range(count) % self.num_classes if self.uses_labels else None

    def seeded_latent(self, count, seed):
        """The same prior draw of `latent_dim` normals for the same (count, seed), on every
        machine and run (the families drawing from a latent prior)."""
        return tf.random.stateless_normal(
            tf.stack([count, self.latent_dim]), seed=tf.stack([tf.cast(seed, tf.int64), 0])
        )

    def generate(self, inputs, labels=None, training=False):
        """The family's images (tensors in `value_range`) for a batch of its inputs (latents,
        for the families drawing from a prior), in training or not."""
        raise NotImplementedError

    def sample(self, count, seed, conditions=None):
        """What the export's sampling signature and `gan-tf sample` return for (count, seed),
        `images` (uint8) always the final images, as a user sees them and the quality metrics
        score them. A family drawing from a latent prior gives {"images", "latent"[, "labels"]}:
        `count` images from the prior draw of (count, seed), conditional families with
        `sample_labels(count)` unless `conditions` gives the labels. A family drawing from
        `conditions` (StackGAN's text embeddings) draws one image per row of them."""
        if conditions is not None and not self.uses_labels:
            raise ValueError(f"{type(self).__name__} draws from a latent prior: it takes no conditions")
        latent = self.seeded_latent(count, seed)
        labels = self.sample_labels(count) if conditions is None else conditions
        images = self.to_uint8(self.generate(latent, labels, training=False))
        if labels is None:
            return {"images": images, "latent": latent}
        return {"images": images, "latent": latent, "labels": labels}

    def to_uint8(self, images):
        """uint8 pictures of images in the model's `value_range`."""
        return to_uint8(images, self.value_range)

    def scoring_inputs(self, data_dir, count):
        """(inputs, labels) of up to `count` held-out conditions the quality metrics draw from
        (`sample`'s `conditions`) for a family that draws from data (StackGAN: test captions'
        embeddings, the classes they name); None for families drawing from a latent prior."""
        return None

    def monitor_columns(self, count):
        """Columns of the monitor grid for `count` pictures; None lets the grid be square."""
        return None

    def monitor_grid(self, count, seed, columns=None):
        """The uint8 [H, W, C] picture `ModelMonitor` saves: `monitor_images` laid out in a grid
        by default; a family may draw more (StackGAN: captions beside both stages' images)."""
        return make_grid(self.monitor_images(count, seed), columns or self.monitor_columns(count))

    def picture_inputs(self, data_dir):
        """(images, labels, class names) of fixed data whose `monitor_pictures` a recorded run
        saves every epoch (the VAEs' latent pictures); None for families without such pictures.
        The driver builds the callbacks from this and from the config (`anneal`, the
        image-to-image epoch decay): models do not make callbacks."""
        return None

    def checked_labels(self, labels, count):
        """`labels` once checked to be `count` class indices: the ops that use them only run
        after the checks, so a bad label is a named error, never an out-of-range lookup."""
        checks = [
            tf.debugging.assert_non_negative(labels, message="labels must be >= 0"),
            tf.debugging.assert_less(labels, self.num_classes,
                                     message=f"labels must be < {self.num_classes}"),
            tf.debugging.assert_equal(tf.size(labels), count, message="need one label per image"),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(labels)
