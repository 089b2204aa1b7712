"""The tf.data reader: shapes, value ranges, labels, and one clear line for every way a data
folder can be damaged (metadata, shards, records)."""

import json
import os
import shutil

import pytest
import tensorflow as tf

from gan_tf.data import example_proto, reader as data, records


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


@pytest.fixture
def data_copy(small_data_dir, tmp_path):
    """A copy of the small data set, to be damaged."""
    copy = str(tmp_path / "data")
    shutil.copytree(small_data_dir, copy)
    return copy


def edit_metadata(data_dir, change):
    path = os.path.join(data_dir, "metadata.json")
    with open(path) as handle:
        metadata = json.load(handle)
    change(metadata)
    with open(path, "w") as handle:
        json.dump(metadata, handle)


def first_shard(data_dir):
    return os.path.join(data_dir, "train-00000-of-00004.tfrecord")


def rewrite_record(shard, index, serialized):
    """`shard` with its record `index` replaced by `serialized`, framed with valid CRCs."""
    kept = [r.numpy() for r in tf.data.TFRecordDataset(shard)]
    kept[index] = serialized
    with open(shard, "wb") as handle:
        handle.write(b"".join(records.tfrecord_frame(r) for r in kept))


NOT_A_PNG = example_proto.example({records.IMAGE_KEY: example_proto.bytes_feature([b"\x89PNG\r\n\x1a\nnonsense"]),
                                   records.LABEL_KEY: example_proto.int64_feature([0])})


def test_a_cut_metadata_file_is_named(data_copy):
    path = os.path.join(data_copy, "metadata.json")
    with open(path, "r+") as handle:
        handle.truncate(300)
    with pytest.raises(data.DataError, match=rf"^{path} is not valid JSON \(.* at line \d+ column \d+\): cut short"):
        data.make_dataset(data_copy)


@pytest.mark.parametrize("change, message", [
    (lambda m: m.pop("splits"), r"metadata.json has no 'splits': not a gan_tf data set"),
    (lambda m: m["splits"]["train"].pop("count"), r"split 'train' lacks a whole-number 'count'"),
    (lambda m: m["splits"]["train"].update(count=70000), r"counts 70000 train records, its 4 shards hold 512;"),
    (lambda m: m.update(image_shape=[28, 28, 3]),
     r"train-00000-of-00004.tfrecord: record 0's image is 28x28x1 .*metadata.json says 28x28x3;"),
    (lambda m: m.update(image_shape=[32, 32, 1]), r"record 0's image is 28x28x1 .* says 32x32x1;"),
])
def test_metadata_is_checked_against_the_records_at_open(data_copy, change, message):
    edit_metadata(data_copy, change)
    with pytest.raises(data.DataError, match=message):
        data.make_dataset(data_copy)


def test_a_missing_shard_is_named(data_copy):
    os.remove(os.path.join(data_copy, "train-00002-of-00004.tfrecord"))
    with pytest.raises(data.DataError, match=r"train-00002-of-00004.tfrecord: shard listed in metadata.json is "
                       "missing; preprocess the data again"):
        data.make_dataset(data_copy)


def test_a_flipped_or_undecodable_first_record_names_its_shard_and_index(data_copy):
    shard = first_shard(data_copy)
    whole = open(shard, "rb").read()
    flipped = bytearray(whole)
    flipped[40] ^= 0xFF  # inside the first record's data
    open(shard, "wb").write(bytes(flipped))
    with pytest.raises(data.DataError, match=rf"^{shard}: record 0 is corrupt \(its data fails its checksum\)"):
        data.make_dataset(data_copy)
    open(shard, "wb").write(whole)
    rewrite_record(shard, 0, NOT_A_PNG)  # valid CRCs, bad PNG
    with pytest.raises(data.DataError, match=rf"^{shard}: record 0 is not a valid image record"):
        data.make_dataset(data_copy)


def test_a_bad_png_mid_shard_is_named_with_its_index_in_one_line(data_copy, tmp_path, capsys):
    """Met mid-epoch, a record with a valid CRC but a bad PNG is found and named."""
    from gan_tf import cli

    rewrite_record(first_shard(data_copy), 5, NOT_A_PNG)
    assert cli.main(["train", "fashion_gan", "--data", data_copy, "--run-dir", str(tmp_path / "run"),
                     "--epochs", "1", "--batch-size", "32", "--no-jit", "--monitor-images", "4",
                     "--generator-filters", "8", "--discriminator-filters", "8,8,8,8", "--latent-dim", "16"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gan-tf train: error: {first_shard(data_copy)}: record 5 cannot be read")
    assert len(err.splitlines()) == 1


def test_an_open_folder_is_a_path_that_carries_its_metadata(small_data_dir):
    folder = data.DataFolder.open(small_data_dir)
    assert data.DataFolder.open(folder) is folder
    assert os.path.join(folder, "metadata.json") == os.path.join(small_data_dir, "metadata.json")
    assert f"{folder}" == small_data_dir and "train" in folder.splits
    assert folder.shards("train") == [os.path.join(small_data_dir, name)
                                      for name in folder.metadata["splits"]["train"]["shards"]]
    batch = next(iter(data.make_dataset(folder, batch_size=4, limit=4)))
    assert batch.shape == (4, *folder.image_shape)
    with pytest.raises(data.DataError, match="no split 'nope'; it has"):
        folder.shards("nope")
