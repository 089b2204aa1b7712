"""The one definition of the TFRecord layout shared by the Beam writer and the tf.data reader.

Every record is a `tf.train.Example` holding a PNG-encoded uint8 image (lossless, a few hundred
bytes for a 28x28 image) and an integer class label (-1 where the source has none). The data
set's `metadata.json` names the image shape, classes and shard files.
"""

import io

import numpy as np
from PIL import Image

IMAGE_KEY = "image"
LABEL_KEY = "label"
NO_LABEL = -1
METADATA_FILE = "metadata.json"


def encode_png(image):
    """PNG bytes of a uint8 [H, W, C] array with C in (1, 3)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(
            f"expected a uint8 [H, W, 1|3] image, got {image.dtype} {image.shape}"
        )
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def serialize_example(image, label=NO_LABEL):
    """A serialized `tf.train.Example` for one image and its label.

    Built with the protobuf classes TensorFlow ships, so Beam workers need no TF runtime ops.
    """
    from tensorflow.core.example import example_pb2, feature_pb2

    feature = {
        IMAGE_KEY: feature_pb2.Feature(
            bytes_list=feature_pb2.BytesList(value=[encode_png(image)])
        ),
        LABEL_KEY: feature_pb2.Feature(
            int64_list=feature_pb2.Int64List(value=[int(label)])
        ),
    }
    return example_pb2.Example(
        features=feature_pb2.Features(feature=feature)
    ).SerializeToString()


def parse_example(serialized, channels):
    """(uint8 image [H, W, channels], int64 label) from one serialized record; TF graph code."""
    import tensorflow as tf

    parsed = tf.io.parse_single_example(
        serialized,
        {
            IMAGE_KEY: tf.io.FixedLenFeature([], tf.string),
            LABEL_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=NO_LABEL),
        },
    )
    image = tf.io.decode_png(parsed[IMAGE_KEY], channels=channels)
    return image, parsed[LABEL_KEY]
