"""Time-to-quality plumbing: samples are scored exactly as `gan-tf sample` draws them, class
agreement is the classifier's reading of the requested labels, and `bench.quality_run` runs
end to end on a tiny budget (the figures themselves are benchmarks, not tests)."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf.data.reader import make_dataset
from gan_tf.metrics.classifier import train_domain_classifier
from gan_tf.metrics.features import classifier_features, stream_features
from gan_tf.metrics.report import evaluate_model, real_image_batches
from gan_tf.registry import family
from gan_tf.serving import export


@pytest.fixture(scope="module")
def classifier_path(small_data_dir, tmp_path_factory):
    model, _ = train_domain_classifier(small_data_dir, epochs=2, batch_size=64, verbose=0)
    path = str(tmp_path_factory.mktemp("classifier") / "classifier.keras")
    model.save(path)
    return path


@pytest.mark.parametrize("name, signature", [("fashion_gan", "sample"), ("cgan", "sample"),
                                             ("cvae", "serving_default")])
def test_scored_samples_are_the_exports_samples(name, signature, tmp_path):
    model = family(name).model_class()()
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), name))
    inputs = {"count": tf.constant(6), "seed": tf.constant(3, tf.int64)}
    if model.uses_labels and signature == "serving_default":
        inputs["labels"] = model.sample_labels(6)  # what `gan-tf sample` sends
    exported = loaded.signatures[signature](**inputs)["images"].numpy()
    np.testing.assert_array_equal(np.asarray(model.sample(6, 3)["images"]), exported)


class RealImages:
    """A stand-in generator whose samples are real test images, labelled with their classes."""

    uses_labels = True

    def __init__(self, data):
        batch = next(iter(make_dataset(data, "test", 128, (0.0, 255.0), with_labels=True, shuffle=False)))
        self.images, self.labels = tf.cast(batch[0], tf.uint8).numpy(), batch[1].numpy()

    def sample_labels(self, count):
        return self.labels[:count]

    def sample(self, count, seed, conditions=None):
        return {"images": self.images[:count]}


def test_class_agreement_is_the_classifiers_accuracy_on_the_requested_labels(classifier_path, small_data_dir):
    extractor = classifier_features(classifier_path)
    real = stream_features(extractor, real_image_batches(small_data_dir))
    stand_in = RealImages(small_data_dir)
    report = evaluate_model(stand_in, extractor, real, count=128, kid_subsets=5, kid_subset_size=64)
    _, probabilities = extractor(stand_in.images)
    assert report["class_agreement"] == pytest.approx(np.mean(probabilities.argmax(1) == stand_in.labels))
    assert report["class_agreement"] > 0.5


def test_quality_run_on_a_tiny_budget(classifier_path, small_data_dir, tmp_path):
    from bench import quality_run

    out = str(tmp_path / "quality")
    results = quality_run.main([
        "cgan", "--data", small_data_dir, "--classifier", classifier_path, "--minutes", "0.05",
        "--every", "1", "--samples", "100", "--batch-size", "32", "--jit", "off", "--out", out,
        "--runs", "source:generator_filters=8+discriminator_filters=8+latent_dim=8"])
    run = results["runs"][0]
    assert run["overrides"] == {"generator_filters": 8, "discriminator_filters": 8, "latent_dim": 8}
    seconds = [m["seconds"] for m in run["measurements"]]
    assert seconds == sorted(seconds) and run["measurements"][-1]["step"] == run["steps"] >= 1
    assert all(np.isfinite(m["fid"]) and 0 <= m["class_agreement"] <= 1 for m in run["measurements"])
    assert results["floor"]["fid"] < run["measurements"][-1]["fid"]
    saved = json.load(open(os.path.join(out, "quality.json")))
    assert saved["runs"][0]["steps"] == run["steps"]
    assert saved["command"].startswith("python -m bench.quality_run cgan --data ") and "--runs source:" in saved["command"]
    assert Image.open(os.path.join(out, "quality.png")).size[0] == 640
    assert Image.open(os.path.join(out, "class_agreement.png")).size[0] == 640
    assert not os.path.exists(os.path.join(out, "neg_elbo.png"))  # the cGAN has no ELBO
    assert np.asarray(Image.open(run["grid"])).shape[:2] == (10 * 30 + 2, 10 * 30 + 2)


@pytest.mark.parametrize("flags, message", [
    (["--runs", "source", "source:no_such_field=1"], "unrecognized arguments: --no-such-field"),
    (["--peers", "tutorial,nobody"], "unknown peers nobody"),
])
def test_a_bad_run_or_peer_fails_before_any_training(flags, message, tmp_path, capsys):
    from bench import quality_run

    with pytest.raises(SystemExit):
        quality_run.main(["vae", "--data", str(tmp_path), "--classifier", "none.keras",
                          "--out", str(tmp_path / "out"), *flags])
    assert message in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out")


def test_vae_held_out_negative_elbo_matches_keras_evaluate(small_data_dir):
    model = family("vae").model_class()()
    model.compile()
    batches = model.held_out_batches(small_data_dir)
    scores = model.held_out_scores(batches)
    reference = model.evaluate(batches, return_dict=True, verbose=0)
    assert scores["kl"] == pytest.approx(reference["kl_loss"], rel=1e-4)  # deterministic term
    # One posterior sample each: the reconstruction terms agree to sampling noise.
    assert scores["neg_elbo"] == pytest.approx(reference["reconstruction_loss"] + reference["kl_loss"], rel=0.02)


def test_run_specs_parse_like_flags_with_booleans_as_true_false():
    from bench.quality_run import parse_run

    name, preset, overrides = parse_run(
        "fast:loss=wasserstein+critic_steps=5+simultaneous_updates=false+discriminator_filters=16,32", "fashion_gan")
    assert preset == "fast" and "=" not in name and ":" not in name
    assert overrides == {"loss": "wasserstein", "critic_steps": 5, "simultaneous_updates": False,
                         "discriminator_filters": (16, 32)}
    assert parse_run("source:simultaneous_updates=True", "cgan")[2] == {"simultaneous_updates": True}
    assert parse_run("fast:generator_refine=", "fashion_gan")[2] == {"generator_refine": ()}  # preset's off


def test_stackgan_quality_run_scores_both_stages_on_the_test_captions(classifier_path, small_captioned_data, tmp_path):
    """Stage-I then a Stage-II on top of it (named by its run) in one invocation: samples are
    drawn from the test captions as `serving_default` draws them, and their class agreement
    (the text-conditioning accuracy) is recorded against training seconds."""
    from bench import quality_run
    from gan_tf.data.captions import fixed_captions
    from gan_tf.models.base import load_trained_model

    tiny = "stage1_size=16+stage2_size=32+code_dim=8+latent_dim=8+generator_filters=4+" \
           "stage2_generator_filters=4+discriminator_filters=4+residual_blocks=1"
    out = str(tmp_path / "quality")
    results = quality_run.main([
        "stackgan", "--data", small_captioned_data, "--classifier", classifier_path, "--minutes", "0.02",
        "--every", "0.5", "--samples", "100", "--batch-size", "16", "--jit", "off", "--out", out,
        "--runs", f"stage1=source:{tiny}", f"stage2=source:{tiny}+stage=2+stage1_model=stage1"])
    stage1, stage2 = results["runs"]
    assert (stage1["run"], stage2["overrides"]["stage1_model"]) == ("stage1", os.path.join(out, "stage1"))
    for run in (stage1, stage2):
        assert run["measurements"][-1]["step"] == run["steps"] >= 1
        assert all(0 <= m["class_agreement"] <= 1 and np.isfinite(m["fid"]) for m in run["measurements"])
    # 32 test captions, one sample each; the final agreement is the export's images read by the classifier.
    model = load_trained_model(os.path.join(out, stage2["run"]))
    _, embeddings, labels = fixed_captions(small_captioned_data, 100)
    assert len(labels) == 32
    images = model.sample(len(embeddings), 0, embeddings)["images"]
    assert images.shape == (32, 32, 32, 1) and images.dtype == tf.uint8
    _, probabilities = classifier_features(classifier_path)(images)
    assert stage2["measurements"][-1]["class_agreement"] == pytest.approx(np.mean(probabilities.argmax(1) == labels))
    assert json.load(open(os.path.join(out, "quality.json")))["runs"][1]["measurements"] == stage2["measurements"]
    assert Image.open(os.path.join(out, "class_agreement.png")).size[0] == 640
    assert np.asarray(Image.open(stage2["grid"])).shape[:2] == (12 * 34 + 2, 240 + 2 * 34 + 2)


def test_quality_curves_draws_the_runs_of_several_folders_together(tmp_path):
    from bench import quality_curves

    def folder(name, family, rates):
        path = tmp_path / name
        path.mkdir()
        measurements = [{"seconds": 60.0 * (i + 1), "step": i + 1, "b_to_a_target_rate": rate}
                        for i, rate in enumerate(rates)]
        results = {"family": family, "baselines": {"inputs unchanged": {"b_to_a_target_rate": 0.02}},
                   "runs": [{"run": name, "measurements": measurements}]}
        (path / "quality.json").write_text(json.dumps(results))
        return str(path)

    first, second = folder("fast", "cyclegan", [0.3, 0.4]), folder("source", "cyclegan", [0.9])
    results = quality_curves.combined([first, second])
    assert [run["run"] for run in results["runs"]] == ["fast", "source"]
    quality_curves.main([first, second, "--out", str(tmp_path / "plots")])
    assert os.listdir(tmp_path / "plots") == ["b_to_a_target_rate.png"]
    with pytest.raises(SystemExit, match="different families"):
        quality_curves.combined([first, folder("other", "pix2pix", [0.5])])
