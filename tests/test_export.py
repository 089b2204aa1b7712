"""Export for TF Serving: signatures, equality with Keras, versions, atomicity."""

import os

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.serving import export, tf_serving as serving
from gan_tf.serving.signatures.latent import images as served_images

TINY = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16)


@pytest.fixture(scope="module")
def model():
    return FashionGAN(TINY)


def test_export_round_trip_matches_the_keras_generator(model, tmp_path):
    path = export.export(model, str(tmp_path), "fashion_gan")
    assert path == os.path.join(str(tmp_path), "fashion_gan", "1")
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "sample"}
    latent = tf.random.normal([5, 16], seed=1)
    images = loaded.signatures["serving_default"](latent=latent)["images"]
    assert images.dtype == tf.uint8 and images.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(images.numpy(), served_images(model, latent).numpy())
    first = loaded.signatures["sample"](count=tf.constant(3), seed=tf.constant(7, tf.int64))
    again = loaded.signatures["sample"](count=tf.constant(3), seed=tf.constant(7, tf.int64))
    assert first["images"].shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(first["images"], again["images"])
    np.testing.assert_array_equal(first["images"], served_images(model, first["latent"]))


def test_every_family_names_a_serving_kind_and_none_serves_from_the_model():
    """Serving lives with the export code per kind (`gan_tf.serving.signatures`), not on the
    models: every family names its kind, and a model naming none is refused by name."""
    from gan_tf.registry import FAMILIES
    from gan_tf.serving import signatures

    for name, family in FAMILIES.items():
        model_class = family.model_class()
        assert model_class.serving_kind in signatures.KINDS, name
        assert not any(hasattr(model_class, old) for old in ("serving_endpoints", "serving_networks",
                                                             "generate_images", "seeded_stage_images"))
    class Unnamed:
        serving_kind = None

    with pytest.raises(ValueError, match="Unnamed names no serving kind"):
        signatures.endpoints(Unnamed())


def test_export_holds_only_the_generator(model, tmp_path):
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "g"))
    assert len(loaded.variables) == len(model.generator.variables)


def test_bad_sample_count_is_refused(model, tmp_path):
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "g"))
    for count in (0, -1, 4097):
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"input count must be between 1 and 4096; got\] \[" + str(count)):
            loaded.signatures["sample"](count=tf.constant(count), seed=tf.constant(1, tf.int64))


def test_max_count_is_an_export_option(model, tmp_path):
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "g", max_count=3))
    assert loaded.signatures["sample"](count=tf.constant(3), seed=tf.constant(1, tf.int64))["images"].shape[0] == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="input count must be between 1 and 3"):
        loaded.signatures["sample"](count=tf.constant(4), seed=tf.constant(1, tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="input latent must hold at most 3 items"):
        loaded.signatures["serving_default"](latent=tf.zeros([4, 16]))
    with pytest.raises(ValueError, match="max_count must be at least 1"):
        export.export(model, str(tmp_path), "g", max_count=0)


def _xla_compiled(signature):
    """Whether a loaded signature's graph calls a function marked for XLA compilation."""
    library = signature.graph.as_graph_def().library.function
    return any(function.attr["_XlaMustCompile"].b for function in library)


def test_xla_export_compiles_latent_signatures_and_keeps_the_checks(model, tmp_path):
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "g", xla=True))
    assert _xla_compiled(loaded.signatures["serving_default"])
    assert not _xla_compiled(loaded.signatures["sample"])  # count is a value, not a shape
    latent = tf.random.normal([5, 16], seed=1)
    images = loaded.signatures["serving_default"](latent=latent)["images"].numpy().astype(int)
    assert np.abs(images - served_images(model, latent).numpy()).max() <= 1  # XLA's float order
    with pytest.raises(tf.errors.InvalidArgumentError, match="input latent must be finite"):
        loaded.signatures["serving_default"](latent=tf.fill([2, 16], float("nan")))
    plain = tf.saved_model.load(export.export(model, str(tmp_path), "p"))
    assert not _xla_compiled(plain.signatures["serving_default"])


def test_versions_increase_and_explicit_versions_are_not_overwritten(model, tmp_path):
    base = str(tmp_path)
    export.export(model, base, "m")
    export.export(model, base, "m")
    assert export.versions(os.path.join(base, "m")) == [1, 2]
    assert serving.latest_version_dir(os.path.join(base, "m")).endswith("2")
    with pytest.raises(FileExistsError, match="m/2 already exists: .* the next free one \\(3\\)$"):
        export.export(model, base, "m", version=2)


def test_interrupted_export_leaves_no_version_behind(model, tmp_path, monkeypatch):
    base = str(tmp_path)
    export.export(model, base, "m")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after writing, before publishing")

    monkeypatch.setattr(tf.io.gfile, "rename", crash)
    with pytest.raises(KeyboardInterrupt):
        export.export(model, base, "m")
    assert sorted(os.listdir(os.path.join(base, "m"))) == ["1"]
    tf.saved_model.load(os.path.join(base, "m", "1"))  # the earlier version is intact


def test_wrong_shapes_are_refused_with_the_input_named(model, tmp_path):
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "g"))
    generate = loaded.signatures["serving_default"]
    assert set(generate.structured_input_signature[1]) == {"latent"}
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"input latent must be float32 of shape \[N, 16\]"):
        generate(latent=tf.zeros([2, 15]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="input latent must be"):
        generate(latent=tf.zeros([16]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="input count must be an int32 scalar; got shape"):
        loaded.signatures["sample"](count=tf.constant([2]), seed=tf.constant(1, tf.int64))
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError), match="latent|float"):
        generate(latent=tf.zeros([2, 16], tf.int32))
