"""Tiled translation speed: megapixels/s of one large image through `gan_tf.translate_tiled`.

    python -m bench.tiled_translation [--size 2048x1536] [--tile 256] [--overlap 32]
        [--batch-sizes 8] [--filters 64] [--blocks 9] [--json out.json]

Rows: the tiling alone (an identity generator: cutting, blending, tone matching) and CycleGAN's
default generator (ResNet-9, 64 filters, instance norm; untrained: the cost of a call does not
depend on the weights' values) at each tile batch size. Each row is one timed call, after an
untimed call on a single tile (first calls build and trace).
"""

import numpy as np

from bench import harness
from gan_tf.networks.image_to_image import build_generator
from gan_tf.serving.tiling import tile_count, translate_tiled
from gan_tf.training import devices

COLUMNS = ["generator", "image", "tile / overlap", "tiles", "batch", "seconds", "megapixels/s"]


def timed(generator, image, tile, overlap, batch_size):
    """Seconds of one call of `translate_tiled`, after an untimed one on a single tile (first
    calls build and trace)."""
    translate_tiled(generator, image[:tile, :tile], tile, overlap, batch_size)
    with harness.Timer() as timer:
        translate_tiled(generator, image, tile, overlap, batch_size)
    return timer.seconds


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
        harness.print_row(cells(rows[-1]))
    return rows


def cells(row):
    """A row's cells under `COLUMNS`."""
    return [row["generator"], f"{row['width']}x{row['height']}", f"{row['tile']} / {row['overlap']}", row["tiles"],
            row["batch_size"], f"{row['seconds']:.2f}", f"{row['megapixels_per_second']:.3f}"]


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    parser.add_argument("--size", default="2048x1536", help="WIDTHxHEIGHT")
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--overlap", type=int, default=32)
    parser.add_argument("--batch-sizes", type=harness.comma_list(int), default="8",
                        help="comma-separated tiles per generator call")
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=9)
    args = parser.parse_args(argv)
    width, height = (int(side) for side in args.size.split("x"))
    print(f"{devices.describe_device()}\n")
    harness.print_table(COLUMNS)
    rows = measure(height, width, args.tile, args.overlap, args.batch_sizes, args.filters, args.blocks)
    if args.json:
        harness.write_json(args.json, rows)


if __name__ == "__main__":
    main()
