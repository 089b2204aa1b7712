"""Is StackGAN's Stage-II sharper than its Stage-I image enlarged? Detail measured, not eyeballed.

    python -m bench.stackgan_sharpness RUN [RUN ...] --data DIR [--samples 1000]

For each Stage-II run (folder or `.keras`), the images of the first `--samples` test captions
(first caption each, seeds 0, 1, ... per batch of 250: the quality run's draws) are compared
with the same draws' Stage-I images enlarged bilinearly to the Stage-II size, and with the
real test images at that size as training sees them. Detail is the mean absolute difference
between neighbouring pixels (horizontal and vertical, grey levels 0-255): a blurred image has
less of it, and noise more, so the real images' figure is the reference. The table prints
each figure and its ratio to the real images'.
"""

import tensorflow as tf

from bench import harness
from gan_tf.data.captions import fixed_captions, make_caption_dataset
from gan_tf.data.reader import UNIT_RANGE
from gan_tf.models.base import load_trained_model

BATCH = 250


def detail(images):
    """Mean absolute neighbour difference of uint8-valued [N, H, W, C] images, in grey levels."""
    images = tf.cast(images, tf.float32)
    across = tf.abs(images[:, :, 1:] - images[:, :, :-1])
    down = tf.abs(images[:, 1:] - images[:, :-1])
    return float((tf.reduce_mean(across) + tf.reduce_mean(down)) / 2)


def enlarge(images, size):
    resized = tf.image.resize(tf.cast(images, tf.float32), [size, size], method="bilinear")
    return tf.cast(tf.round(tf.clip_by_value(resized, 0.0, 255.0)), tf.uint8)


def real_images(data_dir, size, count):
    dataset = make_caption_dataset(data_dir, "test", min(BATCH, count), size, UNIT_RANGE, shuffle=False, limit=count)
    images = tf.concat([batch["images"] for batch in dataset], 0)
    return tf.cast(tf.round(images * 255.0), tf.uint8)


def stage_images(model, embeddings):
    stage1, stage2 = [], []
    for seed, start in enumerate(range(0, len(embeddings), BATCH)):
        batch = embeddings[start:start + BATCH]
        drawn = model.sample(len(batch), seed, batch)
        stage1.append(drawn["stage1_images"])
        stage2.append(drawn["stage2_images"])
    return tf.concat(stage1, 0), tf.concat(stage2, 0)


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("runs", nargs="+", help="trained Stage-II run folders or .keras files")
    parser.add_argument("--data", required=True, help="preprocessed captioned data folder")
    parser.add_argument("--samples", type=int, default=1000, help="test captions drawn")
    args = parser.parse_args(argv)
    _, embeddings, _ = fixed_captions(args.data, args.samples)
    rows, reference = [], {}
    for path in args.runs:
        model = load_trained_model(path)
        if getattr(model, "stage", 1) != 2:
            raise SystemExit(f"{path} is not a StackGAN Stage-II model")
        size = model.config.stage2_size
        if size not in reference:
            reference[size] = detail(real_images(args.data, size, len(embeddings)))
            rows.append((f"real test images at {size} px", reference[size], 1.0))
        stage1, stage2 = stage_images(model, embeddings)
        for name, images in ((f"Stage-I enlarged to {size} px", enlarge(stage1, size)), ("Stage-II", stage2)):
            value = detail(images)
            rows.append((f"{path}: {name}", value, value / reference[size]))
    harness.print_table([f"images ({len(embeddings)} test captions)", "detail (grey levels)", "/ real"],
                        [(name, f"{value:.2f}", f"{ratio:.2f}") for name, value, ratio in rows])
    return rows


if __name__ == "__main__":
    main()
