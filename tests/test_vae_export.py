"""VAE/CVAE export: encode, decode and prior sampling round trips through a SavedModel."""

import os

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.families.cvae.model import CVAE
from gan_tf.families.vae.model import VAE
from gan_tf.serving import export
from gan_tf.serving.signatures.latent import images as served_images


@pytest.fixture(scope="module")
def images():
    return tf.cast(tf.random.stateless_uniform([6, 28, 28, 1], [1, 2], maxval=256, dtype=tf.int32), tf.uint8)


def test_vae_export_round_trip(images, tmp_path):
    model = VAE()
    path = export.export(model, str(tmp_path), "vae")
    assert path == os.path.join(str(tmp_path), "vae", "1")
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "encode", "decode"}
    assert len(loaded.variables) == len(model.encoder.variables) + len(model.decoder.variables)
    encoded = loaded.signatures["encode"](images=images)
    mean, log_var = model.encode(tf.cast(images, tf.float32) / 255.0)
    np.testing.assert_allclose(encoded["mean"], mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(encoded["log_var"], log_var, rtol=1e-5, atol=1e-6)
    decoded = loaded.signatures["decode"](latent=encoded["mean"])["images"]
    assert decoded.dtype == tf.uint8 and decoded.shape == (6, 28, 28, 1)
    np.testing.assert_array_equal(decoded, served_images(model, mean))
    first = loaded.signatures["serving_default"](count=tf.constant(4), seed=tf.constant(9, tf.int64))
    again = loaded.signatures["serving_default"](count=tf.constant(4), seed=tf.constant(9, tf.int64))
    np.testing.assert_array_equal(first["images"], again["images"])
    np.testing.assert_array_equal(first["images"], served_images(model, first["latent"]))
    assert first["latent"].shape == (4, 2)


def test_cvae_export_round_trip_and_label_checks(images, tmp_path):
    model = CVAE()
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "cvae"))
    labels = tf.constant([0, 1, 2, 3, 8, 9])
    encoded = loaded.signatures["encode"](images=images, labels=labels)
    mean, _ = model.encode(tf.cast(images, tf.float32) / 255.0, labels)
    np.testing.assert_allclose(encoded["mean"], mean, rtol=1e-5, atol=1e-6)
    decoded = loaded.signatures["decode"](latent=encoded["mean"], labels=labels)["images"]
    np.testing.assert_array_equal(decoded, served_images(model, mean, labels))
    sampled = loaded.signatures["serving_default"](count=tf.constant(6), seed=tf.constant(1, tf.int64),
                                                   labels=labels)
    np.testing.assert_array_equal(sampled["images"], served_images(model, sampled["latent"], labels))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be < 10"):
        loaded.signatures["decode"](latent=tf.zeros([1, 2]), labels=tf.constant([10]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="one label per image"):
        loaded.signatures["serving_default"](count=tf.constant(3), seed=tf.constant(1, tf.int64),
                                             labels=tf.constant([1]))
