"""Mixed precision: hidden layers in float16/bfloat16, outputs and losses in float32, and
loss scaling for both of a GAN's optimizers under mixed_float16."""

import keras
import numpy as np
import pytest

from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.families.vae.config import VAEConfig
from gan_tf.families.vae.model import VAE
from gan_tf.training import distribute

TINY_GAN = FashionGANConfig(latent_dim=8, generator_filters=8, discriminator_filters=(4, 8))


@pytest.fixture
def policy():
    """Sets a global dtype policy for one test and restores float32 afterwards."""
    yield lambda name: distribute.set_mixed_precision(policy=name)
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", ["mixed_bfloat16", "mixed_float16"])
def test_gan_outputs_and_losses_stay_float32(policy, name):
    policy(name)
    model = FashionGAN(TINY_GAN)
    model.compile(jit_compile=False)
    assert model.generator.layers[1].compute_dtype == name.split("_")[1]  # hidden layers
    wrapped = isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == (name == "mixed_float16")  # bfloat16 has float32's range: no scaling
    latent = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    images = model.generator(latent)
    assert images.dtype == "float32"
    assert model.discriminator(images).dtype == "float32"
    assert all(w.dtype == "float32" for w in model.weights if w.dtype.startswith("float"))
    real = np.random.default_rng(1).uniform(size=(16, 28, 28, 1)).astype(np.float32)
    history = model.fit(real, batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in history.values())
    assert set(history) == {"d_loss", "g_loss"}


def test_vae_losses_stay_finite_under_mixed_float16(policy):
    policy("mixed_float16")
    model = VAE(VAEConfig())
    model.compile(jit_compile=False)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    images = np.random.default_rng(2).uniform(size=(8, 28, 28, 1)).astype(np.float32)
    mean, log_var = model.encode(images)
    assert mean.dtype == log_var.dtype == model.generate(mean).dtype == "float32"
    history = model.fit(images, batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in history.values())


def test_policy_name_follows_the_hardware():
    import tensorflow as tf

    expected = "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"
    assert distribute.mixed_precision_policy_name() == expected
