"""Image helpers shared by callbacks, export and the CLI: value ranges, grids, PNG files."""

import os
import struct
import zlib

import numpy as np
import tensorflow as tf

from gan_tf.files import writes


def to_uint8(images, value_range):
    """float images in `value_range` -> uint8 [0, 255], rounded and clipped; TF graph code."""
    low, high = value_range
    scaled = (tf.cast(images, tf.float32) - low) * (255.0 / (high - low))
    return tf.cast(tf.clip_by_value(tf.round(scaled), 0.0, 255.0), tf.uint8)


def make_grid(images, columns=None, padding=2, pad_value=255):
    """One uint8 [H', W', C] picture of a uint8 [N, H, W, C] batch laid out row by row."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"expected [N, H, W, C] images, got shape {images.shape}")
    count, height, width, channels = images.shape
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    grid = np.full(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels),
        pad_value,
        np.uint8,
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def _with_text(png, key, value):
    """PNG bytes with a tEXt chunk after the header chunk: Pillow reads it back as
    `Image.open(path).text[key]`."""
    body = b"tEXt" + key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    return png[:33] + chunk + png[33:]  # signature (8) + IHDR (25)


def save_png(image, path, kept="", text=None):
    """Writes a uint8 [H, W, C] array as PNG, with `text` ({key: value}) as tEXt chunks; any
    path `tf.io.gfile` knows (local, gs://). A local file is written under a temporary name and
    renamed, so a full disk leaves no partial PNG: the error (`writes.WriteError`) names the
    path and `kept`."""
    data = tf.io.encode_png(np.asarray(image, np.uint8)).numpy()
    for key, value in (text or {}).items():
        data = _with_text(data, key, value)
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    if "://" in path:
        tf.io.gfile.makedirs(parent)
        tf.io.write_file(path, data)
        return
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as error:
            raise writes.WriteError(error, parent, kept or "nothing written") from None
    writes.write_bytes(path, data, kept)
