"""Shared image-to-image blocks: instance norm, reflection padding, U-Net, ResNet, PatchGAN."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.networks.layers import FusedBatchNormalization, InstanceNormalization, ReflectionPadding2D, normalization
from gan_tf.networks.image_to_image import (
    build_generator,
    patchgan_discriminator,
    resnet_generator,
    unet_generator,
)


def test_instance_norm_equals_the_formula():
    x = np.random.RandomState(0).normal(3.0, 2.0, (2, 5, 6, 4)).astype("float32")
    layer = normalization("instance")
    layer.build(x.shape)
    gamma, beta = np.linspace(0.5, 2.0, 4, dtype="float32"), np.linspace(-1, 1, 4, dtype="float32")
    layer.set_weights([gamma, beta])
    mean = x.mean(axis=(1, 2), keepdims=True)
    variance = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-5) * gamma + beta
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=1e-4)


def test_fused_instance_norm_equals_group_normalization_with_its_gradients(tmp_path):
    """The same outputs and gradients as GroupNormalization(groups=-1) for any batch, so the
    fused kernels change nothing but speed; saved and reloaded as itself."""
    x = tf.constant(np.random.RandomState(1).normal(1.0, 3.0, (3, 7, 5, 6)).astype("float32"))
    gamma, beta = np.linspace(0.5, 2.0, 6, dtype="float32"), np.linspace(-1, 1, 6, dtype="float32")
    fused = InstanceNormalization()
    reference = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
    results = []
    for layer in (fused, reference):
        layer.build(x.shape)
        layer.set_weights([gamma, beta])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * tf.sin(y))  # an uneven upstream gradient
        results.append([y] + tape.gradient(loss, [x, layer.gamma, layer.beta]))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)
    inputs = keras.Input((7, 5, 6))
    model = keras.Model(inputs, fused(inputs))
    model.save(tmp_path / "norm.keras")
    restored = keras.saving.load_model(tmp_path / "norm.keras")
    assert isinstance(restored.layers[-1], InstanceNormalization)
    np.testing.assert_allclose(restored(x).numpy(), results[0][0].numpy(), atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 5, 4, 6), (1, 1, 1, 6)])  # pix2pix's 1x1 level at batch 1
def test_fused_batch_norm_equals_keras_batch_norm_in_training_and_inference(shape):
    x = tf.constant(np.random.RandomState(2).normal(2.0, 3.0, shape).astype("float32"))
    weights = [np.linspace(0.5, 2.0, 6, dtype="float32"), np.linspace(-1, 1, 6, dtype="float32"),
               np.full(6, 0.3, "float32"), np.full(6, 1.7, "float32")]
    results = []
    for layer in (FusedBatchNormalization(), keras.layers.BatchNormalization()):
        layer.build(x.shape)
        layer.set_weights(weights)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * tf.sin(y))
        gradients = tape.gradient(loss, [x, layer.gamma, layer.beta])
        results.append([y, *gradients, layer.moving_mean, layer.moving_variance, layer(x, training=False)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-4, atol=1e-4)


def test_norm_type_is_a_parameter():
    assert isinstance(normalization("batch"), FusedBatchNormalization)
    assert isinstance(normalization("instance"), InstanceNormalization)
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalization("layer")
    model = unet_generator(64, 3, 3, filters=4, norm="batch")
    assert any(isinstance(l, keras.layers.BatchNormalization) for l in model.layers)


def test_reflection_padding_mirrors_the_border():
    x = np.arange(2 * 3 * 4 * 2, dtype="float32").reshape(2, 3, 4, 2)
    expected = np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)], mode="reflect")
    np.testing.assert_array_equal(ReflectionPadding2D(2)(x).numpy(), expected)


@pytest.mark.parametrize("size", [64, 128, 256])
@pytest.mark.parametrize("kind", ["resnet", "unet"])
def test_generator_output_shape_equals_input_shape(kind, size):
    generator = build_generator(kind, size, 3, 3, filters=4, norm="instance", residual_blocks=2)
    images = np.random.RandomState(size).uniform(-1, 1, (1, size, size, 3)).astype("float32")
    outputs = generator(images).numpy()
    assert outputs.shape == images.shape
    assert np.abs(outputs).max() <= 1.0  # tanh


def test_default_generators_follow_the_papers():
    resnet = resnet_generator(256, 3, 3)
    assert sum(isinstance(l, keras.layers.Add) for l in resnet.layers) == 9
    assert sum(isinstance(l, ReflectionPadding2D) for l in resnet.layers) == 2 + 2 * 9
    assert resnet.count_params() == pytest.approx(11.378e6, rel=1e-3)  # the paper's resnet_9blocks
    unet = unet_generator(256, 3, 3)
    downs = [l for l in unet.layers if isinstance(l, keras.layers.Conv2D)
             and not isinstance(l, keras.layers.Conv2DTranspose)]
    assert [c.filters for c in downs] == [64, 128, 256, 512, 512, 512, 512, 512]
    assert all(c.kernel_size == (4, 4) and c.strides == (2, 2) for c in downs)
    assert sum(isinstance(l, keras.layers.Dropout) for l in unet.layers) == 3
    assert sum(isinstance(l, keras.layers.Concatenate) for l in unet.layers) == 7
    assert unet.layers[-1].activation.__name__ == "tanh"


def test_patchgan_gives_30x30_scores_for_256_pixels():
    discriminator = patchgan_discriminator(256, 6)
    assert discriminator.output_shape == (None, 30, 30, 1)
    assert discriminator.count_params() == pytest.approx(2.769e6, rel=1e-2)
    small = patchgan_discriminator(64, 3, filters=4)
    assert small(np.zeros((2, 64, 64, 3), "float32")).shape == (2, 6, 6, 1)


def test_bad_sizes_and_kinds_are_refused():
    with pytest.raises(ValueError, match="power-of-two"):
        unet_generator(96, 3, 3)
    with pytest.raises(ValueError, match="multiple of 4"):
        resnet_generator(30, 3, 3)
    with pytest.raises(ValueError, match="unknown generator"):
        build_generator("vit", 64, 3, 3, 4, "instance")
