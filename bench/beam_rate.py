"""Beam preprocessing rate (records/s) of the full Fashion-MNIST, IDX files -> TFRecords.

    python -m bench.beam_rate [--source /usr/share/datasets/fashion-mnist] [--output DIR]
        [Beam options, e.g. --direct_num_workers 2 --direct_running_mode multi_processing]

The whole pipeline is timed, as `gan-tf preprocess` runs it (reading, PNG encoding, shard
writes, pixel statistics, checksums, metadata) on Beam's DirectRunner unless told otherwise.
"""

import argparse
import tempfile
import time

from bench.report import SOURCES
from pipeline import preprocess
from pipeline.datasets import idx_source


def preprocessing_rate(source_dir, output, beam_args=(), name="fashion_mnist"):
    """{records, seconds, records_per_second} of one preprocessing run of an IDX data set."""
    start = time.perf_counter()
    metadata = preprocess.run(idx_source(name, source_dir), output, beam_args, shards={"train": 4})
    seconds = time.perf_counter() - start
    records = sum(split["count"] for split in metadata["splits"].values())
    return {"data": name, "records": records, "seconds": seconds, "records_per_second": records / seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default=SOURCES["fashion_mnist"], help="folder of the IDX files")
    parser.add_argument("--output", help="where to write (default: a temporary folder)")
    args, beam_args = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        result = preprocessing_rate(args.source, args.output or scratch, beam_args)
    print(f"{result['records']} records in {result['seconds']:.1f} s: "
          f"{result['records_per_second']:,.0f} records/s")


if __name__ == "__main__":
    main()
