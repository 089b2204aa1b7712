"""Tiled translation speed: megapixels/s of one large image through `gan_tf.translate_tiled`.

    python -m bench.tiled_translation [--size 2048x1536] [--tile 256] [--overlap 32]
        [--batch-sizes 8] [--filters 64] [--blocks 9] [--json out.json]

Rows: the tiling alone (an identity generator: cutting, blending, tone matching) and CycleGAN's
default generator (ResNet-9, 64 filters, instance norm; untrained: the cost of a call does not
depend on the weights' values) at each tile batch size. Each row is one timed call, after an
untimed call on a single tile (first calls build and trace).
"""

import argparse
import json
import time

import numpy as np

from gan_tf import devices
from gan_tf.networks.image_to_image import build_generator
from gan_tf.tiling import tile_count, translate_tiled

HEADER = "| generator | image | tile / overlap | tiles | batch | seconds | megapixels/s |"


def timed(generator, image, tile, overlap, batch_size):
    """Seconds of one call of `translate_tiled`, after an untimed one on a single tile (first
    calls build and trace)."""
    translate_tiled(generator, image[:tile, :tile], tile, overlap, batch_size)
    start = time.perf_counter()
    translate_tiled(generator, image, tile, overlap, batch_size)
    return time.perf_counter() - start


def measure(height=1536, width=2048, tile=256, overlap=32, batch_sizes=(8,), filters=64, blocks=9):
    """Rows of {generator, height, width, tile, overlap, tiles, batch_size, seconds, megapixels_per_second}."""
    image = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    generator = build_generator("resnet", tile, 3, 3, filters, "instance", residual_blocks=blocks)
    candidates = [("tiling only (identity)", lambda pixels: pixels, batch_sizes[0])]
    candidates += [(f"cyclegan resnet-{blocks}, {filters} filters", generator, batch) for batch in batch_sizes]
    rows = []
    for name, function, batch in candidates:
        seconds = timed(function, image, tile, overlap, batch)
        rows.append({"generator": name, "height": height, "width": width, "tile": tile, "overlap": overlap,
                     "tiles": tile_count(height, width, tile, overlap), "batch_size": batch,
                     "seconds": round(seconds, 2),
                     "megapixels_per_second": round(height * width / 1e6 / seconds, 4)})
        print(row_line(rows[-1]), flush=True)
    return rows


def row_line(row):
    return (f"| {row['generator']} | {row['width']}x{row['height']} | {row['tile']} / {row['overlap']} | "
            f"{row['tiles']} | {row['batch_size']} | {row['seconds']:.2f} | {row['megapixels_per_second']:.3f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2048x1536", help="WIDTHxHEIGHT")
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--overlap", type=int, default=32)
    parser.add_argument("--batch-sizes", default="8", help="comma-separated tiles per generator call")
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=9)
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    width, height = (int(side) for side in args.size.split("x"))
    print(f"{devices.describe_device()}\n\n{HEADER}\n| --- | --- | --- | --- | --- | --- | --- |", flush=True)
    rows = measure(height, width, args.tile, args.overlap, [int(b) for b in args.batch_sizes.split(",")],
                   args.filters, args.blocks)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
