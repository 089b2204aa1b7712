"""Does per-tile instance normalisation shift tones between tiles, and does `match_tone` fix it?

    python -m bench.tile_tones --model runs/cyclegan [--images testA/a.jpg ...] [--overlap 8]
        [--picture docs/tiled_translation.jpg]

Without `--images`, three horse2zebra test horses from `$GAN_TF_DATASETS` (`bench.harness`).

A CycleGAN generator (A -> B) trained at T px translates real photos larger than T three ways:
tiled (`gan_tf.serving.tiling`, T-px tiles) with and without `match_tone`, and the export's resize
policy (down to T, translate, up again). The reference is the same generator run once over the
whole photo (cropped to a square) at full resolution (its instance norm then takes one set of statistics for the
whole image: what tiling approximates). Per variant, against the reference: the RMS difference
of the mean colour of each tile-step cell (tone shift between regions, grey levels), the mean
absolute pixel difference, and the seam ratio: the mean absolute step between neighbouring
pixels across the tile-grid lines over that everywhere else (1: no seam).
"""

import os

import numpy as np
import tensorflow as tf
from PIL import Image

from bench import harness
from gan_tf.models.base import load_trained_model
from gan_tf.networks.image_to_image import build_generator
from gan_tf.registry import import_models
from gan_tf.serving.tiling import pixel_translator, tiled
from gan_tf.serving.translate_client import read_image

DEFAULT_IMAGES = ["n02381460_1000.jpg", "n02381460_1010.jpg", "n02381460_1030.jpg"]  # horse2zebra/testA/


def full_resolution(generator, config, height, width):
    """`generator`'s weights in a copy built for height x width (square) inputs; its weights do
    not depend on the size."""
    whole = build_generator(config.generator, height, config.channels, config.channels,
                            config.generator_filters, config.norm, config.residual_blocks)
    whole.set_weights(generator.get_weights())
    return whole


def tone_shift(output, reference, cell):
    """RMS over cells and channels of the difference of their mean colours (grey levels)."""
    def means(image):
        h, w = (image.shape[0] // cell) * cell, (image.shape[1] // cell) * cell
        return image[:h, :w].reshape(h // cell, cell, w // cell, cell, -1).mean((1, 3))
    return float(np.sqrt(np.mean((means(output) - means(reference)) ** 2)))


def seam_ratio(output, step):
    """Mean |step between neighbours| across the tile-grid lines over that elsewhere."""
    across = np.abs(np.diff(output, axis=1)).mean((0, 2))  # between columns x and x+1
    lines = np.zeros_like(across, bool)
    lines[step - 1::step] = True
    return float(across[lines].mean() / across[~lines].mean())


def measure(model, paths, overlap):
    generator, config = model.generator_g, model.config
    tile = config.image_size
    translate, _ = pixel_translator(generator)
    rows, panels = {}, None
    for path in paths:
        image = read_image(path)[..., :3].astype(np.float32)
        side = min(image.shape[:2]) // 4 * 4  # the ResNet generator is built square, sides of 4k
        image = image[:side, :side]
        height, width = side, side
        whole = full_resolution(generator, config, height, width)
        reference = pixel_translator(whole)[0](image[None])[0].numpy()
        variants = {
            "tiled, no blending (overlap 0)": tiled(image[None], translate, tile, 0)[0],
            f"tiled, overlap {overlap}": tiled(image[None], translate, tile, overlap)[0],
            f"tiled, overlap {overlap}, match_tone": tiled(image[None], translate, tile, overlap, match_tone=True)[0],
            "resize to the trained size (export default)": tf.image.resize(
                translate(tf.image.resize(image[None], [tile, tile], antialias=True)), [height, width])[0],
        }
        for name, output in variants.items():
            output = np.clip(np.round(np.asarray(output)), 0, 255)
            rows.setdefault(name, []).append((
                tone_shift(output, reference, tile - overlap), float(np.abs(output - reference).mean()),
                seam_ratio(output, tile - (0 if "overlap 0" in name else overlap))))
        if panels is None:
            panels = [image, reference] + [np.asarray(v) for v in list(variants.values())[1:3]]
    return rows, panels


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--model", required=True, help="a cyclegan run folder or .keras file")
    parser.add_argument("--images", nargs="+",
                        help=f"default: {', '.join(DEFAULT_IMAGES)} of $GAN_TF_DATASETS/horse2zebra/testA")
    parser.add_argument("--overlap", type=int, help="default: 1/8 of the trained size")
    parser.add_argument("--picture", help="write input | whole image | tiled | tiled + match_tone here (JPEG)")
    args = parser.parse_args(argv)
    images = args.images or [os.path.join(harness.DATASETS.path(None, "--images"), "horse2zebra", "testA", name)
                             for name in DEFAULT_IMAGES]
    import_models()
    model = load_trained_model(args.model)
    overlap = model.config.image_size // 8 if args.overlap is None else args.overlap
    rows, panels = measure(model, images, overlap)
    print(f"{len(images)} images, {model.config.image_size}-px tiles; against the whole image "
          "translated at once (means over the images)\n")
    harness.print_table(["variant", "tone shift (RMS of cell means, grey levels)", "mean abs difference", "seam ratio"],
                        [(name, *(f"{mean:.2f}" for mean in np.mean(values, 0))) for name, values in rows.items()])
    if args.picture:
        strip = np.concatenate([np.clip(np.round(p), 0, 255).astype(np.uint8) for p in panels], 1)
        Image.fromarray(strip).save(args.picture, quality=85)
        print(f"\nwrote {args.picture}: input | whole image at once | tiled | tiled + match_tone")


if __name__ == "__main__":
    main()
