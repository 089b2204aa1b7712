"""Every write fails cleanly on a full disk (ENOSPC), a quota (EDQUOT), a read-only mount
(EROFS) or a forbidden folder (EACCES): one line naming the path and what was kept, no
traceback, no partial file at a final name, and output folders checked before work starts.

The failures are injected (`tests.write_faults`, or a writer made to raise the OSError a full
disk gives), since a test cannot count on mounting a small or read-only file system."""

import errno
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf import cli
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.files import writes
from gan_tf.serving import export
from gan_tf.training import callbacks
from gan_tf.viz.images import save_png
from tests.write_faults import CODES, fail_writes_under, files_under

TINY_FLAGS = ["--generator-filters", "8", "--discriminator-filters", "8,8,8,8", "--latent-dim", "16"]
FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def train_args(data, run_dir, epochs=2):
    return ["train", "fashion_gan", "--data", data, "--run-dir", str(run_dir), "--epochs", str(epochs),
            "--batch-size", "32", "--limit", "64", "--no-jit", "--monitor-images", "4", "--log-every", "0",
            "--no-animate", *TINY_FLAGS]


def one_error_line(capsys, command):
    """The single line a failed command printed on stderr, without its prefix and suffix."""
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    prefix, suffix = f"gan-tf {command}: error: ", " (--debug shows the traceback)"
    assert lines[0].startswith(prefix) and lines[0].endswith(suffix), lines[0]
    return lines[0][len(prefix):-len(suffix)]


def temporary_files(folder):
    return [path for path in files_under(folder) if ".tmp-" in path]


@pytest.mark.parametrize("code", CODES)
def test_check_writable_refuses_in_one_line_naming_the_folder(tmp_path, monkeypatch, code):
    fail_writes_under(monkeypatch, tmp_path / "out", code)
    with pytest.raises(writes.WriteError) as raised:
        writes.check_writable(str(tmp_path / "out"))
    assert str(raised.value).startswith(f"{tmp_path / 'out'}: {os.strerror(code)}; nothing written")
    assert files_under(tmp_path / "out") == []


def test_a_png_on_a_full_disk_leaves_no_partial_file(tmp_path, monkeypatch):
    save_png(np.zeros((4, 4, 3), np.uint8), str(tmp_path / "kept.png"))
    fail_writes_under(monkeypatch, tmp_path, errno.ENOSPC)
    with pytest.raises(writes.WriteError, match=rf"^{tmp_path / 'new.png'}: No space left on device; "
                       "no file written there; free some space$"):
        save_png(np.zeros((4, 4, 3), np.uint8), str(tmp_path / "new.png"))
    assert files_under(tmp_path) == [str(tmp_path / "kept.png")]


def test_an_unwritable_run_folder_is_refused_before_training(small_data_dir, tmp_path, monkeypatch, capsys):
    run_dir = tmp_path / "run"
    fail_writes_under(monkeypatch, run_dir, errno.EROFS)
    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: pytest.fail("trained on an unwritable folder"))
    assert cli.main(train_args(small_data_dir, run_dir)) == 1
    line = one_error_line(capsys, "train")
    assert line.startswith(f"{run_dir}: Read-only file system; nothing written: the run folder is not writable")


def test_a_checkpoint_on_a_full_disk_keeps_the_last_one_in_one_line(small_data_dir, tmp_path, monkeypatch, capsys):
    """The second epoch's state fails half-written: the first stays current, nothing partial."""
    run_dir = tmp_path / "run"
    original = callbacks.EpochCheckpoint._stage

    def stage(self, staging, epoch):
        original(self, staging, epoch)
        if epoch == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(staging, self.WEIGHTS))
    monkeypatch.setattr(callbacks.EpochCheckpoint, "_stage", stage)
    assert cli.main(train_args(small_data_dir, run_dir)) == 1
    backup = run_dir / "backup"
    assert one_error_line(capsys, "train") == (
        f"{backup}: No space left on device; epoch 2 not saved; the checkpoint after epoch 1 "
        f"({backup / 'current'}) was kept; free some space")
    assert json.load(open(backup / "current" / "state.json"))["epoch"] == 1
    assert not temporary_files(run_dir) and not (run_dir / "model.keras").exists()


def test_a_checkpoint_is_refused_before_writing_when_the_disk_has_no_room(small_data_dir, tmp_path, monkeypatch,
                                                                         capsys):
    """h5py crashed (rc 139) on a full disk: the room is checked before it writes."""
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 1000))
    monkeypatch.setattr(keras.Model, "save_weights", lambda *a, **k: pytest.fail("h5py called on a full disk"))
    run_dir = tmp_path / "run"
    assert cli.main(train_args(small_data_dir, run_dir, epochs=1)) == 1
    line = one_error_line(capsys, "train")
    assert line.startswith(f"{run_dir / 'backup'}: No space left on device (1,000 bytes free, ")
    assert line.endswith("needed); epoch 1 not saved; no checkpoint was kept (the next run starts over); "
                         "free some space")
    assert not temporary_files(run_dir)


def test_the_final_save_on_a_full_disk_names_the_kept_checkpoint(small_data_dir, tmp_path, monkeypatch, capsys):
    run_dir = tmp_path / "run"

    def save(model, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PK half a zip")
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), path)
    monkeypatch.setattr(keras.Model, "save", save)
    assert cli.main(train_args(small_data_dir, run_dir, epochs=1)) == 1
    assert one_error_line(capsys, "train") == (
        f"{run_dir / 'model.keras'}: Disk quota exceeded; the checkpoint after epoch 1 "
        f"({run_dir / 'backup' / 'current'}) was kept; run the same command again to write model.keras "
        "from it once there is room; free some space (quota)")
    assert not (run_dir / "model.keras").exists() and not temporary_files(run_dir)


@pytest.fixture(scope="module")
def tiny_model():
    keras.utils.set_random_seed(0)
    return FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16))


def test_an_unwritable_export_folder_is_refused_before_tracing(tiny_model, tmp_path, monkeypatch):
    fail_writes_under(monkeypatch, tmp_path, errno.EACCES)
    monkeypatch.setattr(export, "endpoints", lambda *a: pytest.fail("traced before the folder was checked"))
    with pytest.raises(writes.WriteError, match=rf"^{tmp_path / 'fashion_gan'}: Permission denied; nothing written"):
        export.export(tiny_model, str(tmp_path), "fashion_gan")


def test_an_export_on_a_full_disk_keeps_the_old_versions_and_no_temporary_folder(tiny_model, tmp_path, monkeypatch):
    def write_warmup_requests(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "assets.extra/tf_serving_warmup_requests")
    monkeypatch.setattr(export, "write_warmup_requests", write_warmup_requests)
    model_dir = tmp_path / "fashion_gan"
    model_dir.mkdir()
    (model_dir / "3").mkdir()
    with pytest.raises(writes.WriteError) as raised:
        export.export(tiny_model, str(tmp_path), "fashion_gan")
    assert str(raised.value) == (f"{model_dir}: No space left on device; nothing exported (its temporary folder "
                                 "was removed); the versions already there are kept: [3]; free some space")
    assert sorted(os.listdir(model_dir)) == ["3"]


def test_sample_checks_its_output_folder_before_drawing(tmp_path, monkeypatch, capsys):
    fail_writes_under(monkeypatch, tmp_path / "grids", errno.EROFS)
    output = tmp_path / "grids" / "samples.png"
    assert cli.main(["sample", "--model", str(tmp_path / "no-export"), "--output", str(output)]) == 1
    assert one_error_line(capsys, "sample").startswith(f"{tmp_path / 'grids'}: Read-only file system; nothing "
                                                       "written: the folder of --output is not writable")


def small_image_folder(root):
    for index, name in enumerate(("cats/a.png", "dogs/b.png")):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((8, 8, 3), index * 100, np.uint8)).save(path)
    return str(root)


def preprocess_args(source, output):
    return ["preprocess", "image_folder", "--source", source, "--output", str(output), "--image-size", "8",
            "--train-shards", "1"]


def test_preprocess_on_an_unwritable_folder_is_refused_before_beam_runs(tmp_path, monkeypatch, capsys):
    source = small_image_folder(tmp_path / "images")
    fail_writes_under(monkeypatch, tmp_path / "out", errno.EROFS)
    assert cli.main(preprocess_args(source, tmp_path / "out" / "data")) == 1
    assert one_error_line(capsys, "preprocess").startswith(
        f"{tmp_path / 'out'}: Read-only file system; nothing written: the folder of --output is not writable")


def test_preprocess_on_a_full_disk_names_the_output_and_keeps_the_old_data_set(tmp_path, monkeypatch, capsys):
    from apache_beam.io.localfilesystem import LocalFileSystem

    source, output = small_image_folder(tmp_path / "images"), tmp_path / "data"
    assert cli.main(preprocess_args(source, output)) == 0
    before = (output / "metadata.json").read_bytes()
    capsys.readouterr()

    def create(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(LocalFileSystem, "create", create)
    assert cli.main(preprocess_args(source, output)) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == (f"gan-tf preprocess: error: {output}: No space left on device; nothing kept of this run "
                         "(its temporary folder was removed); the folder is as it was; free some space "
                         "(--debug shows the traceback)")
    assert (output / "metadata.json").read_bytes() == before
    assert [name for name in os.listdir(tmp_path) if ".tmp-" in name] == []


@pytest.mark.parametrize("code", CODES)
def test_a_json_write_keeps_the_file_already_there(tmp_path, monkeypatch, code):
    path = tmp_path / "config.json"
    writes.write_json(str(path), {"epoch": 1})
    fail_writes_under(monkeypatch, tmp_path, code)
    with pytest.raises(writes.WriteError, match=rf"^{path}: {os.strerror(code)}; the file already there is as it was; "):
        writes.write_json(str(path), {"epoch": 2})
    assert json.loads(path.read_text()) == {"epoch": 1} and files_under(tmp_path) == [str(path)]


def test_an_unwritable_jit_cache_costs_a_warning_not_the_run(tmp_path, monkeypatch, capsys):
    from gan_tf.training import jit_choice

    fail_writes_under(monkeypatch, tmp_path, errno.EROFS)
    jit_choice.remember(str(tmp_path / "jit.json"), {"key": {"jit": True}})
    assert capsys.readouterr().err == (f"WARNING: {tmp_path / 'jit.json'}: Read-only file system; the choice is not "
                                       "remembered (the next run measures again); choose a folder on a writable "
                                       "file system\n")
    assert files_under(tmp_path) == []


def serving_args(base, output):
    return ["serving-config", "--base", str(base), "--output", str(output)]


def test_serving_config_checks_its_folder_and_keeps_the_old_file_on_a_full_disk(tmp_path, monkeypatch, capsys):
    (tmp_path / "saved_models" / "fashion_gan" / "1").mkdir(parents=True)
    config = tmp_path / "serving" / "models.config"
    with monkeypatch.context() as patched:
        fail_writes_under(patched, tmp_path / "serving", errno.EROFS)
        assert cli.main(serving_args(tmp_path / "saved_models", config)) == 1
    assert one_error_line(capsys, "serving-config").startswith(
        f"{tmp_path / 'serving'}: Read-only file system; nothing written: the folder of --output is not writable")
    config.write_text("the old config")
    fail_writes_under(monkeypatch, tmp_path / "serving", errno.ENOSPC, spare=1)  # the probe passes
    assert cli.main(serving_args(tmp_path / "saved_models", config)) == 1
    assert one_error_line(capsys, "serving-config") == (
        f"{config}: No space left on device; the file already there is as it was; free some space")
    assert files_under(tmp_path / "serving") == [str(config)] and config.read_text() == "the old config"


def classifier_args(data, output):
    return ["train-classifier", "--data", data, "--output", str(output), "--epochs", "1"]


def test_train_classifier_checks_its_folder_before_training(small_data_dir, tmp_path, monkeypatch, capsys):
    from gan_tf.metrics import classifier

    fail_writes_under(monkeypatch, tmp_path / "classifiers", errno.EACCES)
    monkeypatch.setattr(classifier, "train_domain_classifier", lambda *a, **k: pytest.fail("trained first"))
    assert cli.main(classifier_args(small_data_dir, tmp_path / "classifiers" / "c.keras")) == 1
    assert one_error_line(capsys, "train-classifier").startswith(
        f"{tmp_path / 'classifiers'}: Permission denied; nothing written: the folder of --output is not writable")


def test_train_classifiers_final_save_on_a_full_disk_leaves_no_partial_file(small_data_dir, tmp_path, monkeypatch,
                                                                           capsys):
    from gan_tf.metrics import classifier

    def save(model, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PK half a zip")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
    monkeypatch.setattr(keras.Model, "save", save)
    tiny = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    monkeypatch.setattr(classifier, "train_domain_classifier", lambda *a, **k: (tiny, 0.5))
    output = tmp_path / "c.keras"
    assert cli.main(classifier_args(small_data_dir, output)) == 1
    assert one_error_line(capsys, "train-classifier") == (
        f"{output}: No space left on device; the classifier (test accuracy 0.5000) was not saved and a file "
        "already there is as it was; train it again once there is room; free some space")
    assert files_under(tmp_path) == []


def test_a_run_folder_with_an_unwritable_log_folder_is_refused_before_training(small_data_dir, tmp_path,
                                                                              monkeypatch, capsys):
    run_dir = tmp_path / "run"
    fail_writes_under(monkeypatch, run_dir / "logs", errno.EROFS)
    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: pytest.fail("trained with an unwritable log folder"))
    assert cli.main(train_args(small_data_dir, run_dir)) == 1
    assert one_error_line(capsys, "train").startswith(
        f"{run_dir / 'logs'}: Read-only file system; nothing written: the TensorBoard log folder is not writable")


def test_tensorboard_logs_on_a_full_disk_stop_training_naming_the_kept_checkpoint(small_data_dir, tmp_path,
                                                                                  monkeypatch, capsys):
    """TensorBoard's writers fail in their flush, as TensorFlow's do on a full disk, once the
    first checkpoint is written (the disk fills up)."""
    from tensorflow.python.ops import summary_ops_v2

    run_dir = tmp_path / "run"
    real_flush = summary_ops_v2._ResourceSummaryWriter.flush

    def flush(writer):
        if not (run_dir / "backup" / "current").exists():
            return real_flush(writer)
        raise tf.errors.ResourceExhaustedError(None, None, f"{run_dir}/logs/images/events.out.tfevents.1.vm.1.0.v2; "
                                               "No space left on device\n\tFailed to flush 2 events")
    monkeypatch.setattr(summary_ops_v2._ResourceSummaryWriter, "flush", flush)
    assert cli.main(train_args(small_data_dir, run_dir, epochs=2)) == 1
    backup = run_dir / "backup" / "current"
    assert one_error_line(capsys, "train") == (
        f"{run_dir / 'logs'}: No space left on device; training stopped; the checkpoint after epoch 1 ({backup}) "
        "was kept; run the same command again once there is room; free some space")
    assert json.load(open(backup / "state.json"))["epoch"] == 1 and not (run_dir / "model.keras").exists()


def test_a_sample_grid_on_a_full_disk_stops_training_naming_the_kept_checkpoint(small_data_dir, tmp_path,
                                                                                monkeypatch, capsys):
    run_dir = tmp_path / "run"
    fail_writes_under(monkeypatch, run_dir / "samples", errno.ENOSPC, spare=2)  # the probe and epoch 1's grid
    assert cli.main(train_args(small_data_dir, run_dir, epochs=3)) == 1
    grid, backup = run_dir / "samples" / "epoch_0002.png", run_dir / "backup" / "current"
    assert one_error_line(capsys, "train") == (
        f"{grid}: No space left on device; training stopped; the checkpoint after epoch 2 ({backup}) was kept; "
        "run the same command again once there is room; free some space")
    assert files_under(run_dir / "samples") == [str(run_dir / "samples" / "epoch_0001.png")]


def test_a_progress_gif_on_a_full_disk_is_a_warning_after_the_model_is_saved(small_data_dir, tmp_path, monkeypatch,
                                                                             capsys):
    from gan_tf.training import driver as training

    run_dir = tmp_path / "run"
    (run_dir / "progress.gif").parent.mkdir()
    (run_dir / "progress.gif").write_bytes(b"GIF89a of an earlier run")
    real_animate = training.animation.animate

    def animate(*args, **kwargs):  # the disk fills just before the GIF
        fail_writes_under(monkeypatch, run_dir, errno.ENOSPC)
        return real_animate(*args, **kwargs)
    monkeypatch.setattr(training.animation, "animate", animate)
    args = [arg for arg in train_args(small_data_dir, run_dir, epochs=1) if arg != "--no-animate"]
    assert cli.main(args) == 0
    assert capsys.readouterr().err == (
        f"WARNING: {run_dir / 'progress.gif'}: No space left on device; model.keras and the checkpoints are saved; "
        "gan-tf animate writes it once there is room; free some space\n")
    assert (run_dir / "model.keras").exists() and (run_dir / "progress.gif").read_bytes() == b"GIF89a of an earlier run"
    assert not temporary_files(run_dir)
