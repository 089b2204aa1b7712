"""Shared variational pieces: KL divergence, reconstruction loss, reparameterised sampling."""

import keras
import numpy as np
import pytest
from scipy import stats

from gan_tf.networks.layers import Sampling, reparameterise
from gan_tf.training import losses


def test_kl_matches_the_closed_form_on_known_gaussians():
    mean = np.array([[0.0, 0.0], [1.0, -2.0], [0.5, 3.0]], np.float32)
    variance = np.array([[1.0, 1.0], [0.25, 4.0], [2.0, 0.1]], np.float32)
    # KL(N(m, s^2) || N(0, 1)) = (s^2 + m^2 - 1 - ln s^2) / 2 per dimension, summed.
    expected = 0.5 * np.sum(variance + mean**2 - 1.0 - np.log(variance), axis=-1)
    kl = np.asarray(losses.gaussian_kl_divergence(mean, np.log(variance)))
    assert kl.shape == (3,)
    np.testing.assert_allclose(kl, expected, rtol=1e-5, atol=1e-6)
    assert kl[0] == pytest.approx(0.0, abs=1e-6)
    # The 1-D case by hand: m=1, s^2=0.25 -> (0.25 + 1 - 1 - ln 0.25) / 2.
    assert expected[1] == pytest.approx(0.5 * (0.25 + 1 - 1 - np.log(0.25)) + 0.5 * (4 + 4 - 1 - np.log(4)))


def test_kl_agrees_with_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mean, std = np.array([0.7, -1.2]), np.array([0.5, 1.6])
    draws = rng.normal(mean, std, size=(400_000, 2))
    log_ratio = stats.norm.logpdf(draws, mean, std) - stats.norm.logpdf(draws)
    estimate = log_ratio.sum(axis=1).mean()
    kl = float(losses.gaussian_kl_divergence(mean[None].astype("float32"),
                                             np.log(std**2)[None].astype("float32"))[0])
    assert kl == pytest.approx(estimate, rel=0.01)


def test_reconstruction_loss_is_binary_cross_entropy_summed_over_pixels():
    rng = np.random.default_rng(1)
    targets = rng.uniform(size=(4, 5, 5, 1)).astype("float32")
    probabilities = rng.uniform(0.05, 0.95, size=(4, 5, 5, 1)).astype("float32")
    expected = -np.sum(targets * np.log(probabilities) + (1 - targets) * np.log(1 - probabilities),
                       axis=(1, 2, 3))
    np.testing.assert_allclose(
        np.asarray(losses.bernoulli_reconstruction_loss(targets, probabilities)), expected, rtol=1e-4
    )


def test_reparameterised_samples_have_the_posterior_mean_and_variance():
    count = 200_000
    mean = np.tile(np.array([[1.5, -0.5, 0.0]], np.float32), (count, 1))
    variance = np.array([0.2, 1.0, 3.0], np.float32)
    log_var = np.tile(np.log(variance)[None], (count, 1))
    samples = np.asarray(Sampling(seed=3)([mean, log_var]))
    np.testing.assert_allclose(samples.mean(axis=0), mean[0], atol=0.02)
    np.testing.assert_allclose(samples.var(axis=0), variance, rtol=0.02)


def test_sampling_is_reproducible_from_a_seed_and_differentiable():
    import tensorflow as tf

    mean, log_var = tf.zeros([2, 3]), tf.zeros([2, 3])
    np.testing.assert_array_equal(reparameterise(mean, log_var, seed=5), reparameterise(mean, log_var, seed=5))
    generator = keras.random.SeedGenerator(5)
    layer = Sampling(seed=generator)
    assert layer.seed is generator
    assert not np.array_equal(layer([mean, log_var]), layer([mean, log_var]))
    with tf.GradientTape() as tape:
        tape.watch([mean, log_var])
        sample = tf.reduce_sum(reparameterise(mean, log_var, seed=1))
    grad_mean, grad_log_var = tape.gradient(sample, [mean, log_var])
    np.testing.assert_allclose(grad_mean, np.ones([2, 3]))
    assert np.all(np.isfinite(grad_log_var)) and np.any(grad_log_var != 0)
