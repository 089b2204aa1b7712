"""The original IDX format of MNIST and Fashion-MNIST, gzipped or plain, read in parallel chunks.

The launcher reads only the 16-byte headers (to plan chunks and check the image and label files
agree); workers each decompress up to their chunk, so the same code runs on any Beam runner and
reads local paths or `gs://` alike. Truncated, malformed or over-long files (more records than
the header declares) and a label file given as images raise `CorruptSourceError` naming the
file: a half-read IDX file is never written out as a smaller data set.
"""

import fnmatch
import os
import struct
import zlib

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems

from pipeline.errors import CorruptSourceError
from pipeline.sources import Source, empty

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
CHUNK_RECORDS = 10_000
_SPLIT_PREFIXES = {"train": "train", "test": "t10k"}
_READ_ERRORS = (EOFError, OSError, zlib.error, struct.error)


def read_exact(handle, size, path):
    parts, remaining = [], size
    try:
        while remaining:
            part = handle.read(remaining)
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
    except _READ_ERRORS as error:
        raise CorruptSourceError(path, f"unreadable ({error})") from error
    data = b"".join(parts)
    if len(data) != size:
        raise CorruptSourceError(
            path, f"truncated: needed {size} more bytes, found {len(data)}"
        )
    return data


KINDS = {IMAGES_MAGIC: "an idx3 image file", LABELS_MAGIC: "an idx1 label file"}


def read_header(handle, path, expected):
    """The dims from the start of an open IDX file of the `expected` magic number."""
    magic, = struct.unpack(">I", read_exact(handle, 4, path))
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim not in (1, 3):
        raise CorruptSourceError(path, f"not a uint8 IDX file (magic 0x{magic:08x})")
    if magic != expected:
        raise CorruptSourceError(path, f"is {KINDS[magic]}, expected {KINDS[expected]}")
    return struct.unpack(f">{ndim}I", read_exact(handle, 4 * ndim, path))


def check_no_more(handle, path, count):
    """Raises unless an open IDX file ends here, after the `count` records of its header."""
    try:
        extra = handle.read(1)
    except _READ_ERRORS as error:
        raise CorruptSourceError(path, f"unreadable ({error})") from error
    if extra:
        raise CorruptSourceError(path, f"holds more data than the {count} records its header declares")


def open_source(path):
    try:
        return FileSystems.open(path)
    except Exception as error:  # Beam wraps missing files in several error types.
        raise CorruptSourceError(path, f"cannot open ({error})") from error


def read_idx_chunk(images_path, labels_path, start, stop):
    """Yields (image uint8 [H, W, 1], label) for records [start, stop) of one IDX pair; the
    last chunk also checks that nothing follows the declared records."""
    with open_source(images_path) as images, open_source(labels_path) as labels:
        total, height, width = read_header(images, images_path, IMAGES_MAGIC)
        read_header(labels, labels_path, LABELS_MAGIC)
        size = height * width
        read_exact(images, start * size, images_path)
        read_exact(labels, start, labels_path)
        count = stop - start
        pixels = np.frombuffer(read_exact(images, count * size, images_path), np.uint8)
        label_bytes = read_exact(labels, count, labels_path)
        if stop == total:
            check_no_more(images, images_path, total)
            check_no_more(labels, labels_path, total)
    pixels = pixels.reshape(count, height, width, 1)
    for image, label in zip(pixels, label_bytes):
        yield image, int(label)


def find_idx_files(source_dir, split):
    """(images, labels) paths of a split, accepting the usual spellings of the file names."""
    prefix = _SPLIT_PREFIXES[split]
    found = {}
    matches = FileSystems.match([FileSystems.join(source_dir, "*")])[0].metadata_list
    names = sorted(os.path.basename(m.path) for m in matches)
    for kind, idx in (("images", "idx3"), ("labels", "idx1")):
        pattern = f"{prefix}-{kind}[-.]{idx}-ubyte*"
        candidates = [n for n in names if fnmatch.fnmatch(n, pattern)]
        if not candidates:
            raise FileNotFoundError(
                f"no {split} {kind} file matching '{pattern}' in {source_dir} "
                f"(found: {', '.join(names) or 'nothing'})"
            )
        found[kind] = FileSystems.join(source_dir, candidates[0])
    return found["images"], found["labels"]


class IdxSource(Source):
    """MNIST-layout data: `train-images-idx3-ubyte.gz` and friends in one folder."""

    splits = ("train", "test")

    def __init__(self, name, class_names, paths, chunk_records=CHUNK_RECORDS):
        """`paths` maps split -> (images path, labels path)."""
        self.name = name
        self.class_names = list(class_names)
        self.paths = dict(paths)
        self.files = [p for pair in self.paths.values() for p in pair]
        self.chunk_records = chunk_records
        self.counts = {}
        shapes = set()
        for split, (images_path, labels_path) in self.paths.items():
            with open_source(images_path) as images, open_source(labels_path) as labels:
                count, height, width = read_header(images, images_path, IMAGES_MAGIC)
                label_count, = read_header(labels, labels_path, LABELS_MAGIC)
            if count != label_count:
                raise CorruptSourceError(
                    labels_path, f"{label_count} labels for {count} images in {images_path}"
                )
            self.counts[split] = count
            shapes.add((height, width, 1))
        if len(shapes) != 1:
            raise CorruptSourceError(self.files[0], f"splits differ in image shape: {shapes}")
        self.image_shape = shapes.pop()

    @classmethod
    def from_folder(cls, name, class_names, source_dir, **kwargs):
        paths = {split: find_idx_files(source_dir, split) for split in cls.splits}
        return cls(name, class_names, paths, **kwargs)

    def read(self, pipeline, split):
        images_path, labels_path = self.paths[split]
        count = self.counts[split]
        chunks = [
            (start, min(start + self.chunk_records, count))
            for start in range(0, count, self.chunk_records)
        ]
        examples = (
            pipeline
            | f"Plan{split}" >> beam.Create(chunks)
            | f"Reshuffle{split}" >> beam.Reshuffle()
            | f"ReadIdx{split}"
            >> beam.FlatMapTuple(read_idx_chunk_of(images_path, labels_path, self.class_names))
        )
        return examples, empty(pipeline, f"NoRejects{split}")


def read_idx_chunk_of(images_path, labels_path, class_names):
    """A chunk reader bound to one IDX pair that also checks labels name a known class."""

    def read(start, stop):
        for index, (image, label) in enumerate(
            read_idx_chunk(images_path, labels_path, start, stop), start
        ):
            if label >= len(class_names):
                raise CorruptSourceError(
                    labels_path, f"record {index} has label {label}, "
                    f"but there are {len(class_names)} classes"
                )
            yield image, label

    return read
