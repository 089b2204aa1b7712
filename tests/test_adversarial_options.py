"""Options of the shared adversarial base: losses, the WGAN-GP gradient penalty, critic steps."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.training import losses

TINY_WGAN_GP = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8),
                                latent_dim=16, loss="wasserstein", gradient_penalty=10.0,
                                critic_steps=3)


def linear_critic(weights):
    weights = tf.constant(weights, tf.float32)
    return lambda images: tf.reduce_sum(images * weights, axis=[1, 2, 3])[:, None]


def test_gradient_penalty_is_zero_for_a_unit_linear_critic_and_positive_otherwise():
    rng = np.random.default_rng(0)
    real, fake = (rng.normal(size=(8, 4, 4, 1)).astype("float32") for _ in range(2))
    unit = rng.normal(size=(4, 4, 1))
    unit /= np.linalg.norm(unit)
    assert float(losses.gradient_penalty(linear_critic(unit), real, fake, seed=1)) < 1e-6
    # gradient norm 3 everywhere: penalty (3 - 1)^2 = 4
    np.testing.assert_allclose(
        float(losses.gradient_penalty(linear_critic(3 * unit), real, fake, seed=1)), 4.0, rtol=1e-4)


def test_gradient_penalty_has_finite_gradients_when_the_critic_gradient_is_zero():
    weights = tf.Variable(tf.zeros((1, 4, 4, 1)))
    real = tf.ones((4, 4, 4, 1))
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(
            lambda images: tf.reduce_sum(images * weights, axis=[1, 2, 3]), real, -real, seed=0)
    gradient = tape.gradient(penalty, weights)
    assert float(penalty) == pytest.approx(1.0, abs=1e-5)
    assert np.all(np.isfinite(gradient.numpy()))


def test_gradient_penalty_interpolates_with_one_uniform_weight_per_example():
    seen = []

    def critic(images):
        seen.append(images)
        return tf.reduce_sum(images, axis=[1, 2, 3])

    real = tf.ones((256, 2, 2, 1))
    losses.gradient_penalty(critic, real, tf.zeros_like(real), seed=3)
    alpha = seen[0].numpy()  # real = 1, fake = 0, so the interpolate is alpha itself
    assert np.all(alpha == alpha[:, :1, :1, :])  # one weight per example
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0  # uniform on [0, 1], not normal
    assert 0.4 < alpha.mean() < 0.6 and alpha.std() > 0.2


def test_hinge_and_wasserstein_losses_match_their_formulas():
    real = np.array([[0.5], [1.5], [-2.0]], "float32")
    fake = np.array([[0.2], [-1.4], [3.0]], "float32")
    np.testing.assert_allclose(float(losses.hinge_discriminator_loss(real, fake)),
                               np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)),
                               rtol=1e-6)
    np.testing.assert_allclose(float(losses.hinge_generator_loss(fake)), -fake.mean(), rtol=1e-6)
    np.testing.assert_allclose(float(losses.wasserstein_critic_loss(real, fake)),
                               fake.mean() - real.mean(), rtol=1e-6)
    np.testing.assert_allclose(float(losses.wasserstein_generator_loss(fake)), -fake.mean(), rtol=1e-6)


def test_loss_names_select_the_pairs_and_bad_requests_are_refused():
    assert losses.adversarial_losses("hinge") == (losses.hinge_generator_loss,
                                                  losses.hinge_discriminator_loss)
    assert losses.adversarial_losses("least_squares")[1] is losses.least_squares_discriminator_loss
    with pytest.raises(ValueError, match="unknown adversarial loss"):
        losses.adversarial_losses("wgan")
    with pytest.raises(ValueError, match="bce loss"):
        losses.adversarial_losses("hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match="critic_steps"):
        FashionGAN(FashionGANConfig(critic_steps=0, generator_filters=4, discriminator_filters=(4,)))


def test_critic_steps_update_the_critic_n_times_per_generator_update(small_data_dir):
    model = FashionGAN(TINY_WGAN_GP)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9),
                  d_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9))
    assert model.d_loss_fn is losses.wasserstein_critic_loss
    history = model.fit(make_dataset(small_data_dir, batch_size=32, limit=64), epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations.numpy()) == 2
    assert int(model.d_optimizer.iterations.numpy()) == 6
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])


@pytest.mark.parametrize("loss", ["least_squares", "hinge"])
def test_other_losses_train_the_fashion_gan_networks(small_data_dir, loss):
    model = FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8),
                                        latent_dim=16, loss=loss))
    model.compile()
    history = model.fit(make_dataset(small_data_dir, batch_size=32, limit=64), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])


def test_joint_discriminator_call_matches_two_calls():
    """Without BatchNorm in D, real and fake go through one D call; the logits are those of
    two separate calls (dropout off so both are deterministic)."""
    model = FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), dropout=0.0))
    assert model.joint_discriminator_call
    real = tf.random.uniform((3, 28, 28, 1), seed=1)
    fake = tf.random.uniform((3, 28, 28, 1), seed=2)
    joint = model.discriminate_pair(real, fake)
    np.testing.assert_allclose(joint[0], model.discriminate(real, training=True), atol=1e-5)
    np.testing.assert_allclose(joint[1], model.discriminate(fake, training=True), atol=1e-5)


def test_batch_norm_discriminator_is_called_per_half():
    from gan_tf.families.dcgan.model import DCGAN

    assert not DCGAN().joint_discriminator_call  # DCGAN's critic has BatchNorm


def test_simultaneous_updates_train_both_networks_from_one_forward(small_data_dir):

    config = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=8,
                              simultaneous_updates=True, g_learning_rate=1e-3, d_learning_rate=1e-3)
    model = FashionGAN(config)
    model.compile()
    before = [w.numpy().copy() for w in (model.generator.weights[0], model.discriminator.weights[0])]
    history = model.fit(make_dataset(small_data_dir, batch_size=32, limit=64), epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"]).all() and np.isfinite(history["g_loss"]).all()
    after = (model.generator.weights[0].numpy(), model.discriminator.weights[0].numpy())
    assert all(not np.allclose(b, a) for b, a in zip(before, after))
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 2
    with pytest.raises(ValueError, match="simultaneous_updates needs critic_steps 1"):
        FashionGAN(dataclasses.replace(config, critic_steps=2))
