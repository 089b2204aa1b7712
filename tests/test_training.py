"""The one training driver: defaults resolved once, the Python entry point, step-level
TensorBoard curves, wall-clock budgets."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf import cli, registry
from gan_tf.data.reader import load_metadata
from gan_tf.training.driver import train
from gan_tf.viz import animation
from tests.test_animation import gif_frames

TINY = {"generator_filters": 8, "discriminator_filters": (8, 8, 8, 8), "latent_dim": 16}
TINY_FLAGS = ["--generator-filters", "8", "--discriminator-filters", "8,8,8,8", "--latent-dim", "16"]


def scalar_steps(log_dir, tag):
    """The steps at which `tag` was written under `log_dir`."""
    steps = []
    for path in glob.glob(os.path.join(log_dir, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            steps += [event.step for value in event.summary.value if value.tag == tag]
    return sorted(steps)


def test_readme_command_without_batch_size_trains(small_data_dir, tmp_path):
    """The family's default batch (128) is resolved before anything reads it."""
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", "fashion_gan", "--data", small_data_dir, "--run-dir", run_dir,
                     "--epochs", "1", "--limit", "256", "--log-every", "1", *TINY_FLAGS]) == 0
    assert os.path.isfile(os.path.join(run_dir, "model.keras"))
    # 256 records / default batch 128 = 2 steps, each a point of the loss curves.
    assert scalar_steps(os.path.join(run_dir, "logs", "steps"), "d_loss") == [1, 2]
    assert scalar_steps(os.path.join(run_dir, "logs", "diagnostics"), "diversity") == [1, 2, 2]


def test_python_entry_point_resumes_and_counts_steps_on(small_data_dir, tmp_path):
    from gan_tf import train

    run = train("fashion_gan", small_data_dir, run_dir=str(tmp_path), epochs=1, batch_size=32,
                limit=64, verbose=0, **TINY)
    assert run.batch_size == 32 and run.first_epoch == 0 and run.clock.step == 2
    assert np.isfinite(run.history["g_loss"]).all()
    assert len(gif_frames(str(tmp_path / "progress.gif"))[0]) == 1
    again = train("fashion_gan", small_data_dir, run_dir=str(tmp_path), epochs=2, batch_size=32,
                  limit=64, verbose=0, **TINY)
    assert again.first_epoch == 1 and again.clock.step == 4  # steps go on counting after a resume
    # The resumed run's animation: epochs 1 and 2, once each, as saved.
    frames, _ = gif_frames(str(tmp_path / "progress.gif"))
    assert len(frames) == 2
    for epoch, frame in enumerate(frames, 1):
        grid = np.asarray(Image.open(tmp_path / "samples" / f"epoch_{epoch:04d}.png"))
        np.testing.assert_array_equal(frame, np.asarray(animation.labelled(grid, epoch)))


def test_seconds_budget_stops_training(small_data_dir):
    from gan_tf import train

    run = train("vae", small_data_dir, epochs=100, batch_size=32, seconds=0.001, record=False, verbose=0)
    assert run.clock.step == 1  # stopped at the end of the first step
    assert run.run_dir is None


def test_a_budget_stopped_epoch_says_how_many_steps_it_ran(small_data_dir, tmp_path, capsys, monkeypatch):
    """Keras once drew the epoch the budget cut short as whole ("4/4") and the GIF counted it."""
    from gan_tf import train

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)  # a log file: one line per epoch
    run = train("fashion_gan", small_data_dir, run_dir=str(tmp_path), epochs=3, batch_size=32, limit=128,
                seconds=0.001, jit=False, **TINY)
    assert run.clock.step == 1
    printed = capsys.readouterr().out
    assert "1/4 - " in printed and "4/4" not in printed and "\r" not in printed
    assert "epoch 1: stopped after 1/4 steps\n" in printed
    assert f"wrote {tmp_path / 'progress.gif'}: epoch 1, 1 frame; epoch 1 stopped after 1/4 steps" in printed
    (frame,), _ = gif_frames(str(tmp_path / "progress.gif"))
    grid = np.asarray(Image.open(tmp_path / "samples" / "epoch_0001.png"))
    np.testing.assert_array_equal(frame, np.asarray(animation.labelled(grid, 1, stopped="1/4")))
    assert not np.array_equal(frame, np.asarray(animation.labelled(grid, 1)))


def test_a_terminal_gets_keras_progress_bar_inside_the_epoch(small_data_dir, capsys, monkeypatch):
    from gan_tf import train

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    train("fashion_gan", small_data_dir, epochs=1, batch_size=32, limit=128, record=False, jit=False, **TINY)
    printed = capsys.readouterr().out
    assert "\x1b[1m4/4\x1b[0m" in printed and "━" in printed  # the bar, drawn to its end
    assert "stopped after" not in printed


def test_annealing_brings_the_learning_rates_to_zero_at_the_end_of_the_budget(small_data_dir):
    from gan_tf import train
    from gan_tf.training import callbacks as cb

    annealing = cb.TimeAnnealing(100.0, 0.5, cb.TrainingClock())
    assert [annealing.scale(s) for s in (0, 50, 75, 100, 120)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    run = train("fashion_gan", small_data_dir, epochs=1000, batch_size=32, seconds=20, record=False,
                verbose=0, jit=False, anneal=1.0, g_learning_rate=1e-3, **TINY)
    rates = [float(run.model.g_optimizer.learning_rate), float(run.model.d_optimizer.learning_rate)]
    assert all(0 <= rate < 1e-3 * 0.2 for rate in rates), rates  # near the end: near zero
    assert run.clock.step > 1


@pytest.mark.parametrize("family", [name for name in registry.names() if "fast" in registry.family(name).config_class.presets()])
def test_every_fast_preset_trains_at_its_batch_through_the_driver(family, request, tmp_path):
    """Each `fast` preset's fields reach the model and one epoch at its batch has finite losses."""
    entry = registry.family(family)
    fixtures = {registry.CAPTIONS: "small_captioned_data",
                registry.IMAGES: {"pix2pix": "small_facades_data", "cyclegan": "small_horse2zebra_data"}.get(family)}
    data = request.getfixturevalue(fixtures.get(entry.draws_from) or "small_data_dir")
    preset = entry.config_class.preset_values("fast")
    run = train(family, data, preset="fast", run_dir=str(tmp_path), epochs=1, limit=128,
                jit=False, verbose=0)
    assert run.batch_size == entry.batch_size("fast")
    assert all(getattr(run.config, field) == value for field, value in preset.items() if field != "batch_size")
    splits = load_metadata(data)["splits"]  # an epoch: the largest training split, up to the limit
    assert run.clock.step == max(min(128, splits[name]["count"]) for name in ("train", "trainA", "trainB")
                                 if name in splits) // run.batch_size
    assert all(np.isfinite(values).all() for values in run.history.values())


def test_a_recorded_train_call_reads_the_data_folders_metadata_once(small_data_dir, tmp_path, monkeypatch):
    """The driver opens the folder once (`DataFolder`) and hands it to the model, the monitor,
    the fingerprint, the diagnostics and the readers."""
    from gan_tf import train
    from gan_tf.data import reader as data

    reads = []
    parse = data.parse_metadata
    monkeypatch.setattr(data, "parse_metadata", lambda *args: reads.append(args[0]) or parse(*args))
    train("fashion_gan", small_data_dir, run_dir=str(tmp_path), epochs=1, batch_size=32, limit=64,
          jit=False, verbose=0, **TINY)
    assert reads == [os.path.join(small_data_dir, "metadata.json")]
