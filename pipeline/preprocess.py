"""The Beam pipeline: read a source -> encode `tf.train.Example`s -> sharded TFRecords + metadata.

`metadata.json` is written last, from side inputs that include the names of the shards the
writes produced, so it exists only for a data set whose every shard is complete. It holds
counts, shape, class names, per-channel pixel mean/std (0-255 scale, training splits: `train`,
or `trainA` and `trainB` of unpaired domains), the target shape of paired sources, source
checksums, shard lists and the rejected-record counts. Rejected inputs are listed in
`rejected-<split>.jsonl`; with `strict=True` any rejected input fails the run. A captioned
source (one with an `embedder`) gets its captions embedded here, and the metadata then names
the embedder and its `embedding_dim`.
"""

import datetime
import hashlib
import json

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pvalue import AsList, AsSingleton

from gan_tf import __version__, records

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


def sha256_of(path):
    digest = hashlib.sha256()
    with FileSystems.open(path, compression_type="uncompressed") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return FileSystems.split(path)[1], digest.hexdigest()


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

    `split_results` holds `<split>_count`, `<split>_rejected` and `<split>_shards` per split.
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
        raise IncompleteDataError(
            f"strict run: rejected inputs {rejected}; see {output_dir}/rejected-<split>.jsonl"
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
        | "Checksum" >> beam.Map(sha256_of)
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


def run(source, output_dir, beam_args=(), shards=None, strict=False):
    """Runs the pipeline (DirectRunner unless `beam_args` names another) and returns metadata."""
    if not FileSystems.exists(output_dir):
        FileSystems.mkdirs(output_dir)
    metadata_path = FileSystems.join(output_dir, records.METADATA_FILE)
    if FileSystems.exists(metadata_path):
        FileSystems.delete([metadata_path])
    options = PipelineOptions(list(beam_args))
    with beam.Pipeline(options=options) as pipeline:
        build(pipeline, source, output_dir, shards=shards, strict=strict)
    with FileSystems.open(metadata_path) as handle:
        return json.loads(handle.read())
