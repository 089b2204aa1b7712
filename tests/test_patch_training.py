"""Patch training (`load_size` above `image_size`) and resize-convolution upsampling: the
networks see crops of the picture at `load_size`, and the export translates whole images at
that scale in tiles; `upsample="resize"` builds generators without transposed convolutions."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data import jitter
from gan_tf.data.reader import load_metadata
from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.families.pix2pix.config import Pix2PixConfig
from gan_tf.families.pix2pix.model import Pix2Pix
from gan_tf.metrics import translation
from gan_tf.networks.image_to_image import build_generator
from gan_tf.serving import export, tiling

PATCHES = {"image_size": 32, "load_size": 64, "generator_filters": 4, "discriminator_filters": 4}


def test_jitter_at_a_load_size_crops_that_picture_unscaled():
    image = tf.constant(np.random.RandomState(0).randint(0, 256, (48, 48, 3)), tf.uint8)
    loaded = jitter.resize((image,), 64)[0].numpy()
    crops = [jitter.random_jitter((image,), 16, load=64, flip=False)[0].numpy() for _ in range(6)]
    for crop in crops:
        assert crop.shape == (16, 16, 3)
        windows = np.lib.stride_tricks.sliding_window_view(loaded, (16, 16, 3))[:, :, 0]
        assert np.any(np.all(np.isclose(windows, crop), axis=(2, 3, 4)))  # a window of the picture
    assert len({crop.tobytes() for crop in crops}) > 1


def test_patch_trained_pix2pix_trains_on_crops_and_serves_whole_images_in_tiles(small_facades_data, tmp_path):
    config = Pix2Pix.config_for_data(Pix2PixConfig(**PATCHES), load_metadata(small_facades_data))
    model = Pix2Pix(config)
    model.compile()
    inputs, targets = next(iter(Pix2Pix.training_dataset(small_facades_data, config, batch_size=2)))
    assert inputs.shape == targets.shape == (2, 32, 32, 3)
    history = model.fit(Pix2Pix.training_dataset(small_facades_data, config, batch_size=2), epochs=1, verbose=0,
                        shuffle=False)
    assert np.isfinite(history.history["l1_loss"]).all()

    images, _ = translation.paired_test_images(small_facades_data, "val")  # 64 x 64
    images = np.concatenate([images, images[:, :40]], 1)  # 104 x 64: resized to 64 x 64 and back
    pixels, _ = tiling.pixel_translator(model.generator)
    expected = tiling.tiled(tf.image.resize(tf.cast(images, tf.float32), [64, 64]), pixels, 32, 4, match_tone=True)
    expected = np.asarray(tf.cast(tf.round(tf.clip_by_value(tf.image.resize(expected, [104, 64]), 0, 255)), tf.uint8))
    served = translation.translate(model, images)
    assert served.shape == images.shape
    np.testing.assert_allclose(served, expected, atol=1)  # graph vs eager float rounding
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "pix2pix"))
    np.testing.assert_allclose(loaded.signatures["translate"](images=tf.constant(images))["images"].numpy(), served,
                               atol=1)  # the SavedModel's graph rounds as the eager translation does, to 1 level


def test_patch_trained_monitor_shows_central_crops_at_the_load_size(small_horse2zebra_data):
    model = CycleGAN(CycleGAN.config_for_data(CycleGANConfig(**PATCHES, residual_blocks=1),
                                              load_metadata(small_horse2zebra_data)))
    model.use_data_for_monitoring(small_horse2zebra_data, 6)
    stored = translation.split_images(small_horse2zebra_data, "testA")[:1]  # 64 x 64 = load size
    np.testing.assert_allclose((model.monitor_inputs[0][0] + 1) * 127.5, stored[0, 16:48, 16:48], atol=1e-3)


def test_load_size_below_the_crop_is_refused():
    with pytest.raises(ValueError, match=r"load_size \(16\) must be 0 .* at least image_size \(32\)"):
        Pix2Pix(Pix2PixConfig(**{**PATCHES, "load_size": 16}))


@pytest.mark.parametrize("kind", ["unet", "resnet"])
def test_resize_upsampling_builds_generators_without_transposed_convolutions(kind):
    network = build_generator(kind, 32, 1, 3, 4, "instance", residual_blocks=1, upsample="resize")
    assert network.output_shape == (None, 32, 32, 3)
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in network.layers)
    assert any(isinstance(layer, keras.layers.UpSampling2D) for layer in network.layers)
    transposed = build_generator(kind, 32, 1, 3, 4, "instance", residual_blocks=1)
    assert any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in transposed.layers)
    with pytest.raises(ValueError, match="unknown upsample 'bicubic'"):
        build_generator(kind, 32, 1, 3, 4, "instance", residual_blocks=1, upsample="bicubic")
