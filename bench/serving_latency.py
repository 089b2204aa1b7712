"""SavedModel serving latency and throughput of every family, batch 1 and 64.

    python -m bench.serving_latency [--families fashion_gan,vae,...] [--batch-sizes 1,64]
        [--translation-size 128] [--json out.json]

Each family is exported untrained through `gan-tf export`'s path (the cost of a call does not
depend on the weights' values), loaded back with `tf.saved_model.load` as a server would, and
its `serving_default` signature called on a batch of the size asked: a latent batch (GANs),
`count` (VAEs, whose default signature samples), uint8 images (CycleGAN, pix2pix, at
`--translation-size`). One untimed call first (tracing); then calls are repeated until
`--repeats` calls or `--seconds` have passed, and the median call is reported, with the
roofline accounting (`bench.roofline`): the signature's FLOPs per image, the achieved GFLOP/s
and its share of the float32 matmul rate measured in the same run.
"""

import statistics
import tempfile

import numpy as np
import tensorflow as tf

from bench import harness, roofline
from bench.export_cost import export_untrained
from bench.family_throughput import family_config
from gan_tf.registry import family
from gan_tf.serving import signatures

COLUMNS = ["family", "batch", "latency ms", "images/s", "GFLOP/image", "GFLOP/s", "of matmul"]


def default_endpoint(model):
    """(function, named input specs) of the model's first endpoint: the export's
    `serving_default` (image-to-image families name theirs `a_to_b`, `translate`)."""
    return next(iter(signatures.endpoints(model).values()))


def signature_inputs(specs, batch_size, config):
    """A batch of `batch_size` for every input spec."""
    rng = np.random.default_rng(0)
    inputs = {}
    for spec in specs:
        name = spec.name
        if name == "count":
            inputs[name] = tf.constant(batch_size, spec.dtype)
        elif name == "seed":
            inputs[name] = tf.constant(0, spec.dtype)
        elif spec.dtype.is_integer and spec.shape.rank == 1:  # class labels
            inputs[name] = tf.constant(np.arange(batch_size) % config.num_classes, spec.dtype)
        elif spec.dtype == tf.uint8:  # images of any size: the trained size
            shape = [batch_size] + [d or config.image_size for d in spec.shape[1:]]
            inputs[name] = tf.constant(rng.integers(0, 256, shape), tf.uint8)
        else:
            inputs[name] = tf.constant(rng.normal(size=[batch_size, *spec.shape[1:]]), spec.dtype)
    return inputs


def call_times(function, inputs, repeats, seconds):
    """Wall times of repeated calls after one untimed call; at least one, at most `repeats`."""
    function(**inputs)
    calls, total = harness.Timer(), harness.Timer().start()
    while len(calls.laps) < repeats and (not calls.laps or total.elapsed() < seconds):
        with calls:
            function(**inputs)
    return calls.laps


def measure(families, batch_sizes, translation_size, repeats=20, seconds=5.0, matmul_gflops=None):
    """One row per (family, batch size): median latency (ms), images/s and the roofline
    accounting against `matmul_gflops` (default: measured here)."""
    matmul_gflops = matmul_gflops or roofline.matmul_rate()
    print(f"float32 matmul: {matmul_gflops:,.1f} GFLOP/s")
    harness.print_table(COLUMNS)
    rows = []
    with tempfile.TemporaryDirectory() as base:
        for name in families:
            config = family_config(name, translation_size)
            path, _, _, model = export_untrained(name, base, config)
            function, specs = default_endpoint(model)
            signature = tf.saved_model.load(path).signatures["serving_default"]
            for batch_size in batch_sizes:
                inputs = signature_inputs(specs, batch_size, config)
                median = statistics.median(call_times(signature, inputs, repeats, seconds))
                flops = roofline.graph_flops(function, [inputs[spec.name] for spec in specs])
                rows.append({"family": name, "batch_size": batch_size, "latency_ms": 1000 * median,
                             "images_per_second": batch_size / median,
                             **roofline.accounting(flops / batch_size, batch_size / median, matmul_gflops)})
                harness.print_row(cells(rows[-1]))
    return rows


def cells(row):
    """A row's cells under `COLUMNS`."""
    return [row["family"], row["batch_size"], harness.number(row["latency_ms"]),
            harness.number(row["images_per_second"]), *roofline.cells(row)]


def markdown(rows):
    """The rows as Markdown lines (`python -m bench`'s and `bench.gpu_check`'s table)."""
    return ["SavedModel `serving_default` (tf.saved_model.load), median call:", "",
            *harness.table(COLUMNS, map(cells, rows)), ""]


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    harness.add_families(parser)
    parser.add_argument("--batch-sizes", type=harness.comma_list(int), default="1,64")
    parser.add_argument("--translation-size", type=int, default=128, help="cyclegan/pix2pix image side")
    parser.add_argument("--repeats", type=int, default=20, help="most timed calls per batch size")
    parser.add_argument("--seconds", type=float, default=5.0, help="no new call after this long")
    args = parser.parse_args(argv)
    rows = measure(args.families, args.batch_sizes, args.translation_size, args.repeats, args.seconds)
    if args.json:
        harness.write_json(args.json, rows)


if __name__ == "__main__":
    main()
