"""Training survives faults: SIGKILL mid-run then resume equals an uninterrupted run; NaN stops
training with a clear message and keeps the last good checkpoint."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.callbacks import EpochCheckpoint, NonFiniteLossError, StopOnNonFiniteLoss
from gan_tf.config import FashionGANConfig
from gan_tf.data import make_dataset
from gan_tf.models.fashion_gan import FashionGAN

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
    with pytest.raises(NonFiniteLossError, match="d_loss became nan at batch 1.*last completed epoch"):
        model.fit(clean, epochs=3, verbose=0, callbacks=[
            StopOnNonFiniteLoss(), EpochCheckpoint(backup), PoisonAfterFirstEpoch()])
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
