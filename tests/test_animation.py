"""`gan-tf animate`: one GIF frame per saved epoch, each the saved grid under its epoch band."""

import json
import os

import numpy as np
from PIL import Image

from gan_tf import cli
from gan_tf.training import callbacks
from gan_tf.viz import animation


def gif_frames(path):
    """([RGB frames], [durations in ms]) of a GIF."""
    frames, durations = [], []
    with Image.open(path) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
            durations.append(gif.info["duration"])
    return frames, durations


def fake_run(run_dir, epochs, checkpoint_epoch=None, channels=1):
    """A run folder with random monitor grids for `epochs` and, for the first two, a VAE-style
    second series; with `checkpoint_epoch`, a checkpoint state saying so."""
    samples = os.path.join(run_dir, "samples")
    os.makedirs(samples)
    grids = {}
    for epoch in epochs:
        grids[epoch] = np.random.default_rng(epoch).integers(0, 256, (62, 92, channels), dtype=np.uint8)
        Image.fromarray(grids[epoch].squeeze(-1) if channels == 1 else grids[epoch]).save(
            os.path.join(samples, f"epoch_{epoch:04d}.png"))
    for epoch in epochs[:2]:  # a second series, as the VAEs save
        Image.fromarray(grids[epoch][:30].squeeze(-1)).save(os.path.join(samples, f"class_grid_epoch_{epoch:04d}.png"))
    if checkpoint_epoch:
        os.makedirs(os.path.join(run_dir, "backup", "current"))
        with open(os.path.join(run_dir, "backup", "current", "state.json"), "w") as handle:
            json.dump({"epoch": checkpoint_epoch}, handle)
    return grids


def assert_frames_are_the_grids(path, grids):
    frames, _ = gif_frames(path)
    assert len(frames) == len(grids)
    for frame, (epoch, grid) in zip(frames, sorted(grids.items())):
        np.testing.assert_array_equal(frame, np.asarray(animation.labelled(grid, epoch)))
        np.testing.assert_array_equal(frame[animation.BAND:], np.repeat(grid, 3, -1))
        assert (frame[:animation.BAND] < 128).any()  # the band's text


def test_animate_command_writes_one_frame_per_checkpointed_epoch(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    grids = fake_run(run_dir, [1, 2, 3], checkpoint_epoch=2)  # epoch 3: left by an older run
    output = str(tmp_path / "out" / "progress.gif")
    assert cli.main(["animate", run_dir, "--output", output, "--fps", "4"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {output}: epochs 1-2, 2 frames" in printed
    assert_frames_are_the_grids(output, {epoch: grids[epoch] for epoch in (1, 2)})
    assert gif_frames(output)[1] == [250, 750]  # the last frame held three times as long
    classes = str(tmp_path / "out" / "progress_class_grid.gif")
    assert f"wrote {classes}: epochs 1-2, 2 frames" in printed
    assert_frames_are_the_grids(classes, {epoch: grids[epoch][:30] for epoch in (1, 2)})


def test_band_names_the_epoch():
    grid = np.zeros((40, 60, 3), np.uint8)
    assert not np.array_equal(np.asarray(animation.labelled(grid, 1)), np.asarray(animation.labelled(grid, 7)))


def test_missing_epochs_are_named_and_an_empty_run_refused(tmp_path, capsys):
    fake_run(str(tmp_path / "gaps"), [1, 3, 4])
    assert cli.main(["animate", str(tmp_path / "gaps")]) == 0
    assert "epochs 1-4, 3 frames; no picture for epochs 2" in capsys.readouterr().out
    assert os.path.isfile(tmp_path / "gaps" / "progress.gif")
    os.makedirs(tmp_path / "empty")
    assert cli.main(["animate", str(tmp_path / "empty")]) == 1
    assert "no epoch_NNNN.png monitor pictures in" in capsys.readouterr().err


def test_an_epoch_cut_short_is_labelled_with_its_steps(tmp_path, capsys):
    """ModelMonitor marks the grid of an epoch the --seconds budget stopped (PNG text)."""
    from gan_tf.viz.images import save_png

    run_dir = str(tmp_path / "run")
    grids = fake_run(run_dir, [1, 2])
    save_png(grids[2], os.path.join(run_dir, "samples", "epoch_0002.png"), text={callbacks.STOPPED_KEY: "5/9"})
    assert cli.main(["animate", run_dir]) == 0
    assert "epochs 1-2, 2 frames; epoch 2 stopped after 5/9 steps" in capsys.readouterr().out
    frames, _ = gif_frames(os.path.join(run_dir, "progress.gif"))
    np.testing.assert_array_equal(frames[1], np.asarray(animation.labelled(grids[2], 2, stopped="5/9")))
    assert not np.array_equal(frames[1], np.asarray(animation.labelled(grids[2], 2)))
    class_frames, _ = gif_frames(os.path.join(run_dir, "progress_class_grid.gif"))
    np.testing.assert_array_equal(class_frames[1], np.asarray(animation.labelled(grids[2][:30], 2, stopped="5/9")))


def test_colour_grids_are_kept_within_the_gifs_palette(tmp_path):
    """256 colours a frame: a smooth colour grid comes back within a few grey levels."""
    y, x = np.mgrid[:64, :96]
    grid = np.stack([x * 2.5, y * 4, 255 - x * 2], -1).astype(np.uint8)
    animation.write_gif([(5, grid)], str(tmp_path / "c.gif"))
    (frame,), _ = gif_frames(str(tmp_path / "c.gif"))
    assert np.abs(frame[animation.BAND:].astype(int) - grid).mean() < 6


def test_train_option_turns_the_gif_off():
    args = cli.build_parser().parse_args(["train", "vae", "--data", "d", "--no-animate"])
    assert args.animate is False
