"""DCGAN and WGAN-GP: the lab's network shapes, CelebA-layout folders through Beam, real fits."""

import json
import zipfile

import keras
import numpy as np
import pytest
from PIL import Image

from gan_tf.families.dcgan import networks
from gan_tf.families.dcgan.config import DCGANConfig
from gan_tf.families.dcgan.model import DCGAN, WGANGP
from gan_tf.models.base import load_trained_model


def layers_of(model, kind):
    return [layer for layer in model.layers if type(layer) is kind]


def test_default_networks_have_the_lab_shapes_at_64x64():
    model = DCGAN()
    generator, discriminator = model.generator, model.discriminator
    assert generator.input_shape == (None, 100) and generator.output_shape == (None, 64, 64, 3)
    transposed = layers_of(generator, keras.layers.Conv2DTranspose)
    assert [l.filters for l in transposed] == [512, 256, 128, 64, 3]
    assert [l.strides for l in transposed] == [(1, 1)] + [(2, 2)] * 4
    assert [l.output.shape[1] for l in transposed] == [4, 8, 16, 32, 64]
    assert all(l.kernel_size == (4, 4) and not l.use_bias for l in transposed)
    assert len(layers_of(generator, keras.layers.BatchNormalization)) == 4
    assert generator.layers[-1].activation is keras.activations.tanh
    convs = layers_of(discriminator, keras.layers.Conv2D)
    assert [l.filters for l in convs] == [64, 128, 256, 512, 1]
    assert [l.output.shape[1] for l in convs] == [32, 16, 8, 4, 1]
    assert all(l.kernel_size == (4, 4) and not l.use_bias for l in convs)
    assert len(layers_of(discriminator, keras.layers.BatchNormalization)) == 3
    assert discriminator.output_shape == (None, 1)
    assert np.std(transposed[0].kernel.numpy()) == pytest.approx(0.02, rel=0.05)
    images = generator(np.random.randn(2, 100).astype("float32"))
    assert -1.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0


def test_cifar_sized_networks_and_wgan_gp_critic_without_batch_norm():
    model = DCGAN(DCGANConfig.from_preset("wgan_gp", image_shape=(32, 32, 3)))
    assert model.generator.output_shape == (None, 32, 32, 3)
    assert not layers_of(model.discriminator, keras.layers.BatchNormalization)
    assert not any(getattr(l, "activation", None) is keras.activations.sigmoid
                   for l in model.discriminator.layers)
    model.compile()
    assert model.critic_steps == 5 and model.gradient_penalty_weight == 10.0
    assert model.g_optimizer.beta_1 == 0.0 and model.g_optimizer.beta_2 == 0.9
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-4)


def test_bad_shapes_and_batch_norm_with_gradient_penalty_are_refused():
    with pytest.raises(ValueError, match="power of two"):
        networks.build_generator(image_shape=(28, 28, 1))
    with pytest.raises(ValueError, match="no-critic-batch-norm"):
        DCGAN(DCGANConfig(gradient_penalty=10.0))


@pytest.fixture(scope="module")
def celeba_data_dir(tmp_path_factory):
    """A CelebA-layout folder (`img_align_celeba/*.jpg`, 178x218) run through the Beam stage."""
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.image_folder import ImageFolderSource

    root = tmp_path_factory.mktemp("celeba")
    faces = root / "img_align_celeba"
    faces.mkdir()
    rng = np.random.default_rng(0)
    for index in range(16):
        pixels = rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(faces / f"{index + 1:06d}.jpg")
    output = str(tmp_path_factory.mktemp("celeba_records"))
    preprocess.run(ImageFolderSource(str(root), image_size=64, channels=3), output,
                   shards={"train": 2}, strict=True)
    return output


@pytest.mark.parametrize("preset", ["source", "wgan_gp"])
def test_short_fit_on_a_celeba_layout_folder_gives_finite_losses(celeba_data_dir, preset):
    from gan_tf.data.reader import load_metadata

    model_class = DCGAN
    config = DCGANConfig.from_preset(preset, generator_filters=4, discriminator_filters=4, latent_dim=8)
    config = model_class.config_for_data(config, load_metadata(celeba_data_dir))
    assert config.image_shape == (64, 64, 3)
    dataset = model_class.training_dataset(celeba_data_dir, config, batch_size=4)
    batch = next(iter(dataset))
    assert float(np.min(batch)) >= -1.0 and float(np.min(batch)) < -0.5  # tanh range
    model = model_class(config)
    model.compile()
    history = model.fit(dataset, epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0]) and np.isfinite(history["g_loss"][0])
    assert int(model.d_optimizer.iterations.numpy()) == 4 * model.critic_steps
    assert model.monitor_images(4, 0).shape == (4, 64, 64, 3)


def test_wgan_gp_reloads_as_itself_with_its_config(tmp_path):
    model = WGANGP(DCGANConfig.from_preset("wgan_gp", image_shape=(32, 32, 3), generator_filters=4,
                                           discriminator_filters=4, latent_dim=8))
    model.compile()
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is WGANGP and loaded.config == model.config
    assert loaded.critic_steps == 5 and loaded.d_optimizer.beta_2 == 0.9
    latent = np.random.randn(2, 8).astype("float32")
    np.testing.assert_allclose(loaded.generator(latent), model.generator(latent), atol=1e-6)


def test_a_wgan_gp_file_saved_before_the_family_folders_loads(tmp_path):
    """A `.keras` file names its class's module: files saved when WGAN-GP was a family of its
    own name gan_tf.models.dcgan, gone since. Keras finds the class by its registered name."""
    model = WGANGP(DCGANConfig.from_preset("wgan_gp", image_shape=(32, 32, 3), generator_filters=4,
                                           discriminator_filters=4, latent_dim=8))
    path, old = str(tmp_path / "new.keras"), str(tmp_path / "old.keras")
    model.save(path)
    with zipfile.ZipFile(path) as new_file, zipfile.ZipFile(old, "w") as old_file:
        for item in new_file.infolist():
            data = new_file.read(item)
            if item.filename == "config.json":
                saved = json.loads(data)
                assert (saved["module"], saved["registered_name"]) == ("gan_tf.families.dcgan.model", "gan_tf>WGANGP")
                data = json.dumps({**saved, "module": "gan_tf.models.dcgan"})
            old_file.writestr(item, data)
    loaded = load_trained_model(old)
    assert type(loaded) is WGANGP and loaded.config == model.config and loaded.export_name == "wgan_gp"
    latent = np.random.randn(2, 8).astype("float32")
    np.testing.assert_allclose(loaded.generator(latent), model.generator(latent), atol=1e-6)
