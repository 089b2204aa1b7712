"""Where Beam preprocessing time goes: each stage of the per-record work timed alone (CPU
seconds) on the full Fashion-MNIST, beside one whole default DirectRunner run.

    python -m bench.beam_stages [--source FASHION_MNIST_IDX_DIR] [--profile run.prof]

Stages, in pipeline order: reading and gzip-decompressing the IDX files, PNG encoding (zlib),
the `tf.train.Example` wire encoding, the CRC-32 that picks each record's shard, pixel sums,
TFRecord framing (CRC-32C) and writing the shard files. "Beam" is the whole run's CPU seconds
less those stages: building and running the graph, bundles, coders and groupings, metadata.
CPU seconds, not wall time, so that a machine shared with other jobs still gives its figures.
`--profile` adds a cProfile of one more whole run (process CPU time as its clock), saved and
summed up by own time; the profiler's per-call cost inflates code of many small calls.
"""

import contextlib
import cProfile
import os
import pstats
import tempfile
import time
import zlib

from bench import harness
from bench.beam_rate import preprocessing_rate
from gan_tf.data import records
from gan_tf.pipeline.datasets import idx_source
from gan_tf.pipeline.preprocess import pixel_sums
from gan_tf.pipeline.sources.idx import CHUNK_RECORDS, read_idx_chunks


@contextlib.contextmanager
def cpu_clock(timings, stage):
    """`timings[stage]`: the block's CPU seconds."""
    with harness.Timer(time.process_time) as timer:
        yield
    timings[stage] = timer.seconds


def stage_seconds(source_dir, scratch):
    """{stage: CPU seconds} of each stage alone over the whole data set, then the whole run
    and what Beam adds (`Beam`)."""
    source = idx_source("fashion_mnist", source_dir)
    timings = {}
    with cpu_clock(timings, "read + gzip decompress"):
        chunks = [batch for split in source.splits
                  for _, batch in read_idx_chunks(source.paths[split], CHUNK_RECORDS, len(source.class_names))]
    with cpu_clock(timings, "PNG encode (zlib)"):
        for images, _ in chunks:
            for image in images:
                records.encode_png(image)
    with cpu_clock(timings, "serialize"):
        serialized = [records.serialize_example(image, label) for images, labels in chunks
                      for image, label in zip(images, labels)]
    timings["Example encode"] = timings.pop("serialize") - timings["PNG encode (zlib)"]
    with cpu_clock(timings, "shard choice (CRC-32)"):
        for record in serialized:
            zlib.crc32(record) % 4
    with cpu_clock(timings, "pixel sums"):
        for images, _ in chunks:
            pixel_sums(images)
    with cpu_clock(timings, "TFRecord framing (CRC-32C)"):
        framed = [records.tfrecord_frame(record) for record in serialized]
    with cpu_clock(timings, "write"):
        with open(os.path.join(scratch, "all.tfrecord"), "wb") as handle:
            for frame in framed:
                handle.write(frame)
            handle.flush()
            os.fsync(handle.fileno())
    whole = preprocessing_rate(source_dir, os.path.join(scratch, "run"))
    timings["Beam (graph, bundles, coders, grouping, metadata)"] = whole["cpu_seconds"] - sum(timings.values())
    return timings, whole


def main(argv=None):
    parser = harness.parser(__doc__)
    harness.FASHION_MNIST.add_flag(parser, "--source")
    parser.add_argument("--profile", help="also profile one whole run into this file")
    args = parser.parse_args(argv)
    source = harness.FASHION_MNIST.path(args.source, "--source")
    with tempfile.TemporaryDirectory() as scratch:
        timings, whole = stage_seconds(source, scratch)
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.runcall(preprocessing_rate, source, os.path.join(scratch, "profiled"))
            profile.dump_stats(args.profile)
            pstats.Stats(args.profile).sort_stats("tottime").print_stats(12)
    print(f"load average: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores); whole DirectRunner run: "
          f"{whole['records']} records, {whole['seconds']:.1f} s wall, {whole['cpu_seconds']:.1f} CPU s")
    harness.print_table(["stage", "CPU s", "share"],
                        [(stage, f"{seconds:.2f}", f"{100 * seconds / whole['cpu_seconds']:.1f}%")
                         for stage, seconds in timings.items()])


if __name__ == "__main__":
    main()
