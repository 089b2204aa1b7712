"""Beam preprocessing rate (records/s) of the full Fashion-MNIST with 1 and 2 worker processes.

    python -m bench.beam_workers [--source FASHION_MNIST_IDX_DIR] [--workers 1,2]
        [--modes in_memory,multi_processing] [--json out.json]

Each run is the production pipeline (`gan_tf.pipeline.preprocess.run`, as `gan-tf preprocess
fashion_mnist` runs it) on Beam's DirectRunner: `in_memory` is the default single-process
runner; `multi_processing` adds `--direct_num_workers N --direct_running_mode
multi_processing` (N worker processes, each starting its own Python). The rate counts every
record written (train + test) over the whole run's wall time, start-up included. The runs also
check that every setting wrote the same set of records (SHA-256 of each serialized example).
"""

import hashlib
import os
import platform
import tempfile

from bench import harness
from gan_tf.pipeline import preprocess
from gan_tf.pipeline.datasets import idx_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def record_digest(data_dir, metadata):
    """One SHA-256 over the sorted SHA-256s of every record: equal iff the same records."""
    import tensorflow as tf

    digests = []
    for split, info in metadata["splits"].items():
        paths = [os.path.join(data_dir, name) for name in info["shards"]]
        digests += [split + hashlib.sha256(r.numpy()).hexdigest()
                    for r in tf.data.TFRecordDataset(paths)]
    return hashlib.sha256("".join(sorted(digests)).encode()).hexdigest()


def run_once(source_dir, output, mode, workers, shards):
    args = [] if mode == "in_memory" else [
        "--direct_num_workers", str(workers), "--direct_running_mode", mode]
    with harness.Timer() as timer:
        metadata = preprocess.run(idx_source("fashion_mnist", source_dir), output, args,
                                  shards={"train": shards})
    records = sum(info["count"] for info in metadata["splits"].values())
    return records, timer.seconds, record_digest(output, metadata)


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    harness.FASHION_MNIST.add_flag(parser, "--source")
    parser.add_argument("--workers", type=harness.comma_list(int), default="1,2",
                        help="multi_processing worker counts")
    parser.add_argument("--modes", type=harness.comma_list(), default="in_memory,multi_processing")
    parser.add_argument("--train-shards", type=int, default=8)
    args = parser.parse_args(argv)
    source = harness.FASHION_MNIST.path(args.source, "--source")
    # The runner's worker processes import gan_tf (and gan_tf.pipeline) from the environment.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    settings = []
    for mode in args.modes:
        counts = [1] if mode == "in_memory" else args.workers
        settings += [(mode, workers) for workers in counts]
    rows, digests = [], set()
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    harness.print_table(["runner", "records", "seconds", "records/s"])
    for mode, workers in settings:
        with tempfile.TemporaryDirectory() as output:
            records, seconds, digest = run_once(source, output, mode, workers, args.train_shards)
        digests.add(digest)
        name = f"{mode}, {workers} worker{'s' if workers > 1 else ''}"
        rows.append({"runner": name, "records": records, "seconds": round(seconds, 1),
                     "records_per_second": round(records / seconds, 1)})
        harness.print_row([name, records, f"{seconds:.1f}", f"{records / seconds:.1f}"])
    print(f"same records in every run: {len(digests) == 1}")
    if args.json:
        harness.write_json(args.json, {"rows": rows, "same_records": len(digests) == 1})
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
