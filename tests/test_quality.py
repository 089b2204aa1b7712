"""Domain classifier, feature extraction and the per-epoch quality callback on real data."""

import glob

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.metrics.classifier import train_domain_classifier
from gan_tf.metrics.features import classifier_features, stream_features
from gan_tf.metrics.report import quality_report, real_image_batches
from gan_tf.training.callbacks import QualityMetrics


@pytest.fixture(scope="module")
def classifier(small_data_dir):
    return train_domain_classifier(small_data_dir, epochs=4, batch_size=64, verbose=0)


def test_domain_classifier_learns_real_classes(classifier):
    _, accuracy = classifier
    assert accuracy > 0.6  # 10 classes: chance is 0.1


def test_real_train_vs_real_test_is_close_and_noise_is_far(classifier, small_data_dir):
    extractor = classifier_features(classifier[0])
    train = stream_features(extractor, real_image_batches(small_data_dir, "train", 128))
    test = stream_features(extractor, real_image_batches(small_data_dir, "test", 128))
    assert train[0].shape == (512, 128) and test[1].shape == (128, 10)
    noise = np.random.default_rng(0).integers(0, 256, (128, 28, 28, 1), dtype=np.uint8)
    noise = stream_features(extractor, [noise])
    floor = quality_report(train, test, kid_subsets=10, kid_subset_size=100)
    bad = quality_report(train, noise, kid_subsets=10, kid_subset_size=100)
    assert floor["fid"] < bad["fid"] / 3 and floor["kid"] < bad["kid"]
    assert floor["recall"] > bad["recall"]  # noise covers little of the real manifold
    assert floor["inception_score"] > bad["inception_score"]


def test_quality_callback_logs_metrics_every_n_epochs(classifier, small_data_dir, tmp_path):
    model = FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8)))
    model.compile()
    callback = QualityMetrics(classifier_features(classifier[0]), real_image_batches(small_data_dir, "test", 64),
                              every=2, num_samples=64, log_dir=str(tmp_path), kid_subsets=5, kid_subset_size=32)
    history = model.fit(make_dataset(small_data_dir, batch_size=32, limit=64), epochs=2, verbose=0,
                        callbacks=[callback])
    assert np.isfinite(history.history["fid"]).all() and len(history.history["fid"]) == 1
    events = glob.glob(str(tmp_path / "metrics" / "events.out.tfevents.*"))
    tags = {v.tag for e in events for event in tf.compat.v1.train.summary_iterator(e) for v in event.summary.value}
    assert {"fid", "kid", "precision", "recall", "inception_score"} <= tags
