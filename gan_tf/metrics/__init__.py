"""Sample-quality metrics: FID, KID, Inception Score, precision/recall, on pluggable features.

Every metric works on feature vectors; `gan_tf.metrics.features` turns image batches into
features (InceptionV3 pool3 or an in-repo domain classifier) batch by batch, so images are
never all held in memory.
"""

from gan_tf.metrics.scores import (
    FeatureStatistics,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    precision_recall,
    trace_sqrt_product,
)

__all__ = [
    "FeatureStatistics",
    "frechet_distance",
    "inception_score",
    "kernel_inception_distance",
    "precision_recall",
    "trace_sqrt_product",
]
