"""Records encoded without TensorFlow (`gan_tf.data.example_proto`) are TensorFlow's own bytes for
every kind of record the pipeline writes, parse back exactly, and batches of them are sharded
and summed as single records were; IDX chunks read each file once and keep its checks."""

import gzip
import subprocess
import sys
import zlib

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2, feature_pb2

from gan_tf.data import records
from gan_tf.pipeline.errors import CorruptSourceError
from gan_tf.pipeline.preprocess import pixel_sums, serialize_batch
from gan_tf.pipeline.sources.idx import read_idx_chunks
from tests.conftest import read_idx, write_idx

RNG = np.random.default_rng(7)
GREY = RNG.integers(0, 256, (28, 28, 1), np.uint8)
RGB = RNG.integers(0, 256, (16, 12, 3), np.uint8)
CAPTIONS = ["a small grey t-shirt", "une robe légère", ""]
EMBEDDINGS = RNG.normal(size=(3, 8)).astype(np.float32)


def tensorflow_bytes(image, label=records.NO_LABEL, target=None, captions=None, embeddings=None):
    """The record as TensorFlow's protobuf classes serialize it (the encoder used before)."""
    def png(picture):
        return feature_pb2.Feature(bytes_list=feature_pb2.BytesList(value=[records.encode_png(picture)]))

    feature = {"image": png(image), "label": feature_pb2.Feature(int64_list=feature_pb2.Int64List(value=[label]))}
    if target is not None:
        feature["target"] = png(target)
    if captions is not None:
        feature["captions"] = feature_pb2.Feature(bytes_list=feature_pb2.BytesList(value=[c.encode() for c in captions]))
        feature["embeddings"] = feature_pb2.Feature(float_list=feature_pb2.FloatList(value=embeddings.ravel().tolist()))
    return example_pb2.Example(features=feature_pb2.Features(feature=feature)).SerializeToString(deterministic=True)


KINDS = {  # every record kind the sources write, as serialize_example's arguments
    "image and label": dict(image=GREY, label=9),
    "no label": dict(image=RGB, label=records.NO_LABEL),
    "large label": dict(image=GREY, label=2**40 + 3),
    "pair (pix2pix)": dict(image=RGB, label=records.NO_LABEL, target=RGB[::-1]),
    "captioned": dict(image=GREY, label=2, captions=CAPTIONS, embeddings=EMBEDDINGS),
}


@pytest.mark.parametrize("kind", KINDS)
def test_records_are_tensorflows_bytes_and_parse_back_exactly(kind):
    fields = KINDS[kind]
    serialized = records.serialize_example(**fields)
    assert serialized == tensorflow_bytes(**fields)
    assert tf.train.Example.FromString(serialized) == tf.train.Example.FromString(tensorflow_bytes(**fields))
    image, label = fields["image"], fields["label"]
    if "target" in fields:
        got_image, got_label, got_target = records.parse_example(serialized, 3, target_channels=3)
        np.testing.assert_array_equal(got_target, fields["target"])
    elif "captions" in fields:
        got_image, got_label, captions, embeddings = records.parse_example(serialized, 1, embedding_dim=8)
        assert [c.decode() for c in captions.numpy()] == CAPTIONS
        np.testing.assert_array_equal(embeddings, EMBEDDINGS)
    else:
        got_image, got_label = records.parse_example(serialized, image.shape[-1])
    np.testing.assert_array_equal(got_image, image)
    assert int(got_label) == label


def test_serializing_does_not_import_tensorflow():
    code = ("import sys, numpy as np; from gan_tf.data import records; "
            "records.serialize_example(np.zeros((4, 4, 1), np.uint8), 1, captions=['x'], embeddings=[[0.5]]); "
            "print('tensorflow' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_a_batch_is_sharded_and_summed_as_its_records_one_by_one():
    images = RNG.integers(0, 256, (40, 28, 28, 1), np.uint8)
    batch = (images, np.arange(40) % 10)  # columns
    one_by_one = [records.serialize_example(image, label) for image, label in zip(*batch)]
    shards = dict(serialize_batch(batch, records.serialize_example, 3, with_sums=True))
    for shard, (shard_records, sums) in shards.items():
        members = [i for i, record in enumerate(one_by_one) if record in shard_records]
        assert shard_records == [one_by_one[i] for i in members]
        assert all(zlib.crc32(record) % 3 == shard for record in shard_records)
        pixels = images[members].astype(np.int64)
        assert sums == (len(members) * 28 * 28, [int(pixels.sum())], [int((pixels * pixels).sum())])
    assert sum(len(shard_records) for shard_records, _ in shards.values()) == 40
    assert all(sums is None for _, sums in dict(serialize_batch(batch, records.serialize_example, 3,
                                                                with_sums=False)).values())


def idx_pair(folder, images, labels):
    write_idx(folder / "images.gz", images)
    write_idx(folder / "labels.gz", labels)
    return str(folder / "images.gz"), str(folder / "labels.gz")


def test_idx_chunks_cover_the_files_once_in_order(tmp_path, small_idx_dir):
    images = read_idx(f"{small_idx_dir}/train-images-idx3-ubyte.gz", 512)
    labels = read_idx(f"{small_idx_dir}/train-labels-idx1-ubyte.gz", 512)
    chunks = list(read_idx_chunks(idx_pair(tmp_path, images, labels), 200, 10))
    assert [(start, len(chunk_labels)) for start, (_, chunk_labels) in chunks] == [(0, 200), (200, 200), (400, 112)]
    np.testing.assert_array_equal(np.concatenate([c[1][0] for c in chunks]), images[..., None])
    np.testing.assert_array_equal(np.concatenate([c[1][1] for c in chunks]), labels)


def test_idx_chunks_name_a_bad_label_and_trailing_data(tmp_path):
    images = np.zeros((30, 2, 2), np.uint8)
    labels = np.arange(30, dtype=np.uint8) % 10
    labels[23] = 12
    with pytest.raises(CorruptSourceError, match="labels.gz: record 23 has label 12, but there are 10 classes"):
        list(read_idx_chunks(idx_pair(tmp_path, images, labels), 8, 10))
    paths = idx_pair(tmp_path, images, labels % 10)
    with open(paths[0], "rb") as handle:
        data = handle.read()
    with open(paths[0], "wb") as handle:
        handle.write(gzip.compress(gzip.decompress(data) + b"\0"))
    with pytest.raises(CorruptSourceError, match="images.gz: holds more data than the 30 records"):
        list(read_idx_chunks(paths, 8, 10))


def test_pixel_sums_are_exact_per_channel_for_an_image_and_a_stack():
    stack = RNG.integers(0, 256, (5, 6, 7, 3), np.uint8)
    pixels = stack.reshape(-1, 3).astype(np.int64)
    assert pixel_sums(stack) == (5 * 6 * 7, pixels.sum(0).tolist(), (pixels * pixels).sum(0).tolist())
    assert pixel_sums(stack[0]) == (6 * 7, pixels[:42].sum(0).tolist(), (pixels[:42] ** 2).sum(0).tolist())
