"""Beam preprocessing rate (records/s) of the full Fashion-MNIST, IDX files -> TFRecords, on the
DirectRunner and on the DaskRunner with a local dask.distributed cluster.

    python -m bench.beam_rate [--source FASHION_MNIST_IDX_DIR] [--output DIR]
        [--dask-workers 2] [Beam options for the DirectRunner row, e.g. --direct_num_workers 2
        --direct_running_mode multi_processing]

The whole pipeline is timed, as `gan-tf preprocess` runs it (reading, PNG encoding, shard
writes, pixel statistics, checksums, metadata). The Dask row starts a scheduler and
`--dask-workers` worker processes (one thread each) on 127.0.0.1 before the clock starts, as a
standing cluster would be; the workers' start-up imports (Beam, TensorFlow) are timed. Both rows
must write the same records (SHA-256 of each, `bench.beam_workers.record_digest`).

Each row also gives the CPU seconds (user + system) of the run, summed over this process and
its child processes (the Dask workers included). On a shared machine the wall time grows with
the other jobs' load; the default single-process DirectRunner's CPU seconds are the closest
figure to its wall time on an idle machine.
"""

import contextlib
import json
import os
import resource
import tempfile

from bench import harness
from gan_tf.pipeline import preprocess
from gan_tf.pipeline.datasets import idx_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_seconds():
    """User + system CPU seconds so far of this process and its child processes, ended (Beam's
    multi-process workers) or running (a local Dask cluster's, counted through psutil)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    try:
        import psutil  # installed with distributed; without it no child process is running
    except ImportError:
        return total
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def preprocessing_rate(source_dir, output, beam_args=(), name="fashion_mnist"):
    """{records, seconds, cpu_seconds, records_per_second} of one preprocessing run of an IDX
    data set."""
    with harness.Timer(cpu_seconds) as cpu, harness.Timer() as wall:
        metadata = preprocess.run(idx_source(name, source_dir), output, beam_args, shards={"train": 4})
    records = sum(split["count"] for split in metadata["splits"].values())
    return {"data": name, "records": records, "seconds": wall.seconds, "cpu_seconds": cpu.seconds,
            "records_per_second": records / wall.seconds}


def read_metadata(data_dir):
    with open(os.path.join(data_dir, "metadata.json")) as handle:
        return json.load(handle)


@contextlib.contextmanager
def local_dask_cluster(workers):
    """The address of a dask.distributed scheduler with `workers` one-thread worker processes."""
    from distributed import LocalCluster

    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


COLUMNS = ["runner", "records", "seconds", "CPU seconds", "records/s", "same records as DirectRunner"]


def cells(row):
    """A row's cells under `COLUMNS`."""
    return [row["runner"], f"{row['records']:,}", f"{row['seconds']:.1f}", f"{row['cpu_seconds']:.1f}",
            f"{row['records_per_second']:,.0f}", "yes" if row.get("same_records", True) else "NO"]


def measure(source_dir, output, dask_workers=2, beam_args=()):
    """Rows {runner, records, seconds, records_per_second, same_records}: the DirectRunner
    (writing `output`) then the DaskRunner on `dask_workers` local workers (0: no Dask row)."""
    from bench.beam_workers import record_digest

    rows = [{"runner": "DirectRunner", **preprocessing_rate(source_dir, output, beam_args)}]
    digest = record_digest(output, read_metadata(output))
    if dask_workers:
        # One IDX chunk per Dask partition, so the chunks spread over the workers.
        with local_dask_cluster(dask_workers) as address, tempfile.TemporaryDirectory() as scratch:
            row = preprocessing_rate(source_dir, scratch, ["--runner", "DaskRunner", "--dask_client_address",
                                                           address, "--dask_partition_size", "1"])
            row["same_records"] = record_digest(scratch, read_metadata(scratch)) == digest
        rows.append({"runner": f"DaskRunner, {dask_workers} local workers", **row})
    return rows


def main(argv=None):
    parser = harness.parser(__doc__)
    harness.FASHION_MNIST.add_flag(parser, "--source")
    parser.add_argument("--output", help="where to write (default: a temporary folder)")
    parser.add_argument("--dask-workers", type=int, default=2, help="worker processes of the Dask row (0: none)")
    args, beam_args = parser.parse_known_args(argv)
    source = harness.FASHION_MNIST.path(args.source, "--source")
    with tempfile.TemporaryDirectory() as scratch:
        rows = measure(source, args.output or scratch, args.dask_workers, beam_args)
    print(f"load average: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    harness.print_table(COLUMNS, map(cells, rows))


if __name__ == "__main__":
    main()
