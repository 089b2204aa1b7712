"""The benchmark suite in one run: a table per measurement on stdout, all of it as JSON.

    python -m bench [--quick] [--families fashion_gan,vae,...] [--only beam,train,serving,quality]
        [--fashion-mnist IDX_DIR] [--classifier fashion_mnist.keras] [--work-dir /tmp/gan_tf_bench]
        [--json results.json]

`--fashion-mnist` (default `$GAN_TF_FASHION_MNIST`, `bench.harness`) is needed by the beam, train
and quality sections.

Measurements, in this order (each is also a script of its own, run alone with its module):

- beam (`bench.beam_rate`): Beam preprocessing of the full Fashion-MNIST, records/s, on the
  DirectRunner and on the DaskRunner with a 2-worker local dask.distributed cluster; the
  DirectRunner's output is the data set the later measurements read.
- train (`bench.family_throughput`): train-step images/s of every family with XLA on and off
  on fixed batches, beside its reader's images/s (28x28 families, on Fashion-MNIST).
- serving (`bench.serving_latency`): `serving_default` of each family's SavedModel, loaded
  with `tf.saved_model.load`: median latency and images/s at batch 1 and 64.

Train and serving rows carry the roofline accounting (`bench.roofline`): FLOPs per image,
achieved GFLOP/s and its share of the float32 2048x2048 matmul rate, measured once at the
start of the run (`matmul_gflops` in the JSON).
- quality (`bench.quality`): FID/KID on the Fashion-MNIST domain classifier's features of
  FashionGAN and CVAE samples after a fixed budget, beside the real-train vs real-test floor.
- tiles (`bench.tiled_translation`): megapixels/s of a 2048x1536 image translated in 256-px
  tiles (overlap 32, 8 tiles per call) by CycleGAN's default generator, beside the tiling alone.

The default scale took 25 minutes on a shared 2-core CPU (load about 5; the target is 10-15
minutes on an idle one); `--quick` is a smoke run on tiny budgets (pass a small IDX folder as `--fashion-mnist` to make it take seconds). The budgets
used are written into the JSON and printed with the tables.
"""

import os

from bench import beam_rate, family_throughput, harness, quality, roofline, serving_latency, tiled_translation
from bench.report import preprocessed
from gan_tf.training import devices

SECTIONS = ("beam", "train", "serving", "quality", "tiles")
READING_DATA = ("beam", "train", "quality")  # the sections that need --fashion-mnist
SCALES = {
    "default": {"train_steps": 2, "batch_size": 32, "translation_size": 64, "input_batches": 400,
                "serving_batch_sizes": [1, 64], "serving_repeats": 20, "serving_seconds": 3.0,
                "quality_steps": 100, "quality_batch_size": 32, "quality_samples": 5000,
                "quality_jit": True, "classifier_records": 20_000,
                "tiles": {"height": 1536, "width": 2048, "tile": 256, "overlap": 32, "filters": 64, "blocks": 9}},
    "quick": {"train_steps": 1, "batch_size": 8, "translation_size": 32, "input_batches": 10,
              "serving_batch_sizes": [1, 64], "serving_repeats": 2, "serving_seconds": 0.2,
              "quality_steps": 1, "quality_batch_size": 8, "quality_samples": 100,
              "quality_jit": False, "classifier_records": 256,
              "tiles": {"height": 192, "width": 256, "tile": 64, "overlap": 8, "filters": 8, "blocks": 1}},
}


def run(sections, families, source_dir, work_dir, budget, classifier=None):
    """The results of every section asked for, as one JSON-ready dict."""
    devices.prepare()
    results = {**harness.machine(), "budget": budget, "section_seconds": {}}
    data = None  # serving needs no data
    if "beam" in sections:  # a folder of its own: the timed run writes everything afresh
        data = os.path.join(work_dir, "fashion_mnist_timed")
    elif {"train", "quality"} & set(sections):
        data = preprocessed("fashion_mnist", source_dir, work_dir)
    if {"train", "serving"} & set(sections):
        results["matmul_gflops"] = roofline.matmul_rate()  # each section prints it
    measurements = {
        "beam": lambda: beam_rate.measure(source_dir, data),
        "train": lambda: family_throughput.measure(
            families, data, budget["batch_size"], budget["train_steps"], budget["translation_size"],
            budget["input_batches"], results.get("matmul_gflops")),
        "serving": lambda: serving_latency.measure(
            families, budget["serving_batch_sizes"], budget["translation_size"],
            budget["serving_repeats"], budget["serving_seconds"], results.get("matmul_gflops")),
        "quality": lambda: quality.measure(
            data, classifier, budget["quality_steps"], budget["quality_batch_size"],
            budget["quality_samples"], budget["quality_jit"], budget["classifier_records"]),
        "tiles": lambda: tiled_translation.measure(**budget["tiles"]),
    }
    for section in SECTIONS:
        if section in sections:
            print(f"-- {section}", flush=True)
            with harness.Timer() as timer:
                results[section] = measurements[section]()
            results["section_seconds"][section] = round(timer.seconds, 1)
    results["seconds"] = round(sum(results["section_seconds"].values()), 1)
    return results


def markdown(results):
    """The results as Markdown tables (docs/benchmarks.md's tables)."""
    budget = results["budget"]
    lines = [f"Device: {results['device']}; load average at start {results['load_average']}; "
             f"{results['seconds']} s in all.", ""]
    if "beam" in results:
        lines += [f"Beam preprocessing, {results['beam'][0]['data']}:", "",
                  *harness.table(beam_rate.COLUMNS, map(beam_rate.cells, results["beam"])), ""]
    if "matmul_gflops" in results:
        lines += [f"Float32 2048x2048 matmul: **{results['matmul_gflops']:,.1f} GFLOP/s** (the roofline "
                  "below; GFLOP per image from TensorFlow's cost model, `bench.roofline`).", ""]
    if "train" in results:
        lines += [f"Training, images/s ({budget['train_steps']} timed steps after a warm-up epoch; "
                  f"cyclegan/pix2pix at {budget['translation_size']} px; GFLOP/s of the faster jit setting):", "",
                  *harness.table(family_throughput.COLUMNS, map(family_throughput.cells, results["train"])), ""]
    if "serving" in results:
        lines += serving_latency.markdown(results["serving"])
    if "quality" in results:
        lines += [f"Quality on the Fashion-MNIST domain classifier's features "
                  f"({budget['quality_steps']} steps x batch {budget['quality_batch_size']}, "
                  f"{budget['quality_samples']} samples vs the 10,000 test images):", "",
                  *harness.table(["what", "train s", "FID", "KID", "KID s.e."],
                                 [(r["what"], r.get("train_s", "-"), f"{r['fid']:.2f}", f"{r['kid']:.4f}",
                                   f"{r['kid_error']:.4f}") for r in results["quality"]]), ""]
    if "tiles" in results:
        lines += ["Tiled translation (`gan_tf.translate_tiled`), one image:", "",
                  *harness.table(tiled_translation.COLUMNS, map(tiled_translation.cells, results["tiles"]))]
    return "\n".join(lines)


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny budgets, 32 px translation")
    harness.add_families(parser, "families for train and serving")
    parser.add_argument("--only", type=harness.comma_list(choices=SECTIONS, what="sections"),
                        default=",".join(SECTIONS), help=f"sections to run, of {', '.join(SECTIONS)}")
    harness.FASHION_MNIST.add_flag(parser)
    parser.add_argument("--classifier", help="Fashion-MNIST domain classifier (.keras); default: train one")
    harness.add_work_dir(parser)
    parser.add_argument("--json", help="where to write the results (default: WORK_DIR/results.json)")
    args = parser.parse_args(argv)
    source = harness.FASHION_MNIST.path(args.fashion_mnist) if set(READING_DATA) & set(args.only) else None
    os.makedirs(args.work_dir, exist_ok=True)
    results = run(args.only, args.families, source, args.work_dir, SCALES["quick" if args.quick else "default"],
                  args.classifier)
    print("\n" + markdown(results))
    path = args.json or os.path.join(args.work_dir, "results.json")
    harness.write_json(path, results)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
