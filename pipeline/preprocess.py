"""The Beam pipeline: read a source -> encode `tf.train.Example`s -> sharded TFRecords + metadata.

Each shard is written whole by one worker (records keyed to shards by their CRC-32, grouped,
written under a temporary name, renamed). `metadata.json` is written last, from what the
writes reported (shard names, counts, pixel sums, rejects) and the source checksums, so it
exists only for a data set whose every shard is complete. The graph uses only steps that
Beam's DaskRunner runs as the DirectRunner does (see `build`). It holds
counts, shape, class names, per-channel pixel mean/std (0-255 scale, training splits: `train`,
or `trainA` and `trainB` of unpaired domains), the target shape of paired sources, source
checksums (keyed by path relative to the source's root), shard lists, the rejected-record
counts and the inputs a source ignored by rule (`ignored`: path and reason) or found empty
(`empty_classes`). Rejected inputs are listed in `rejected-<split>.jsonl`; with `strict=True`
any rejected input fails the run.

A local output folder is written as a temporary sibling `<output>.tmp-<pid>-...` and renamed
into place at the end, so it never mixes two data sets: a previous data set there is replaced
whole; a folder holding anything else is refused unless `overwrite`. A failed run removes its
sibling (the `beam-temp-*` files inside it); a killed run's is removed by the next run to
that output. A strict run's error names a few rejected inputs with their reasons. A captioned
source (one with an `embedder`) gets its captions embedded here, and the metadata then names
the embedder and its `embedding_dim`.
"""

import datetime
import fnmatch
import hashlib
import importlib.util
import json
import os
import shutil
import uuid
import zlib

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from gan_tf import __version__
from gan_tf.data import records
from gan_tf.files import folder_lock, writes
from gan_tf.files.tempfiles import clean_stale, temp_name
from gan_tf.pipeline.grouping import group_into

DEFAULT_SHARDS = {"train": 8, "test": 2, "val": 2}
DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
EMBED_BATCH = 256  # images whose captions are embedded in one call


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


def pixel_sums(images):
    """(pixel count, per-channel sums, per-channel sums of squares) of uint8 images [..., C]
    (one [H, W, C] image or a stack of them): exact integers, so adding them up in any order
    gives the same statistics. Counted from each channel's histogram of the 256 values (a
    twentieth of the time of squaring an int64 copy of every pixel)."""
    images = np.asarray(images, np.uint8)
    pixels = images.reshape(-1, images.shape[-1])
    counts = np.stack([np.bincount(channel, minlength=256) for channel in pixels.T])
    values = np.arange(256, dtype=np.int64)
    return len(pixels), (counts @ values).tolist(), (counts @ (values * values)).tolist()


def add_sums(first, second):
    """The `pixel_sums` of two sets of images together; None stands for no images."""
    if first is None or second is None:
        return first if second is None else second
    return (first[0] + second[0], [a + b for a, b in zip(first[1], second[1])],
            [a + b for a, b in zip(first[2], second[2])])


def pixel_stats(sums):
    """{pixel_mean, pixel_std} per channel (0-255 scale) from added-up `pixel_sums`."""
    if sums is None:
        return {"pixel_mean": None, "pixel_std": None}
    count, total, squares = sums
    mean = np.asarray(total, np.float64) / count
    std = np.sqrt(np.maximum(np.asarray(squares, np.float64) / count - mean**2, 0.0))
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
    """(batch number, examples (image, label, captions, key)) -> a batch (images, labels,
    captions, embeddings [captions, dim] each); a batch's new captions go through the encoder
    in one call. Batches are made by key (`EMBED_BATCH` images each), so every runner embeds the
    same batches."""

    def __init__(self, embedder):
        self.embedder = embedder

    def process(self, numbered_batch):
        batch = sorted(numbered_batch[1], key=lambda example: example[3])
        if hasattr(self.embedder, "prepare"):
            self.embedder.prepare([c for _, _, captions, _ in batch for c in captions])
        yield tuple(zip(*[(image, label, captions, self.embedder.embed(captions, key))
                          for image, label, captions, key in batch]))


def serialize_captioned(image, label, captions, embeddings):
    return records.serialize_example(image, label, captions=captions, embeddings=embeddings)


def serialize_batch(batch, serialize, num_shards, with_sums):
    """(shard, (records, `pixel_sums` of their images or None)) for each shard that gets
    records of a batch (columns: images, labels, ...): one Beam element per shard and batch,
    not per record. A record goes to shard CRC-32 % `num_shards`, whichever batch it came in."""
    by_shard = {}
    for index, example in enumerate(zip(*batch)):
        record = serialize(*example)
        by_shard.setdefault(zlib.crc32(record) % num_shards, []).append((index, record))
    images = np.asarray(batch[0])
    for shard, members in sorted(by_shard.items()):
        sums = pixel_sums(images[[index for index, _ in members]]) if with_sums else None
        yield shard, ([record for _, record in members], sums)


def write_file(output_dir, name, chunks):
    """Writes `chunks` (bytes) to `output_dir/name` through a temporary name then a rename, so
    a retried or killed worker never leaves half a file under the final name."""
    temporary = FileSystems.join(output_dir, f"beam-temp-{name}-{uuid.uuid4().hex}")
    with FileSystems.create(temporary, compression_type="uncompressed") as handle:
        for chunk in chunks:
            handle.write(chunk)
    FileSystems.rename([temporary], [FileSystems.join(output_dir, name)])


def write_shard(numbered, output_dir, split, num_shards):
    """Writes one TFRecord shard from (shard number, [(records, pixel sums)]); returns the fact
    ("shard", split, file name, record count, added-up pixel sums)."""
    shard, batches = numbered
    name = f"{split}-{shard:05d}-of-{num_shards:05d}.tfrecord"
    write_file(output_dir, name, (records.tfrecord_frame(record) for batch, _ in batches for record in batch))
    sums = None
    for _, batch_sums in batches:
        sums = add_sums(sums, batch_sums)
    return "shard", split, name, sum(len(batch) for batch, _ in batches), sums


def write_rejects(keyed, output_dir, split):
    """Writes `rejected-<split>.jsonl` (sorted by path) from (key, [rejects]); returns the fact
    ("rejected", split, count, the first few rejects) for the metadata and a strict run's
    message."""
    rejected = sorted(keyed[1], key=lambda reject: reject["path"])
    write_file(output_dir, f"rejected-{split}.jsonl", (json.dumps(r).encode() + b"\n" for r in rejected))
    return "rejected", split, len(rejected), rejected[:3]


class IncompleteDataError(RuntimeError):
    """Inputs were rejected and the run was strict."""


def write_metadata(facts, output_dir, source, strict):
    """Writes metadata.json from the facts the writes and checksums reported.

    `facts` are ("shard", split, name, count, pixel sums) per shard, ("rejected", split,
    count, examples) per split and ("checksum", relative path, sha256) per source file.
    """
    shards = {split: [] for split in source.splits}
    counts = dict.fromkeys(source.splits, 0)
    rejected, examples, checksums, sums = {}, {}, [], None
    for kind, *fact in facts:
        if kind == "shard":
            split, name, count, shard_sums = fact
            shards[split].append(name)
            counts[split] += count
            sums = add_sums(sums, shard_sums)
        elif kind == "rejected":
            split, rejected[split], examples[split] = fact
        else:
            checksums.append(tuple(fact))
    splits = {split: {"count": counts[split], "rejected": rejected[split], "shards": sorted(shards[split]),
                      "num_shards": len(shards[split])}  # multi-worker training needs one or more per worker
              for split in source.splits}
    target_shape = getattr(source, "target_shape", None)
    embedder = getattr(source, "embedder", None)
    if strict and any(rejected.values()):
        first = [r for split in source.splits for r in examples[split]]
        raise IncompleteDataError(
            f"strict run: rejected inputs {rejected}, e.g. "
            + "; ".join(f"{r['path']} ({r['reason']})" for r in first[:3])
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
        **pixel_stats(sums),
        "source_files": dict(sorted(checksums)),
        "ignored": list(getattr(source, "ignored", [])),
        "empty_classes": list(getattr(source, "empty_classes", [])),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gan_tf_version": __version__,
    }
    with FileSystems.create(FileSystems.join(output_dir, records.METADATA_FILE)) as handle:
        handle.write(json.dumps(metadata, indent=2).encode())
    return metadata


def build(pipeline, source, output_dir, shards=None, strict=False):
    """Adds the preprocessing steps for every split of `source` to `pipeline`.

    Every write reports what it wrote as a "fact", and the facts reach the metadata step as
    its main input (no side inputs, no multi-output or bundle-end output): a graph Beam's
    DaskRunner runs whole and once, since it computes only the last step and its ancestors
    and recomputes the producer of every side input.
    """
    if not any(is_training_split(split) for split in source.splits):
        raise ValueError(f"source {source.name} has no train split")
    shards = {**DEFAULT_SHARDS, **(shards or {})}
    facts = []
    for split in source.splits:
        examples, rejected = source.read(pipeline, split)  # batches of examples, as columns
        serialize = records.serialize_example
        if getattr(source, "embedder", None):
            examples = (
                examples
                | f"BatchNumber{split}" >> beam.FlatMap(
                    lambda batch: ((example[3][1] // EMBED_BATCH, example) for example in zip(*batch)))
                | f"Batch{split}" >> beam.GroupByKey()
                | f"Embed{split}" >> beam.ParDo(EmbedCaptions(source.embedder))
            )
            serialize = serialize_captioned
        num_shards = shard_count(split, shards)
        serialized = examples | f"Serialize{split}" >> beam.FlatMap(
            serialize_batch, serialize, num_shards, is_training_split(split))
        facts.append(
            group_into(serialized, f"Shard{split}", range(num_shards))
            | f"Write{split}" >> beam.Map(write_shard, output_dir, split, num_shards)
        )
        facts.append(
            group_into(rejected | f"KeyRejects{split}" >> beam.Map(lambda reject: (0, reject)),
                       f"Rejects{split}", [0])
            | f"WriteRejected{split}" >> beam.Map(write_rejects, output_dir, split)
        )
    facts.append(
        pipeline
        | "SourceFiles" >> beam.Create(sorted(source.files))
        | "Checksum" >> beam.Map(lambda path, root: ("checksum", *sha256_of(path, root)), source_root(source))
    )
    return (
        tuple(facts)
        | "Facts" >> beam.Flatten()
        | "OneKey" >> beam.Map(lambda fact: (None, fact))
        | "Gather" >> beam.GroupByKey()
        | "WriteMetadata" >> beam.MapTuple(
            lambda _, gathered: write_metadata(gathered, output_dir, source, strict))
    )


def run(source, output_dir, beam_args=(), shards=None, strict=False, overwrite=False):
    """Runs the pipeline (DirectRunner unless `beam_args` names another, e.g. `--runner
    DaskRunner --dask_client_address tcp://HOST:8786`) and returns metadata.

    A local `output_dir` is replaced whole at the end (see the module's docstring), one run
    at a time (a lock beside it, `.<name>.lock`); a remote one is written in place, its old
    metadata.json removed first."""
    if "://" in output_dir:
        return _run(source, output_dir, beam_args, shards, strict, overwrite)
    parent, name = os.path.split(os.path.abspath(output_dir))
    with folder_lock.held(os.path.join(parent, f".{name}.lock"), f"preprocessing output {output_dir}"):
        return _run(source, output_dir, beam_args, shards, strict, overwrite)


def _run(source, output_dir, beam_args, shards, strict, overwrite):
    local = "://" not in output_dir
    if local:
        check_replaceable(output_dir, overwrite)
        parent, name = os.path.split(os.path.abspath(output_dir))
        writes.check_writable(parent, "folder of --output")
        clean_stale(parent, f"{name}.tmp-")
        target = os.path.join(parent, temp_name(f"{name}.tmp-"))
    else:
        target = output_dir
        if FileSystems.exists(FileSystems.join(output_dir, records.METADATA_FILE)):
            FileSystems.delete([FileSystems.join(output_dir, records.METADATA_FILE)])
    if not FileSystems.exists(target):
        FileSystems.mkdirs(target)
    pipeline = beam.Pipeline(options=pipeline_options(beam_args))
    try:
        with pipeline:
            build(pipeline, source, target, shards=shards, strict=strict)
    except BaseException as error:
        if local:
            shutil.rmtree(target, ignore_errors=True)  # beam-temp-* files with it
        failure = run_failure(error, source, output_dir, local) if isinstance(error, Exception) else None
        if failure is None:
            raise
        raise failure from None
    finally:
        close_dask_client(getattr(pipeline, "result", None))
    if local:
        replace_folder(target, output_dir)
    with FileSystems.open(FileSystems.join(output_dir, records.METADATA_FILE)) as handle:
        return json.loads(handle.read())


class WorkersLostError(RuntimeError):
    """Dask workers died one after another running the same task (distributed's KilledWorker)."""


def run_failure(error, source, output_dir, local):
    """The one-line error of a failed run, naming `output_dir` and what was kept: a full,
    read-only or forbidden disk, or workers killed running one task (Dask's `KilledWorker`,
    a 29-line traceback otherwise); None for other errors."""
    kept = ("nothing kept of this run (its temporary folder was removed); the folder is as it was" if local
            else f"nothing kept of this run; {output_dir} holds no {records.METADATA_FILE} until a run completes")
    if type(error).__name__ == "KilledWorker":
        return WorkersLostError(
            f"{output_dir}: preprocessing {source.name} stopped: {error.allowed_failures + 1} dask workers in "
            f"a row died running one of its tasks (the last: {error.last_worker.address}); {kept}; the workers' "
            "logs say why (often memory: a smaller --dask_partition_size holds less per task)")
    return writes.as_write_error(error, output_dir, kept)


def pipeline_options(beam_args):
    """Beam's options from `beam_args`; `--runner DaskRunner` (which Beam knows only by its
    module path) names `DASK_RUNNER`, and needs the `gan_tf[dask]` extra."""
    options = PipelineOptions(list(beam_args))
    standard = options.view_as(StandardOptions)
    if standard.runner in ("DaskRunner", DASK_RUNNER):
        if importlib.util.find_spec("distributed") is None:
            raise ImportError("--runner DaskRunner needs dask and distributed: pip install 'gan_tf[dask]'")
        standard.runner = DASK_RUNNER
    return options


def close_dask_client(result):
    """Closes the DaskRunner's client (and the local cluster it started, if any): the runner
    leaves it open, and it then retries its scheduler for 30 s once the cluster is gone."""
    client = getattr(result, "client", None)
    if client is not None:
        client.close()


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
