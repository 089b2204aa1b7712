"""The original IDX format of MNIST and Fashion-MNIST, gzipped or plain, read in parallel chunks.

The launcher reads only the 16-byte headers (to plan chunks and check the image and label files
agree); one worker then reads each file pair once, start to end (a gzip stream cannot be
entered in the middle: a worker per chunk decompressed the file up to its chunk, 3.5 times the
work for 6 chunks), and the chunks are spread over the workers as numpy arrays. The same code
runs on any Beam runner and reads local paths or `gs://` alike. Truncated, malformed or over-long files (more records than
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

from gan_tf.pipeline.errors import CorruptSourceError
from gan_tf.pipeline.grouping import group_into
from gan_tf.pipeline.sources import Source, empty

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


def check_labels(labels, start, num_classes, path):
    """Raises unless every label of the records from `start` names one of `num_classes`."""
    bad = np.flatnonzero(labels >= num_classes)
    if len(bad):
        raise CorruptSourceError(
            path, f"record {start + bad[0]} has label {labels[bad[0]]}, but there are {num_classes} classes"
        )


def read_idx_chunks(paths, chunk_records, num_classes):
    """Yields (start, batch (images uint8 [n, H, W, 1], labels uint8 [n])) for consecutive chunks of
    `chunk_records` records of one IDX pair (images path, labels path), reading each file once;
    checks every label and that nothing follows the declared records."""
    images_path, labels_path = paths
    with open_source(images_path) as images, open_source(labels_path) as labels:
        total, height, width = read_header(images, images_path, IMAGES_MAGIC)
        read_header(labels, labels_path, LABELS_MAGIC)
        for start in range(0, total, chunk_records):
            count = min(chunk_records, total - start)
            pixels = np.frombuffer(read_exact(images, count * height * width, images_path), np.uint8)
            label_bytes = np.frombuffer(read_exact(labels, count, labels_path), np.uint8)
            check_labels(label_bytes, start, num_classes, labels_path)
            yield start, (pixels.reshape(count, height, width, 1), label_bytes)
        check_no_more(images, images_path, total)
        check_no_more(labels, labels_path, total)


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

    def read_chunks(self, pipeline, split):
        """(start, [(images, labels)]) per chunk of a split (see `read_idx_chunks`): the files
        read once, each chunk then grouped on its own, which spreads the chunks over workers."""
        chunks = (
            pipeline
            | f"Files{split}" >> beam.Create([self.paths[split]])
            | f"ReadIdx{split}" >> beam.FlatMap(read_idx_chunks, self.chunk_records, len(self.class_names))
        )
        return group_into(chunks, f"Chunks{split}", range(0, self.counts[split], self.chunk_records))

    def read(self, pipeline, split):
        batches = self.read_chunks(pipeline, split) | f"Batches{split}" >> beam.FlatMapTuple(lambda _, chunks: chunks)
        return batches, empty(pipeline, f"NoRejects{split}")
