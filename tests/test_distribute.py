"""tf.distribute: one fit epoch under MirroredStrategy over two logical CPU devices gives the
losses and weights of the single-device run with the same global batch (FashionGAN and the
VAE), every other family trains under it with finite losses, and the helpers of `gan_tf.training.distribute` reduce to plain batch means on one device.

The two-device runs happen in a subprocess (tests/distribute_worker.py): logical devices can
only be configured before TensorFlow initialises, which this pytest process already did.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

WORKER = os.path.join(os.path.dirname(__file__), "distribute_worker.py")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = ("fashion_gan", "vae")
OTHER_FAMILIES = ("vanilla", "dcgan", "wgan-gp", "cgan", "cvae", "cyclegan", "pix2pix", "stackgan")


@pytest.fixture(scope="module")
def two_device_runs(small_data_dir, tmp_path_factory):
    output = str(tmp_path_factory.mktemp("distribute") / "runs.npz")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [ROOT, os.environ.get("PYTHONPATH")])), "TF_CPP_MIN_LOG_LEVEL": "2",
        "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, WORKER, small_data_dir, output, *FAMILIES,
                             *OTHER_FAMILIES],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    return dict(np.load(output))


@pytest.mark.parametrize("family", FAMILIES)
def test_mirrored_epoch_matches_the_single_device_epoch(two_device_runs, family):
    runs = two_device_runs
    assert int(runs[f"{family}/replicas"]) == 2
    logs = sorted(k.split("/")[-1] for k in runs if k.startswith(f"{family}/single/log/"))
    assert logs
    for name in logs:
        single, mirrored = (float(runs[f"{family}/{run}/log/{name}"]) for run in ("single", "mirrored"))
        assert np.isfinite(single)
        assert mirrored == pytest.approx(single, rel=1e-4, abs=1e-5), name
    weights = sorted(k.split("/")[-1] for k in runs if k.startswith(f"{family}/single/weight/"))
    assert weights
    for index in weights:
        single = runs[f"{family}/single/weight/{index}"]
        mirrored = runs[f"{family}/mirrored/weight/{index}"]
        np.testing.assert_allclose(mirrored, single, rtol=1e-4, atol=1e-5, err_msg=index)


@pytest.mark.parametrize("family", OTHER_FAMILIES)
def test_every_other_family_trains_under_mirrored_strategy(two_device_runs, family):
    logs = {k.split("/")[-1]: float(v) for k, v in two_device_runs.items()
            if k.startswith(f"{family}/mirrored/log/")}
    assert logs and all(np.isfinite(value) for value in logs.values()), logs


def test_history_pool_is_kept_per_replica(two_device_runs):
    """Each replica stores its own fakes (replica 0 saw images 0 and 2, replica 1 saw 1 and 3)."""
    np.testing.assert_array_equal(two_device_runs["pool/per_replica"], [[0, 2], [1, 3]])


def test_helpers_are_the_plain_batch_mean_and_draw_on_one_device():
    import keras

    from gan_tf.training import distribute, losses

    values = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    assert float(distribute.global_batch_average(values)) == pytest.approx(values.mean())
    assert float(distribute.global_value(distribute.global_batch_average(values))) == pytest.approx(values.mean())
    assert float(losses.l1_distance(values, np.zeros_like(values))) == pytest.approx(values.mean())
    offset, batch = distribute.batch_layout(5)
    assert (int(offset), int(batch)) == (0, 5)
    seed = keras.random.SeedGenerator(3)
    drawn = distribute.draw_per_replica(lambda n: keras.random.normal((n, 4), seed=seed), 5)
    assert tuple(drawn.shape) == (5, 4)


def test_strategy_names():
    import tensorflow as tf

    from gan_tf.training import distribute

    assert distribute.make_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ValueError, match="unknown strategy"):
        distribute.make_strategy("parameter_server")
    with pytest.raises(ValueError, match="multiple of"):
        distribute.check_batch_size(_FakeStrategy(2), 5)
    distribute.check_batch_size(_FakeStrategy(2), 4)


class _FakeStrategy:
    def __init__(self, replicas):
        self.num_replicas_in_sync = replicas


def test_train_command_takes_strategy_and_mixed_precision():
    from gan_tf.cli import build_parser

    args = build_parser().parse_args(["train", "fashion_gan", "--data", "d", "--strategy",
                                      "multiworker", "--mixed-precision"])
    assert (args.strategy, args.mixed_precision) == ("multiworker", True)
    args = build_parser().parse_args(["train", "cyclegan", "--data", "d"])
    assert (args.strategy, args.mixed_precision) == ("default", False)


def test_multi_worker_reader_needs_a_shard_per_worker(small_data_dir, monkeypatch):
    """Each worker reads its own shards (auto-shard by file): more workers than shards is
    refused, and a worker's reader drops the whole-split record count check."""
    import tensorflow as tf

    from gan_tf.data import reader as data

    monkeypatch.setattr(data, "worker_count", lambda strategy: 5)  # the fixture has 4 shards
    with pytest.raises(data.DataError, match="4 train shards cannot be shared by 5 workers"):
        data.make_dataset(small_data_dir, batch_size=8)
    monkeypatch.setattr(data, "worker_count", lambda strategy: 2)
    dataset = data.make_dataset(small_data_dir, batch_size=8, limit=16)
    assert int(dataset.cardinality()) == int(tf.data.UNKNOWN_CARDINALITY)
    assert next(iter(dataset)).shape == (8, 28, 28, 1)
