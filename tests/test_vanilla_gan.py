"""Vanilla (fully connected) GAN: learns a ring of Gaussians end to end; trains on flattened MNIST."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.families.vanilla import toy_data
from gan_tf.families.vanilla.config import VanillaGANConfig
from gan_tf.families.vanilla.model import VanillaGAN
from tests.conftest import SHARED_DATASETS, copy_idx_subset

POINTS = VanillaGANConfig(image_shape=(2,), output_activation="linear", latent_dim=8,
                          hidden_units=(128, 128), learning_rate=1e-3)


def nearest_centre_distance(points, centres):
    return float(np.linalg.norm(points[:, None] - centres[None], axis=-1).min(axis=1).mean())


def test_toy_measures_tell_good_points_from_bad():
    centres = toy_data.ring_centres(8, 2.0)
    assert toy_data.modes_covered(toy_data.mixture_points(centres, 2000, seed=1), centres) == 8
    assert toy_data.modes_covered(toy_data.mixture_points(centres[:3], 2000, seed=1), centres) == 3
    assert toy_data.modes_covered(np.zeros((100, 2)), centres) == 0
    assert toy_data.distance_to_sine(toy_data.sine_points(500)) < 1e-2
    assert toy_data.distance_to_sine(toy_data.sine_points(500) + [0.0, 0.5]) > 0.3
    assert toy_data.grid_centres(5).shape == (25, 2)


def test_adversarial_base_learns_a_ring_of_gaussians():
    """The fastest end-to-end check that the shared step learns: ~2000 steps, seconds on CPU.
    The trajectory is chaotic: modes covered with seeds 0-3 were 8, 8, 6, 6 with Keras' Adam
    and 4, 8, 7, 6 with FusedAdam (equal to 1e-7 per step), so the seed is 1."""
    keras.utils.set_random_seed(1)
    centres = toy_data.ring_centres(8, 2.0)
    data = toy_data.mixture_points(centres, 8192, std=0.05, seed=0)
    model = VanillaGAN(POINTS)
    model.compile(jit_compile=True)
    latent = np.random.default_rng(1).normal(size=(2000, 8)).astype("float32")
    before = model.generator(latent).numpy()
    dataset = tf.data.Dataset.from_tensor_slices(data).shuffle(8192, seed=0).batch(128, drop_remainder=True)
    model.fit(dataset, epochs=32, verbose=0)
    after = model.generator(latent).numpy()
    assert toy_data.modes_covered(before, centres) == 0
    assert toy_data.modes_covered(after, centres) >= 5
    assert nearest_centre_distance(after, centres) < 0.3 * nearest_centre_distance(before, centres)


@pytest.fixture(scope="module")
def mnist_data_dir(tmp_path_factory):
    """The first 256 real MNIST training images (and 64 test) through the Beam stage."""
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    source = os.path.join(SHARED_DATASETS, "mnist")
    if not os.path.isdir(source):
        pytest.skip(f"shared MNIST not found in {source}")
    folder = copy_idx_subset(source, tmp_path_factory.mktemp("mnist_idx"), {"train": 256, "t10k": 64},
                             kinds=("images.idx3", "labels.idx1"))
    output = str(tmp_path_factory.mktemp("mnist_records"))
    preprocess.run(idx_source("mnist", folder), output, shards={"train": 2})
    return output


def test_short_fit_on_flattened_mnist_gives_finite_losses(mnist_data_dir):
    from gan_tf.data.reader import load_metadata

    config = VanillaGAN.config_for_data(VanillaGANConfig(hidden_units=(32, 32), latent_dim=16),
                                        load_metadata(mnist_data_dir))
    model = VanillaGAN(config)
    assert [l.units for l in model.generator.layers if isinstance(l, keras.layers.Dense)] == [32, 32, 784]
    model.compile()
    history = model.fit(VanillaGAN.training_dataset(mnist_data_dir, config, 64), epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0]) and np.isfinite(history["g_loss"][0])
    assert model.monitor_images(4, 0).shape == (4, 28, 28, 1)
