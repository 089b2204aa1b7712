"""Training throughput (images/s) of every family, XLA on and off, beside its reader's rate
and the roofline.

    python -m bench.family_throughput [--families fashion_gan,dcgan,...] [--data data/fashion_mnist]
        [--batch-size 32] [--steps 2] [--translation-size 128] [--json out.json]

The train step runs on fixed random batches of the family's shape (images in its value range,
labels, or image pairs), so only the step is timed; the first epoch (tracing, compiling) is
excluded. Every setting runs in one process one after the other, so ratios are meaningful on a
shared machine. The input-pipeline rate is that of the family's own `training_dataset` on a
preprocessed data set of its shape (`--data`: Fashion-MNIST for the 28x28 families); families
without such data get none. CycleGAN and pix2pix run at batch 1 and `--translation-size`.
Roofline accounting (`bench.roofline`): FLOPs per image of one train step (TensorFlow's cost
model on the step's graph, divided by the batch), the achieved GFLOP/s of the faster jit
setting and its share of the float32 matmul rate measured in the same run.
"""

import dataclasses
import os
import tempfile

import tensorflow as tf

from bench import harness, roofline
from bench.fashion_gan_throughput import input_rate
from bench.report import fit_timed, precision_policy
from gan_tf.data.reader import load_metadata, repeated_batch
from gan_tf.families.stackgan.config import StackGANConfig
from gan_tf.registry import family, preset_of
from gan_tf.training import devices, driver as training, jit_choice

COLUMNS = ["family", "batch", "train, jit on", "train, jit off", "jit on/off", "input pipeline",
           "GFLOP/image/step", "GFLOP/s", "of matmul"]


def family_config(name, translation_size):
    """The config a run of `name` starts from (an alias's own preset: `wgan_gp`); image-to-image
    families at `translation_size` px."""
    config = family(name).config_class.from_preset(preset_of(name))
    if hasattr(config, "image_size"):
        config = dataclasses.replace(config, image_size=translation_size)
    return config


def synthetic_batch(model, batch_size):
    """A fixed random batch of what the family's `train_step` reads."""
    config = model.config
    low, high = model.value_range

    def images(shape):
        return tf.random.uniform((batch_size, *shape), low, high, seed=0)

    if isinstance(config, StackGANConfig):  # captioned: images, right and wrong text
        size = model.image_size(config)
        text = lambda seed: tf.random.normal((batch_size, config.embedding_dim), seed=seed)
        return {"images": images((size, size, config.channels)), "embeddings": text(1),
                "wrong_embeddings": text(2)}
    if hasattr(config, "image_shape"):
        batch = images(config.image_shape)
        if model.uses_labels:
            return batch, tf.range(batch_size) % config.num_classes
        return batch
    size = config.image_size
    inputs = getattr(config, "input_channels", getattr(config, "channels", 3))
    outputs = getattr(config, "output_channels", inputs)
    return images((size, size, inputs)), images((size, size, outputs))


def batch_size_for(name, batch_size):
    """`batch_size`, except the image-to-image families' batch 1 (as in their papers)."""
    return min(batch_size, family(name).default_batch_size)


def training_row(model_class, config, batch_size, steps, jit, epochs=2, mixed=False, strategy=None,
                 count_flops=True, setup=None):
    """{images_per_second, jit, flops_per_image} of `fit` on one fixed (global) batch, after
    the first epoch; `jit` "auto" times the step both ways first (`gan_tf.training.jit_choice`, measured
    afresh: no cache); `mixed`: under the mixed precision policy; `strategy`: a
    `tf.distribute` strategy (default: none). FLOPs are one train step's over the batch (None
    without `count_flops`); `setup(model)` runs on the built model before anything else."""
    with precision_policy(mixed):
        model = training.build_model(model_class, config, strategy, jit is not False)
        if setup:
            setup(model)
        batch = synthetic_batch(model, batch_size)
        if jit == "auto":
            with tempfile.TemporaryDirectory() as cache:
                jit, _ = jit_choice.choose(model, batch, "bench", os.path.join(cache, "jit.json"))
        seconds, _ = fit_timed(model, repeated_batch(batch), steps, epochs)
        # after fit: the optimizers' variables exist, so tracing the step again makes none
        flops = roofline.graph_flops(model.train_step, [batch]) / batch_size if count_flops else None
    return {"images_per_second": batch_size * steps * (epochs - 1) / seconds, "jit": jit,
            "flops_per_image": flops}


def training_rate(model_class, config, batch_size, steps, jit, epochs=2, mixed=False, strategy=None):
    """Images/s of `training_row`."""
    row = training_row(model_class, config, batch_size, steps, jit, epochs, mixed, strategy, count_flops=False)
    return row["images_per_second"]


def reader_rate(model_class, config, data, batch_size, batches):
    """Images/s of the family's training dataset on `data`, or None if the shapes differ."""
    if not data or tuple(load_metadata(data)["image_shape"]) != tuple(getattr(config, "image_shape", ())):
        return None
    config = model_class.config_for_data(config, load_metadata(data))
    return input_rate(data, batch_size, batches, model_class.training_dataset(data, config, batch_size))


def measure(families, data, batch_size, steps, translation_size, input_batches=400, matmul_gflops=None):
    """One row per family: train images/s with jit on and off, the reader's images/s, and the
    roofline accounting against `matmul_gflops` (default: measured here)."""
    matmul_gflops = matmul_gflops or roofline.matmul_rate()
    print(f"float32 matmul: {matmul_gflops:,.1f} GFLOP/s; images/s")
    harness.print_table(COLUMNS)
    rows = []
    for name in families:
        model_class = family(name).model_class()
        config = family_config(name, translation_size)
        batch = batch_size_for(name, batch_size)
        row = {"family": name, "batch_size": batch}
        jit_on = training_row(model_class, config, batch, steps, True)
        row["train_jit_on"], flops = jit_on["images_per_second"], jit_on["flops_per_image"]
        row["train_jit_off"] = training_rate(model_class, config, batch, steps, False)
        row["input_pipeline"] = reader_rate(model_class, config, data, batch, input_batches)
        row.update(roofline.accounting(flops, max(row["train_jit_on"], row["train_jit_off"]), matmul_gflops))
        harness.print_row(cells(row))
        rows.append(row)
    return rows


def cells(row):
    """A row's cells under `COLUMNS`."""
    return [row["family"], row["batch_size"], harness.number(row["train_jit_on"], 2),
            harness.number(row["train_jit_off"], 2), f"{row['train_jit_on'] / row['train_jit_off']:.2f}",
            harness.number(row["input_pipeline"], 0), *roofline.cells(row)]


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    harness.add_families(parser)
    parser.add_argument("--data", help="preprocessed Fashion-MNIST (reader rate of 28x28 families)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=2, help="timed steps (one epoch after warm-up)")
    parser.add_argument("--translation-size", type=int, default=128, help="cyclegan/pix2pix image side")
    args = parser.parse_args(argv)
    devices.prepare()
    print(f"device: {devices.describe_device()}")
    rows = measure(args.families, args.data, args.batch_size, args.steps, args.translation_size)
    if args.json:
        harness.write_json(args.json, rows)


if __name__ == "__main__":
    main()
