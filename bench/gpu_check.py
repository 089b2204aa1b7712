"""The prepared GPU check: training, serving and a quality run in one go, one JSON and one table.

    python -m bench.gpu_check [--quick] [--families fashion_gan,...] [--fashion-mnist IDX_DIR]
        [--classifier C.keras] [--out runs/gpu_check]          (or: bench/gpu.sh [same flags])

(`--fashion-mnist` defaults to `$GAN_TF_FASHION_MNIST`, `bench.harness`.)

In this order, on the default device (sized for under 8 minutes on one H100-class GPU; the
`--quick` budgets run end to end on a CPU in seconds, as `tests/test_gpu_check.py` does):

- the float32 2048x2048 matmul rate (`bench.roofline`), the roofline of every row;
- every family's training throughput on fixed random batches, float32 and mixed precision,
  each with `--jit auto` (the step timed with XLA on and off first, the faster kept), with
  FLOPs per image per step, achieved GFLOP/s and its share of the matmul rate;
- every family's `serving_default` latency at batch 1 and 64 (`bench.serving_latency`);
- a FashionGAN quality run (`bench.quality_run`, preset `fast`, 5 minutes; FD/KID against
  the real test images), on Fashion-MNIST preprocessed by the Beam stage, with the given
  domain classifier or one trained first (one pass over 20,000 images).

Writes OUT/gpu_check.json and OUT/gpu_check.md (the tables, ready for docs/benchmarks.md).
"""

import os

from bench import family_throughput, harness, quality_run, roofline, serving_latency
from bench.report import preprocessed
from gan_tf.metrics.classifier import train_domain_classifier
from gan_tf.registry import family
from gan_tf.training import devices

SCALES = {
    "default": {"batch_size": 256, "translation_size": 256, "train_steps": 20, "serving_repeats": 20,
                "serving_seconds": 2.0, "quality_minutes": 5.0, "quality_every": 60.0,
                "quality_samples": 5000, "classifier_records": 20_000},
    "quick": {"batch_size": 8, "translation_size": 32, "train_steps": 1, "serving_repeats": 1,
              "serving_seconds": 0.1, "quality_minutes": 0.05, "quality_every": 3600.0,
              "quality_samples": 64, "classifier_records": 256},
}
PRECISIONS = {"float32": False, "mixed": True}


def train_rows(families, budget, matmul_gflops, jit="auto"):
    """One row per (family, precision): images/s with the (auto-chosen) jit, and the roofline."""
    rows = []
    for name in families:
        model_class = family(name).model_class()
        config = family_throughput.family_config(name, budget["translation_size"])
        batch = family_throughput.batch_size_for(name, budget["batch_size"])
        for precision, mixed in PRECISIONS.items():
            row = family_throughput.training_row(model_class, config, batch, budget["train_steps"], jit,
                                                 mixed=mixed)
            rows.append({"family": name, "batch_size": batch, "precision": precision, "jit": bool(row["jit"]),
                         "images_per_second": row["images_per_second"],
                         **roofline.accounting(row["flops_per_image"], row["images_per_second"], matmul_gflops)})
            print(rows[-1], flush=True)
    return rows


def quality_rows(data, classifier, budget, out):
    """`bench.quality_run`'s results for FashionGAN's `fast` preset within the budget."""
    if not classifier:
        model, _ = train_domain_classifier(data, epochs=1, limit=budget["classifier_records"], seed=1,
                                                   verbose=0)
        classifier = os.path.join(out, "classifier.keras")
        model.save(classifier)
    return quality_run.main(["fashion_gan", "--data", data, "--classifier", classifier, "--runs", "fast",
                             "--minutes", str(budget["quality_minutes"]), "--every", str(budget["quality_every"]),
                             "--samples", str(budget["quality_samples"]), "--out", os.path.join(out, "quality")])


def markdown(results):
    lines = [f"Device: {results['device']}; float32 2048x2048 matmul **{results['matmul_gflops']:,.1f} GFLOP/s**; "
             f"{results['seconds']:.0f} s in all.", "",
             f"Training, {results['budget']['train_steps']} timed steps after a warm-up epoch, `--jit {results['jit']}` "
             f"(image-to-image at {results['budget']['translation_size']} px):", "",
             *harness.table(["family", "batch", "precision", "jit chosen", "images/s", "GFLOP/image/step", "GFLOP/s",
                             "of matmul"],
                            [(r["family"], r["batch_size"], r["precision"], "on" if r["jit"] else "off",
                              harness.number(r["images_per_second"]), *roofline.cells(r)) for r in results["train"]]),
             "", *serving_latency.markdown(results["serving"]), quality_run.markdown(results["quality"])]
    return "\n".join(lines)


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny budgets: runs end to end on a CPU")
    harness.add_families(parser, "families for train and serving")
    harness.FASHION_MNIST.add_flag(parser)
    parser.add_argument("--classifier", help="Fashion-MNIST domain classifier (.keras); default: train one")
    parser.add_argument("--jit", choices=("auto", "on", "off"), default="auto",
                        help="XLA for the training rows: auto (timed both ways first), on or off")
    parser.add_argument("--out", default="runs/gpu_check", help="output folder (and preprocessed data)")
    args = parser.parse_args(argv)
    source = harness.FASHION_MNIST.path(args.fashion_mnist)
    budget = SCALES["quick" if args.quick else "default"]
    os.makedirs(args.out, exist_ok=True)
    with harness.Timer() as timer:
        devices.prepare()
        results = {**harness.machine(), "budget": budget, "jit": args.jit, "matmul_gflops": roofline.matmul_rate()}
        results["train"] = train_rows(args.families, budget, results["matmul_gflops"],
                                      {"on": True, "off": False}.get(args.jit, args.jit))
        results["serving"] = serving_latency.measure(args.families, [1, 64], budget["translation_size"],
                                                     budget["serving_repeats"], budget["serving_seconds"],
                                                     results["matmul_gflops"])
        data = preprocessed("fashion_mnist", source, args.out)
        results["quality"] = quality_rows(data, args.classifier, budget, args.out)
    results["seconds"] = round(timer.seconds, 1)
    harness.write_json(os.path.join(args.out, "gpu_check.json"), results)
    table = markdown(results)
    with open(os.path.join(args.out, "gpu_check.md"), "w") as handle:
        handle.write(table + "\n")
    print("\n" + table + f"\n\nwrote {args.out}/gpu_check.json and gpu_check.md")
    return results


if __name__ == "__main__":
    main()
