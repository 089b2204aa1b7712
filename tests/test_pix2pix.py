"""pix2pix: real facades pairs, colourisation of an image folder, L1 falling, export."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data.reader import load_metadata
from gan_tf.families.pix2pix.config import Pix2PixConfig
from gan_tf.families.pix2pix.model import Pix2Pix
from gan_tf.serving import export

TINY = Pix2PixConfig(image_size=64, generator_filters=4, discriminator_filters=4)


def test_real_facades_fit_gives_finite_separate_losses_and_l1_falls(small_facades_data):
    keras.utils.set_random_seed(0)
    config = Pix2PixConfig(**{**TINY.to_dict(), "jitter": False, "generator_filters": 8})
    config = Pix2Pix.config_for_data(config, load_metadata(small_facades_data))
    assert (config.input_channels, config.output_channels) == (3, 3)
    model = Pix2Pix(config)
    model.compile(g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    dataset = Pix2Pix.training_dataset(small_facades_data, config, batch_size=2)
    history = model.fit(dataset, epochs=24, verbose=0)
    assert set(history.history) == {"g_loss", "l1_loss", "d_loss"}
    for values in history.history.values():
        assert np.all(np.isfinite(values))
    l1 = history.history["l1_loss"]
    assert l1[-1] < 0.8 * l1[0]  # overfitting six pairs: the L1 term falls


def test_colourisation_of_an_image_folder(small_horse2zebra_dir, tmp_path, monkeypatch):
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.image_folder import ImageFolderSource

    data = str(tmp_path / "records")
    preprocess.run(ImageFolderSource(f"{small_horse2zebra_dir}/trainB", 64), data, shards={"train": 1})
    config = Pix2Pix.config_for_data(TINY, load_metadata(data))
    assert (config.input_channels, config.output_channels) == (1, 3)
    inputs, targets = next(iter(Pix2Pix.read_pairs(data, "train", config, 4, training=False)))
    grey = tf.image.rgb_to_grayscale(targets)
    np.testing.assert_allclose(inputs, grey, atol=1e-3)  # input is the target's grey version
    model = Pix2Pix(config)
    model.compile()
    history = model.fit(Pix2Pix.training_dataset(data, config, batch_size=4), epochs=1, verbose=0)
    assert np.isfinite(history.history["l1_loss"][0])
    model.use_data_for_monitoring(data, 6)
    grid = model.monitor_images(6, 0).numpy()
    assert grid.shape == (6, 64, 64, 3)
    path = export.export(model, str(tmp_path / "saved"), "pix2pix_colour")
    loaded = tf.saved_model.load(path)
    pictures = np.random.RandomState(1).randint(0, 256, (2, 64, 64, 1)).astype(np.uint8)
    out = loaded.signatures["translate"](images=tf.constant(pictures))["images"].numpy()
    expected = model.to_uint8(model.generator(pictures / 127.5 - 1.0, training=False)).numpy()
    assert out.shape == (2, 64, 64, 3) and np.abs(out.astype(int) - expected.astype(int)).max() <= 1
    assert loaded.signatures["serving_default"](images=tf.constant(pictures[:, :32]))["images"].shape == (2, 32, 64, 3)
    # The colour it adds keeps the grey it was given (up to uint8 rounding and clipping).
    kept = tf.image.rgb_to_grayscale(out.astype(np.float32)).numpy()
    unclipped = (out.min(-1, keepdims=True) > 0) & (out.max(-1, keepdims=True) < 255)
    assert unclipped.mean() > 0.5
    assert np.abs(kept - pictures)[unclipped].max() <= 1.5


def test_keep_luminance_sets_the_luminance_and_passes_only_colour_gradients():
    from gan_tf.networks.layers import KeepLuminance

    grey = tf.constant(np.random.RandomState(0).uniform(-0.5, 0.5, (2, 8, 8, 1)), tf.float32)
    colour = tf.Variable(np.random.RandomState(1).uniform(-0.4, 0.4, (2, 8, 8, 3)), dtype=tf.float32)
    with tf.GradientTape() as tape:
        out = KeepLuminance()([grey, colour])
        lightness = tf.reduce_sum(tf.image.rgb_to_grayscale(out))
    np.testing.assert_allclose(tf.image.rgb_to_grayscale(out), grey, atol=1e-4)
    # The luminance is the input's whatever the colour: no gradient reaches the colour through it.
    np.testing.assert_allclose(tape.gradient(lightness, colour), 0.0, atol=1e-3)
    with pytest.raises(ValueError, match="grey input and a colour output"):
        from gan_tf.networks.image_to_image import unet_generator
        unet_generator(16, 3, 3, 4, keep_luminance=True)


def test_the_colourise_preset_is_fast_with_a_generator_average():
    """`--preset colourise` (docs/families/pix2pix.md: chosen on the photos' val split) differs
    from `fast` only in the 0.997 average of the generator that translates outside training."""
    from gan_tf.training.driver import resolve_config

    model_class, colourise = resolve_config("pix2pix", preset="colourise")
    fast = resolve_config("pix2pix", preset="fast")[1]
    assert model_class is Pix2Pix and colourise.generator_ema == 0.997 and fast.generator_ema == 0.0
    assert dataclasses.replace(colourise, generator_ema=0.0) == fast


def test_colourisation_needs_colour_images(small_data_dir):
    with pytest.raises(ValueError, match="colour"):
        Pix2Pix.config_for_data(TINY, load_metadata(small_data_dir))


def test_discriminator_sees_input_and_target_stacked():
    model = Pix2Pix(TINY)
    assert model.discriminator.input_shape == (None, 64, 64, 6)
    assert model.discriminator.output_shape == (None, 6, 6, 1)
    assert model.generator.output_shape == (None, 64, 64, 3)
