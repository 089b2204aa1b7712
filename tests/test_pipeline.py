"""The Beam preprocessing stage: counts, metadata, and every kind of bad input reported."""

import gzip
import hashlib
import io
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf import records
from pipeline import preprocess
from pipeline.datasets import OfflineError, _check_reachable, idx_source
from pipeline.errors import CorruptSourceError
from pipeline.sources.image_folder import ImageFolderSource
from tests.conftest import read_idx


def read_records(data_dir, split, metadata):
    images, labels = [], []
    for shard in metadata["splits"][split]["shards"]:
        for serialized in tf.data.TFRecordDataset(os.path.join(data_dir, shard)):
            image, label = records.parse_example(serialized, metadata["image_shape"][-1])
            images.append(image.numpy())
            labels.append(int(label))
    return np.stack(images), np.array(labels)


def test_idx_pipeline_writes_every_record_and_metadata(small_idx_dir, small_data_dir):
    metadata = json.load(open(os.path.join(small_data_dir, "metadata.json")))
    assert metadata["splits"]["train"]["count"] == 512
    assert metadata["splits"]["test"]["count"] == 128
    assert len(metadata["splits"]["train"]["shards"]) == 4
    assert metadata["image_shape"] == [28, 28, 1]
    assert metadata["class_names"][9] == "Ankle boot"
    images, labels = read_records(small_data_dir, "train", metadata)
    source_images = read_idx(os.path.join(small_idx_dir, "train-images-idx3-ubyte.gz"), 512)
    source_labels = read_idx(os.path.join(small_idx_dir, "train-labels-idx1-ubyte.gz"), 512)
    # Beam does not keep order: compare as multisets of (image bytes, label).
    written = sorted((i.tobytes(), l) for i, l in zip(images, labels))
    expected = sorted((i.tobytes(), int(l)) for i, l in zip(source_images[..., None], source_labels))
    assert written == expected
    np.testing.assert_allclose(metadata["pixel_mean"], [source_images.mean()], atol=1e-3)
    np.testing.assert_allclose(metadata["pixel_std"], [source_images.std()], atol=1e-3)
    digest = hashlib.sha256(open(os.path.join(small_idx_dir, "train-images-idx3-ubyte.gz"), "rb").read())
    assert metadata["source_files"]["train-images-idx3-ubyte.gz"] == digest.hexdigest()


def truncate(path, keep_fraction):
    data = gzip.open(path).read()
    with gzip.open(path, "wb") as handle:
        handle.write(data[: int(len(data) * keep_fraction)])


def test_truncated_idx_file_fails_naming_the_file(small_idx_dir, tmp_path):
    source_dir = tmp_path / "source"
    shutil.copytree(small_idx_dir, source_dir)
    truncate(source_dir / "train-images-idx3-ubyte.gz", 0.9)
    output = tmp_path / "out"
    with pytest.raises(Exception, match="train-images-idx3-ubyte.gz: truncated"):
        preprocess.run(idx_source("fashion_mnist", str(source_dir)), str(output))
    assert not (output / "metadata.json").exists()


def test_cut_gzip_stream_fails_naming_the_file(small_idx_dir, tmp_path):
    source_dir = tmp_path / "source"
    shutil.copytree(small_idx_dir, source_dir)
    path = source_dir / "t10k-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Exception, match="t10k-images-idx3-ubyte.gz"):
        preprocess.run(idx_source("fashion_mnist", str(source_dir)), str(tmp_path / "out"))


def test_label_count_mismatch_is_refused(small_idx_dir, tmp_path):
    from tests.conftest import write_idx

    source_dir = tmp_path / "source"
    shutil.copytree(small_idx_dir, source_dir)
    labels = read_idx(source_dir / "train-labels-idx1-ubyte.gz", 512)
    write_idx(source_dir / "train-labels-idx1-ubyte.gz", labels[:500])
    with pytest.raises(CorruptSourceError, match="500 labels for 512 images"):
        idx_source("fashion_mnist", str(source_dir))


def test_missing_source_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="train images"):
        idx_source("fashion_mnist", str(tmp_path))


def test_unreachable_download_host_fails_fast():
    with pytest.raises(OfflineError, match="cannot reach 127.0.0.1:9"):
        _check_reachable("http://127.0.0.1:9/", timeout=2)


def save(image, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **kwargs)


@pytest.fixture
def messy_image_folder(tmp_path):
    """A two-class folder with every kind of awkward file a real folder holds."""
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


def test_image_folder_converts_awkward_modes_and_reports_broken_files(messy_image_folder, tmp_path):
    output = tmp_path / "out"
    source = ImageFolderSource(str(messy_image_folder), image_size=16, channels=3)
    assert source.class_names == ["cats", "dogs"]
    metadata = preprocess.run(source, str(output), shards={"train": 1})
    assert metadata["splits"]["train"]["count"] == 6
    assert metadata["splits"]["train"]["rejected"] == 2
    rejected = [json.loads(line) for line in open(output / "rejected-train.jsonl")]
    assert sorted(os.path.basename(r["path"]) for r in rejected) == ["empty.png", "truncated.png"]
    assert all(r["reason"] for r in rejected)
    images, labels = read_records(str(output), "train", metadata)
    assert images.shape == (6, 16, 16, 3)
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]


def test_strict_run_fails_on_rejected_input(messy_image_folder, tmp_path):
    source = ImageFolderSource(str(messy_image_folder), image_size=16, channels=1)
    with pytest.raises(Exception, match="strict run: rejected inputs"):
        preprocess.run(source, str(tmp_path / "out"), strict=True)
    assert not (tmp_path / "out" / "metadata.json").exists()


def test_empty_or_missing_image_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ImageFolderSource(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no image files"):
        ImageFolderSource(str(tmp_path / "empty"))
