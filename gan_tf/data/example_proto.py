"""`tf.train.Example` wire encoding in plain Python, byte for byte what TensorFlow's protobuf
classes write with `SerializeToString(deterministic=True)` (map entries sorted by key).

Beam workers encode records with it, so they neither import TensorFlow (seconds per worker
process) nor build protobuf objects per record. The messages (tensorflow/core/example):
Example{Features features = 1}, Features{map<string, Feature> feature = 1}, Feature{oneof:
BytesList bytes_list = 1, FloatList float_list = 2, Int64List int64_list = 3}, each list a
`repeated value = 1` (packed for floats and int64s).
"""

import numpy as np

_FIELD_1 = b"\x0a"  # field 1, length-delimited
_FIELD_2 = b"\x12"
_FIELD_3 = b"\x1a"
_UINT64 = (1 << 64) - 1


_SHORT_VARINTS = tuple(bytes((value,)) if value < 0x80 else bytes((value & 0x7F | 0x80, value >> 7))
                       for value in range(1 << 14))  # one- and two-byte varints, looked up


def _varint(value):
    """Base-128 varint of a non-negative integer below 2**64."""
    if value < 1 << 14:
        return _SHORT_VARINTS[value]
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _delimited(tag, payload):
    return tag + _varint(len(payload)) + payload


def _packed(payload):
    """A list message's packed `value` field; an empty list writes no field."""
    return _delimited(_FIELD_1, payload) if payload else b""


def bytes_feature(values):
    """An encoded Feature holding a BytesList of `values` (bytes)."""
    return _delimited(_FIELD_1, b"".join(_delimited(_FIELD_1, value) for value in values))


def float_feature(values):
    """An encoded Feature holding a FloatList of `values` (anything numpy turns into float32)."""
    return _delimited(_FIELD_2, _packed(np.asarray(values, "<f4").tobytes()))


def int64_feature(values):
    """An encoded Feature holding an Int64List of `values` (Python ints, negatives as int64)."""
    return _delimited(_FIELD_3, _packed(b"".join(_varint(int(value) & _UINT64) for value in values)))


def example(features):
    """A serialized Example from {name: encoded Feature}, entries in sorted name order."""
    entries = b"".join(
        _delimited(_FIELD_1, _delimited(_FIELD_1, name.encode()) + _delimited(_FIELD_2, feature))
        for name, feature in sorted(features.items()))
    return _delimited(_FIELD_1, entries)
