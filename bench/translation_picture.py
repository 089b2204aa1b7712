"""Pictures for the docs, each one JPEG under a size limit (the docs keep every picture <= 100 KB).

    python -m bench.translation_picture translate --model SAVED [--signature a_to_b]
        [--tile 64 --overlap 8] [--mosaic 2] IMAGE... --output docs/x.jpg [--max-kb 100]
    python -m bench.translation_picture grid RUN/final_grid.png [--rows 0,1,2] --output docs/y.jpg

`translate`: rows of input | translation. Each input goes through the export's signature (its
own size policy: a patch-trained model resizes to its load size and translates in tiles of
its training size) or, with `--tile`, through `gan-tf translate`'s tiled path at the image's
own resolution. `--mosaic N` first lays the inputs out as one N x N picture: a photo larger
than the data's 256 px, for a machine with no larger photos. `grid`: the rows `--rows` (0 is the first) of
a `bench.quality_run` final grid (rows of three `--cell`-px images), unchanged but for the JPEG.
"""

import io

import numpy as np
from PIL import Image

from bench import harness
from gan_tf.files import writes
from gan_tf.serving.sample_client import load_export
from gan_tf.serving.tiling import as_channels, export_signature, translate_tiled
from gan_tf.serving.translate_client import read_image
from gan_tf.viz.images import make_grid

GRID_PADDING = 2  # make_grid's


def save_jpeg(image, path, max_kb):
    """Writes uint8 [H, W, C] as the highest-quality JPEG (95 down to 30) of at most `max_kb`
    KB; returns (quality, bytes)."""
    picture = Image.fromarray(np.asarray(image, np.uint8).squeeze())
    for quality in range(95, 29, -5):
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= max_kb * 1024:
            writes.write_bytes(path, buffer.getvalue(), "nothing written")
            return quality, buffer.tell()
    raise ValueError(f"{path}: no JPEG quality >= 30 fits {max_kb} KB; use fewer rows or a smaller mosaic")


def grid_rows(grid, rows, cell):
    """The picture of a `make_grid` grid of `cell`-px images keeping only `rows`, in that order."""
    step = cell + GRID_PADDING
    if max(rows) >= (grid.shape[0] - GRID_PADDING) // step:
        raise ValueError(f"the grid has {(grid.shape[0] - GRID_PADDING) // step} rows of {cell} px; asked for {rows}")
    return np.concatenate([grid[:GRID_PADDING]] + [grid[GRID_PADDING + row * step:(row + 1) * step + GRID_PADDING]
                                                   for row in rows])


def mosaic(images, side):
    """One uint8 picture of the first side x side images (all the same size), touching."""
    if len(images) < side * side or len({image.shape for image in images}) != 1:
        raise ValueError(f"--mosaic {side} needs {side * side} images of one size")
    rows = [np.concatenate(images[row * side:(row + 1) * side], 1) for row in range(side)]
    return np.concatenate(rows, 0)


def translated_rows(model, signature, images, tile, overlap):
    """uint8 [2 * len(images), H, W, 3]: each image (as colour) then its translation."""
    loaded, _ = load_export(model)
    function = export_signature(loaded, signature)
    rows = []
    for image in images:
        if tile:
            output = translate_tiled(function, image, tile, overlap)
        else:
            channels = function.structured_input_signature[1]["images"].shape[-1]
            output = function(images=as_channels(image[None], channels))["images"][0].numpy()
        rows += [np.asarray(as_channels(image, 3)), np.asarray(as_channels(output, 3))]
    return np.stack(rows)


def main(argv=None):
    parser = harness.parser(__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    translate = commands.add_parser("translate", help="input | translation rows through an export")
    translate.add_argument("--model", required=True, help="an image-to-image SavedModel folder")
    translate.add_argument("--signature", help="default: the export's first translation")
    translate.add_argument("--tile", type=int, help="translate at the image's own resolution in tiles of this size")
    translate.add_argument("--overlap", type=int, default=8, help="tile overlap (with --tile)")
    translate.add_argument("--mosaic", type=int, help="lay the inputs out as one N x N picture first")
    translate.add_argument("images", nargs="+")
    grid = commands.add_parser("grid", help="the first rows of a quality_run final grid")
    grid.add_argument("grid")
    grid.add_argument("--rows", type=harness.comma_list(int), default="0,1,2",
                      help="comma-separated row numbers, 0 the first")
    grid.add_argument("--cell", type=int, default=256, help="the grid's image size")
    for command in (translate, grid):
        command.add_argument("--output", required=True, help="JPEG file")
        command.add_argument("--max-kb", type=float, default=100.0)
    args = parser.parse_args(argv)
    if args.command == "grid":
        picture = np.asarray(Image.open(args.grid).convert("RGB"))
        picture = grid_rows(picture, args.rows, args.cell)
    else:
        images = [read_image(path)[..., :3] for path in args.images]
        if args.mosaic:
            images = [mosaic(images, args.mosaic)]
        picture = make_grid(translated_rows(args.model, args.signature, images, args.tile, args.overlap), 2)
    quality, size = save_jpeg(picture, args.output, args.max_kb)
    print(f"wrote {args.output}: {picture.shape[1]}x{picture.shape[0]}, JPEG quality {quality}, {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
