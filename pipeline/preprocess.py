"""The Beam pipeline: read a source -> encode `tf.train.Example`s -> sharded TFRecords + metadata.

`metadata.json` is written last, from side inputs that include the names of the shards the
writes produced, so it exists only for a data set whose every shard is complete. It holds
counts, shape, class names, per-channel pixel mean/std (0-255 scale, training splits: `train`,
or `trainA` and `trainB` of unpaired domains), the target shape of paired sources, source
checksums (keyed by path relative to the source's root), shard lists, the rejected-record
counts and the inputs a source ignored by rule (`ignored`: path and reason) or found empty
(`empty_classes`). Rejected inputs are listed in `rejected-<split>.jsonl`; with `strict=True`
any rejected input fails the run.

A local output folder is written as a temporary sibling `<output>.tmp-<pid>-...` and renamed
into place at the end, so it never mixes two data sets: a previous data set there is replaced
whole; a folder holding anything else is refused unless `overwrite`. A failed run removes its
sibling (Beam's `beam-temp-*` folders inside it); a killed run's is removed by the next run to
that output. A strict run's error names a few rejected inputs with their reasons. A captioned
source (one with an `embedder`) gets its captions embedded here, and the metadata then names
the embedder and its `embedding_dim`.
"""

import datetime
import fnmatch
import hashlib
import json
import os
import shutil

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pvalue import AsList, AsSingleton

from gan_tf import __version__, records
from gan_tf.tempfiles import clean_stale, temp_name

DEFAULT_SHARDS = {"train": 8, "test": 2, "val": 2}


def is_training_split(split):
    """`train`, and the per-domain `trainA`/`trainB` of unpaired data."""
    return split.startswith("train")


def shard_count(split, shards):
    """Shards for `split`: its own entry, else that of the split it extends (`trainA` ->
    `train`), else 1."""
    if split in shards:
        return shards[split]
    base = next((name for name in sorted(shards, key=len, reverse=True) if split.startswith(name)), None)
    return shards[base] if base else 1


class PixelStats(beam.CombineFn):
    """Per-channel mean and standard deviation of pixel values over a split, in one pass."""

    def create_accumulator(self):
        return 0, 0.0, 0.0

    def add_input(self, accumulator, element):
        count, total, squares = accumulator
        pixels = np.asarray(element[0], np.float64).reshape(-1, element[0].shape[-1])
        return count + len(pixels), total + pixels.sum(0), squares + (pixels**2).sum(0)

    def merge_accumulators(self, accumulators):
        count, total, squares = 0, 0.0, 0.0
        for c, t, s in accumulators:
            count, total, squares = count + c, total + t, squares + s
        return count, total, squares

    def extract_output(self, accumulator):
        count, total, squares = accumulator
        if not count:
            return {"pixel_mean": None, "pixel_std": None}
        mean = np.asarray(total) / count
        std = np.sqrt(np.maximum(np.asarray(squares) / count - mean**2, 0.0))
        return {"pixel_mean": mean.round(4).tolist(), "pixel_std": std.round(4).tolist()}


def source_root(source):
    """The folder `source.files` are named relative to: the source's `root`, else the deepest
    folder holding all of them."""
    root = getattr(source, "root", None)
    if root:
        return root
    return os.path.commonprefix([f"{FileSystems.split(p)[0]}/" for p in source.files]).rpartition("/")[0]


def relative_path(path, root):
    prefix = root.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else FileSystems.split(path)[1]


def sha256_of(path, root):
    """(path relative to `root`, sha256): `cats/001.png` and `dogs/001.png` stay apart. An
    unreadable file (a dangling symlink: rejected by its reader) has no checksum (None)."""
    digest = hashlib.sha256()
    try:
        with FileSystems.open(path, compression_type="uncompressed") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return relative_path(path, root), None
    return relative_path(path, root), digest.hexdigest()


class EmbedCaptions(beam.DoFn):
    """Batches of (image, label, captions, key) -> (image, label, captions, embeddings
    [captions, dim]) each; a batch's new captions go through the encoder in one call."""

    def __init__(self, embedder):
        self.embedder = embedder

    def process(self, batch):
        if hasattr(self.embedder, "prepare"):
            self.embedder.prepare([c for _, _, captions, _ in batch for c in captions])
        for image, label, captions, key in batch:
            yield image, label, captions, self.embedder.embed(captions, key)


def serialize_captioned(image, label, captions, embeddings):
    return records.serialize_example(image, label, captions=captions, embeddings=embeddings)


class IncompleteDataError(RuntimeError):
    """Inputs were rejected and the run was strict."""


def write_metadata(_, output_dir, source, strict, stats, checksums, **split_results):
    """Writes metadata.json from the per-split results gathered as side inputs.

    `split_results` holds `<split>_count`, `<split>_rejected`, `<split>_shards` and
    `<split>_examples` (a few rejected records, for a strict run's message) per split.
    """
    splits = {}
    for split in source.splits:
        shards = sorted(FileSystems.split(p)[1] for p in split_results[f"{split}_shards"])
        splits[split] = {
            "count": split_results[f"{split}_count"],
            "rejected": split_results[f"{split}_rejected"],
            "shards": shards,
            "num_shards": len(shards),  # multi-worker training needs one or more per worker
        }
    rejected = {split: info["rejected"] for split, info in splits.items()}
    target_shape = getattr(source, "target_shape", None)
    embedder = getattr(source, "embedder", None)
    if strict and any(rejected.values()):
        examples = [r for split in source.splits for r in split_results[f"{split}_examples"]]
        raise IncompleteDataError(
            f"strict run: rejected inputs {rejected}, e.g. "
            + "; ".join(f"{r['path']} ({r['reason']})" for r in examples[:3])
        )
    metadata = {
        "name": source.name,
        "format": "tf.train.Example",
        "features": {records.IMAGE_KEY: "png", records.LABEL_KEY: "int64",
                     **({records.TARGET_KEY: "png"} if target_shape else {}),
                     **({records.CAPTIONS_KEY: "bytes list",
                         records.EMBEDDINGS_KEY: "float list [captions x embedding_dim]"}
                        if embedder else {})},
        "image_shape": list(source.image_shape),
        **({"target_shape": list(target_shape)} if target_shape else {}),
        **({"embedding_dim": int(embedder.dim), "embedder": embedder.describe()} if embedder else {}),
        "num_classes": len(source.class_names),
        "class_names": source.class_names,
        "splits": splits,
        "pixel_scale": "0-255",
        **stats,
        "source_files": dict(sorted(checksums)),
        "ignored": list(getattr(source, "ignored", [])),
        "empty_classes": list(getattr(source, "empty_classes", [])),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gan_tf_version": __version__,
    }
    with FileSystems.create(FileSystems.join(output_dir, records.METADATA_FILE)) as handle:
        handle.write(json.dumps(metadata, indent=2).encode())
    return metadata


def _count(pcoll, label):
    return pcoll | label >> beam.combiners.Count.Globally()


def build(pipeline, source, output_dir, shards=None, strict=False):
    """Adds the preprocessing steps for every split of `source` to `pipeline`."""
    shards = {**DEFAULT_SHARDS, **(shards or {})}
    split_results = {}
    training = []
    for split in source.splits:
        examples, rejected = source.read(pipeline, split)
        serialize = records.serialize_example
        if getattr(source, "embedder", None):
            examples = (
                examples
                | f"Batch{split}" >> beam.BatchElements(min_batch_size=32, max_batch_size=512)
                | f"Embed{split}" >> beam.ParDo(EmbedCaptions(source.embedder))
            )
            serialize = serialize_captioned
        written = (
            examples
            | f"Serialize{split}" >> beam.MapTuple(serialize)
            | f"Write{split}"
            >> beam.io.WriteToTFRecord(
                FileSystems.join(output_dir, split),
                file_name_suffix=".tfrecord",
                num_shards=shard_count(split, shards),
            )
        )
        (
            rejected
            | f"RejectedJson{split}" >> beam.Map(json.dumps)
            | f"WriteRejected{split}"
            >> beam.io.WriteToText(
                FileSystems.join(output_dir, f"rejected-{split}"),
                file_name_suffix=".jsonl",
                shard_name_template="",
            )
        )
        split_results[f"{split}_count"] = AsSingleton(_count(examples, f"Count{split}"))
        split_results[f"{split}_rejected"] = AsSingleton(_count(rejected, f"Rejects{split}"))
        split_results[f"{split}_examples"] = AsSingleton(
            rejected | f"RejectExamples{split}" >> beam.combiners.Sample.FixedSizeGlobally(3))
        split_results[f"{split}_shards"] = AsList(written)
        if is_training_split(split):
            training.append(examples)
    if not training:
        raise ValueError(f"source {source.name} has no train split")
    stats = (
        training[0] if len(training) == 1 else tuple(training) | "TrainingSplits" >> beam.Flatten()
    ) | "PixelStats" >> beam.CombineGlobally(PixelStats())
    checksums = (
        pipeline
        | "SourceFiles" >> beam.Create(sorted(source.files))
        | "Checksum" >> beam.Map(sha256_of, source_root(source))
    )
    return (
        pipeline
        | "Finish" >> beam.Create([None])
        | "WriteMetadata"
        >> beam.Map(
            write_metadata,
            output_dir,
            source,
            strict,
            stats=AsSingleton(stats),
            checksums=AsList(checksums),
            **split_results,
        )
    )


def run(source, output_dir, beam_args=(), shards=None, strict=False, overwrite=False):
    """Runs the pipeline (DirectRunner unless `beam_args` names another) and returns metadata.

    A local `output_dir` is replaced whole at the end (see the module's docstring); a remote
    one is written in place, its old metadata.json removed first."""
    local = "://" not in output_dir
    if local:
        check_replaceable(output_dir, overwrite)
        parent, name = os.path.split(os.path.abspath(output_dir))
        os.makedirs(parent, exist_ok=True)
        clean_stale(parent, f"{name}.tmp-")
        target = os.path.join(parent, temp_name(f"{name}.tmp-"))
    else:
        target = output_dir
        if FileSystems.exists(FileSystems.join(output_dir, records.METADATA_FILE)):
            FileSystems.delete([FileSystems.join(output_dir, records.METADATA_FILE)])
    if not FileSystems.exists(target):
        FileSystems.mkdirs(target)
    options = PipelineOptions(list(beam_args))
    try:
        with beam.Pipeline(options=options) as pipeline:
            build(pipeline, source, target, shards=shards, strict=strict)
    except BaseException:
        if local:
            shutil.rmtree(target, ignore_errors=True)  # Beam's beam-temp-* folders with it
        raise
    if local:
        replace_folder(target, output_dir)
    with FileSystems.open(FileSystems.join(output_dir, records.METADATA_FILE)) as handle:
        return json.loads(handle.read())


# What a preprocessed folder holds: a folder of only these is a data set run() may replace.
DATA_SET_FILES = ("metadata.json", "*.tfrecord", "rejected-*.jsonl", "beam-temp-*")


def check_replaceable(output_dir, overwrite):
    """Refuses an output folder holding anything but a previous data set, unless `overwrite`."""
    if overwrite or not os.path.exists(output_dir):
        return
    if not os.path.isdir(output_dir):
        raise NotADirectoryError(f"--output {output_dir} is a file; choose a folder")
    foreign = [name for name in sorted(os.listdir(output_dir))
               if not any(fnmatch.fnmatch(name, pattern) for pattern in DATA_SET_FILES)]
    if foreign:
        raise FileExistsError(f"--output {output_dir} holds other files than a preprocessed data "
                              f"set (e.g. {foreign[0]}); choose another --output, or pass "
                              "--overwrite to replace the folder")


def replace_folder(staging, output_dir):
    """Puts the finished `staging` folder at `output_dir`, replacing what was there."""
    if os.path.isdir(output_dir) and os.listdir(output_dir):
        parent, name = os.path.split(os.path.abspath(output_dir))
        old = os.path.join(parent, temp_name(f"{name}.tmp-"))
        os.rename(output_dir, old)
        os.rename(staging, output_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, output_dir)  # also over an empty folder
