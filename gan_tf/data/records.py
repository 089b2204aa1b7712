"""The one definition of the TFRecord layout shared by the Beam writer and the tf.data reader.

Every record is a `tf.train.Example` holding a PNG-encoded uint8 image (lossless, a few hundred
bytes for a 28x28 image) and an integer class label (-1 where the source has none). The data
set's `metadata.json` names the image shape, classes and shard files. Paired data (pix2pix)
adds a second PNG image, `target`, to each record; `metadata.json` then has a `target_shape`.
Captioned data (StackGAN) adds the image's `captions` (bytes list) and their text
`embeddings` (float list, captions x `embedding_dim` row by row, in the captions' order), so
each caption stays linked to its vector and to the image it describes.
"""

import functools
import struct
import zlib

import google_crc32c
import numpy as np

from gan_tf.data import example_proto

IMAGE_KEY = "image"
LABEL_KEY = "label"
TARGET_KEY = "target"
CAPTIONS_KEY = "captions"
EMBEDDINGS_KEY = "embeddings"
NO_LABEL = -1
METADATA_FILE = "metadata.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_LEVEL = 6  # zlib level of the image data: see `encode_png`


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=16)
def _png_header(height, width, channels):
    """The PNG signature and IHDR chunk of an 8-bit grey or RGB image of this size."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0 if channels == 1 else 2, 0, 0, 0)
    return PNG_SIGNATURE + _png_chunk(b"IHDR", ihdr)


_PNG_END = _png_chunk(b"IEND", b"")


def encode_png(image):
    """PNG bytes of a uint8 [H, W, C] array with C in (1, 3).

    Written directly with zlib (every row unfiltered, deflate level `PNG_LEVEL`): a third of
    the time of Pillow's encoder on 28x28 images, whose Python overhead dominated
    preprocessing. Any PNG decoder returns exactly `image`.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(
            f"expected a uint8 [H, W, 1|3] image, got {image.dtype} {image.shape}"
        )
    height, width, channels = image.shape
    rows = np.empty((height, 1 + width * channels), np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = image.reshape(height, width * channels)
    return (_png_header(height, width, channels)
            + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_LEVEL)) + _PNG_END)


def _masked_crc32c(data):
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord_frame(record):
    """`record` framed as one TFRecord entry: length, its masked CRC-32C, data, data's CRC."""
    length = struct.pack("<Q", len(record))
    return (length + struct.pack("<I", _masked_crc32c(length)) + record
            + struct.pack("<I", _masked_crc32c(record)))


def serialize_example(image, label=NO_LABEL, target=None, captions=None, embeddings=None):
    """A serialized `tf.train.Example` for one image, its label and optionally a target image,
    or its captions with one embedding row per caption.

    Encoded by `gan_tf.data.example_proto` (TensorFlow's deterministic bytes, map keys sorted, so a
    record is the same on every runner and worker) without importing TensorFlow.
    """
    feature = {IMAGE_KEY: example_proto.bytes_feature([encode_png(image)]),
               LABEL_KEY: example_proto.int64_feature([label])}
    if target is not None:
        feature[TARGET_KEY] = example_proto.bytes_feature([encode_png(target)])
    if captions is not None:
        embeddings = np.asarray(embeddings, np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(captions) or not len(captions):
            raise ValueError(f"need one embedding row per caption, got {len(captions)} captions "
                             f"and embeddings of shape {embeddings.shape}")
        feature[CAPTIONS_KEY] = example_proto.bytes_feature([c.encode("utf-8") for c in captions])
        feature[EMBEDDINGS_KEY] = example_proto.float_feature(embeddings.ravel())
    return example_proto.example(feature)


def parse_example(serialized, channels, target_channels=None, embedding_dim=None):
    """(uint8 image [H, W, channels], int64 label) from one serialized record; TF graph code.

    With `target_channels` the record's target image is decoded too: (image, label, target).
    With `embedding_dim`: (image, label, captions string [C], embeddings float32 [C, dim]).
    """
    import tensorflow as tf

    spec = {
        IMAGE_KEY: tf.io.FixedLenFeature([], tf.string),
        LABEL_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=NO_LABEL),
    }
    if target_channels:
        spec[TARGET_KEY] = tf.io.FixedLenFeature([], tf.string)
    if embedding_dim:
        spec[CAPTIONS_KEY] = tf.io.VarLenFeature(tf.string)
        spec[EMBEDDINGS_KEY] = tf.io.VarLenFeature(tf.float32)
    parsed = tf.io.parse_single_example(serialized, spec)
    image = tf.io.decode_png(parsed[IMAGE_KEY], channels=channels)
    if embedding_dim:
        embeddings = tf.reshape(tf.sparse.to_dense(parsed[EMBEDDINGS_KEY]), [-1, embedding_dim])
        return image, parsed[LABEL_KEY], tf.sparse.to_dense(parsed[CAPTIONS_KEY]), embeddings
    if target_channels:
        return image, parsed[LABEL_KEY], tf.io.decode_png(parsed[TARGET_KEY], channels=target_channels)
    return image, parsed[LABEL_KEY]
