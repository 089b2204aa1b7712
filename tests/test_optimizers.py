"""FusedAdam: Keras' Adam, step for step, in one kernel; its benchmark."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from bench import adam_update
from gan_tf.training.optimizers import FusedAdam


def _train(optimizer, steps=5):
    """Variables after `steps` updates from fixed dense and sparse gradients, the learning rate
    changed half way (as `LinearDecay` does) and the step traced (as `fit` runs it)."""
    rng = np.random.RandomState(0)
    dense = keras.Variable(rng.normal(0, 0.02, (6, 5)).astype("float32"))
    table = keras.Variable(rng.normal(0, 0.02, (8, 3)).astype("float32"))
    grads = [tf.constant(rng.normal(0, 1, (steps, 6, 5)).astype("float32")),
             tf.constant(rng.normal(0, 1, (steps, 2, 3)).astype("float32"))]
    optimizer.build([dense, table])

    @tf.function
    def step(index):
        rows = tf.IndexedSlices(grads[1][index], tf.constant([1, 6]), tf.constant([8, 3]))  # an Embedding's
        optimizer.apply_gradients([(grads[0][index], dense), (rows, table)])

    for index in range(steps):
        if index == steps // 2:
            optimizer.learning_rate = 1e-3
        step(tf.constant(index))
    return [dense.numpy(), table.numpy(), *(v.numpy() for v in optimizer.variables)]


@pytest.mark.parametrize("options", [{}, {"beta_1": 0.5, "beta_2": 0.99, "epsilon": 1e-4}])
def test_fused_adam_updates_as_keras_adam(options):
    ours = _train(FusedAdam(2e-3, **options))
    theirs = _train(keras.optimizers.Adam(2e-3, **options))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert not np.allclose(ours[0], _train(FusedAdam(2e-3, **options), steps=1)[0])  # it moves


def test_fused_adam_round_trips_through_its_config():
    optimizer = FusedAdam(3e-4, beta_1=0.5, name="g_adam")
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(restored, FusedAdam)
    assert restored.get_config() == optimizer.get_config()


def test_update_bench_times_both_optimizers(capsys):
    rows = adam_update.main(["--network", "fashion_gan", "--updates", "1", "--rounds", "1"])
    assert len(rows) == 1 and rows[0]["keras_ms"] > 0 and rows[0]["fused_ms"] > 0
    assert "| 1 |" in capsys.readouterr().out
