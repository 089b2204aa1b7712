"""VAE and CVAE: reported metrics, learning, evaluation without updates, pictures, CLI."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import cli
from gan_tf.families.cvae.config import CVAEConfig
from gan_tf.families.cvae.model import CVAE
from gan_tf.families.vae.config import VAEConfig
from gan_tf.families.vae.model import VAE
from gan_tf.metrics.classifier import build_domain_classifier
from gan_tf.training.callbacks import PictureMonitor
from gan_tf.serving.signatures.latent import images as served_images
from tests.conftest import read_idx

METRICS = {"loss", "reconstruction_loss", "kl_loss"}


@pytest.fixture(scope="module")
def fashion(fashion_mnist_files):
    """The first 3000 real Fashion-MNIST training images in [0, 1] and their labels."""
    images = read_idx(os.path.join(fashion_mnist_files, "train-images-idx3-ubyte.gz"), 3000)
    labels = read_idx(os.path.join(fashion_mnist_files, "train-labels-idx1-ubyte.gz"), 3000)
    return images[..., None].astype("float32") / 255.0, labels.astype("int32")


def test_networks_follow_the_source_architecture():
    model = VAE()
    assert model.encoder.output_shape == [(None, 2), (None, 2)]
    assert model.decoder.output_shape == (None, 28, 28, 1)
    kinds = [type(layer).__name__ for layer in model.encoder.layers]
    assert kinds.count("Conv2D") == 3 and kinds.count("Dropout") == 2
    assert [l.units for l in model.encoder.layers if type(l).__name__ == "Dense"] == [64, 16, 2, 2]
    assert model.decoder.layers[-1].activation.__name__ == "sigmoid"
    cvae = CVAE()
    assert [tuple(i.shape) for i in cvae.encoder.inputs] == [(None, 28, 28, 1), (None, 10)]
    assert [tuple(i.shape) for i in cvae.decoder.inputs] == [(None, 2), (None, 10)]
    assert VAE(VAEConfig(latent_dim=5)).encoder.output_shape == [(None, 5), (None, 5)]


def test_mlp_architecture_is_fully_connected_with_mirrored_widths():
    config = CVAEConfig(architecture="mlp", hidden_units=(64, 32))
    model = CVAE(config)
    dense = lambda net: [l.units for l in net.layers if type(l).__name__ == "Dense"]
    assert dense(model.encoder) == [64, 32, 2, 2]
    assert dense(model.decoder) == [32, 64, 784]
    assert not [l for l in model.encoder.layers + model.decoder.layers if "Conv" in type(l).__name__]
    assert [tuple(i.shape) for i in model.encoder.inputs] == [(None, 28, 28, 1), (None, 10)]
    assert model.decoder.output_shape == (None, 28, 28, 1)
    with pytest.raises(ValueError, match="architecture must be 'source' or 'mlp'"):
        VAE(VAEConfig(architecture="resnet"))


def test_mlp_vae_loss_falls_when_overfitting_a_small_batch(fashion):
    images = fashion[0][:32]
    keras.utils.set_random_seed(0)
    model = VAE(VAEConfig(architecture="mlp", hidden_units=(128, 64)))
    model.compile()
    first = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)["loss"]
    model.fit(images, batch_size=32, epochs=60, verbose=0)
    last = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)["loss"]
    assert last < 0.8 * first, (first, last)


@pytest.mark.parametrize("model_class", [VAE, CVAE])
def test_fit_and_evaluate_report_exactly_the_three_losses(model_class, fashion):
    images, labels = fashion[0][:64], fashion[1][:64]
    data = (images, labels) if model_class.uses_labels else (images,)
    model = model_class()
    model.compile()
    history = model.fit(*data, batch_size=32, epochs=1, verbose=0)
    assert set(history.history) == METRICS
    result = model.evaluate(*data, batch_size=32, verbose=0, return_dict=True)
    assert set(result) == METRICS
    assert all(np.isfinite(v) for v in result.values())
    assert result["loss"] == pytest.approx(result["reconstruction_loss"] + result["kl_loss"], rel=1e-5)
    assert result["kl_loss"] >= 0


def test_loss_falls_when_overfitting_a_small_batch(fashion):
    images = fashion[0][:32]
    keras.utils.set_random_seed(0)
    model = VAE()
    model.compile()
    first = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)["loss"]
    model.fit(images, batch_size=32, epochs=60, verbose=0)
    last = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)["loss"]
    assert last < 0.8 * first, (first, last)


def test_test_step_does_not_change_weights(fashion):
    images, labels = fashion[0][:64], fashion[1][:64]
    model = CVAE()
    model.compile()
    before = [w.numpy().copy() for w in model.encoder.weights + model.decoder.weights]
    iterations = int(model.optimizer.iterations)
    model.evaluate(images, labels, batch_size=32, verbose=0)
    after = [w.numpy() for w in model.encoder.weights + model.decoder.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert int(model.optimizer.iterations) == iterations


def test_cvae_without_labels_and_compile_with_a_loss_are_refused(fashion):
    model = CVAE()
    with pytest.raises(ValueError, match="computes its own loss"):
        model.compile(loss="mse")
    model.compile()
    with pytest.raises(ValueError, match="labels"):
        model.fit(fashion[0][:32], batch_size=32, epochs=1, verbose=0)


def test_saved_model_file_reloads_with_its_optimizer_state(fashion, tmp_path):
    model = CVAE()
    model.compile()
    model.fit(fashion[0][:64], fashion[1][:64], batch_size=32, epochs=1, verbose=0)
    path = str(tmp_path / "cvae.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, CVAE) and int(loaded.optimizer.iterations) == 2
    latent, labels = model.seeded_latent(4, 1), tf.constant([0, 1, 2, 3])
    np.testing.assert_array_equal(served_images(loaded, latent, labels), served_images(model, latent, labels))


def classifier(images, labels):
    """The domain classifier (pixel values 0-255) trained on the same real images."""
    keras.utils.set_random_seed(1)
    model = build_domain_classifier((28, 28, 1), 10)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images * 255.0, labels, batch_size=64, epochs=3, verbose=0)
    return model


def test_cvae_samples_are_classified_as_their_conditioning_label(fashion):
    images, labels = fashion
    keras.utils.set_random_seed(0)
    model = CVAE()
    model.compile()
    model.fit(images, labels, batch_size=64, epochs=2, verbose=0)
    reader = classifier(images, labels)
    wanted = np.repeat(np.arange(10), 50)
    samples = served_images(model, model.seeded_latent(len(wanted), 0), wanted)
    predicted = reader.predict(samples.numpy().astype("float32"), verbose=0).argmax(axis=1)
    agreement = float(np.mean(predicted == wanted))
    assert agreement > 0.5, agreement  # chance is 0.1


def test_pictures_are_written_as_png_and_to_tensorboard(fashion, tmp_path):
    images, labels = fashion[0][:300], fashion[1][:300]
    for model in (VAE(), CVAE()):
        model.compile()
        output, logs = tmp_path / type(model).__name__ / "samples", tmp_path / type(model).__name__ / "logs"
        monitor = PictureMonitor(str(output), str(logs), images, labels, [f"c{k}" for k in range(10)])
        data = (images[:32], labels[:32]) if model.uses_labels else (images[:32],)
        model.fit(*data, batch_size=32, epochs=1, verbose=0, callbacks=[monitor])
        grid_name = "class_grid" if model.uses_labels else "latent_grid"
        assert sorted(os.listdir(output)) == sorted([f"{grid_name}_epoch_0001.png", "latent_scatter_epoch_0001.png"])
        grid = tf.io.decode_png(tf.io.read_file(str(output / f"{grid_name}_epoch_0001.png"))).numpy()
        assert grid.shape == (10 * 30 + 2, 10 * 30 + 2, 1)  # 10x10 pictures of 28 px + padding
        scatter = tf.io.decode_png(tf.io.read_file(str(output / "latent_scatter_epoch_0001.png"))).numpy()
        assert scatter.shape[-1] == 3 and len(np.unique(scatter.reshape(-1, 3), axis=0)) > 10
        assert os.listdir(logs / "images")


def test_latent_grid_is_regular_over_the_first_two_axes():
    points = VAE(VAEConfig(latent_dim=3)).latent_grid(side=10, extent=2.0)
    assert points.shape == (100, 3)
    np.testing.assert_allclose(points[:10, 0], np.linspace(-2, 2, 10), rtol=1e-6)
    np.testing.assert_allclose(points[::10, 1], np.linspace(2, -2, 10), rtol=1e-6)
    assert not points[:, 2].any()


@pytest.mark.parametrize("family", ["vae", "cvae"])
def test_cli_trains_and_exports(family, small_data_dir, tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", family, "--data", small_data_dir, "--run-dir", run_dir, "--epochs", "1",
                     "--batch-size", "32", "--limit", "64", "--monitor-images", "4", "--no-jit"]) == 0
    samples = sorted(os.listdir(os.path.join(run_dir, "samples")))
    grid = "class_grid" if family == "cvae" else "latent_grid"
    assert samples == sorted(["epoch_0001.png", f"{grid}_epoch_0001.png", "latent_scatter_epoch_0001.png"])
    saved = str(tmp_path / "saved_models")
    assert cli.main(["export", run_dir, "--output", saved]) == 0
    assert os.listdir(os.path.join(saved, family)) == ["1"]
    loaded = tf.saved_model.load(os.path.join(saved, family, "1"))
    assert set(loaded.signatures) == {"serving_default", "encode", "decode"}
    grid = str(tmp_path / "grid.png")
    assert cli.main(["sample", "--model", os.path.join(saved, family), "--count", "4", "--output", grid]) == 0
    assert tf.io.decode_png(tf.io.read_file(grid)).shape == (62, 62, 1)
