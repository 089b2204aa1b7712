"""A preprocessed data folder checked against its records when it is opened, cheaply.

`metadata.json` must parse and hold `splits` (each with its `count` and `shards`) and
`image_shape`. Every listed shard must exist; on local disks the records of a split are
counted by hopping from one record header to the next (12 bytes read per record, the length's
CRC checked) and compared with the metadata's count. The first record of each shard is read
whole (its CRC checked) and decoded: its image and target must have the metadata's shape and
channels. Every fault is one `DataError` line naming the file, and for a record the shard and
its index. `locate_bad_record` finds the record behind an error met later, mid-epoch.
"""

import functools
import json
import os
import struct

from gan_tf.data import records

HEADER = 12  # little-endian uint64 length, then its masked CRC-32C
FOOTER = 4  # the data's masked CRC-32C


class DataError(RuntimeError):
    """A preprocessed data folder is missing, incomplete, corrupt or of the wrong kind."""


def again(data_dir):
    return f"preprocess the data again into {data_dir}"


def parse_metadata(path, text, data_dir):
    """The metadata dict of `text` read from `path`; DataError for bad JSON or missing keys."""
    try:
        metadata = json.loads(text)
    except ValueError as error:
        where = f" at line {error.lineno} column {error.colno}" if hasattr(error, "lineno") else ""
        raise DataError(f"{path} is not valid JSON ({getattr(error, 'msg', error)}{where}): cut short "
                        f"or edited? {again(data_dir)}") from None
    missing = [key for key in ("splits", "image_shape") if not isinstance(metadata, dict) or key not in metadata]
    if missing:
        raise DataError(f"{path} has no {' or '.join(repr(k) for k in missing)}: not a gan_tf data set, "
                        f"or written by something else; {again(data_dir)}")
    for split, info in metadata["splits"].items():
        if not isinstance(info, dict) or not isinstance(info.get("count"), int) or not isinstance(
                info.get("shards"), list):
            raise DataError(f"{path}: split {split!r} lacks a whole-number 'count' or a 'shards' list; "
                            f"{again(data_dir)}")
    return metadata


def record_error(shard, index, problem, data_dir):
    return DataError(f"{shard}: record {index} {problem}; {again(data_dir)}")


def count_records(shard, data_dir):
    """Records in the local TFRecord file `shard`, reading only their headers."""
    size, index, offset = os.path.getsize(shard), 0, 0
    with open(shard, "rb") as handle:
        while offset < size:
            header = handle.read(HEADER)
            if len(header) < HEADER:
                raise record_error(shard, index, "is cut short (the file ends inside its header)", data_dir)
            length, crc = struct.unpack("<QI", header)
            if records._masked_crc32c(header[:8]) != crc:
                raise record_error(shard, index, "is corrupt (its length fails its checksum)", data_dir)
            offset += HEADER + length + FOOTER
            if offset > size:
                raise record_error(shard, index, "is cut short (the file ends inside it)", data_dir)
            handle.seek(offset)
            index += 1
    return index


def first_record(shard, data_dir):
    """The serialized first record of `shard`, its data CRC checked; None for an empty shard."""
    import tensorflow as tf

    with tf.io.gfile.GFile(shard, "rb") as handle:
        header = handle.read(HEADER)
        if not header:
            return None
        if len(header) < HEADER or records._masked_crc32c(header[:8]) != struct.unpack("<I", header[8:])[0]:
            raise record_error(shard, 0, "is corrupt (its length fails its checksum)", data_dir)
        length = struct.unpack("<Q", header[:8])[0]
        data, footer = handle.read(length), handle.read(FOOTER)
    if len(footer) < FOOTER:
        raise record_error(shard, 0, "is cut short (the file ends inside it)", data_dir)
    if records._masked_crc32c(data) != struct.unpack("<I", footer)[0]:
        raise record_error(shard, 0, "is corrupt (its data fails its checksum)", data_dir)
    return data


def decoded_shapes(serialized, with_target):
    """{key: stored [H, W, C]} of a record's image (and target), decoded as stored."""
    import tensorflow as tf

    keys = [records.IMAGE_KEY] + ([records.TARGET_KEY] if with_target else [])
    parsed = tf.io.parse_single_example(serialized, {k: tf.io.FixedLenFeature([], tf.string) for k in keys})
    return {key: list(tf.io.decode_png(parsed[key], channels=0).shape) for key in keys}


def check_first_record(shard, metadata, data_dir):
    """The first record of `shard` decodes to the metadata's image (and target) shape."""
    import tensorflow as tf

    serialized = first_record(shard, data_dir)
    if serialized is None:
        return
    expected = {records.IMAGE_KEY: metadata["image_shape"]}
    if "target_shape" in metadata:
        expected[records.TARGET_KEY] = metadata["target_shape"]
    try:
        shapes = decoded_shapes(serialized, "target_shape" in metadata)
    except tf.errors.OpError as error:
        raise record_error(shard, 0, f"is not a valid image record ({error.message.splitlines()[0]})",
                           data_dir) from None
    for key, shape in shapes.items():
        if shape != list(expected[key]):
            raise DataError(f"{shard}: record 0's {key} is {shape[0]}x{shape[1]}x{shape[2]} (height x "
                            f"width x channels), metadata.json says {'x'.join(map(str, expected[key]))}; "
                            f"{again(data_dir)}")


def check_split(data_dir, split, metadata):
    """Shards present, counted (local disks) and their first records decoded; see the module."""
    import tensorflow as tf

    info = metadata["splits"][split]
    shards = [os.path.join(data_dir, name) for name in info["shards"]]
    missing = [s for s in shards if not tf.io.gfile.exists(s)]
    if missing:
        raise DataError(f"{missing[0]}: shard listed in metadata.json is missing"
                        f"{f' ({len(missing)} of {len(shards)} are)' if len(missing) > 1 else ''}; "
                        f"{again(data_dir)}")
    if info["count"] and not shards:
        raise DataError(f"{data_dir}: metadata.json counts {info['count']} {split} records but lists no shard; "
                        f"{again(data_dir)}")
    stamps = tuple((s, *_stamp(s)) for s in shards)
    _check_stamped(data_dir, split, info["count"], json.dumps(_shapes(metadata)), stamps)


def _stamp(path):
    """(size, mtime) of a local file: a changed shard is checked again."""
    if "://" in path:
        return 0, 0
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


def _shapes(metadata):
    return {key: metadata[key] for key in ("image_shape", "target_shape") if key in metadata}


@functools.lru_cache(maxsize=64)
def _check_stamped(data_dir, split, count, shapes, stamps):
    """The checks of `check_split` that read the shards, once per state of the files."""
    metadata = json.loads(shapes)
    shards = [stamp[0] for stamp in stamps]
    for shard in shards:
        check_first_record(shard, metadata, data_dir)
    if all("://" not in s for s in shards):
        found = sum(count_records(s, data_dir) for s in shards)
        if found != count:
            raise DataError(f"{data_dir}: metadata.json counts {count} {split} records, its "
                            f"{len(shards)} shards hold {found}; {again(data_dir)}")


def locate_bad_record(data_dir, shards, channels, target_channels=None):
    """DataError naming the first record of `shards` that cannot be read or decoded (the
    search behind an error met mid-epoch, which names neither); None if all are sound."""
    import tensorflow as tf

    for shard in shards:
        dataset = tf.data.TFRecordDataset(shard).map(
            lambda s: records.parse_example(s, channels, target_channels)[0])
        iterator, index = iter(dataset), 0
        while True:
            try:
                next(iterator)
            except StopIteration:
                break
            except tf.errors.OpError as error:
                return record_error(shard, index, f"cannot be read ({error.message.splitlines()[0]})", data_dir)
            index += 1
    return None
