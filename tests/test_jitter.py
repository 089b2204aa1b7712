"""Random jitter: resize up, random crop, random flip; paired images move together."""

import numpy as np
import tensorflow as tf

from gan_tf.data import jitter


def test_jitter_keeps_size_and_moves_pairs_together():
    tf.random.set_seed(0)
    image = tf.constant(np.random.RandomState(0).randint(0, 256, (40, 40, 3)), tf.uint8)
    plain = jitter.resize((image,), 32)[0].numpy()
    outputs = [jitter.random_jitter((image, image[..., :1]), 32) for _ in range(8)]
    for jittered, grey in outputs:
        assert jittered.shape == (32, 32, 3) and grey.shape == (32, 32, 1)
        np.testing.assert_array_equal(jittered[..., :1], grey)  # same crop, same flip
    assert not all(np.allclose(j, plain) for j, _ in outputs)  # it does move
    assert len({j.numpy().tobytes() for j, _ in outputs}) > 1  # differently each time
    assert jitter.resize((image,), 32)[0].shape == (32, 32, 3)
