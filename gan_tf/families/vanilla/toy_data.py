"""Low-dimensional toy distributions, generated in code, and how close samples come to them.

The vanilla GAN's first-chapter data: points on a sine curve, a ring or a grid of Gaussians.
Each maker returns float32 [N, 2] numpy points; the measures say how well generated points
match the target (mean distance to the curve; modes covered by enough samples).
"""

import numpy as np

SINE_X_RANGE = (-np.pi, np.pi)


def sine_points(count, seed=0):
    """(x, sin x) with x uniform on [-pi, pi]."""
    x = np.random.default_rng(seed).uniform(*SINE_X_RANGE, count)
    return np.stack([x, np.sin(x)], axis=1).astype(np.float32)


def ring_centres(modes=8, radius=2.0):
    angles = 2 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid_centres(side=5, spacing=1.0):
    axis = (np.arange(side) - (side - 1) / 2) * spacing
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


def mixture_points(centres, count, std=0.05, seed=0):
    """Equal-weight isotropic Gaussians around `centres` ([K, 2])."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(centres), count)
    return (centres[picks] + rng.normal(0.0, std, (count, 2))).astype(np.float32)


def distance_to_sine(points, samples=2001):
    """Mean Euclidean distance from each point to the curve y = sin x, x in [-pi, pi]."""
    x = np.linspace(*SINE_X_RANGE, samples)
    curve = np.stack([x, np.sin(x)], axis=1)
    points = np.asarray(points, np.float64)
    distances = np.linalg.norm(points[:, None, :] - curve[None, :, :], axis=-1)
    return float(distances.min(axis=1).mean())


def modes_covered(points, centres, std=0.05, min_fraction=0.2):
    """How many modes hold at least `min_fraction` of their fair share of the points within
    3 std; points farther from every centre count for none (off-target)."""
    points = np.asarray(points, np.float64)
    distances = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    close = distances.min(axis=1) <= 3 * std
    counts = np.bincount(nearest[close], minlength=len(centres))
    return int((counts >= min_fraction * len(points) / len(centres)).sum())
