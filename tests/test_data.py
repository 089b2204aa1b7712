"""The tf.data reader: shapes, value ranges, labels and clear errors."""

import pytest
import tensorflow as tf

from gan_tf import data


def test_batches_are_scaled_to_the_requested_range(small_data_dir):
    batch = next(iter(data.make_dataset(small_data_dir, batch_size=32, value_range=data.TANH_RANGE)))
    assert batch.shape == (32, 28, 28, 1) and batch.dtype == tf.float32
    assert float(tf.reduce_min(batch)) >= -1.0 and float(tf.reduce_max(batch)) <= 1.0
    assert float(tf.reduce_min(batch)) == -1.0  # Fashion-MNIST backgrounds are black


def test_labels_limit_and_remainder(small_data_dir):
    dataset = data.make_dataset(small_data_dir, "test", batch_size=50, with_labels=True,
                                shuffle=False, drop_remainder=False, limit=120)
    sizes = [int(images.shape[0]) for images, _ in dataset]
    assert sizes == [50, 50, 20]
    _, labels = next(iter(dataset))
    assert labels.dtype == tf.int64 and int(tf.reduce_max(labels)) < 10


def test_seeded_shuffle_is_reproducible(small_data_dir):
    first = next(iter(data.make_dataset(small_data_dir, batch_size=16, seed=3)))
    second = next(iter(data.make_dataset(small_data_dir, batch_size=16, seed=3)))
    tf.debugging.assert_equal(first, second)


def test_unfinished_folder_is_refused(tmp_path):
    with pytest.raises(data.DataError, match="not a finished preprocessed data set"):
        data.make_dataset(str(tmp_path))


def test_unknown_split_is_named(small_data_dir):
    with pytest.raises(data.DataError, match="no split 'val'"):
        data.make_dataset(small_data_dir, "val")


def test_epoch_keyed_order_lets_a_resumed_run_see_the_same_batches(small_data_dir):
    steps = data.batches_per_epoch(small_data_dir, 64, limit=256)
    assert steps == 4
    from_start = iter(data.make_dataset(small_data_dir, batch_size=64, limit=256, seed=5, first_epoch=0))
    batches = [next(from_start) for _ in range(3 * steps)]
    resumed = iter(data.make_dataset(small_data_dir, batch_size=64, limit=256, seed=5, first_epoch=2))
    for expected in batches[2 * steps:]:
        tf.debugging.assert_equal(next(resumed), expected)
    assert not bool(tf.reduce_all(batches[0] == batches[steps]))  # passes differ in order
    keras_seeded = iter(data.make_dataset(small_data_dir, batch_size=64, limit=256, seed=0, first_epoch=1))
    assert next(keras_seeded).shape == (64, 28, 28, 1)  # seed 0 works too


def test_repeated_batch_repeats_the_batch_without_autotuning():
    batch = (tf.reshape(tf.range(6.0), (2, 3)), tf.constant([1, 2]))
    dataset = data.repeated_batch(batch)
    assert dataset.options().autotune.enabled is False
    for images, labels in dataset.take(3):
        assert images.numpy().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert labels.numpy().tolist() == [1, 2]
