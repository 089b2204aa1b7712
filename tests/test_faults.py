"""Training survives faults: SIGKILL mid-run then resume equals an uninterrupted run; NaN stops
training with a clear message and keeps the last good checkpoint; a run folder is only resumed
under matching settings; saves are atomic and leftovers of killed runs are cleaned."""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import cli
from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.training import driver as training, run_state
from gan_tf.training.callbacks import EpochCheckpoint, NonFiniteLossError, NonFiniteStateError, StopOnNonFiniteLoss

TINY = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16)
TINY_FLAGS = ["--generator-filters", "8", "--discriminator-filters", "8,8,8,8", "--latent-dim", "16"]


def train_command(data, run_dir):
    return [sys.executable, "-m", "gan_tf.cli", "train", "fashion_gan", "--data", data, "--run-dir", run_dir,
            "--epochs", "4", "--batch-size", "32", "--limit", "128", "--monitor-images", "4",
            "--deterministic", *TINY_FLAGS]


def final_weights(run_dir):
    model = keras.models.load_model(os.path.join(run_dir, "model.keras"))
    return [w.numpy() for w in model.weights]


def test_sigkill_then_same_command_matches_an_uninterrupted_run(small_data_dir, tmp_path):
    env = {**os.environ, "CI": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    reference = str(tmp_path / "reference")
    subprocess.run(train_command(small_data_dir, reference), check=True, env=env, capture_output=True)

    interrupted = str(tmp_path / "interrupted")
    process = subprocess.Popen(train_command(small_data_dir, interrupted), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metadata = os.path.join(interrupted, "backup", "current", "state.json")
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        try:
            if json.load(open(metadata))["epoch"] >= 2:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    assert process.poll() is None, "training finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not os.path.exists(os.path.join(interrupted, "model.keras"))

    resumed = subprocess.run(train_command(small_data_dir, interrupted), check=True, env=env,
                             capture_output=True, text=True)
    assert "resuming" in resumed.stdout
    again = subprocess.run(train_command(small_data_dir, interrupted), check=True, env=env,
                           capture_output=True, text=True)
    assert "resuming" in again.stdout and "after epoch 4" in again.stdout  # finished: no retraining
    difference = max(float(np.max(np.abs(a - b))) for a, b in
                     zip(final_weights(reference), final_weights(interrupted)))
    print(f"max abs weight difference after kill and resume: {difference:.3g}")
    assert difference < 1e-5


def test_nan_stops_training_with_a_message_and_keeps_the_last_good_checkpoint(small_data_dir, tmp_path):
    backup = str(tmp_path / "backup")
    clean = make_dataset(small_data_dir, batch_size=32, limit=64)

    class PoisonAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            saved.append([w.numpy() for w in self.model.weights])
            for w in self.model.discriminator.trainable_weights[:1]:
                w.assign(tf.fill(w.shape, np.nan))

    saved = []
    model = FashionGAN(TINY)
    model.compile()
    checkpoint = EpochCheckpoint(backup)
    with pytest.raises(NonFiniteLossError, match="d_loss became nan at batch 1.*checkpoint after epoch 1"):
        model.fit(clean, epochs=3, verbose=0, callbacks=[
            StopOnNonFiniteLoss(checkpoint), checkpoint, PoisonAfterFirstEpoch()])
    restored = FashionGAN(TINY)
    restored.compile()
    assert EpochCheckpoint(backup).restore(restored) == 1
    for good, value in zip(saved[0], restored.weights):
        np.testing.assert_array_equal(value.numpy(), good)


def test_checkpoint_survives_a_kill_between_its_renames(small_data_dir, tmp_path):
    model = FashionGAN(TINY)
    model.compile()
    checkpoint = EpochCheckpoint(str(tmp_path))
    model.fit(make_dataset(small_data_dir, batch_size=32, limit=32), epochs=2, verbose=0, callbacks=[checkpoint])
    # A kill after `current` became `previous` but before the new state was renamed in:
    os.rename(tmp_path / "current", tmp_path / ".tmp-dead")
    assert checkpoint.restore(FashionGAN(TINY)) == 1
    (tmp_path / "previous" / "state.json").write_text("{trunc")
    assert checkpoint.restore(FashionGAN(TINY)) == 0


TINY_SETTINGS = {"generator_filters": 8, "discriminator_filters": (8, 8, 8, 8), "latent_dim": 16}


def tiny_train(data, run_dir, epochs=1, **settings):
    return training.train("fashion_gan", data, run_dir=str(run_dir), epochs=epochs, batch_size=32,
                          limit=64, monitor_images=4, jit=False, log_every=0, verbose=0,
                          **{**TINY_SETTINGS, **settings})


def test_a_state_with_nan_weights_or_slots_is_never_published(small_data_dir, tmp_path):
    """Finite losses, but a generator bias or an optimizer slot overflowed at the epoch's end."""
    backup = str(tmp_path / "backup")
    clean = make_dataset(small_data_dir, batch_size=32, limit=64)

    class PoisonAtSecondEpochEnd(keras.callbacks.Callback):  # listed before the checkpoint
        def __init__(self, variable):
            super().__init__()
            self.variable = variable

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                w = self.variable(self.model)
                w.assign(tf.fill(w.shape, np.inf))

    for variable in (lambda m: m.generator.trainable_weights[-1], lambda m: m.g_optimizer.variables[-1]):
        model = FashionGAN(TINY)
        model.compile()
        checkpoint = EpochCheckpoint(backup)
        with pytest.raises(NonFiniteStateError, match="after epoch 2.*checkpoint after epoch 1.*was kept"):
            model.fit(clean, epochs=3, verbose=0, callbacks=[PoisonAtSecondEpochEnd(variable), checkpoint])
        assert json.load(open(os.path.join(backup, "current", "state.json")))["epoch"] == 1
        assert not [n for n in os.listdir(backup) if n.startswith(".tmp-")]
        os.rename(backup, str(tmp_path / f"kept-{len(os.listdir(tmp_path))}"))


def test_a_checkpoint_of_other_settings_is_refused_and_nothing_is_overwritten(small_data_dir, tmp_path):
    run_dir = tmp_path / "run"
    tiny_train(small_data_dir, run_dir)
    before = {name: (run_dir / name).read_bytes() for name in ("model.keras", "backup/current/model.weights.h5")}
    with pytest.raises(run_state.SettingsMismatchError,
                       match=r"generator_filters 8 -> 16.*latent_dim 16 -> 8.*--fresh.*--run-dir"):
        tiny_train(small_data_dir, run_dir, epochs=2, generator_filters=16, latent_dim=8)
    assert before == {name: (run_dir / name).read_bytes() for name in before}
    assert tiny_train(small_data_dir, run_dir, epochs=1, generator_filters=16, fresh=True).first_epoch == 0


def test_resume_applies_new_optimizer_settings_prints_and_records_them(small_data_dir, tmp_path, capsys):
    run_dir = tmp_path / "run"
    tiny_train(small_data_dir, run_dir, g_learning_rate=1e-4)
    run = tiny_train(small_data_dir, run_dir, epochs=2, g_learning_rate=1e-3, beta_1=0.5)
    assert run.first_epoch == 1
    assert float(run.model.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(run.model.d_optimizer.learning_rate) == pytest.approx(1e-5)
    assert run.model.g_optimizer.beta_1 == 0.5
    out = capsys.readouterr().out
    assert "changed optimizer settings: beta_1 0.9 -> 0.5, g_learning_rate 0.0001 -> 0.001" in out
    recorded = json.load(open(run_dir / "config.json"))
    assert recorded["config"]["g_learning_rate"] == 1e-3
    assert recorded["changes"] == [{"after_epoch": 1, "changed": {"beta_1": [0.9, 0.5],
                                                                  "g_learning_rate": [1e-4, 1e-3]}}]


def test_final_save_is_atomic_and_a_cut_keras_file_is_named_corrupt(small_data_dir, tmp_path, monkeypatch, capsys):
    run_dir = tmp_path / "run"

    def killed_mid_write(model, path, *args, **kwargs):
        open(path, "wb").write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(keras.Model, "save", killed_mid_write)
        with pytest.raises(KeyboardInterrupt):
            tiny_train(small_data_dir, run_dir)
    assert not (run_dir / "model.keras").exists() and not list(run_dir.glob(".tmp-*"))

    tiny_train(small_data_dir, run_dir)  # resumes the finished run and saves
    path = run_dir / "model.keras"
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    assert cli.main(["export", str(run_dir), "--output", str(tmp_path / "saved")]) == 1
    err = capsys.readouterr().err
    assert "corrupt or incomplete" in err and str(path) in err and "Traceback" not in err
    path.write_bytes(flip_a_byte_inside_the_largest_member(whole))
    assert cli.main(["export", str(run_dir), "--output", str(tmp_path / "saved")]) == 1
    assert "corrupt or incomplete" in capsys.readouterr().err


def flip_a_byte_inside_the_largest_member(zipped):
    """The zip bytes with one byte of its largest member's data changed (a bad CRC)."""
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)
    flipped = bytearray(zipped)
    flipped[info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2] ^= 0xFF
    return bytes(flipped)


def dead_pid():
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)
    return int(process.stdout)


def test_leftovers_of_killed_runs_are_cleaned_and_live_ones_kept(small_data_dir, tmp_path):
    run_dir = tmp_path / "run"
    saved = tmp_path / "saved"
    dead, live = dead_pid(), os.getpid()
    leftovers = [run_dir / "backup" / f".tmp-{dead}-abc", run_dir / f".tmp-{dead}-abc.keras",
                 saved / "fashion_gan" / f".tmp-{dead}-abc"]
    kept = [run_dir / "backup" / f".tmp-{live}-abc", saved / "fashion_gan" / f".tmp-{live}-abc"]
    for path in leftovers + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir() if not path.suffix else path.write_bytes(b"half")
    old = run_dir / "backup" / ".tmp-0123456789abcdef"  # an older version's name: by age
    old.mkdir()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    tiny_train(small_data_dir, run_dir)
    assert cli.main(["export", str(run_dir), "--output", str(saved)]) == 0
    assert [p for p in leftovers + [old] if p.exists()] == []
    assert all(p.exists() for p in kept)


def test_data_of_another_shape_than_the_default_is_said_in_one_line(capsys):
    _, config = training.resolve_config("fashion_gan", {"image_shape": [64, 64, 3]})
    assert config.image_shape == (64, 64, 3)
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["note: the data sets fashion_gan's image_shape (64, 64, 3) (default (28, 28, 1)); "
                   "the networks are built for it"]
    training.resolve_config("fashion_gan", {"image_shape": [28, 28, 1]})
    assert capsys.readouterr().out == ""


def hold_lock(lock_path):
    """A live process holding `lock_path` (gan_tf.files.folder_lock), until it is killed."""
    code = ("import sys, time; from gan_tf.files.folder_lock import held\n"
            "with held(sys.argv[1], 'x'):\n    print('held', flush=True); time.sleep(600)")
    process = subprocess.Popen([sys.executable, "-c", code, str(lock_path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_busy_run_folder_is_refused_naming_its_process_and_a_dead_ones_lock_taken_over(
        small_data_dir, tmp_path, capsys):
    run_dir = tmp_path / "run"
    holder = hold_lock(run_dir / training.LOCK_FILE)
    try:
        args = ["train", "fashion_gan", "--data", small_data_dir, "--run-dir", str(run_dir),
                "--epochs", "1", "--limit", "64", "--batch-size", "32", "--no-jit", *TINY_FLAGS]
        assert cli.main(args) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"gan-tf train: error: run folder {run_dir} is in use by process {holder.pid}")
        assert len(err.splitlines()) == 1 and sorted(os.listdir(run_dir)) == [training.LOCK_FILE]
    finally:
        holder.kill()
        holder.wait()
    assert tiny_train(small_data_dir, run_dir).first_epoch == 0  # the dead holder's lock is taken over
    assert (run_dir / "model.keras").exists()


def test_a_busy_preprocessing_output_is_refused(tmp_path):
    from gan_tf.files.folder_lock import FolderBusyError
    from gan_tf.pipeline import preprocess

    holder = hold_lock(tmp_path / ".data.lock")
    try:
        with pytest.raises(FolderBusyError, match=f"in use by process {holder.pid}"):
            preprocess.run(None, str(tmp_path / "data"))
        assert not (tmp_path / "data").exists()
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_says_in_one_line_which_epoch_is_kept_and_how_to_resume(small_data_dir, tmp_path, signum):
    run_dir = str(tmp_path / "run")
    command = [*train_command(small_data_dir, run_dir), "--no-jit"]
    command[command.index("--epochs") + 1] = "500"
    process = subprocess.Popen(command, env={**os.environ, "CI": "1", "TF_CPP_MIN_LOG_LEVEL": "2"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state = os.path.join(run_dir, "backup", "current", "state.json")
    deadline = time.time() + 120
    while time.time() < deadline and not os.path.exists(state):
        time.sleep(0.05)
    process.send_signal(signum)
    err = process.communicate(timeout=60)[1].strip().splitlines()
    epoch = json.load(open(state))["epoch"]
    assert process.returncode == 128 + signum
    assert err[-1] == (f"gan-tf train: stopped by {signal.Signals(signum).name}; the checkpoint after "
                       f"epoch {epoch} ({os.path.join(run_dir, 'backup', 'current')}) was kept: run the "
                       "same command again to resume")
    assert "Traceback" not in "\n".join(err)


def test_resuming_on_other_data_is_refused_naming_the_difference(small_data_dir, tmp_path, capsys):
    from gan_tf.data.fingerprint import DataChangedError

    data = tmp_path / "data"
    shutil.copytree(small_data_dir, data)
    run_dir = tmp_path / "run"
    tiny_train(str(data), run_dir)
    before = {name: (run_dir / name).read_bytes() for name in ("model.keras", "config.json", "data.json")}
    settings = dict(run_dir=str(run_dir), epochs=2, batch_size=32, monitor_images=4, jit=False,
                    log_every=0, verbose=0, **TINY_SETTINGS)
    with pytest.raises(DataChangedError, match=r"trained on other data \(--limit 64 -> 96\).*--fresh.*--allow-data-change"):
        training.train("fashion_gan", str(data), limit=96, **settings)
    metadata = json.load(open(data / "metadata.json"))
    (data / "metadata.json").write_text(json.dumps(metadata))  # another data set's metadata
    with pytest.raises(DataChangedError, match="metadata.json checksum"):
        training.train("fashion_gan", str(data), limit=64, **settings)
    assert before == {name: (run_dir / name).read_bytes() for name in before}
    capsys.readouterr()
    assert training.train("fashion_gan", str(data), limit=96, allow_data_change=True, **settings).first_epoch == 1
    assert "resuming on changed data: --limit 64 -> 96" in capsys.readouterr().out
    assert json.load(open(run_dir / "data.json"))["limit"] == 96
