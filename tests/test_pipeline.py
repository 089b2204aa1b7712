"""The Beam preprocessing stage: counts, metadata, every kind of bad input reported, every
input accounted for, and an output folder that never mixes two data sets."""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf.data import records
from gan_tf.pipeline import preprocess
from gan_tf.pipeline.datasets import OfflineError, _check_reachable, idx_source
from gan_tf.pipeline.errors import CorruptSourceError
from gan_tf.pipeline.sources.idx import IdxSource
from gan_tf.pipeline.sources.image_folder import ImageFolderSource
from tests.conftest import read_idx, save


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


@pytest.fixture
def hostile_image_folder(tmp_path):
    """Two classes holding images of the same names, an empty class, hidden files and folders,
    a text file, a dangling symlink and a file whose name is not UTF-8."""
    root = tmp_path / "hostile"
    rng = np.random.default_rng(1)
    rgb = lambda: Image.fromarray(rng.integers(0, 255, (20, 20, 3), np.uint8))
    for path in ("cats/001.png", "cats/002.png", "dogs/001.png", "cats/.hidden.png", ".git/objects/x.png"):
        save(rgb(), root / path)
    (root / "birds").mkdir()
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "dogs" / "notes.txt").write_text("not an image")
    os.symlink(root / "dogs" / "gone.png", root / "dogs" / "dangling.png")
    rgb().save(os.path.join(os.fsencode(root / "cats"), b"caf\xe9.png"), format="PNG")
    return root


def test_every_entry_of_an_image_folder_is_written_rejected_or_ignored(hostile_image_folder, tmp_path):
    source = ImageFolderSource(str(hostile_image_folder), image_size=8, channels=3)
    metadata = preprocess.run(source, str(tmp_path / "out"), shards={"train": 1})
    train = metadata["splits"]["train"]
    rejected = [json.loads(line) for line in open(tmp_path / "out" / "rejected-train.jsonl")]
    assert (train["count"], train["rejected"]) == (3, 2)
    assert sorted(os.path.basename(r["path"]) for r in rejected) == ["caf\\xe9.png", "dangling.png"]
    assert all(r["reason"] for r in rejected)
    assert "UTF-8" in next(r["reason"] for r in rejected if "caf" in r["path"])
    ignored = {entry["path"]: entry["reason"] for entry in metadata["ignored"]}
    assert sorted(ignored) == [".DS_Store", ".git/", "cats/.hidden.png", "dogs/notes.txt"]
    assert "hidden" in ignored[".DS_Store"] and "extension .txt" in ignored["dogs/notes.txt"]
    entries = 1 + sum(len(files) for folder, _, files in os.walk(hostile_image_folder)
                      if ".git" not in folder)  # the hidden folder is one entry
    assert train["count"] + train["rejected"] + len(ignored) == entries
    assert metadata["class_names"] == ["birds", "cats", "dogs"]
    assert metadata["empty_classes"] == ["birds"]
    checksums = metadata["source_files"]
    assert {"cats/001.png", "dogs/001.png"} <= set(checksums)
    assert checksums["cats/001.png"] != checksums["dogs/001.png"]
    with pytest.raises(Exception, match=r"strict run: rejected inputs \{'train': 2\}.*dangling.png"):
        preprocess.run(source, str(tmp_path / "strict"), strict=True)
    assert not os.path.exists(tmp_path / "strict")
    assert not [name for name in os.listdir(tmp_path) if ".tmp-" in name]  # nor any beam-temp-*


def test_a_reused_output_folder_never_mixes_two_data_sets(messy_image_folder, hostile_image_folder, tmp_path):
    output = tmp_path / "out"
    preprocess.run(ImageFolderSource(str(messy_image_folder), image_size=8), str(output), shards={"train": 3})
    metadata = preprocess.run(ImageFolderSource(str(hostile_image_folder), image_size=8), str(output),
                              shards={"train": 1})
    assert sorted(n for n in os.listdir(output) if n.endswith(".tfrecord")) == metadata["splits"]["train"]["shards"]
    assert len(metadata["splits"]["train"]["shards"]) == 1
    assert sorted(json.loads(line)["path"].rsplit("/", 1)[1] for line in open(output / "rejected-train.jsonl")) \
        == ["caf\\xe9.png", "dangling.png"]
    (output / "notes.md").write_text("mine")
    with pytest.raises(FileExistsError, match="notes.md.*--overwrite"):
        preprocess.run(ImageFolderSource(str(messy_image_folder), image_size=8), str(output))
    assert (output / "notes.md").exists()
    preprocess.run(ImageFolderSource(str(messy_image_folder), image_size=8), str(output), overwrite=True)
    assert not (output / "notes.md").exists()


def test_a_killed_preprocess_leaves_nothing_the_next_run_keeps(messy_image_folder, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    killed = tmp_path / f"out.tmp-{dead}-abc" / "beam-temp-train-0123"
    killed.mkdir(parents=True)
    (killed / "part").write_bytes(b"half a shard")
    live = tmp_path / f"out.tmp-{os.getpid()}-def"  # a run still writing: never touched
    live.mkdir()
    preprocess.run(ImageFolderSource(str(messy_image_folder), image_size=8), str(tmp_path / "out"))
    assert sorted(os.listdir(tmp_path)) == [".out.lock", "images", "out", live.name]  # the lock file stays (gan_tf.files.folder_lock)
    assert not [n for n in os.listdir(tmp_path / "out") if n.startswith("beam-temp")]


def test_dask_workers_killed_in_a_row_end_in_one_line_naming_what_was_kept(messy_image_folder, tmp_path,
                                                                           monkeypatch, capsys):
    """Dask's KilledWorker (every worker that ran one task died) was a 29-line traceback."""
    import types

    import apache_beam as beam

    from gan_tf import cli
    from tests.extras import require_dask

    require_dask()
    from distributed.scheduler import KilledWorker

    def run(pipeline, *args, **kwargs):
        raise KilledWorker(("map-partitions-3f2a", 5), types.SimpleNamespace(address="tcp://127.0.0.1:40123"), 7)
    monkeypatch.setattr(beam.Pipeline, "run", run)
    output = tmp_path / "out"
    output.mkdir()
    (output / "metadata.json").write_text('{"name": "the previous data set"}')
    assert cli.main(["preprocess", "image_folder", "--source", str(messy_image_folder), "--output", str(output),
                     "--image-size", "8", "--runner", "DaskRunner"]) == 1
    assert capsys.readouterr().err == (
        f"gan-tf preprocess: error: {output}: preprocessing {messy_image_folder.name} stopped: 8 dask workers in a "
        "row died "
        "running one of its tasks (the last: tcp://127.0.0.1:40123); nothing kept of this run (its temporary "
        "folder was removed); the folder is as it was; the workers' logs say why (often memory: a smaller "
        "--dask_partition_size holds less per task) (--debug shows the traceback)\n")
    assert os.listdir(output) == ["metadata.json"] and "previous" in (output / "metadata.json").read_text()
    assert not [name for name in os.listdir(tmp_path) if ".tmp-" in name]


def test_idx_file_longer_than_its_header_or_of_the_wrong_kind_fails_naming_it(small_idx_dir, tmp_path):
    source_dir = tmp_path / "source"
    shutil.copytree(small_idx_dir, source_dir)
    images = source_dir / "t10k-images-idx3-ubyte.gz"
    data = gzip.open(images).read()
    with gzip.open(images, "wb") as handle:  # header says 128 records; 129 follow
        handle.write(data + data[16:16 + 28 * 28])
    with pytest.raises(Exception, match="t10k-images-idx3-ubyte.gz: holds more data than the 128 records"):
        preprocess.run(idx_source("fashion_mnist", str(source_dir)), str(tmp_path / "out"))
    labels = str(source_dir / "train-labels-idx1-ubyte.gz")
    with pytest.raises(CorruptSourceError, match="train-labels-idx1-ubyte.gz: is an idx1 label file, "
                       "expected an idx3 image file"):
        IdxSource("fashion_mnist", list("0123456789"), {"train": (labels, labels)})


@pytest.fixture
def looping_image_folder(tmp_path):
    """cats/ and dogs/ with every way a link can lead a walk in circles or to an image twice:
    `ln -s . cats/loop`, `ln -s .. dogs/up`, a link to the folder holding the source, a link
    back to cats/, a file linked twice, and two links to one folder outside the source."""
    root = tmp_path / "looping"
    rng = np.random.default_rng(2)
    for path in ("cats/a.png", "cats/b.png", "cats/c.png", "dogs/a.png", "dogs/b.png", "outside/x.png"):
        save(Image.fromarray(rng.integers(0, 255, (12, 12, 3), np.uint8)), tmp_path / ("looping/" + path
                                                                                   if "outside" not in path else path))
    links = {"cats/loop": ".", "dogs/up": "..", "dogs/holder": "../..", "dogs/cats": "../cats",
             "dogs/same.png": "../cats/a.png", "extra": "../outside", "extra2": str(tmp_path / "outside")}
    for link, target in links.items():
        os.symlink(target, root / link)
    return root


def walk_within(seconds, function, *args):
    """`function(*args)`, failed if it has not returned after `seconds` (a walk in circles)."""
    import threading

    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert result, f"{function.__name__} still running after {seconds} s"
    return result[0]


def test_symlink_loops_and_links_back_inside_are_ignored_and_no_image_is_read_twice(looping_image_folder):
    source = walk_within(10, ImageFolderSource, str(looping_image_folder), 8, 3)
    inputs = sorted(os.path.relpath(path, looping_image_folder) for path, _ in source.items["train"])
    assert inputs == ["cats/a.png", "cats/b.png", "cats/c.png", "dogs/a.png", "dogs/b.png", "extra/x.png"]
    assert source.class_names == ["cats", "dogs", "extra"]
    ignored = {entry["path"]: entry["reason"] for entry in source.ignored}
    assert sorted(ignored) == ["cats/loop/", "dogs/cats/", "dogs/holder/", "dogs/same.png", "dogs/up/", "extra2/"]
    assert ignored["cats/loop/"].startswith("symlink loop") and ignored["dogs/holder/"].startswith("symlink loop")
    assert ignored["dogs/cats/"] == "symlink back inside the source, to cats/ (read there, not twice)"
    assert ignored["dogs/same.png"] == "same file as cats/a.png (not read twice)"
    assert ignored["extra2/"] == "symlink to a folder already read as extra/ (not read twice)"


def test_two_parent_links_end_the_walk_in_an_image_folder(tmp_path):
    """Two `ln -s ..` loops made the old walk branch forever."""
    root = tmp_path / "two_loops"
    save(Image.fromarray(np.zeros((8, 8), np.uint8)), root / "cats" / "one.png")
    save(Image.fromarray(np.zeros((8, 8), np.uint8)), root / "dogs" / "two.png")
    os.symlink("..", root / "cats" / "up")
    os.symlink("..", root / "dogs" / "up")
    source = walk_within(10, ImageFolderSource, str(root), 8, 1)
    assert len(source.items["train"]) == 2 and source.class_names == ["cats", "dogs"]
    assert sorted(entry["path"] for entry in source.ignored) == ["cats/up/", "dogs/up/"]
