"""Beam at scale: the multi-process DirectRunner writes the very records of the single-process
run, and the metadata counts the shards that multi-worker training divides among workers."""

import json
import os

import pytest

from tests.conftest import record_hashes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MULTI_PROCESS = ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"]


@pytest.fixture(scope="module")
def multi_process_dir(small_idx_dir, tmp_path_factory, monkeypatch_module):
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    # The runner's worker processes import gan_tf (and gan_tf.pipeline) from the environment.
    monkeypatch_module.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    output = str(tmp_path_factory.mktemp("multi_process"))
    preprocess.run(idx_source("fashion_mnist", small_idx_dir), output, MULTI_PROCESS,
                   shards={"train": 4})
    return output


@pytest.fixture(scope="module")
def monkeypatch_module():
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_multi_process_run_writes_the_single_process_records(small_data_dir, multi_process_dir):
    with open(os.path.join(small_data_dir, "metadata.json")) as handle:
        single = json.load(handle)
    with open(os.path.join(multi_process_dir, "metadata.json")) as handle:
        multi = json.load(handle)
    for split in ("train", "test"):
        assert multi["splits"][split]["count"] == single["splits"][split]["count"]
        assert multi["splits"][split]["shards"] == single["splits"][split]["shards"]
        hashes = record_hashes(multi_process_dir, split)
        assert len(set(hashes)) > 1
        assert hashes == record_hashes(small_data_dir, split)
    for key in ("pixel_mean", "pixel_std", "image_shape", "class_names", "source_files"):
        assert multi[key] == single[key], key


def test_metadata_counts_the_shards(small_data_dir):
    with open(os.path.join(small_data_dir, "metadata.json")) as handle:
        splits = json.load(handle)["splits"]
    assert splits["train"]["num_shards"] == 4 == len(splits["train"]["shards"])
    assert splits["test"]["num_shards"] == len(splits["test"]["shards"])


def test_reader_auto_shards_by_file(small_data_dir):
    import tensorflow as tf

    from gan_tf.data.reader import make_dataset

    options = make_dataset(small_data_dir, batch_size=8, limit=16).options()
    assert options.experimental_distribute.auto_shard_policy == tf.data.experimental.AutoShardPolicy.FILE
