"""CIFAR-10's original binary archive (`cifar-10-batches-bin/`), read in parallel chunks.

Each `.bin` file is a run of 3073-byte records: one label byte, then a 32x32 RGB image stored
channel by channel (1024 red, 1024 green, 1024 blue bytes, rows top to bottom). Train is
`data_batch_1.bin` .. `data_batch_5.bin`, test is `test_batch.bin`. Only the binary version is
read: the "python version" of the archive is pickled, and unpickling a downloaded file can run
arbitrary code. A file whose size is not a whole number of records, or a label outside the
classes, raises `CorruptSourceError` naming the file; a partly read archive is never written
out as a smaller data set.
"""

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems

from gan_tf.pipeline.errors import CorruptSourceError
from gan_tf.pipeline.sources import Source, empty
from gan_tf.pipeline.sources.idx import check_labels, open_source, read_exact

SIDE = 32
CHANNELS = 3
RECORD_BYTES = 1 + SIDE * SIDE * CHANNELS
CHUNK_RECORDS = 10_000
BATCH_FILES = {
    "train": tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
    "test": ("test_batch.bin",),
}
ARCHIVE_FOLDER = "cifar-10-batches-bin"


def file_size(path):
    try:
        matches = FileSystems.match([path])[0].metadata_list
    except Exception as error:  # Beam wraps missing files in several error types.
        raise CorruptSourceError(path, f"cannot open ({error})") from error
    if not matches:
        raise CorruptSourceError(path, "not found")
    return matches[0].size_in_bytes


def record_count(path):
    """Records in a CIFAR binary file; refuses sizes that are not whole records."""
    size = file_size(path)
    if size == 0 or size % RECORD_BYTES:
        raise CorruptSourceError(
            path, f"truncated or not a CIFAR-10 binary file: {size} bytes is not a whole "
            f"number of {RECORD_BYTES}-byte records"
        )
    return size // RECORD_BYTES


def read_cifar_chunk(chunk, num_classes):
    """A batch (images uint8 [n, 32, 32, 3], labels [n]) from a chunk (path, start, stop) of
    one file, read from its first record on."""
    path, start, stop = chunk
    with open_source(path) as handle:
        handle.seek(start * RECORD_BYTES)
        data = read_exact(handle, (stop - start) * RECORD_BYTES, path)
    records = np.frombuffer(data, np.uint8).reshape(stop - start, RECORD_BYTES)
    labels = records[:, 0]
    images = records[:, 1:].reshape(-1, CHANNELS, SIDE, SIDE).transpose(0, 2, 3, 1)
    check_labels(labels, start, num_classes, path)
    return images, labels


def find_batch_folder(source_dir):
    """`source_dir` itself, or its `cifar-10-batches-bin/` (the unpacked archive's root)."""
    nested = FileSystems.join(source_dir, ARCHIVE_FOLDER)
    if FileSystems.exists(FileSystems.join(nested, BATCH_FILES["test"][0])):
        return nested
    return source_dir


class CifarBinarySource(Source):
    """CIFAR-10 from the binary archive's `.bin` files (local paths or `gs://` alike)."""

    splits = ("train", "test")
    image_shape = (SIDE, SIDE, CHANNELS)

    def __init__(self, name, class_names, source_dir, chunk_records=CHUNK_RECORDS):
        self.name = name
        self.class_names = list(class_names)
        folder = find_batch_folder(source_dir)
        self.paths = {split: [FileSystems.join(folder, n) for n in names]
                      for split, names in BATCH_FILES.items()}
        self.files = [p for paths in self.paths.values() for p in paths]
        self.chunk_records = chunk_records
        self.counts = {path: record_count(path) for path in self.files}

    def read(self, pipeline, split):
        chunks = [
            (path, start, min(start + self.chunk_records, self.counts[path]))
            for path in self.paths[split]
            for start in range(0, self.counts[path], self.chunk_records)
        ]
        num_classes = len(self.class_names)
        examples = (
            pipeline
            | f"Plan{split}" >> beam.Create(chunks)
            | f"Reshuffle{split}" >> beam.Reshuffle()
            | f"ReadCifar{split}" >> beam.Map(read_cifar_chunk, num_classes=num_classes)
        )
        return examples, empty(pipeline, f"NoRejects{split}")
