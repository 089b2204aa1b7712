"""Time to quality: train for a wall-clock budget and record sample quality against time.

    python -m bench.quality_run FAMILY --data DIR --classifier C.keras --minutes 10
        [--runs fast source fast:loss=hinge+label_smoothing=0.1 ...] [--peers tutorial,tutorial_dcgan]
        [--every 60] [--samples 5000] [--out runs/quality]

Every run trains through the one training driver (`gan_tf.train`) for `--minutes` of training
time, compiling included; every `--every` seconds of training (the clock stops while it
measures) and at the end, `--samples` samples drawn exactly as `gan-tf sample` draws them are
scored on the domain classifier's features against the data's test split: Fréchet distance
(FD), KID, for conditional families the fraction the classifier reads as the requested label
(class agreement), and for VAEs the test split's negative ELBO. Text-to-image families
(StackGAN) draw one sample per test caption (the first `--samples` test records' first
captions, seeds 0, 1, ... per batch of 250, as the export's `serving_default` draws them), and
their class agreement is the text-conditioning accuracy: the fraction read as the class the
caption names. The real-data floor (as many real training images against the same
test images) is measured the same way in the same process. A run spec is `PRESET` or
`PRESET:field=value+field=value` (e.g. `fast:loss=hinge`), optionally named `NAME=PRESET...`
(default: the spec itself); a StackGAN Stage-II run names its Stage-I with `stage1_model=RUN`,
RUN an earlier run of the same invocation (e.g. `--runs stage1=fast
stage2=fast:stage=2+stage1_model=stage1`) or a run folder / `.keras` path. `--peers` adds the TensorFlow
docs' DCGAN tutorial (`bench.peers.tf_dcgan_tutorial`) with its own settings and with the DCGAN
paper's optimiser, trained the same way.

Image-to-image families translate through the export's own functions at every measurement
(`gan_tf.metrics.translation`). pix2pix (paired data, or colourisation of a colour image
folder) needs no classifier: the inputs of `--split` (default test; choose settings on val)
are scored against their real targets: L1, PSNR, SSIM, and detail and colourfulness as ratios
to the targets'. CycleGAN takes a domain-A-vs-B classifier (`gan-tf train-classifier` on the
same data) and scores both test domains' translations (`a_to_b`, `b_to_a`): the fraction read
as the target domain, FD to the real target-domain test images on the classifier's features,
content SSIM to the input and detail as a ratio to the targets'. The baseline rows are the
inputs left unchanged (grey inputs as colour) and, for CycleGAN, the real target-domain images
(the classifier's ceiling rate, the real-vs-real FD floor); each run's final grid holds fixed
test rows of input | output | target (CycleGAN: input | translation | reconstruction).
`--report DIR[:SPLIT]` scores each run's final model once more on held-out data (default split
test), with its own baselines, and draws the final grid from it: settings are chosen on the
curves of `--data`/`--split` (a validation split) and reported on test without a second run.

Writes OUT/quality.json (every measurement), OUT/quality.png (FD against training seconds,
one line per run, the floor dashed), OUT/class_agreement.png and OUT/neg_elbo.png for the
families that report them (StackGAN's class agreement is its text-conditioning accuracy), and
OUT/<run>/final_grid.png (the final model's TF Serving export drawn by `gan-tf sample`: 100
samples, or caption | stage images rows of 12 test captions), and prints a Markdown table.
"""

import argparse
import os
import sys

from bench import harness, quality
from bench.peers import tf_dcgan_tutorial
from gan_tf import cli, registry
from gan_tf.data.captions import fixed_captions
from gan_tf.metrics import translation
from gan_tf.metrics.features import classifier_features
from gan_tf.metrics.report import real_image_batches
from gan_tf.serving import export
from gan_tf.serving.sample_client import caption_rows, load_export
from gan_tf.training import callbacks as cb, devices, driver as training
from gan_tf.viz.images import make_grid, save_png
from gan_tf.viz.plots import line_plot


# (metric, axis label, log axis): FD spans decades; agreement and -ELBO do not.
PLOTTED = (("fid", "FD", True), ("class_agreement", "class agreement", False), ("neg_elbo", "-ELBO (nats)", False),
           ("l1", "L1 to the targets ([-1, 1] scale)", False), ("detail_ratio", "detail / the targets'", False),
           ("a_to_b_target_rate", "A->B: read as B", False), ("b_to_a_target_rate", "B->A: read as A", False),
           ("a_to_b_detail_ratio", "A->B detail / real B's", False),
           ("b_to_a_detail_ratio", "B->A detail / real A's", False))
TRANSLATION_ROWS = 6  # input | output | target rows of a translation run's final grid


def parse_run(spec, family):
    """(name, preset, overrides) of a run spec `[NAME=]PRESET[:field=value+field=value...]`;
    values are parsed like the command line's flags (tuples comma-separated, booleans
    true/false); the name (default: the spec made a folder name) is the run's folder under OUT."""
    preset, _, settings = spec.partition(":")
    name, _, preset = preset.rpartition("=")
    config_class = registry.family(family).config_class
    parser = argparse.ArgumentParser(add_help=False)
    config_class.add_arguments(parser)
    flags = []
    for item in filter(None, settings.split("+")):
        field, _, value = item.partition("=")
        flag = field.replace("_", "-")
        if value.lower() in ("true", "false"):
            flags.append(f"--{'' if value.lower() == 'true' else 'no-'}{flag}")
        else:
            flags += [f"--{flag}", value]
    overrides = config_class.overrides_from_args(parser.parse_args(flags))
    for sign, replacement in ((":", "_"), ("+", "_"), (",", "-"), ("=", "-"), ("/", "-")):
        spec = spec.replace(sign, replacement)
    return name or spec, preset, overrides


GRID_CAPTIONS = 12  # rows of a text-to-image run's final grid


def earlier_run(overrides, out):
    """`overrides` with a `stage1_model` that names an earlier run of this invocation (a
    folder under OUT holding its model.keras) replaced by that run's folder."""
    folder = os.path.join(out, overrides.get("stage1_model") or "")
    if overrides.get("stage1_model") and os.path.isfile(os.path.join(folder, "model.keras")):
        return {**overrides, "stage1_model": folder}
    return overrides


def caption_grid(saved, data):
    """caption | stage images rows of the first test captions, drawn by the export as `gan-tf
    sample --captions` draws them (through their embeddings where it has no text encoder)."""
    captions, embeddings, _ = fixed_captions(data, GRID_CAPTIONS)
    loaded, path = load_export(saved)
    return caption_rows(loaded, path, captions, 0, None if "captions" in loaded.signatures else embeddings)[0]


def train_run(family, data, name, preset, overrides, args, out, report=None):
    """One budgeted run through the driver; its measurements and the final grid's path, and
    with a `report` (data, split, score) the final model's scores on that held-out data."""
    overrides = earlier_run(overrides, out)
    translating = registry.family(family).draws_from == registry.IMAGES
    run = training.train(
        family, data, preset=preset, run_dir=os.path.join(out, name), fresh=True, epochs=10**6,
        seconds=args.minutes * 60, batch_size=args.batch_size,
        jit={"on": True, "off": False}.get(args.jit, args.jit), classifier=args.classifier,
        metrics_every=0, metrics_seconds=args.every, metrics_samples=args.samples,
        score_split=args.split if family == "pix2pix" else None, verbose=0, **overrides)
    saved = export.export(run.model, os.path.join(out, name, "saved_models"), family)
    grid = os.path.join(out, name, "final_grid.png")
    if translating:
        grid_data, grid_split = (report[0], report[1]) if report else (data, args.split)
        save_png(translation_grid(run.model, grid_data, grid_split), grid)
    elif registry.family(family).draws_from == registry.CAPTIONS:
        save_png(caption_grid(saved, data), grid)
    else:
        assert cli.main(["sample", "--model", saved, "--count", "100", "--seed", "0", "--output", grid]) == 0
    row = {"run": name, "family": family, "preset": preset, "overrides": overrides,
           "batch_size": run.batch_size, "steps": run.clock.step,
           "images_per_second": run.batch_size * (run.clock.steps_per_second or 0.0),
           "measurements": run.quality, "grid": grid}
    if report:
        row["report"] = report[2](run.model)
    return row


def translation_grid(model, data, split):
    """Fixed test rows at the images' stored size, translated as the export translates them:
    input | output | target (pix2pix) or input | translation | reconstruction (CycleGAN)."""
    if registry.family_of(model).name == "pix2pix":
        rows = translation.paired_rows(model, data, split, TRANSLATION_ROWS)
    else:
        rows = translation.cycle_rows(model, data, TRANSLATION_ROWS)
    return make_grid(rows, 3)


def train_peer(name, data, args, out):
    """The TF docs DCGAN tutorial (`bench.peers`) for the same budget, measured the same way."""
    model, dataset, batch_size = tf_dcgan_tutorial.build(name, data)
    clock = cb.TrainingClock()
    metrics = cb.QualityMetrics(classifier_features(args.classifier), real_image_batches(data), every=0,
                                num_samples=args.samples, clock=clock, every_seconds=args.every)
    model.fit(dataset, epochs=10**6, steps_per_epoch=10**9, verbose=0,
              callbacks=[clock, cb.TimeLimit(args.minutes * 60, clock), metrics], shuffle=False)
    grid = os.path.join(out, name, "final_grid.png")
    save_png(tf_dcgan_tutorial.grid(model), grid)
    return {"run": name, "family": "peer", "preset": name, "overrides": {}, "batch_size": batch_size,
            "steps": clock.step, "images_per_second": batch_size * (clock.steps_per_second or 0.0),
            "measurements": metrics.records, "grid": grid}


def translation_markdown(results):
    """One row per baseline and per run: the final value of every score, and the first score's
    curve; then, with `--report`, the same for the held-out data (no curve)."""
    first = results["runs"][0]["measurements"][-1]
    names = [name for name in first if name not in ("step", "seconds")]
    curves = {row["run"]: ", ".join(f"{m['seconds']:.0f}: {m[names[0]]:.3f}" for m in row["measurements"])
              for row in results["runs"]}
    tables = [(f"translations of {results['split']}", results["baselines"],
               {row["run"]: row["measurements"][-1] for row in results["runs"]}, curves)]
    if "report" in results:
        tables.append((f"final models on {results['report']['split']}", results["report"]["baselines"],
                       {row["run"]: row["report"] for row in results["runs"]}, {}))
    runs = {row["run"]: row for row in results["runs"]}

    def cells(run, batch, steps, curve, final):
        return (run, batch, steps, curve, *(f"{final[n]:.3f}" if n in final else "-" for n in names))

    lines = []
    for title, baselines, finals, points in tables:
        rows = [cells(name, "-", "-", "-", scores) for name, scores in baselines.items()]
        rows += [cells(run, runs[run]["batch_size"], runs[run]["steps"], points.get(run, "-"), final)
                 for run, final in finals.items()]
        lines += [f"{results['device']}; {results['minutes']:g} min of training per run (compiling "
                  f"included); {title}", "",
                  *harness.table(["run", "batch", "updates", f"{names[0]} at each check (s: value)", *names], rows), ""]
    return "\n".join(lines).rstrip()


def markdown(results):
    if "baselines" in results:
        return translation_markdown(results)
    floor = results["floor"]
    lines = [f"{results['device']}; {results['minutes']:g} min of training per run (compiling "
             f"included); {results['samples']} samples vs the test split; floor FD "
             f"{floor['fid']:.2f}", ""]
    rows = []
    for row in results["runs"]:
        final = row["measurements"][-1]
        rows.append((row["run"], row["batch_size"], f"{row['images_per_second']:.0f}", row["steps"],
                     ", ".join(f"{m['seconds']:.0f}: {m['fid']:.1f}" for m in row["measurements"]),
                     f"{final['fid']:.2f}", f"{final['kid']:.4f}", harness.number(final.get("class_agreement"), 3),
                     harness.number(final.get("neg_elbo"))))
    lines += harness.table(["run", "batch", "images/s", "updates", "FD at each check (s: FD)", "final FD", "final KID",
                            "class agreement (StackGAN: text-conditioning accuracy)", "-ELBO (nats)"], rows)
    return "\n".join(lines)


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("family", choices=registry.names(with_aliases=True))
    parser.add_argument("--data", required=True, help="preprocessed data folder")
    parser.add_argument("--classifier", help="domain classifier .keras (gan-tf train-classifier); "
                        "every family but the paired image-to-image ones needs it")
    parser.add_argument("--split", default="test", help="pix2pix/colourisation: the split scored")
    parser.add_argument("--minutes", type=float, default=10.0, help="training time per run")
    parser.add_argument("--runs", nargs="+", default=["source"], help="[NAME=]PRESET[:field=value+...] each")
    parser.add_argument("--peers", type=harness.comma_list(choices=tf_dcgan_tutorial.SETTINGS, what="peers"),
                        default="", help="comma-separated: " + ", ".join(tf_dcgan_tutorial.SETTINGS))
    parser.add_argument("--every", type=float, default=60.0, help="seconds of training between measurements")
    parser.add_argument("--samples", type=int, default=5000, help="samples per measurement (and floor)")
    parser.add_argument("--batch-size", type=int, help="default: the preset's, else the family's")
    parser.add_argument("--jit", choices=("auto", "on", "off"), default="auto",
                        help="XLA: auto (timed both ways at the start, inside the budget), on or off")
    parser.add_argument("--report", metavar="DIR[:SPLIT]",
                        help="image-to-image: also score each run's final model on this held-out "
                        "data (split default test; CycleGAN: testA/testB) and draw its grid from it")
    parser.add_argument("--out", default="runs/quality", help="output folder")
    args = parser.parse_args(argv)
    family = args.family  # an alias (wgan_gp) is kept: train() starts its runs from the alias's preset
    translating = registry.family(family).draws_from == registry.IMAGES
    if (family != "pix2pix") != bool(args.classifier):
        parser.error(f"{family} {'takes no' if family == 'pix2pix' else 'needs'} --classifier")
    if translating and args.peers:
        parser.error("--peers are latent-GAN tutorials; they do not translate images")
    if args.report and not translating:
        parser.error("--report scores image-to-image families only")
    runs = [parse_run(spec, family) for spec in args.runs]  # a bad spec fails before any training
    os.makedirs(args.out, exist_ok=True)
    clock = harness.Timer().start()
    devices.prepare()
    results = {"family": family, **harness.machine(), "minutes": args.minutes,
               "samples": args.samples, "command": "python -m bench.quality_run " + " ".join(sys.argv[1:] if argv is None else argv),
               "runs": []}
    report = None
    if family == "pix2pix":
        results.update(split=f"the {args.split} split", baselines=translation.paired_baselines(args.data, args.split))
        if args.report:
            data, _, split = args.report.partition(":")
            report = (data, split or "test", translation.paired_scorer(data, split or "test"))
            results["report"] = {"data": data, "split": f"{data}, the {report[1]} split",
                                 "baselines": translation.paired_baselines(data, report[1])}
    elif translating:
        extractor = classifier_features(args.classifier)
        results.update(split="testA and testB", baselines=translation.cycle_baselines(args.data, extractor))
        if args.report:
            data = args.report.partition(":")[0]
            report = (data, "test", translation.cycle_scorer(data, extractor))
            results["report"] = {"data": data, "split": f"{data}, testA and testB",
                                 "baselines": translation.cycle_baselines(data, extractor)}
    else:
        extractor, _ = quality.extractor_for(args.data, args.classifier)
        test_features = quality.real_test_features(extractor, args.data)
        results["floor"] = quality.floor(extractor, args.data, test_features, args.samples)
    def record(row):  # the JSON is rewritten after every run: a kill keeps the runs before
        results["runs"].append(row)
        print(row["run"], row["measurements"][-1], flush=True)
        results["wall_seconds"] = round(clock.elapsed(), 1)
        harness.write_json(os.path.join(args.out, "quality.json"), results, "the file already there is as it "
                           "was, with the runs before this one")

    for run in runs:
        record(train_run(family, args.data, *run, args, args.out, report))
    for name in args.peers:
        record(train_peer(name, args.data, args, args.out))
    plots = write_plots(results, args.out)
    print("\n" + markdown(results))
    print(f"\nwrote {os.path.join(args.out, 'quality.json')}, {', '.join(plots)}; grids in "
          + ", ".join(row["grid"] for row in results["runs"]))
    return results


def write_plots(results, out):
    """quality.png (FD, the floor dashed) and, where the family reports them, class_agreement.png
    and neg_elbo.png: each metric against training seconds, one line per run."""
    written = []
    for metric, label, log_y in PLOTTED:
        series = {row["run"]: ([m["seconds"] for m in row["measurements"]], [m[metric] for m in row["measurements"]])
                  for row in results["runs"] if metric in row["measurements"][-1]}
        if not series:
            continue
        references = ({"real vs real floor": max(results["floor"]["fid"], 1e-3)} if metric == "fid" else
                      {name: scores[metric] for name, scores in results.get("baselines", {}).items() if metric in scores})
        name = "quality.png" if metric == "fid" else f"{metric}.png"
        save_png(line_plot(series, "training seconds (compiling included)", label, references=references,
                           log_y=log_y), os.path.join(out, name))
        written.append(name)
    return written


if __name__ == "__main__":
    main()
