"""Beam stage for image-to-image data: unpaired domains and side-by-side pairs."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf.data import records
from gan_tf.data.reader import DataError, make_dataset
from gan_tf.pipeline import preprocess
from gan_tf.pipeline.sources.image_pairs import DomainFolderSource, decode_side_by_side


def test_domains_become_splits_with_greyscale_converted_and_broken_files_reported(
        small_horse2zebra_data):
    metadata = json.load(open(os.path.join(small_horse2zebra_data, "metadata.json")))
    counts = {split: info["count"] for split, info in metadata["splits"].items()}
    assert counts == {"trainA": 7, "trainB": 8, "testA": 2, "testB": 2}  # 6 + the grey copy
    assert metadata["splits"]["trainA"]["rejected"] == 1
    assert len(metadata["splits"]["trainA"]["shards"]) == 2  # --train-shards applies per domain
    assert metadata["image_shape"] == [64, 64, 3] and "target_shape" not in metadata
    assert len(metadata["pixel_mean"]) == 3
    rejected = [json.loads(line) for line in open(os.path.join(small_horse2zebra_data, "rejected-trainA.jsonl"))]
    assert rejected[0]["path"].endswith("broken.jpg") and rejected[0]["reason"]
    images = np.concatenate(list(make_dataset(small_horse2zebra_data, "trainA", batch_size=7, shuffle=False,
                                              value_range=(0, 255))))
    grey = [image for image in images if np.array_equal(image[..., 0], image[..., 1])
            and np.array_equal(image[..., 1], image[..., 2])]
    assert images.shape == (7, 64, 64, 3) and len(grey) == 1


def test_domain_source_refuses_a_folder_without_domains(tmp_path):
    (tmp_path / "photos").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "photos" / "a.png")
    with pytest.raises(FileNotFoundError, match="trainA"):
        DomainFolderSource(str(tmp_path))


def test_side_by_side_halves_go_to_input_and_target():
    picture = np.zeros((4, 8, 3), np.uint8)
    picture[:, :4] = 10  # left half
    picture[:, 4:] = 200  # right half
    buffer = tf.io.encode_png(picture).numpy()
    inputs, target = decode_side_by_side(buffer, 3, 4, "right")
    assert inputs.shape == target.shape == (4, 4, 3)
    assert (inputs == 200).all() and (target == 10).all()
    inputs, target = decode_side_by_side(buffer, 3, 4, "left")
    assert (inputs == 10).all() and (target == 200).all()
    with pytest.raises(ValueError, match="side-by-side"):
        decode_side_by_side(tf.io.encode_png(np.zeros((8, 4, 3), np.uint8)).numpy(), 3, 4, "right")


def test_real_facades_pairs_are_written_and_read_back_as_pairs(small_facades_data):
    metadata = json.load(open(os.path.join(small_facades_data, "metadata.json")))
    assert metadata["target_shape"] == [64, 64, 3] and metadata["features"]["target"] == "png"
    assert {s: i["count"] for s, i in metadata["splits"].items()} == {"train": 6, "val": 2}
    inputs, targets = next(iter(make_dataset(small_facades_data, "train", batch_size=6,
                                             with_targets=True, shuffle=False)))
    assert inputs.shape == targets.shape == (6, 64, 64, 3)
    assert not np.allclose(inputs, targets)  # label maps are not photos
    with pytest.raises(ValueError, match="cannot be combined"):
        make_dataset(small_facades_data, with_targets=True, with_labels=True)


def test_unpaired_data_refuses_to_be_read_as_pairs(small_horse2zebra_data):
    with pytest.raises(DataError, match="no paired images"):
        make_dataset(small_horse2zebra_data, "trainA", with_targets=True)


def test_paired_records_round_trip():
    image = np.random.RandomState(0).randint(0, 256, (5, 5, 3)).astype(np.uint8)
    target = image[..., :1]
    serialized = records.serialize_example(image, 3, target)
    parsed_image, label, parsed_target = records.parse_example(serialized, 3, 1)
    np.testing.assert_array_equal(parsed_image, image)
    np.testing.assert_array_equal(parsed_target, target)
    assert int(label) == 3
    assert len(records.parse_example(serialized, 3)) == 2  # old readers ignore the target


def test_shard_counts_extend_to_domain_splits():
    assert preprocess.shard_count("trainA", {"train": 8, "test": 2}) == 8
    assert preprocess.shard_count("testB", {"train": 8, "test": 2}) == 2
    assert preprocess.shard_count("val", {"train": 8}) == 1
    assert preprocess.shard_count("train", {"train": 3}) == 3
