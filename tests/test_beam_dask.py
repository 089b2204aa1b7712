"""Beam's DaskRunner on a real dask.distributed cluster (a scheduler and two worker processes on
127.0.0.1, started and stopped here) writes the DirectRunner's records, rejects and metadata."""

import contextlib
import json
import os
import signal

import pytest

from tests.conftest import record_hashes
from tests.extras import require_dask

RUN_SECONDS = 240  # one pipeline run on the cluster; a hang fails the test instead of the suite


@contextlib.contextmanager
def time_limit(seconds):
    def expire(signum, frame):
        raise TimeoutError(f"no result from the Dask cluster in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def dask_cluster():
    """The scheduler's address; the workers are separate processes (`processes=True`)."""
    distributed = require_dask()
    with time_limit(120):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        with distributed.Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
    yield cluster.scheduler_address
    cluster.close(timeout=30)


def dask_args(address):
    # One Create element per partition, so the IDX chunks and image files spread over workers.
    return ["--runner", "DaskRunner", "--dask_client_address", address, "--dask_partition_size", "1"]


def run_on_dask(source, output, address, **kwargs):
    from gan_tf.pipeline import preprocess

    with time_limit(RUN_SECONDS):
        return preprocess.run(source, output, dask_args(address), **kwargs)


def assert_same_data_set(dask_dir, direct_dir):
    """Same files, same records in each split (SHA-256 per record), same rejects, and the same
    metadata apart from its creation time."""
    assert sorted(os.listdir(dask_dir)) == sorted(os.listdir(direct_dir))
    metadata = {}
    for name, folder in (("dask", dask_dir), ("direct", direct_dir)):
        with open(os.path.join(folder, "metadata.json")) as handle:
            metadata[name] = json.load(handle)
        metadata[name].pop("created")
    assert metadata["dask"] == metadata["direct"]
    for split, info in metadata["direct"]["splits"].items():
        hashes = record_hashes(dask_dir, split)
        assert len(hashes) == info["count"] and len(set(hashes)) > 1
        assert hashes == record_hashes(direct_dir, split)
        with open(os.path.join(dask_dir, f"rejected-{split}.jsonl")) as dask_rejects, \
                open(os.path.join(direct_dir, f"rejected-{split}.jsonl")) as direct_rejects:
            assert dask_rejects.read() == direct_rejects.read()


def test_fashion_mnist_on_dask_writes_the_direct_runner_records(dask_cluster, small_idx_dir, small_data_dir,
                                                                tmp_path):
    from gan_tf.pipeline.datasets import FASHION_MNIST_CLASSES
    from gan_tf.pipeline.sources.idx import IdxSource

    # 128-record chunks: four train chunks read by different workers.
    source = IdxSource.from_folder("fashion_mnist", FASHION_MNIST_CLASSES, small_idx_dir, chunk_records=128)
    metadata = run_on_dask(source, str(tmp_path / "dask"), dask_cluster, shards={"train": 4})
    assert (metadata["splits"]["train"]["count"], metadata["splits"]["test"]["count"]) == (512, 128)
    assert_same_data_set(str(tmp_path / "dask"), small_data_dir)


def test_image_folder_on_dask_writes_and_rejects_as_the_direct_runner(dask_cluster, messy_image_folder, tmp_path):
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.image_folder import ImageFolderSource

    source = ImageFolderSource(str(messy_image_folder), image_size=16, channels=3)
    direct = preprocess.run(source, str(tmp_path / "direct"), shards={"train": 2})
    run_on_dask(source, str(tmp_path / "dask"), dask_cluster, shards={"train": 2})
    assert (direct["splits"]["train"]["count"], direct["splits"]["train"]["rejected"]) == (6, 2)
    assert_same_data_set(str(tmp_path / "dask"), str(tmp_path / "direct"))
    with pytest.raises(Exception, match=r"strict run: rejected inputs \{'train': 2\}.*empty.png"):
        with time_limit(RUN_SECONDS):
            preprocess.run(source, str(tmp_path / "strict"), dask_args(dask_cluster), strict=True)
    assert not os.path.exists(tmp_path / "strict")


def test_captioned_fashion_mnist_through_the_cli_on_dask(dask_cluster, small_captioned_data, tmp_path):
    from gan_tf import cli

    with open(os.path.join(small_captioned_data, "metadata.json")) as handle:
        assert json.load(handle)["splits"]["train"]["count"] == 160
    source = os.path.join(os.path.dirname(small_captioned_data), "captioned_idx0")
    output = str(tmp_path / "dask")
    with time_limit(RUN_SECONDS):
        assert cli.main(["preprocess", "captioned_fashion_mnist", "--source", source, "--output", output,
                         "--embedder", "hash:16", "--captions-per-image", "3", "--train-shards", "2",
                         *dask_args(dask_cluster)]) == 0
    assert_same_data_set(output, small_captioned_data)


def test_dask_runner_without_the_extra_names_it(monkeypatch):
    import importlib.util

    from gan_tf.pipeline import preprocess

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "distributed" else find_spec(name, *args))
    with pytest.raises(ImportError, match=r"pip install 'gan_tf\[dask\]'"):
        preprocess.pipeline_options(["--runner", "DaskRunner"])
