"""Shared fixtures: small real data sets built from the real Fashion-MNIST files.

The fixtures copy the first few hundred records of the real IDX files into tiny IDX files of
the same format, then run the real Beam pipeline over them, so every test reads real images
through the one production data path in seconds.
"""

import gzip
import hashlib
import io
import json
import os
import struct

import numpy as np
import pytest

# The benchmarks' variable (bench.harness), the quickstart's, else where Debian installs it.
FASHION_MNIST_DIR = (os.environ.get("GAN_TF_FASHION_MNIST") or os.environ.get("FASHION_MNIST_DIR")
                     or "/usr/share/datasets/fashion-mnist")
SHARED_DATASETS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets")


def read_idx(path, count):
    """The first `count` records of a gzipped IDX file as a numpy array."""
    with gzip.open(path, "rb") as handle:
        magic, = struct.unpack(">I", handle.read(4))
        ndim = magic & 0xFF
        dims = struct.unpack(f">{ndim}I", handle.read(4 * ndim))
        per_record = int(np.prod(dims[1:])) if ndim > 1 else 1
        data = np.frombuffer(handle.read(count * per_record), np.uint8)
    return data.reshape((count,) + tuple(dims[1:]))


def write_idx(path, array):
    """Writes a uint8 array as a gzipped IDX file (magic 0x0803 for images, 0x0801 labels)."""
    array = np.asarray(array, np.uint8)
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.tobytes())


def copy_idx_subset(source, folder, counts, kinds=("images-idx3", "labels-idx1")):
    """Writes the first `counts[prefix]` records of each `{prefix}-{kind}-ubyte.gz` IDX file of
    `source` to `folder` (Fashion-MNIST names its files `images-idx3`, MNIST `images.idx3`)."""
    for prefix, count in counts.items():
        for kind in kinds:
            name = f"{prefix}-{kind}-ubyte.gz"
            write_idx(os.path.join(folder, name), read_idx(os.path.join(source, name), count))
    return str(folder)


@pytest.fixture(scope="session")
def fashion_mnist_files():
    if not os.path.isdir(FASHION_MNIST_DIR):
        pytest.skip(f"real Fashion-MNIST not found in {FASHION_MNIST_DIR} "
                    "(apt-get install dataset-fashion-mnist)")
    return FASHION_MNIST_DIR


@pytest.fixture(scope="session")
def small_idx_dir(tmp_path_factory, fashion_mnist_files):
    """A folder of IDX files holding the first 512 train and 128 test real images."""
    return copy_idx_subset(fashion_mnist_files, tmp_path_factory.mktemp("idx"),
                           {"train": 512, "t10k": 128})


@pytest.fixture(scope="session")
def small_data_dir(tmp_path_factory, small_idx_dir):
    """`small_idx_dir` run through the Beam pipeline: TFRecord shards + metadata.json."""
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    output = str(tmp_path_factory.mktemp("records"))
    preprocess.run(idx_source("fashion_mnist", small_idx_dir), output, shards={"train": 4})
    return output


@pytest.fixture(scope="session")
def small_captioned_data(tmp_path_factory, small_idx_dir):
    """The first 160 train and 32 test real images of `small_idx_dir` as captioned
    Fashion-MNIST (3 captions per image, 16-d hash embedder), made by `gan-tf preprocess`."""
    from gan_tf import cli

    source = copy_idx_subset(small_idx_dir, tmp_path_factory.mktemp("captioned_idx"),
                             {"train": 160, "t10k": 32})
    output = str(tmp_path_factory.mktemp("captioned_records"))
    assert cli.main(["preprocess", "captioned_fashion_mnist", "--source", source, "--output", output,
                     "--embedder", "hash:16", "--captions-per-image", "3", "--train-shards", "2"]) == 0
    return output


def record_hashes(data_dir, split):
    """SHA-256 of every serialized record of `split` (the shards' record order aside)."""
    import tensorflow as tf

    with open(os.path.join(data_dir, "metadata.json")) as handle:
        shards = json.load(handle)["splits"][split]["shards"]
    return sorted(hashlib.sha256(record.numpy()).hexdigest()
                  for record in tf.data.TFRecordDataset([os.path.join(data_dir, s) for s in shards]))


def save(image, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **kwargs)


@pytest.fixture
def messy_image_folder(tmp_path):
    """A two-class folder with every kind of awkward file a real folder holds."""
    from PIL import Image

    root = tmp_path / "images"
    rng = np.random.default_rng(0)
    rgb = lambda: Image.fromarray(rng.integers(0, 255, (40, 30, 3), np.uint8))
    save(rgb(), root / "cats" / "rgb.jpg")
    save(rgb().convert("L"), root / "cats" / "grey.png")
    save(rgb().convert("P"), root / "cats" / "palette.png")
    save(rgb().convert("CMYK"), root / "dogs" / "cmyk.jpg")
    save(rgb().convert("RGBA"), root / "dogs" / "alpha.png")
    save(Image.fromarray(rng.integers(0, 65535, (20, 20), np.uint16)), root / "dogs" / "deep.png")
    (root / "dogs" / "empty.png").write_bytes(b"")
    buffer = io.BytesIO()
    rgb().save(buffer, format="PNG")
    (root / "dogs" / "truncated.png").write_bytes(buffer.getvalue()[:100])
    (root / "dogs" / "notes.txt").write_text("not an image, ignored by extension")
    return root


def shared_dataset(name):
    """A real data set under ../shared/datasets, or a skip saying where it was looked for."""
    path = os.path.join(SHARED_DATASETS, name)
    if not os.path.isdir(path):
        pytest.skip(f"real {name} not found in {os.path.abspath(path)}")
    return path


@pytest.fixture(scope="session")
def small_horse2zebra_dir(tmp_path_factory):
    """A few real horse2zebra images per split, plus one greyscale copy and one broken file
    in trainA (the pipeline must convert the first and report the second)."""
    import shutil

    from PIL import Image

    source = shared_dataset("horse2zebra")
    folder = tmp_path_factory.mktemp("horse2zebra")
    for split, count in (("trainA", 6), ("trainB", 8), ("testA", 2), ("testB", 2)):
        os.makedirs(folder / split)
        for name in sorted(os.listdir(os.path.join(source, split)))[:count]:
            shutil.copy(os.path.join(source, split, name), folder / split / name)
    first = sorted(os.listdir(folder / "trainA"))[0]
    Image.open(folder / "trainA" / first).convert("L").save(folder / "trainA" / "grey.png")
    (folder / "trainA" / "broken.jpg").write_bytes(b"not a jpeg")
    return str(folder)


@pytest.fixture(scope="session")
def small_horse2zebra_data(tmp_path_factory, small_horse2zebra_dir):
    """`small_horse2zebra_dir` through the Beam pipeline at 64 px."""
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.image_pairs import DomainFolderSource

    output = str(tmp_path_factory.mktemp("horse2zebra_records"))
    preprocess.run(DomainFolderSource(small_horse2zebra_dir, 64), output, shards={"train": 2})
    return output


@pytest.fixture(scope="session")
def small_facades_data(tmp_path_factory):
    """A few real CMP facades pairs (train 6, val 2) through the Beam pipeline at 64 px."""
    import shutil

    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.image_pairs import SideBySideSource

    source = shared_dataset("facades")
    folder = tmp_path_factory.mktemp("facades")
    for split, count in (("train", 6), ("val", 2)):
        os.makedirs(folder / split)
        for name in sorted(os.listdir(os.path.join(source, split)))[:count]:
            shutil.copy(os.path.join(source, split, name), folder / split / name)
    output = str(tmp_path_factory.mktemp("facades_records"))
    preprocess.run(SideBySideSource(str(folder), 64), output, shards={"train": 2})
    return output
