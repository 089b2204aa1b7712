"""`gan-tf`: preprocess data, train a family, export it for TF Serving, sample from an export.

TensorFlow and Beam are imported inside the sub-commands, so `--help` answers at once.
"""

import argparse
import os
import sys

from gan_tf.config import CONFIGS

DATASETS = ("fashion_mnist", "mnist", "image_folder", "image_domains", "side_by_side")


def _families():
    from gan_tf.models import FAMILIES

    return FAMILIES


# -- preprocess -----------------------------------------------------------------------------


def add_preprocess(commands):
    parser = commands.add_parser(
        "preprocess",
        help="raw data -> sharded TFRecords + metadata.json (Apache Beam)",
        description="Runs the Beam preprocessing pipeline. Options this command does not "
        "know are passed to Beam, e.g. --runner FlinkRunner --flink_master=HOST:8081 or "
        "--direct_num_workers 2 --direct_running_mode multi_processing.",
    )
    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--source", help="folder of the raw files (IDX .gz files or an image "
                        "folder); fashion_mnist/mnist download through TFDS when omitted; "
                        "image_domains: trainA/ trainB/ testA/ testB/ (CycleGAN); side_by_side: "
                        "train/ test/ val/ of input|target pairs in one image (pix2pix)")
    parser.add_argument("--output", required=True, help="folder for the shards and metadata.json")
    parser.add_argument("--image-size", type=int, default=64,
                        help="image folders: output side in pixels (train at this size or smaller)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=3, help="image folders: 1 or 3")
    parser.add_argument("--input-side", choices=("left", "right"), default="right",
                        help="side_by_side: the half that is the input (facades: right, the labels)")
    parser.add_argument("--train-shards", type=int, default=8, help="number of training shards")
    parser.add_argument("--strict", action="store_true", help="fail if any input is rejected")
    parser.set_defaults(run=run_preprocess)


def run_preprocess(args, beam_args):
    from pipeline import preprocess
    from pipeline.datasets import idx_source
    from pipeline.sources.image_folder import ImageFolderSource
    from pipeline.sources.image_pairs import DomainFolderSource, SideBySideSource

    folder_sources = {"image_folder": ImageFolderSource, "image_domains": DomainFolderSource}
    if args.dataset in (*folder_sources, "side_by_side") and not args.source:
        raise ValueError(f"{args.dataset} needs --source DIR")
    if args.dataset in folder_sources:
        source = folder_sources[args.dataset](args.source, args.image_size, args.channels)
    elif args.dataset == "side_by_side":
        source = SideBySideSource(args.source, args.image_size, args.channels,
                                  input_side=args.input_side)
    else:
        source = idx_source(args.dataset, args.source)
    print(f"preprocessing {source.name} ({', '.join(source.splits)}) into {args.output}", flush=True)
    metadata = preprocess.run(
        source, args.output, beam_args, shards={"train": args.train_shards}, strict=args.strict
    )
    for split, info in metadata["splits"].items():
        print(f"  {split}: {info['count']} records in {len(info['shards'])} shards, "
              f"{info['rejected']} rejected")
        if info["rejected"]:
            print(f"  WARNING: {info['rejected']} {split} inputs rejected; reasons in "
                  f"{os.path.join(args.output, f'rejected-{split}.jsonl')}", file=sys.stderr)
    print(f"wrote {os.path.join(args.output, 'metadata.json')}")


# -- train ----------------------------------------------------------------------------------


def add_train(commands):
    parser = commands.add_parser(
        "train",
        help="train a family with model.fit (resumes an interrupted run)",
        description="Trains with model.fit. Checkpoints go to RUN_DIR/backup after every epoch "
        "and an interrupted run resumes when started again with the same command; samples go "
        "to RUN_DIR/samples, TensorBoard logs to RUN_DIR/logs, the model to RUN_DIR/model.keras.",
    )
    family_parsers = parser.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for name, config_class in CONFIGS.items():
        family = family_parsers.add_parser(name, help=f"train {name}")
        family.add_argument("--data", required=True, help="preprocessed data folder")
        family.add_argument("--run-dir", help="output folder (default: runs/<family>)")
        family.add_argument("--epochs", type=int, default=10)
        family.add_argument("--batch-size", type=int,
                            help="default: the family's (128; 1 for cyclegan and pix2pix)")
        family.add_argument("--limit", type=int, help="train on the first N records only")
        family.add_argument("--steps-per-epoch", type=int, help="batches per epoch (default: all)")
        family.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True,
                            help="compile the train step with XLA")
        family.add_argument("--monitor-images", type=int, default=25,
                            help="samples in each epoch's grid")
        family.add_argument("--fresh", action="store_true",
                            help="discard an interrupted run's checkpoint and start over")
        config_class.add_arguments(family)
        family.set_defaults(run=run_train)


def run_train(args, _beam_args):
    import keras

    from gan_tf import devices
    from gan_tf.callbacks import ModelMonitor
    from gan_tf.data import load_metadata

    devices.enable_memory_growth()
    model_class = _families()[args.family]
    config = CONFIGS[args.family].from_args(args)
    config = model_class.config_for_data(config, load_metadata(args.data))
    run_dir = args.run_dir or os.path.join("runs", args.family)
    backup_dir = os.path.join(run_dir, "backup")
    if args.fresh and os.path.isdir(backup_dir):
        import shutil

        shutil.rmtree(backup_dir)
    batch_size = args.batch_size or model_class.default_batch_size
    dataset = model_class.training_dataset(args.data, config, batch_size, args.limit)
    keras.utils.set_random_seed(config.seed)
    model = model_class(config)
    model.compile(jit_compile=args.jit)
    model.use_data_for_monitoring(args.data, args.monitor_images)
    log_dir = os.path.join(run_dir, "logs")
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True),
        keras.callbacks.TensorBoard(log_dir),
        ModelMonitor(os.path.join(run_dir, "samples"), log_dir, num_images=args.monitor_images,
                     seed=config.seed),
        keras.callbacks.TerminateOnNaN(),
        *model.training_callbacks(),
    ]
    model.fit(dataset, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
              callbacks=callbacks, verbose=2 if os.environ.get("CI") else "auto")
    path = os.path.join(run_dir, "model.keras")
    model.save(path)
    print(f"saved {path}; samples in {os.path.join(run_dir, 'samples')}; "
          f"tensorboard --logdir {log_dir}")


# -- export and sample ----------------------------------------------------------------------


def add_export(commands):
    parser = commands.add_parser(
        "export",
        help="export a trained generator as a versioned SavedModel for TF Serving",
        description="Writes OUTPUT/NAME/<next version>/ atomically (a temporary folder renamed "
        "into place). Signatures: GANs serving_default (latent -> images uint8) and sample "
        "(count, seed -> images, latent); cyclegan a_to_b and b_to_a, pix2pix translate (uint8 "
        "images of any size -> uint8 images of that size, translated at the trained size). "
        "Name image-to-image exports e.g. --name cyclegan_horse2zebra.",
    )
    parser.add_argument("run_dir", help="a training run folder (holding model.keras) or a .keras file")
    parser.add_argument("--output", default="saved_models", help="base folder (default: saved_models)")
    parser.add_argument("--name", help="model name (default: the family's name)")
    parser.add_argument("--version", type=int, help="version number (default: next free)")
    parser.set_defaults(run=run_export)


def run_export(args, _beam_args):
    import keras

    from gan_tf import export

    path = args.run_dir
    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: train first (gan-tf train ...) or name a .keras file")
    families = _families()  # imports the model classes, registering them with Keras
    model = keras.models.load_model(path, compile=False, safe_mode=True)
    name = args.name or next(n for n, c in families.items() if isinstance(model, c))
    print(f"exported {export.export(model, args.output, name, args.version)}")


def add_sample(commands):
    parser = commands.add_parser("sample", help="write a PNG grid of samples from an exported model")
    parser.add_argument("--model", required=True,
                        help="saved_models/<name> (latest version) or a version folder")
    parser.add_argument("--count", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="samples.png")
    parser.set_defaults(run=run_sample)


def run_sample(args, _beam_args):
    import tensorflow as tf

    from gan_tf import export
    from gan_tf.images import make_grid, save_png

    path = args.model
    if not tf.io.gfile.exists(os.path.join(path, "saved_model.pb")):
        path = export.latest_version_dir(path)
    loaded = tf.saved_model.load(path)
    result = loaded.signatures["sample"](count=tf.constant(args.count, tf.int32),
                                         seed=tf.constant(args.seed, tf.int64))
    save_png(make_grid(result["images"].numpy()), args.output)
    print(f"wrote {args.output} ({args.count} samples from {path}, seed {args.seed})")


# -- entry point ----------------------------------------------------------------------------


def build_parser():
    parser = argparse.ArgumentParser(
        prog="gan-tf", description="GAN and VAE families for TensorFlow/Keras."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_preprocess(commands)
    add_train(commands)
    add_export(commands)
    add_sample(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "preprocess":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        args.run(args, extra)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"gan-tf {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
