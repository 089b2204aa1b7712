"""The generator average (`gan_tf.training.averaging`): its update formula and ramp, and `generator_ema`
on the latent GANs and the image-to-image families: each averaged generator follows the trained
one update by update and draws every image outside training: samples or translations, `call`,
the SavedModel and a reloaded `.keras` file."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data.reader import load_metadata, make_dataset, scale_images
from gan_tf.families.cgan.config import ConditionalGANConfig
from gan_tf.families.cgan.model import ConditionalGAN
from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.families.pix2pix.config import Pix2PixConfig
from gan_tf.families.pix2pix.model import Pix2Pix
from gan_tf.models.base import load_trained_model
from gan_tf.serving import export
from gan_tf.training import averaging
from gan_tf.viz.images import to_uint8
from tests.average_checks import fit_and_check_average


def fashion_gan(data_dir):
    """The source's FashionGAN step: D then G, two generator forwards."""
    return FashionGAN(FashionGANConfig(generator_ema=0.3)), make_dataset(data_dir, batch_size=32, limit=128)


def conditional_gan(data_dir):
    """A tiny cGAN with one generator forward per step (`simultaneous_updates`)."""
    config = ConditionalGAN.config_for_data(
        ConditionalGANConfig(latent_dim=8, embedding_dim=4, generator_filters=8, discriminator_filters=8,
                             simultaneous_updates=True, generator_ema=0.3),
        load_metadata(data_dir))
    return ConditionalGAN(config), ConditionalGAN.training_dataset(data_dir, config, batch_size=32, limit=128)


def test_moving_average_follows_the_formula_and_ramps_up_its_decay():
    network = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    averaged = averaging.averaged_copy(network)
    assert not averaged.trainable_weights
    start = [w.numpy() for w in averaged.weights]
    for w in network.weights:
        w.assign(w.numpy() + 1.0)
    averaging.update_average(averaged, network, 0.9)
    for before, now, target in zip(start, averaged.weights, network.weights):
        np.testing.assert_allclose(now.numpy(), 0.9 * before + 0.1 * target.numpy(), rtol=1e-6)
    assert float(averaging.ramped_decay(0.999, 0)) == pytest.approx(0.1)
    assert float(averaging.ramped_decay(0.999, 90)) == pytest.approx(91 / 100)
    assert float(averaging.ramped_decay(0.999, 10**6)) == pytest.approx(0.999)


@pytest.mark.parametrize("make", [fashion_gan, conditional_gan])
def test_averaged_generator_follows_training_and_draws_outside_it(make, small_data_dir, tmp_path):
    model, dataset = make(small_data_dir)
    model.compile()
    fit_and_check_average(model, dataset, 0.3)

    drawn = model.sample(6, tf.constant(4, tf.int64))
    inputs = [drawn["latent"]] + ([] if "labels" not in drawn else [drawn["labels"]])
    by_average = model.averaged_generator(inputs if len(inputs) > 1 else inputs[0], training=False)
    by_trained = model.generator(inputs if len(inputs) > 1 else inputs[0], training=False)
    np.testing.assert_array_equal(drawn["images"].numpy(), to_uint8(by_average, model.value_range).numpy())
    assert not np.array_equal(drawn["images"].numpy(), to_uint8(by_trained, model.value_range).numpy())
    if "labels" not in drawn:
        np.testing.assert_allclose(model(drawn["latent"]).numpy(), by_average.numpy(), rtol=1e-6)

    served = tf.saved_model.load(export.export(model, str(tmp_path / "export"), "model"))
    np.testing.assert_array_equal(
        served.signatures["sample"](count=tf.constant(6), seed=tf.constant(4, tf.int64))["images"].numpy(),
        drawn["images"].numpy())
    path = str(tmp_path / "model.keras")
    model.save(path)
    np.testing.assert_array_equal(load_trained_model(path).sample(6, tf.constant(4, tf.int64))["images"].numpy(),
                                  drawn["images"].numpy())


def cyclegan(data_dir):
    config = CycleGANConfig(image_size=32, generator_filters=4, residual_blocks=1, discriminator_filters=4,
                            jitter=False, generator_ema=0.3)
    return CycleGAN(config), CycleGAN.training_dataset(data_dir, config, batch_size=2)


def pix2pix(data_dir):
    config = Pix2Pix.config_for_data(
        Pix2PixConfig(image_size=32, generator_filters=4, discriminator_filters=4, generator_ema=0.3),
        load_metadata(data_dir))
    return Pix2Pix(config), Pix2Pix.training_dataset(data_dir, config, batch_size=2)


@pytest.mark.parametrize("make, data", [(cyclegan, "small_horse2zebra_data"), (pix2pix, "small_facades_data")])
def test_averaged_generators_of_image_to_image_families_translate_outside_training(make, data, request, tmp_path):
    model, dataset = make(request.getfixturevalue(data))
    model.compile(jit_compile=False)
    fit_and_check_average(model, dataset, 0.3, model.averaged_names)

    images = tf.constant(np.random.default_rng(0).integers(0, 256, (2, 32, 32, model.generators[0].input_shape[-1])),
                         tf.uint8)
    served = tf.saved_model.load(export.export(model, str(tmp_path / "export"), "model"))
    reloaded_path = str(tmp_path / "model.keras")
    model.save(reloaded_path)
    reloaded = load_trained_model(reloaded_path)
    pixels = scale_images(images, model.value_range)  # as the signatures feed the generators
    for (signature, network), name in zip(model.translation_networks().items(), model.averaged_names):
        assert network is getattr(model, f"averaged_{name}")
        by_average = network(pixels, training=False)
        by_trained = getattr(model, name)(pixels, training=False)
        assert not np.array_equal(model.to_uint8(by_average).numpy(), model.to_uint8(by_trained).numpy())
        np.testing.assert_allclose(served.signatures[signature](images=images)["images"].numpy(),
                                   model.to_uint8(by_average).numpy(), atol=1)
        np.testing.assert_allclose(reloaded.translation_networks()[signature](pixels, training=False).numpy(),
                                   by_average.numpy(), rtol=1e-5, atol=1e-5)


def test_decay_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="generator_ema is a decay"):
        FashionGAN(dataclasses.replace(FashionGANConfig(), generator_ema=1.0))
