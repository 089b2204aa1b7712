"""`gan-tf translate`: image files of any size through an image-to-image export, in tiles.

Files are read with Pillow as greyscale, greyscale + alpha, RGB or RGBA (other modes become RGB
or RGBA; 16-bit images are scaled to 8 bits as preprocessing scales them) and written as
`<output>/<name>.png` at the input's size (`gan_tf.serving.tiling` does the work). Usage mistakes are
refused before the first file is translated, so a typo does not cost a long run: a missing
input, two inputs with one output name, an --output that is a file or not writable. A file that
cannot be used (empty, corrupt, a decompression bomb) is reported with its reason and the others
are still translated; a failed write (a full disk) stops the run, naming the files kept.
"""

import os
import time
from typing import NamedTuple, Optional

import numpy as np
from PIL import UnidentifiedImageError

from gan_tf.data import image_files
from gan_tf.files import writes
from gan_tf.serving import tiling
from gan_tf.serving.sample_client import load_export
from gan_tf.viz.images import save_png

KEPT_MODES = ("L", "LA", "RGB", "RGBA")


class Outcome(NamedTuple):
    """One input's result: the line to print, and why it was rejected (None: written)."""

    source: str
    line: str
    rejected: Optional[str] = None


def read_image(path):
    """uint8 [H, W, C] of an image file, C 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA);
    raises ValueError or OSError saying why a file cannot be used."""
    if os.path.getsize(path) == 0:
        raise ValueError("empty file (0 bytes)")
    with image_files.open_image(path) as opened:
        image = image_files.to_8bit(opened)
        if image.mode not in KEPT_MODES:
            alpha = "A" in image.getbands() or "transparency" in image.info
            image = image.convert("RGBA" if alpha else "RGB")
        array = np.asarray(image, np.uint8)
    return array.reshape(array.shape[:2] + (-1,))


def output_paths(inputs, output_dir):
    """{input: output PNG path}; refuses a missing input and two inputs with one output name."""
    paths = {}
    for path in inputs:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}: no such image file")
        target = os.path.join(output_dir, os.path.splitext(os.path.basename(path))[0] + ".png")
        if target in paths.values():
            raise ValueError(f"{path} and another input would both be written to {target}; "
                             "translate them in separate runs")
        paths[path] = target
    return paths


def unusable(error):
    """Why a file could not be read, in a few words."""
    if isinstance(error, UnidentifiedImageError):
        return "not an image Pillow can read (corrupt, or another format)"
    return (error.strerror if isinstance(error, OSError) and error.strerror else str(error)).splitlines()[0]


def translate_files(model_path, inputs, output_dir, tile, overlap, batch_size=tiling.DEFAULT_BATCH,
                    match_tone=True, signature=None):
    """Translates each of `inputs` into `output_dir`; yields one `Outcome` per input.

    Everything that would make the whole run fail (tiling, inputs, the export, the output
    folder) is checked before the first file is read."""
    tiling.check_tiling(tile, overlap, batch_size)
    targets = output_paths(inputs, output_dir)
    loaded, path = load_export(model_path)
    function = tiling.export_signature(loaded, signature)
    writes.check_writable(output_dir)
    written = []
    for source, target in targets.items():
        try:
            image = read_image(source)
        except (OSError, ValueError, SyntaxError, EOFError) as error:  # Pillow's ways of saying no
            yield Outcome(source, f"rejected {source}: {unusable(error)}", unusable(error))
            continue
        started = time.perf_counter()
        translated = tiling.translate_tiled(function, image, tile, overlap, batch_size, match_tone)
        save_png(translated, target, kept=kept_files(written))
        written.append(target)
        height, width = image.shape[:2]
        yield Outcome(source, f"wrote {target} ({width}x{height}, {tiling.tile_count(height, width, tile, overlap)} "
                      f"tiles, {time.perf_counter() - started:.1f} s)")


def kept_files(written):
    """What a failed write leaves: the files written before it."""
    if not written:
        return "no translated file written"
    files = "1 file" if len(written) == 1 else f"{len(written)} files"
    return f"kept {files} written before it (last: {written[-1]})"
