"""The roofline's FLOP counter against counts made by hand, and the accounting arithmetic."""

import keras
import numpy as np
import tensorflow as tf

from bench import roofline


def test_dense_layer_counts_its_matmul_and_bias():
    dense = keras.layers.Dense(10)
    dense.build((None, 20))
    # 3x20 @ 20x10: 2 * 3 * 10 * 20 multiply-adds; the bias adds 3 * 10.
    assert roofline.graph_flops(dense, [tf.zeros((3, 20))]) == 2 * 3 * 10 * 20 + 3 * 10


def test_convolution_and_its_transpose_count_by_hand():
    conv = keras.layers.Conv2D(8, 5, padding="same", use_bias=False)
    conv.build((None, 14, 14, 4))
    # every output element: 5x5 taps x 4 input channels, a multiply and an add each
    assert roofline.graph_flops(conv, [tf.zeros((2, 14, 14, 4))]) == 2 * (2 * 14 * 14 * 8) * 5 * 5 * 4
    transpose = keras.layers.Conv2DTranspose(8, 4, strides=2, padding="same", use_bias=False)
    transpose.build((None, 7, 7, 4))
    # the gradient of a stride-2 conv 14x14x8 -> 7x7x4: every input pixel meets 4x4x8 weights
    assert roofline.graph_flops(transpose, [tf.zeros((2, 7, 7, 4))]) == 2 * (2 * 7 * 7 * 4) * 4 * 4 * 8


def test_a_count_input_becomes_a_static_shape():
    def sample(count):
        return tf.linalg.matmul(tf.ones(tf.stack([count, 6])), tf.ones((6, 5)))

    assert roofline.graph_flops(sample, [np.int32(7)]) == 2 * 7 * 5 * 6


def test_accounting_and_matmul_rate():
    row = roofline.accounting(2e9, 50.0, 200.0)
    assert row == {"flops_per_image": 2e9, "gflops": 100.0, "roofline_fraction": 0.5}
    assert roofline.matmul_rate(size=64, samples=1, min_seconds=0.0) > 0


def test_nested_inputs_reach_the_function_as_constants():
    def step(batch):
        images, labels = batch
        assert isinstance(images, tf.Tensor) and images.shape == (2, 3) and labels.dtype == tf.int32
        return tf.linalg.matmul(images, images, transpose_b=True)

    batch = (np.ones((2, 3), np.float32), np.arange(2, dtype=np.int32))
    assert roofline.graph_flops(step, [batch]) == 2 * 2 * 2 * 3


def test_a_training_step_counts_the_weight_gradient_and_not_the_unused_input_gradient():
    conv = keras.layers.Conv2D(4, 3, use_bias=False)  # "valid": 6x6x2 -> 4x4x4
    conv.build((None, 6, 6, 2))

    def step(images):
        with tf.GradientTape() as tape:
            tape.watch(images)  # recorded, but its gradient is never asked for
            loss = tf.reduce_sum(conv(images))
        [gradient] = tape.gradient(loss, conv.trainable_variables)
        conv.kernel.assign_sub(gradient)
        return loss

    forward = 2 * (4 * 4 * 4) * 3 * 3 * 2
    # forward + weight gradient (the same count), the update's 72 subtractions, the sum's 63 adds
    assert roofline.graph_flops(step, [np.ones((1, 6, 6, 2), np.float32)]) == 2 * forward + 72 + 63
