"""`gan-tf translate`: image files of any size through an image-to-image export, in tiles.

Files are read with Pillow as greyscale, greyscale + alpha, RGB or RGBA (other modes become RGB
or RGBA) and written as `<output>/<name>.png` at the input's size (`gan_tf.tiling` does the
work). Every input is checked (readable, no two with the same output name) before the first
is translated, so a typo does not cost a long run.
"""

import os
import time

import numpy as np
from PIL import Image

from gan_tf import tiling
from gan_tf.images import save_png
from gan_tf.sampling import load_export

KEPT_MODES = ("L", "LA", "RGB", "RGBA")


def read_image(path):
    """uint8 [H, W, C] of an image file, C 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)."""
    with Image.open(path) as image:
        image.load()
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


def translate_files(model_path, inputs, output_dir, tile, overlap, batch_size=tiling.DEFAULT_BATCH,
                    match_tone=True, signature=None):
    """Translates each of `inputs` into `output_dir`; yields one line per file written."""
    tiling.check_tiling(tile, overlap, batch_size)
    targets = output_paths(inputs, output_dir)
    loaded, path = load_export(model_path)
    function = tiling.export_signature(loaded, signature)
    for source, target in targets.items():
        image = read_image(source)
        started = time.perf_counter()
        translated = tiling.translate_tiled(function, image, tile, overlap, batch_size, match_tone)
        save_png(translated, target)
        height, width = image.shape[:2]
        yield (f"wrote {target} ({width}x{height}, {tiling.tile_count(height, width, tile, overlap)} "
               f"tiles, {time.perf_counter() - started:.1f} s)")
