"""Quality metrics against their definitions and reference implementations."""

import numpy as np
import pytest
import scipy.linalg

from gan_tf.metrics import (
    FeatureStatistics,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    precision_recall,
    trace_sqrt_product,
)


def random_covariance(rng, dim, rank=None):
    factor = rng.normal(size=(dim, rank or dim))
    return factor @ factor.T / dim


def test_trace_sqrt_product_matches_scipy_sqrtm():
    rng = np.random.default_rng(0)
    for rank in (None, 5):  # full rank, and singular as with fewer samples than dimensions
        s1, s2 = random_covariance(rng, 20, rank), random_covariance(rng, 20)
        reference = np.trace(scipy.linalg.sqrtm(s1 @ s2)).real
        np.testing.assert_allclose(trace_sqrt_product(s1, s2), reference, rtol=1e-6, atol=1e-8)


def test_streamed_statistics_equal_numpy_over_all_samples():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(1000, 8)) * 3 + 1
    stats = FeatureStatistics()
    for batch in np.array_split(features, 7):
        stats.update(batch)
    np.testing.assert_allclose(stats.mean, features.mean(0))
    np.testing.assert_allclose(stats.covariance, np.cov(features, rowvar=False), atol=1e-10)


def test_fid_is_zero_for_a_set_against_itself_and_grows_with_a_shift(tmp_path):
    rng = np.random.default_rng(2)
    features = rng.normal(size=(2000, 16))
    stats = FeatureStatistics().update(features)
    assert frechet_distance(stats, stats) == pytest.approx(0.0, abs=1e-8)
    fids = [frechet_distance(stats, FeatureStatistics().update(features + shift)) for shift in (0.5, 1.0, 2.0)]
    np.testing.assert_allclose(fids, [16 * 0.25, 16 * 1.0, 16 * 4.0], rtol=1e-6)  # ||shift||^2
    stats.save(tmp_path / "ref.npz")
    assert frechet_distance(FeatureStatistics.load(tmp_path / "ref.npz"), stats) == pytest.approx(0.0, abs=1e-8)


def test_fid_matches_the_closed_form_for_gaussians():
    mean1, mean2 = np.zeros(2), np.array([1.0, 2.0])
    cov1, cov2 = np.diag([1.0, 4.0]), np.diag([4.0, 9.0])
    # diagonal: ||mu||^2 + sum (sqrt(a) - sqrt(b))^2
    expected = 5.0 + (1 - 2) ** 2 + (2 - 3) ** 2
    assert frechet_distance((mean1, cov1), (mean2, cov2)) == pytest.approx(expected)


def test_kid_is_unbiased_for_two_samples_of_one_distribution():
    rng = np.random.default_rng(3)
    same = [kernel_inception_distance(rng.normal(size=(400, 10)), rng.normal(size=(400, 10)),
                                      subsets=20, subset_size=200, seed=s)[0] for s in range(5)]
    assert abs(np.mean(same)) < 0.01
    shifted, error = kernel_inception_distance(rng.normal(size=(400, 10)), rng.normal(size=(400, 10)) + 1,
                                               subsets=20, subset_size=200)
    assert shifted > 0.1 and 0 < error < shifted / 10


def test_inception_score_of_a_perfect_classifier_on_uniform_classes_is_the_class_count():
    probabilities = np.eye(10)[np.arange(1000) % 10]
    score, spread = inception_score(probabilities, splits=10)
    assert score == pytest.approx(10.0, rel=1e-6) and spread == pytest.approx(0.0, abs=1e-6)
    assert inception_score(np.full((100, 10), 0.1), splits=1)[0] == pytest.approx(1.0)


def test_precision_and_recall():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(500, 5))
    assert precision_recall(real, real.copy()) == (1.0, 1.0)
    collapsed = np.repeat(real[:1], 500, axis=0) + 1e-6 * rng.normal(size=(500, 5))
    precision, recall = precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.05  # all fakes plausible, diversity lost
    far = real + 100.0
    assert precision_recall(real, far) == (0.0, 0.0)
