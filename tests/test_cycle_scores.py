"""CycleGAN's translation scores: the domain classifier, each direction's scores on known
inputs, the translations scored are the export's, and training records both directions."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.metrics import translation
from gan_tf.metrics.classifier import train_domains_classifier
from gan_tf.metrics.features import classifier_features
from gan_tf.serving import export
from gan_tf.training import driver as training

TINY = {"image_size": 32, "generator_filters": 4, "discriminator_filters": 4, "residual_blocks": 1,
        "jitter": False, "pool_size": 0}


@pytest.fixture(scope="module")
def domains_classifier(small_horse2zebra_data, tmp_path_factory):
    model, accuracies = train_domains_classifier(small_horse2zebra_data, epochs=2, size=32, verbose=0)
    path = str(tmp_path_factory.mktemp("classifier") / "h2z.keras")
    model.save(path)
    return path, accuracies


def test_domains_classifier_reads_two_domains_from_texture_features(domains_classifier):
    path, accuracies = domains_classifier
    assert set(accuracies) == {"val", "test"} and all(0.0 <= a <= 1.0 for a in accuracies.values())
    features, probabilities = classifier_features(path)(np.zeros((3, 256, 256, 3), np.uint8))
    assert features.shape == (3, 128) and probabilities.shape == (3, 2)
    np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-5)


def test_the_saved_classifier_averages_an_image_and_its_mirror(domains_classifier):
    """Its features and probabilities are the mean of the single-view network's on both views,
    so an image and its mirror image read the same."""
    model = keras.models.load_model(domains_classifier[0], safe_mode=True)
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3)).astype(np.float32)
    single = model.get_layer("single_view")
    views = [np.asarray(output) for output in single(images)], [np.asarray(output) for output in single(images[:, :, ::-1])]
    features, probabilities = classifier_features(model)(images)
    np.testing.assert_allclose(features, (views[0][0] + views[1][0]) / 2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probabilities, (views[0][1] + views[1][1]) / 2, rtol=1e-5, atol=1e-6)
    mirrored = classifier_features(model)(images[:, :, ::-1])
    np.testing.assert_allclose(mirrored[0], features, rtol=1e-5, atol=1e-6)
    assert not np.allclose(views[0][1], views[1][1])  # the single view does tell them apart


class RednessExtractor:
    """Reads an image as domain 1 when its red channel outweighs its green one; features are
    the mean colour (a stand-in whose answers the test knows)."""

    def __call__(self, images):
        means = np.asarray(images, np.float64).mean((1, 2))
        redder = means[:, 0] > means[:, 1]
        return means, np.stack([~redder, redder], 1).astype(np.float64)


def coloured(seed, red, count=6):
    images = np.random.default_rng(seed).integers(0, 100, (count, 16, 16, 3))
    images[..., 0 if red else 1] += 120
    return images.astype(np.uint8)


def test_domain_scores_of_known_translations():
    inputs, targets = coloured(0, red=False), coloured(1, red=True)
    perfect = translation.domain_scores(RednessExtractor(), targets, targets, targets, 1)
    assert perfect["target_rate"] == 1.0 and perfect["fd"] == pytest.approx(0.0, abs=1e-6)
    assert perfect["detail_ratio"] == pytest.approx(1.0) and perfect["content_ssim"] == pytest.approx(1.0)
    identity = translation.domain_scores(RednessExtractor(), inputs, inputs, targets, 1)
    assert identity["target_rate"] == 0.0 and identity["fd"] > 1000
    assert identity["content_ssim"] == pytest.approx(1.0)


def test_scored_translations_are_the_exports(small_horse2zebra_data, domains_classifier, tmp_path):
    config = CycleGAN.config_for_data(CycleGANConfig(**TINY), {"image_shape": [64, 64, 3]})
    model = CycleGAN(config)
    model.compile()
    extractor = classifier_features(domains_classifier[0])
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "cyclegan"))
    scores = translation.cycle_scorer(small_horse2zebra_data, extractor)(model)
    for signature, source, target, label in translation.DIRECTIONS:
        inputs = translation.split_images(small_horse2zebra_data, source)
        served = loaded.signatures[signature](images=tf.constant(inputs))["images"].numpy()
        expected = translation.domain_scores(extractor, served, inputs,
                                             translation.split_images(small_horse2zebra_data, target), label)
        for name, value in expected.items():
            assert scores[f"{signature}_{name}"] == pytest.approx(value, rel=1e-5, abs=1e-6)
    baselines = translation.cycle_baselines(small_horse2zebra_data, extractor)
    assert set(baselines["inputs unchanged"]) == set(scores)
    assert baselines["inputs unchanged"]["a_to_b_content_ssim"] == pytest.approx(1.0)
    assert 0.0 <= baselines["real"]["b_to_a_target_rate"] <= 1.0 and baselines["real"]["a_to_b_fd"] >= 0.0


def test_training_records_both_directions(small_horse2zebra_data, domains_classifier, tmp_path):
    run = training.train("cyclegan", small_horse2zebra_data, run_dir=str(tmp_path / "run"), epochs=1,
                         batch_size=2, jit=False, classifier=domains_classifier[0], verbose=0,
                         animate=False, **TINY)
    final = run.quality[-1]
    assert {"a_to_b_target_rate", "a_to_b_fd", "b_to_a_content_ssim", "b_to_a_detail_ratio"} <= set(final)
    assert all(np.isfinite(value) for value in final.values())
    with pytest.raises(ValueError, match="domain classifier"):
        training.train("cyclegan", small_horse2zebra_data, record=False, epochs=1, batch_size=2,
                       jit=False, score_split="test", **TINY)


def test_quality_run_scores_cyclegan_both_ways(small_horse2zebra_data, domains_classifier, tmp_path):
    from bench import quality_run

    spec = "tiny=source:" + "+".join(f"{k}={str(v).lower()}" for k, v in TINY.items())
    results = quality_run.main(["cyclegan", "--data", small_horse2zebra_data, "--classifier",
                                domains_classifier[0], "--minutes", "0.1", "--every", "3", "--jit", "off",
                                "--batch-size", "2", "--runs", spec, "--out", str(tmp_path)])
    final = results["runs"][0]["measurements"][-1]
    assert set(results["baselines"]["inputs unchanged"]) == set(final) - {"step", "seconds"}
    table = quality_run.markdown(results)
    assert "| inputs unchanged |" in table and "| real |" in table and "a_to_b_target_rate" in table
    assert (tmp_path / "a_to_b_target_rate.png").is_file()
    grid = keras.utils.load_img(tmp_path / "tiny" / "final_grid.png")  # 2 test rows per domain, stored size
    assert grid.size == (3 * 66 + 2, 4 * 66 + 2)
    with pytest.raises(SystemExit):
        quality_run.main(["cyclegan", "--data", small_horse2zebra_data, "--out", str(tmp_path)])
