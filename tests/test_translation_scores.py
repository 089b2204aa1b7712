"""Translation scores over training: the translations scored are the export's, pix2pix's L1-only
ablation trains no discriminator, and `bench.quality_run pix2pix` runs end to end on a tiny
budget (the figures themselves are benchmarks)."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from bench import quality_run
from gan_tf.data.reader import load_metadata
from gan_tf.families.pix2pix.config import Pix2PixConfig
from gan_tf.families.pix2pix.model import Pix2Pix
from gan_tf.metrics import translation
from gan_tf.serving import export
from gan_tf.training import driver as training

TINY = {"image_size": 32, "generator_filters": 4, "discriminator_filters": 4, "jitter": False}


def tiny_model(data, **fields):
    config = Pix2Pix.config_for_data(Pix2PixConfig(**{**TINY, **fields}), load_metadata(data))
    model = Pix2Pix(config)
    model.compile()
    return model


def test_scored_translations_are_the_exports(small_facades_data, tmp_path):
    model = tiny_model(small_facades_data)
    inputs, targets = translation.paired_test_images(small_facades_data, "val")
    assert inputs.dtype == np.uint8 and inputs.shape == targets.shape == (2, 64, 64, 3)
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "pix2pix"))
    served = loaded.signatures["translate"](images=tf.constant(inputs))["images"].numpy()
    np.testing.assert_array_equal(translation.translate(model, inputs, batch_size=1), served)
    scores = translation.paired_scorer(small_facades_data, "val")(model)
    assert scores == pytest.approx(translation.paired_scores(served, targets))


def test_colourisation_pairs_are_grey_inputs_of_the_colour_targets(small_horse2zebra_dir, tmp_path):
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.image_folder import ImageFolderSource

    data = str(tmp_path / "records")
    preprocess.run(ImageFolderSource(f"{small_horse2zebra_dir}/trainB", 32), data, shards={"train": 1})
    inputs, targets = translation.paired_test_images(data, "train")
    assert inputs.shape[-1] == 1 and targets.shape[-1] == 3
    expected = np.round(np.asarray(tf.image.rgb_to_grayscale(targets.astype(np.float32))))
    np.testing.assert_array_equal(inputs, expected.astype(np.uint8))
    baseline = translation.paired_baselines(data, "train")["inputs unchanged"]
    assert baseline["colourfulness_ratio"] < 0.01 and baseline["psnr"] > 10


def test_l1_only_ablation_leaves_the_discriminator_untouched_and_l1_falls(small_facades_data):
    keras.utils.set_random_seed(0)
    model = tiny_model(small_facades_data, gan_weight=0.0)
    before = [w.copy() for w in model.discriminator.get_weights()]
    model.g_optimizer.learning_rate.assign(2e-3)
    dataset = Pix2Pix.training_dataset(small_facades_data, model.config, batch_size=2)
    history = model.fit(dataset, epochs=15, verbose=0).history
    assert history["l1_loss"][-1] < 0.8 * history["l1_loss"][0]
    assert history["d_loss"] == [0.0] * 15 and history["g_loss"] == [0.0] * 15
    for kept, now in zip(before, model.discriminator.get_weights()):
        np.testing.assert_array_equal(kept, now)


def test_training_records_translation_scores_of_the_chosen_split(small_facades_data, tmp_path):
    run = training.train("pix2pix", small_facades_data, run_dir=str(tmp_path / "run"), epochs=2,
                         batch_size=2, jit=False, metrics_every=1, score_split="val", verbose=0,
                         animate=False, **TINY)
    assert [record["step"] for record in run.quality] == [3, 6]
    assert set(run.quality[-1]) == {"step", "seconds", "l1", "psnr", "ssim", "detail_ratio", "colourfulness_ratio"}
    assert all(np.isfinite(value) for value in run.quality[-1].values())
    with pytest.raises(ValueError, match="no split 'test'"):
        training.train("pix2pix", small_facades_data, record=False, epochs=1, batch_size=2, jit=False,
                       score_split="test", **TINY)


def test_quality_run_scores_pix2pix_without_a_classifier(small_facades_data, tmp_path):
    out = str(tmp_path / "quality")
    spec = "tiny=source:" + "+".join(f"{k}={str(v).lower()}" for k, v in TINY.items())
    results = quality_run.main(["pix2pix", "--data", small_facades_data, "--minutes", "0.1",
                                "--every", "2", "--split", "val", "--jit", "off", "--batch-size", "2",
                                "--runs", spec, "l1only=" + spec.split("=", 1)[1] + "+gan_weight=0",
                                "--report", small_facades_data + ":train", "--out", out])
    saved = json.load(open(os.path.join(out, "quality.json")))
    assert [row["run"] for row in saved["runs"]] == ["tiny", "l1only"]
    expected = translation.paired_baselines(small_facades_data, "val")["inputs unchanged"]
    assert saved["baselines"]["inputs unchanged"] == pytest.approx(expected)
    reported = translation.paired_baselines(small_facades_data, "train")["inputs unchanged"]
    assert saved["report"]["baselines"]["inputs unchanged"] == pytest.approx(reported)
    assert "final models on" in quality_run.markdown(results)
    for row in results["runs"]:
        assert len(row["measurements"]) >= 2 and "psnr" in row["measurements"][-1]
        assert set(row["report"]) == set(row["measurements"][-1]) - {"step", "seconds"}
        grid = keras.utils.load_img(row["grid"])  # the report's 6 train rows of input | output | target
        assert grid.size == (3 * 66 + 2, 6 * 66 + 2)
    assert os.path.isfile(os.path.join(out, "l1.png")) and os.path.isfile(os.path.join(out, "detail_ratio.png"))
    assert "| inputs unchanged |" in quality_run.markdown(results)
