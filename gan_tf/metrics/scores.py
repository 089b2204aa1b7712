"""The metrics' mathematics, on NumPy feature arrays (float64 where it matters).

- FID (Heusel et al. 2017): ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2). Tr((S1 S2)^1/2) is
  computed as the sum of square roots of the eigenvalues of S1^1/2 S2 S1^1/2, a symmetric
  positive semi-definite matrix, with `eigh`: no complex parts, no failed Schur iteration.
- KID (Binkowski et al. 2018): unbiased MMD^2 with the kernel (x.y / d + 1)^3, averaged over
  random subsets, with its standard error.
- Inception Score (Salimans et al. 2016): exp E_x KL(p(y|x) || p(y)), averaged over splits.
- Precision/recall (Kynkaenniemi et al. 2019): the share of one set inside the other's k-NN
  balls.
"""

import numpy as np


class FeatureStatistics:
    """Running mean and covariance of feature batches: O(d^2) memory whatever the count."""

    def __init__(self):
        self.count = 0
        self.total = None
        self.outer = None

    def update(self, features):
        features = np.asarray(features, np.float64)
        if self.total is None:
            self.total = np.zeros(features.shape[1])
            self.outer = np.zeros((features.shape[1],) * 2)
        self.count += len(features)
        self.total += features.sum(0)
        self.outer += features.T @ features
        return self

    @property
    def mean(self):
        return self.total / self.count

    @property
    def covariance(self):
        """Unbiased sample covariance."""
        mean = self.mean
        return (self.outer - self.count * np.outer(mean, mean)) / (self.count - 1)

    def save(self, path):
        np.savez(path, count=self.count, total=self.total, outer=self.outer)

    @classmethod
    def load(cls, path):
        data = np.load(path)
        stats = cls()
        stats.count, stats.total, stats.outer = int(data["count"]), data["total"], data["outer"]
        return stats


def _symmetric_sqrt(matrix):
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def trace_sqrt_product(sigma1, sigma2):
    """Tr((sigma1 sigma2)^1/2) for symmetric PSD matrices, via a symmetric eigenproblem."""
    root = _symmetric_sqrt(np.asarray(sigma1, np.float64))
    values = np.linalg.eigvalsh(root @ np.asarray(sigma2, np.float64) @ root)
    return float(np.sqrt(np.clip(values, 0, None)).sum())


def frechet_distance(stats1, stats2):
    """FID between two `FeatureStatistics` (or (mean, covariance) pairs)."""
    mu1, sigma1 = _moments(stats1)
    mu2, sigma2 = _moments(stats2)
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt_product(sigma1, sigma2)
    return float(max(value, 0.0))


def _moments(stats):
    if isinstance(stats, FeatureStatistics):
        return stats.mean, stats.covariance
    mean, covariance = stats
    return np.asarray(mean, np.float64), np.asarray(covariance, np.float64)


def _polynomial_kernel(x, y):
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kernel_inception_distance(real, fake, subsets=100, subset_size=1000, seed=0):
    """(mean, standard error) of the unbiased MMD^2 over random subsets of the two sets."""
    real = np.asarray(real, np.float64)
    fake = np.asarray(fake, np.float64)
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ValueError("KID needs at least two samples in each set")
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), size, replace=False)]
        y = fake[rng.choice(len(fake), size, replace=False)]
        kxx, kyy, kxy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
        off_diagonal = size * (size - 1)
        estimates.append(
            (kxx.sum() - np.trace(kxx)) / off_diagonal
            + (kyy.sum() - np.trace(kyy)) / off_diagonal
            - 2 * kxy.mean()
        )
    estimates = np.asarray(estimates)
    error = estimates.std(ddof=1) / np.sqrt(len(estimates)) if len(estimates) > 1 else 0.0
    return float(estimates.mean()), float(error)


def inception_score(probabilities, splits=10):
    """(mean, std) of exp(E KL(p(y|x) || p(y))) over `splits` equal parts of the samples."""
    probabilities = np.asarray(probabilities, np.float64)
    scores = []
    for part in np.array_split(probabilities, splits):
        marginal = part.mean(0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(marginal + 1e-12))).sum(1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _pairwise_distances(x, y):
    squared = (x**2).sum(1)[:, None] + (y**2).sum(1)[None, :] - 2 * x @ y.T
    return np.sqrt(np.clip(squared, 0, None))


def _knn_radii(features, k, batch_size):
    radii = []
    for start in range(0, len(features), batch_size):
        distances = _pairwise_distances(features[start : start + batch_size], features)
        radii.append(np.partition(distances, k, axis=1)[:, k])  # index 0 is the point itself
    return np.concatenate(radii)


def _coverage(reference, radii, queries, batch_size):
    inside = []
    for start in range(0, len(queries), batch_size):
        distances = _pairwise_distances(queries[start : start + batch_size], reference)
        inside.append((distances <= radii[None, :]).any(1))
    return float(np.concatenate(inside).mean())


def precision_recall(real, fake, k=3, batch_size=1024):
    """(precision, recall): fakes inside the real k-NN manifold, reals inside the fake one."""
    real = np.asarray(real, np.float64)
    fake = np.asarray(fake, np.float64)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples per set")
    precision = _coverage(real, _knn_radii(real, k, batch_size), fake, batch_size)
    recall = _coverage(fake, _knn_radii(fake, k, batch_size), real, batch_size)
    return precision, recall
