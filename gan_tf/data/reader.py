"""The one reader models get data through: TFRecord shards -> batched `tf.data.Dataset`.

Shards are listed from `metadata.json` (a folder without it was never completely written) and
checked against it when opened (`gan_tf.data.shard_checks`: counts, shards, one decoded record each),
read as a file dataset so `tf.distribute` can auto-shard by file, decoded once, cached, then
shuffled, batched, scaled to the model's value range and prefetched.

Multi-worker training: the dataset's auto-shard policy is FILE, so under
MultiWorkerMirroredStrategy each worker reads its own shards (a split needs at least as many
shards as workers; `metadata.json` gives `num_shards` per split). Made inside such a strategy's
scope, the reader drops its record-count check (a worker sees only its part) and the caller
counts epochs in steps.
"""

import contextlib
import hashlib
import os

import tensorflow as tf

from gan_tf.data import records
from gan_tf.data.shard_checks import DataError, check_split, locate_bad_record, parse_metadata
from gan_tf.training.distribute import worker_count

UNIT_RANGE = (0.0, 1.0)
TANH_RANGE = (-1.0, 1.0)
DEFAULT_SHUFFLE_BUFFER = 60_000


class DataFolder(os.PathLike):
    """A preprocessed data folder, opened once: its path and its `metadata.json`, read and
    checked when opened. Everything that takes a data folder takes this or a path string; a
    `train` call opens the folder once and hands this object to the model, the callbacks and
    the readers, so the metadata is read one time however many readers it builds. It is a
    path-like object (`os.path.join(folder, ...)`, `str(folder)` give its path)."""

    def __init__(self, path, metadata, metadata_sha256):
        self.path = os.fspath(path)
        self.metadata = metadata
        self.metadata_sha256 = metadata_sha256

    @classmethod
    def open(cls, data):
        """`data` itself when it is already open, else the folder at path `data`."""
        if isinstance(data, cls):
            return data
        path = os.path.join(os.fspath(data), records.METADATA_FILE)
        if not tf.io.gfile.exists(path):
            raise DataError(
                f"{path} not found: {data} is not a finished preprocessed data set; "
                f"run `gan-tf preprocess ... --output {data}` first"
            )
        with tf.io.gfile.GFile(path, "rb") as handle:
            text = handle.read()
        return cls(data, parse_metadata(path, text.decode("utf-8", "replace"), data), hashlib.sha256(text).hexdigest())

    def __fspath__(self):
        return self.path

    def __str__(self):
        return self.path

    def __repr__(self):
        return f"DataFolder({self.path!r})"

    @property
    def splits(self):
        return list(self.metadata["splits"])

    @property
    def image_shape(self):
        return tuple(self.metadata["image_shape"])

    @property
    def paired(self):
        """Whether the records hold (image, target) pairs (pix2pix data)."""
        return "target_shape" in self.metadata

    def count(self, split):
        return self.metadata["splits"][split]["count"]

    def shards(self, split):
        """The paths of `split`'s shards; a DataError naming the splits there are if it has none."""
        if split not in self.metadata["splits"]:
            raise DataError(f"{self.path} has no split {split!r}; it has {', '.join(self.splits)}")
        return [os.path.join(self.path, name) for name in self.metadata["splits"][split]["shards"]]


def load_metadata(data_dir):
    """The metadata of a data folder (a path or an open `DataFolder`)."""
    return DataFolder.open(data_dir).metadata


def is_record_error(error):
    """Whether a `tf.errors.OpError` met mid-epoch comes from a record: a failed CRC or a cut
    file (DataLossError), or an image that does not decode (InvalidArgumentError)."""
    return isinstance(error, tf.errors.DataLossError) or (
        isinstance(error, tf.errors.InvalidArgumentError) and "PNG" in error.message)


@contextlib.contextmanager
def record_errors(data_dir):
    """Turns an error met while reading records of `data_dir`, which names neither shard nor
    record, into a DataError naming both."""
    try:
        yield
    except tf.errors.OpError as error:
        if not is_record_error(error):
            raise
        raise corrupt_shard_error(data_dir, error) from error


def corrupt_shard_error(data_dir, error):
    """A `DataError` naming the shard and index of the first record of `data_dir` that cannot
    be read or decoded (a truncated copy, a disk error), for an error that names neither."""
    folder = DataFolder.open(data_dir)
    target_channels = folder.metadata.get("target_shape", [None])[-1]
    for split in folder.splits:
        found = locate_bad_record(str(folder), folder.shards(split), folder.image_shape[-1], target_channels)
        if found:
            return found
    return DataError(f"{data_dir}: a shard could not be read ({error.message.splitlines()[0]}); "
                     "preprocess the data again")


def scale_images(images, value_range):
    """uint8 images -> float32 in `value_range`."""
    low, high = value_range
    return tf.cast(images, tf.float32) * ((high - low) / 255.0) + low


def repeated_batch(batch):
    """`batch` (a tensor or nest of tensors) forever: the input of a `fit` timed on one fixed
    batch. tf.data's autotuning is off. With it on, the end of every `fit` (the teardown of its
    iterator) waited, idle, for the autotuner's sleeping thread: up to a whole CycleGAN step at
    256 px on a 2-core CPU, so a timed `fit` of one step read at half speed in some rounds."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.from_tensors(batch).repeat().with_options(options)


def batches_per_epoch(data_dir, batch_size, split="train", limit=None, drop_remainder=True):
    """Number of batches one pass over a split gives."""
    count = DataFolder.open(data_dir).count(split)
    count = min(count, limit) if limit else count
    return count // batch_size if drop_remainder else -(-count // batch_size)


def make_dataset(
    data_dir,
    split="train",
    batch_size=128,
    value_range=UNIT_RANGE,
    with_labels=False,
    shuffle=True,
    seed=None,
    limit=None,
    cache=True,
    drop_remainder=True,
    shuffle_buffer=DEFAULT_SHUFFLE_BUFFER,
    first_epoch=None,
    with_targets=False,
    augment=None,
):
    """A dataset of image batches (or (images, labels) batches) from a preprocessed folder.

    `limit` keeps only the first N records (quick runs and tests); `drop_remainder` keeps every
    batch the same size, which GAN steps and XLA prefer. With `first_epoch` (and a `seed`) the
    dataset is endless and starts at that pass of the seeded shuffle: a run resumed at epoch e
    sees exactly the batches an uninterrupted run would, provided the global seed is the same
    when the dataset is made (fit it with `steps_per_epoch=batches_per_epoch(...)`).
    `with_targets` reads paired records
    (their metadata has a `target_shape`) as (images, targets) batches. `augment` maps each
    example's tuple of uint8 images, (image,) or (image, target), to a tuple of one or two
    same-size images on the 0-255 scale (random jitter, resizing, greyscale inputs for
    colourisation, ...); it runs after the cache, so random choices differ every epoch, and two
    images out make an (images, targets) batch.
    """
    folder = DataFolder.open(data_dir)
    metadata = folder.metadata
    files = folder.shards(split)
    check_split(str(folder), split, metadata)
    workers = worker_count(tf.distribute.get_strategy())
    if workers > 1 and len(files) < workers:
        raise DataError(f"{data_dir}: {len(files)} {split} shards cannot be shared by {workers} "
                        f"workers; preprocess with at least {workers} shards")
    channels = metadata["image_shape"][-1]
    target_channels = None
    if with_targets:
        if "target_shape" not in metadata:
            raise DataError(f"{data_dir} holds no paired images (its metadata has no target_shape)")
        if with_labels:
            raise ValueError("with_targets and with_labels cannot be combined")
        target_channels = metadata["target_shape"][-1]
    dataset = tf.data.Dataset.from_tensor_slices(files).interleave(
        tf.data.TFRecordDataset,
        cycle_length=min(len(files), 8),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    dataset = dataset.map(
        lambda serialized: records.parse_example(serialized, channels, target_channels),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    count = metadata["splits"][split]["count"]
    if limit:
        dataset = dataset.take(limit)
        count = min(count, limit)
    # A known size lets Keras stop exactly at the end of an epoch; it also checks the shards
    # hold as many records as the metadata says (not when each worker reads only its shards).
    if workers == 1:
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(min(count, shuffle_buffer), seed=seed, reshuffle_each_iteration=True)
    if augment:

        def apply(image, label, *target):
            augmented = augment((image,) + target)
            return (augmented[0], label) + tuple(augmented[1:])

        dataset = dataset.map(apply, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if first_epoch is not None:
        if not shuffle or seed is None:
            raise ValueError("first_epoch needs shuffle=True and a seed")
        # Each pass reshuffles from the seeded stream, so pass e has the same order in every
        # run; skipping the finished passes (cheap: cached records) lands where a run stopped.
        steps = count // batch_size if drop_remainder else -(-count // batch_size)
        dataset = dataset.repeat().skip(first_epoch * steps)

    def scale(images, labels, *targets):
        images = scale_images(images, value_range)
        if targets:
            return images, scale_images(targets[0], value_range)
        return (images, labels) if with_labels else images

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.FILE
    dataset = dataset.map(scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    return dataset.with_options(options)
