"""All metrics for one (real, generated) pair of sample sets, as a flat dict of floats."""

import numpy as np
import tensorflow as tf

from gan_tf.data.reader import make_dataset
from gan_tf.metrics.features import stream_features
from gan_tf.metrics.scores import (
    FeatureStatistics,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)

PIXEL_RANGE = (0.0, 255.0)


def real_image_batches(data_dir, split="test", batch_size=250, limit=None):
    """uint8 image batches of a preprocessed split, in file order."""
    dataset = make_dataset(data_dir, split, batch_size, PIXEL_RANGE, shuffle=False,
                           drop_remainder=False, limit=limit, cache=False)
    return dataset.map(lambda images: tf.cast(images, tf.uint8))


def quality_report(real, generated, kid_subsets=100, kid_subset_size=1000, k=3):
    """FID, KID (+ standard error), IS of the generated set, precision and recall.

    `real` and `generated` are (features, probabilities) pairs from `stream_features`.
    """
    (real_features, _), (fake_features, fake_probabilities) = real, generated
    kid, kid_error = kernel_inception_distance(real_features, fake_features, kid_subsets, kid_subset_size)
    precision, recall = precision_recall(real_features, fake_features, k)
    score, _ = inception_score(fake_probabilities, splits=min(10, len(fake_probabilities)))
    return {
        "fid": frechet_distance(FeatureStatistics().update(real_features),
                                FeatureStatistics().update(fake_features)),
        "kid": kid,
        "kid_error": kid_error,
        "inception_score": score,
        "precision": precision,
        "recall": recall,
    }


def model_sample_batches(model, count, batch_size=250, seed=0, conditions=None):
    """uint8 samples of a model, `batch_size` at a time, batch i drawn as `gan-tf sample
    --count batch_size --seed seed+i` draws it (`model.sample`); with `conditions`
    ((inputs, labels) from `model.scoring_inputs`) from batch i of the inputs, as the export's
    `serving_default` draws them with seed seed+i."""
    for index, start in enumerate(range(0, count, batch_size)):
        size = min(batch_size, count - start)
        inputs = None if conditions is None else conditions[0][start:start + size]
        yield np.asarray(model.sample(size, seed + index, inputs)["images"])


def sample_label_batches(model, count, batch_size=250, conditions=None):
    """The labels `model_sample_batches` asked for, concatenated; None if unconditional."""
    if conditions is not None:
        return np.asarray(conditions[1][:count])
    batches = [model.sample_labels(min(batch_size, count - start)) for start in range(0, count, batch_size)]
    return None if batches[0] is None else np.concatenate([np.asarray(b) for b in batches])


def evaluate_model(model, extractor, real_features, count=1000, seed=0, conditions=None, **kwargs):
    """`quality_report` of `count` model samples against precomputed real features; for
    conditional families also `class_agreement`, the fraction of samples the classifier reads
    as the label they were drawn for (text-to-image: drawn from `conditions`, at most one per
    input, the label the class its caption names: the text-conditioning accuracy)."""
    if conditions is not None:
        count = min(count, len(conditions[1]))
    generated = stream_features(extractor, model_sample_batches(model, count, seed=seed, conditions=conditions))
    report = quality_report(real_features, generated, **kwargs)
    labels = sample_label_batches(model, count, conditions=conditions)
    if labels is not None:
        report["class_agreement"] = float(np.mean(np.argmax(generated[1], axis=1) == labels))
    return report
