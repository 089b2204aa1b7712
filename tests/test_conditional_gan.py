"""Conditional GAN: labels drive the generator, real labelled fits, one monitor row per class, export."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data.reader import load_metadata
from gan_tf.families.cgan.config import ConditionalGANConfig
from gan_tf.families.cgan.model import ConditionalGAN
from gan_tf.serving import export
from gan_tf.training.callbacks import ModelMonitor
from gan_tf.serving.signatures.latent import images as served_images

TINY = ConditionalGANConfig(latent_dim=8, embedding_dim=4, generator_filters=8,
                            discriminator_filters=8)


@pytest.fixture(scope="module")
def model():
    return ConditionalGAN(TINY)


def test_generator_output_changes_with_the_label_for_a_fixed_latent(model):
    latent = np.repeat(np.random.default_rng(0).normal(size=(1, 8)).astype("float32"), 10, axis=0)
    images = model.generate(latent, np.arange(10), training=False).numpy()
    assert images.shape == (10, 28, 28, 1)
    assert -1.0 <= images.min() and images.max() <= 1.0
    differences = [np.abs(images[i] - images[0]).max() for i in range(1, 10)]
    assert min(differences) > 1e-4
    again = model.generate(latent, np.arange(10), training=False).numpy()
    np.testing.assert_array_equal(images, again)


def test_discriminator_score_depends_on_the_label(model):
    image = np.full((2, 28, 28, 1), 0.5, "float32")
    scores = model.discriminate(image, np.array([0, 1]), training=False).numpy()
    assert scores.shape == (2, 1) and scores[0, 0] != scores[1, 0]


def test_classes_come_from_the_data_and_unlabelled_data_is_refused(small_data_dir):
    config = ConditionalGAN.config_for_data(ConditionalGANConfig(num_classes=3),
                                            load_metadata(small_data_dir))
    assert config.num_classes == 10 and config.image_shape == (28, 28, 1)
    with pytest.raises(ValueError, match="labelled data"):
        ConditionalGAN.config_for_data(TINY, {"image_shape": [64, 64, 3], "num_classes": 0})


def test_short_real_fit_on_labelled_fashion_mnist_gives_finite_losses(small_data_dir):
    model = ConditionalGAN(TINY)
    model.compile()
    dataset = ConditionalGAN.training_dataset(small_data_dir, TINY, batch_size=32, limit=128)
    images, labels = next(iter(dataset))
    assert images.shape == (32, 28, 28, 1) and labels.shape == (32,)
    before = [w.numpy() for w in model.generator.trainable_weights]
    history = model.fit(dataset, epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0]) and np.isfinite(history["g_loss"][0])
    assert all(not np.allclose(b, w.numpy()) for b, w in zip(before, model.generator.trainable_weights))


def test_monitor_grid_has_one_row_per_class(model, tmp_path):
    monitor = ModelMonitor(str(tmp_path), num_images=25)
    monitor.set_model(model)
    grid = monitor.grid()
    assert grid.shape == (10 * 30 + 2, 3 * 30 + 2, 1)  # 10 rows of 3, 28 px + 2 px padding
    images = model.monitor_images(25, 0).numpy()
    # the same latent down each column: rows differ only by the class
    np.testing.assert_array_equal(images[0], served_images(model,
        model.seeded_latent(3, 0)[:1], tf.constant([0])).numpy()[0])


def test_export_takes_labels_and_matches_keras(model, tmp_path):
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "cgan"))
    assert set(loaded.signatures) == {"serving_default", "sample", "serving_default_label"}
    latent = tf.random.normal([4, 8], seed=2)
    labels = tf.constant([0, 3, 7, 9], tf.int32)
    images = loaded.signatures["serving_default"](latent=latent, labels=labels)["images"]
    assert images.dtype == tf.uint8 and images.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(images.numpy(), served_images(model, latent, labels).numpy())
    sampled = loaded.signatures["sample"](count=tf.constant(12), seed=tf.constant(5, tf.int64))
    np.testing.assert_array_equal(sampled["labels"].numpy(), np.arange(12) % 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be < 10"):
        loaded.signatures["serving_default"](latent=latent[:1], labels=tf.constant([10]))
    # The input's old name, kept for one release in its own signature.
    np.testing.assert_array_equal(
        loaded.signatures["serving_default_label"](latent=latent, label=labels)["images"].numpy(),
        images.numpy())
