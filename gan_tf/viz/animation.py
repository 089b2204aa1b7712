"""Training as an animation: `ModelMonitor`'s per-epoch grids as one animated GIF.

Every family's monitor picture (`RUN_DIR/samples/epoch_NNNN.png`: sample grids, CycleGAN's
input | translated | reconstructed rows, the CVAE's class rows, StackGAN's captions) becomes one
frame, in epoch order, under a white band naming the epoch, so a person sees progress (and mode
collapse) at a glance. The other per-epoch pictures families save beside them
(`<series>_epoch_NNNN.png`: the VAEs' latent scatter and grid, the CVAE's class rows) become
`progress_<series>.gif` the same way. A GIF holds 256 colours per frame: greyscale grids are
kept exactly, colour grids are quantised by Pillow (an adaptive palette per frame). An epoch cut
short by the --seconds budget is labelled with the steps it ran (the monitor grid's PNG text
`gan_tf.training.callbacks.STOPPED_KEY`, "412/937"), not shown as a whole epoch.
"""

import io
import os
import re

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gan_tf.files import writes

FRAME = re.compile(r"^(?:(\w+)_)?epoch_(\d+)\.png$")  # series ("": ModelMonitor's grid), epoch
BAND = 20  # pixels of the label band above each frame
DEFAULT_NAME = "progress.gif"


def epoch_frames(samples_dir, last_epoch=None):
    """{series: [(epoch, path)]} of the per-epoch pictures in `samples_dir` ("" for the monitor
    grids), in epoch order, up to `last_epoch` (later files are left over from an earlier,
    longer run)."""
    found = {}
    for name in os.listdir(samples_dir) if os.path.isdir(samples_dir) else []:
        match = FRAME.match(name)
        if match and (last_epoch is None or int(match.group(2)) <= last_epoch):
            found.setdefault(match.group(1) or "", []).append((int(match.group(2)), os.path.join(samples_dir, name)))
    return {series: sorted(frames) for series, frames in found.items()}


def labelled(grid, epoch, width=None, stopped=None):
    """RGB [BAND + H, max(W, width), 3]: `grid` (uint8 [H, W, C], C 1 or 3) under a white band
    reading "epoch N" ("epoch N (412/937 steps)" when `stopped`), white to the right when
    `width` is wider."""
    grid = np.asarray(grid, np.uint8)
    if grid.ndim == 2 or grid.shape[-1] == 1:
        grid = np.repeat(grid.reshape(grid.shape[:2] + (1,)), 3, -1)
    height, grid_width = grid.shape[:2]
    frame = np.full((BAND + height, max(grid_width, width or 0), 3), 255, np.uint8)
    frame[BAND:, :grid_width] = grid[..., :3]
    picture = Image.fromarray(frame)
    label = f"epoch {epoch}" + (f" ({stopped} steps)" if stopped else "")
    ImageDraw.Draw(picture).text((4, 3), label, fill=(0, 0, 0), font=ImageFont.load_default(14))
    return picture


def write_gif(frames, output, fps=2, stopped=None, kept=""):
    """Writes [(epoch, uint8 grid)] as an animated GIF looping forever at `fps` frames a second
    (the last frame held three times as long), the epochs in `stopped` ({epoch: "412/937"})
    labelled with their steps, through a temporary name (`writes.write_bytes`: a failed write
    names `output` and `kept`); returns the epochs written."""
    if not frames:
        raise ValueError(f"no monitor pictures to animate into {output}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    width = max(np.asarray(grid).shape[1] for _, grid in frames)
    pictures = [labelled(grid, epoch, width, (stopped or {}).get(epoch)) for epoch, grid in frames]
    height = max(picture.height for picture in pictures)
    pictures = [_bottom_padded(picture, height) for picture in pictures]
    duration = [round(1000 / fps)] * len(pictures)
    duration[-1] *= 3
    encoded = io.BytesIO()
    pictures[0].save(encoded, format="GIF", save_all=True, append_images=pictures[1:], duration=duration,
                     loop=0, disposal=1, optimize=False)
    parent = os.path.dirname(os.path.abspath(output))
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as error:
        raise writes.WriteError(error, parent, kept or "nothing written") from None
    writes.write_bytes(output, encoded.getvalue(), kept)
    return [epoch for epoch, _ in frames]


def _bottom_padded(picture, height):
    if picture.height == height:
        return picture
    padded = Image.new("RGB", (picture.width, height), (255, 255, 255))
    padded.paste(picture)
    return padded


def animate(run_dir, output=None, fps=2, last_epoch=None, kept=""):
    """[(GIF path, epochs, stopped)] of `run_dir`'s per-epoch pictures animated, the monitor
    grids first (default `RUN_DIR/progress.gif`; other series beside it as
    `progress_<series>.gif`), up to `last_epoch` (default: the epoch of its newest checkpoint
    when it has one, else all); `stopped` is {epoch: "412/937"} for epochs cut short; `kept`
    goes into a failed write's error (`write_gif`)."""
    from gan_tf.training.callbacks import EpochCheckpoint, STOPPED_KEY

    if last_epoch is None:
        last_epoch = EpochCheckpoint(os.path.join(run_dir, "backup")).saved_epoch()
    samples = os.path.join(run_dir, "samples")
    series = epoch_frames(samples, last_epoch)
    if "" not in series:
        raise FileNotFoundError(f"no epoch_NNNN.png monitor pictures in {samples}: is {run_dir} a "
                                "training run folder (gan-tf train --run-dir)?")
    stopped = {}
    for epoch, picture in series[""]:
        with Image.open(picture) as grid:
            if STOPPED_KEY in grid.text:
                stopped[epoch] = grid.text[STOPPED_KEY]
    stem, extension = os.path.splitext(output or os.path.join(run_dir, DEFAULT_NAME))
    written = []
    for name, frames in sorted(series.items()):
        path = f"{stem}_{name}{extension}" if name else stem + extension
        grids = [(epoch, np.asarray(Image.open(picture).convert("RGB"))) for epoch, picture in frames]
        epochs = write_gif(grids, path, fps, stopped, kept)
        written.append((path, epochs, {epoch: stopped[epoch] for epoch in epochs if epoch in stopped}))
    return written


def missing_epochs(epochs):
    """The epochs between the first and the last of `epochs` that have no frame."""
    return sorted(set(range(epochs[0], epochs[-1] + 1)) - set(epochs)) if epochs else []


def describe(epochs, stopped):
    """A GIF's frames in words, e.g. "epochs 1-4, 3 frames; epoch 4 stopped after 412/937 steps;
    no picture for epochs 2"."""
    gaps = missing_epochs(epochs)
    span = f"epoch {epochs[0]}" if len(epochs) == 1 else f"epochs {epochs[0]}-{epochs[-1]}"
    return (f"{span}, {len(epochs)} frame{'s' if len(epochs) > 1 else ''}"
            + "".join(f"; epoch {epoch} stopped after {steps} steps" for epoch, steps in sorted(stopped.items()))
            + (f"; no picture for epochs {', '.join(map(str, gaps))}" if gaps else ""))
