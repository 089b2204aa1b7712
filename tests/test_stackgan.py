"""StackGAN: conditioning augmentation, both stages' networks, matching-aware pairs, short real
fits of each stage, the caption monitor, export (embeddings and raw captions), the CLI, the
averaged generator that draws outside training and the budget annealing."""

import dataclasses
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import cli
from gan_tf.data.captions import fixed_captions, make_caption_dataset, read_captioned
from gan_tf.data.reader import load_metadata
from gan_tf.families.stackgan import networks
from gan_tf.families.stackgan.config import StackGANConfig
from gan_tf.families.stackgan.model import StackGANStageI, StackGANStageII
from gan_tf.models.base import load_trained_model
from gan_tf.networks.layers import ConditioningAugmentation
from gan_tf.serving import export, tf_serving as serving
from gan_tf.viz.images import to_uint8
from tests.average_checks import fit_and_check_average
from tests.extras import require_minilm_weights

TINY = StackGANConfig(stage1_size=16, stage2_size=32, embedding_dim=16, channels=1, code_dim=8,
                      latent_dim=8, generator_filters=4, stage2_generator_filters=4,
                      discriminator_filters=4, residual_blocks=1)
TINY_FLAGS = ["--stage1-size", "16", "--stage2-size", "32", "--code-dim", "8", "--latent-dim", "8",
              "--generator-filters", "4", "--stage2-generator-filters", "4",
              "--discriminator-filters", "4", "--residual-blocks", "1"]


def test_conditioning_augmentation_statistics_and_kl_match_the_formulas():
    layer = ConditioningAugmentation(3)
    embedding = np.ones((1, 5), np.float32)
    layer.build([(None, 5), (None, 3)])
    dense_out = np.array([0.5, -1.0, 2.0, 0.4, -2.0, 1.0], np.float32)  # before LeakyReLU(0.2)
    layer.dense.kernel.assign(np.zeros((5, 6), np.float32))
    layer.dense.bias.assign(dense_out)
    activated = np.where(dense_out > 0, dense_out, 0.2 * dense_out)
    mean, log_var = activated[:3], activated[3:]
    noise = np.random.default_rng(0).standard_normal((50_000, 3)).astype(np.float32)
    code, got_mean, got_log_var = layer([np.repeat(embedding, len(noise), 0), noise])
    np.testing.assert_allclose(got_mean[0], mean, rtol=1e-6)
    np.testing.assert_allclose(got_log_var[0], log_var, rtol=1e-6)
    np.testing.assert_allclose(code.numpy().mean(0), mean, atol=0.03)
    np.testing.assert_allclose(code.numpy().var(0), np.exp(log_var), rtol=0.03)
    # KL(N(mu, sigma^2) || N(0, 1)) = 0.5 (mu^2 + sigma^2 - 1 - log sigma^2), averaged over dims
    expected = np.mean(0.5 * (mean**2 + np.exp(log_var) - 1.0 - log_var))
    model = StackGANStageI(dataclasses.replace(TINY, code_dim=3))
    assert float(model.kl_divergence(got_mean[:2], got_log_var[:2])) == pytest.approx(expected, rel=1e-5)
    assert model.kl_weight == 1.0 and StackGANStageII(dataclasses.replace(TINY, stage=2)).kl_weight == 2.0


@pytest.mark.parametrize("sizes", [(16, 32), (16, 64), (64, 256)])
def test_network_shapes_for_both_stages(sizes):
    small, large = sizes
    generator = networks.stage1_generator(8, 16, 8, small, 3, filters=4)
    assert generator.output_shape == [(None, small, small, 3), (None, 8), (None, 8)]
    refiner = networks.stage2_generator(small, large, 16, 8, 3, filters=4, residual_blocks=2)
    assert refiner.input_shape[0] == (None, small, small, 3)
    assert refiner.output_shape == [(None, large, large, 3), (None, 8), (None, 8)]
    for size in sizes:
        critic = networks.discriminator(size, 3, 16, 8, filters=4)
        assert critic.input_shape == [(None, size, size, 3), (None, 16)] and critic.output_shape == (None, 1)
    with pytest.raises(ValueError, match="power of two"):
        networks.stage1_generator(image_size=48)


def test_residual_stage2_starts_from_the_upsampled_stage1_image(tmp_path):
    refiner = networks.stage2_generator(8, 32, 16, 8, 1, filters=4, residual_blocks=1, residual=True)
    stage1 = np.random.default_rng(0).uniform(-0.99, 0.99, (2, 8, 8, 1)).astype("float32")
    noise, embedding = np.zeros((2, 8), "float32"), np.ones((2, 16), "float32")
    images, _, _ = refiner([stage1, noise, embedding])
    expected = keras.layers.UpSampling2D(4, interpolation="bilinear")(stage1)
    np.testing.assert_allclose(images.numpy(), expected.numpy(), atol=1e-5)
    # the correction is trainable: one gradient step moves the output away from the coarse image
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(refiner([stage1, noise, embedding])[0] - 1.0))
    grads = tape.gradient(loss, refiner.trainable_variables)
    assert any(float(tf.reduce_max(tf.abs(g))) > 0 for g in grads if g is not None)
    refiner.save(tmp_path / "refiner.keras")
    restored = keras.saving.load_model(tmp_path / "refiner.keras")
    np.testing.assert_allclose(restored([stage1, noise, embedding])[0].numpy(), images.numpy(), atol=1e-6)


def test_stage1_anchor_penalises_the_distance_to_the_upsampled_stage1_image():
    config = dataclasses.replace(TINY, stage=2, stage1_anchor_weight=10.0)
    model = StackGANStageII(config)
    stage1 = np.full((2, 16, 16, 1), 0.5, "float32")
    stage2 = np.full((2, 32, 32, 1), 0.2, "float32")
    assert float(model.stage_penalty([stage1, stage2])) == pytest.approx(10.0 * 0.3, rel=1e-5)
    ramp = np.linspace(-0.9, 0.9, 16 * 16, dtype="float32").reshape(1, 16, 16, 1)
    enlarged = keras.layers.UpSampling2D(2, interpolation="bilinear")(ramp)
    assert float(model.stage_penalty([ramp, enlarged])) == pytest.approx(0.0, abs=1e-6)
    assert StackGANStageII(dataclasses.replace(config, stage1_anchor_weight=0.0)).stage_penalty(
        [stage1, stage2]) == 0.0


def test_reduced_stage1_anchor_holds_the_coarse_picture_and_frees_finer_detail():
    config = dataclasses.replace(TINY, stage=2, stage1_anchor_weight=10.0, stage1_anchor_reduced=True)
    model = StackGANStageII(config)
    stage1 = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 16, 16, 1)).astype("float32")
    checker = np.tile(np.array([[0.3, -0.3], [-0.3, 0.3]], "float32"), (16, 16))[None, :, :, None]
    detailed = np.repeat(np.repeat(stage1, 2, axis=1), 2, axis=2) + checker
    assert float(model.stage_penalty([stage1, detailed])) == pytest.approx(0.0, abs=1e-6)
    assert float(model.stage_penalty([stage1, detailed + 0.1])) == pytest.approx(10.0 * 0.1, rel=1e-4)
    moved = tf.Variable(detailed + 0.1)
    with tf.GradientTape() as tape:  # the generator trains through it
        penalty = model.stage_penalty([stage1, moved])
    np.testing.assert_allclose(tape.gradient(penalty, moved).numpy(), 10.0 / detailed.size, rtol=1e-4)
    enlarged_only = dataclasses.replace(config, stage1_anchor_reduced=False)
    assert float(StackGANStageII(enlarged_only).stage_penalty([stage1, detailed])) > 1.0


def test_wrong_captions_never_pair_an_image_with_its_own(small_captioned_data):
    records, _ = read_captioned(small_captioned_data, limit=96)
    own = {int(i): e.numpy() for i, _, _, _, e in records}
    classes = {int(i): int(label) for i, _, label, _, _ in records}
    dataset = make_caption_dataset(small_captioned_data, batch_size=16, image_size=16, seed=3, limit=96)
    for _ in range(2):  # two epochs: reshuffled pairings
        for batch in dataset:
            ids, wrong_ids = batch["ids"].numpy(), batch["wrong_ids"].numpy()
            assert len(set(ids)) == len(ids) and (ids != wrong_ids).all()
            for i, wrong_id, right, wrong in zip(ids, wrong_ids, batch["embeddings"].numpy(),
                                                 batch["wrong_embeddings"].numpy()):
                assert any(np.array_equal(right, row) for row in own[i])
                assert any(np.array_equal(wrong, row) for row in own[wrong_id])
                # another class's caption: never the text of one of the image's own captions
                assert classes[wrong_id] != classes[i]
                assert not any(np.array_equal(wrong, row) for row in own[i])
    assert batch["images"].shape == (16, 16, 16, 1) and float(batch["images"].numpy().min()) >= -1.0


def test_mismatched_falls_back_to_the_next_image_without_other_classes():
    from gan_tf.data.captions import mismatched

    np.testing.assert_array_equal(mismatched(tf.constant([3, 3, 3])), [1, 2, 0])
    np.testing.assert_array_equal(mismatched(tf.constant([-1, -1])), [1, 0])
    np.testing.assert_array_equal(mismatched(tf.constant([0, 0, 1, 0])), [2, 2, 3, 2])


@pytest.fixture(scope="module")
def trained(small_captioned_data, tmp_path_factory):
    """Stage-I fitted briefly on real captioned data, then Stage-II on top of it."""
    config = StackGANStageI.config_for_data(TINY, load_metadata(small_captioned_data))
    stage1 = StackGANStageI(config)
    stage1.compile()
    history1 = stage1.fit(StackGANStageI.training_dataset(small_captioned_data, config, 16, limit=64),
                          epochs=1, verbose=0).history
    path = str(tmp_path_factory.mktemp("stage1") / "model.keras")
    stage1.save(path)
    config2 = dataclasses.replace(config, stage=2, stage1_model=path)
    stage2 = StackGANStageI.model_class_for(config2)(config2)
    stage2.warm_start()
    stage2.compile()
    frozen = [w.numpy() for w in stage2.stage1_generator.weights]
    before = [w.numpy() for w in stage2.generator.trainable_weights]
    history2 = stage2.fit(StackGANStageII.training_dataset(small_captioned_data, config2, 16, limit=64),
                          epochs=1, verbose=0).history
    return stage1, history1, stage2, history2, frozen, before, path


def test_short_real_fit_of_each_stage_gives_finite_losses(trained):
    stage1, history1, stage2, history2, frozen, before, _ = trained
    names = {"d_loss", "d_loss_real", "d_loss_wrong", "d_loss_fake", "g_loss", "kl_loss"}
    for history in (history1, history2):
        assert set(history) == names and all(np.isfinite(v[0]) for v in history.values())
    assert isinstance(stage2, StackGANStageII)
    # Stage-II starts from the trained Stage-I and leaves it frozen
    for original, copied, kept in zip(stage1.generator.weights, stage2.stage1_generator.weights, frozen):
        np.testing.assert_array_equal(original.numpy(), copied.numpy())
        np.testing.assert_array_equal(kept, copied.numpy())
    assert all(not np.allclose(b, w.numpy()) for b, w in zip(before, stage2.generator.trainable_weights))


def test_monitor_grid_shows_each_caption_with_both_stages(trained, small_captioned_data):
    _, _, stage2, _, _, _, _ = trained
    stage2.use_data_for_monitoring(small_captioned_data, 3)
    assert len(stage2.monitor_captions) == 3 and all(isinstance(c, str) for c in stage2.monitor_captions)
    grid = stage2.monitor_grid(3, seed=0)
    assert grid.dtype == np.uint8 and grid.shape == (3 * 34 + 2, 240 + 2 * 34 + 2, 3)
    np.testing.assert_array_equal(grid, stage2.monitor_grid(3, seed=0))  # fixed inputs


def test_export_round_trip_of_both_stages(trained, tmp_path):
    _, _, stage2, _, _, _, _ = trained
    path = export.export(stage2, str(tmp_path), stage2.export_name)
    assert path.endswith(os.path.join("stackgan_captioned_fashion_mnist", "1"))
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default"}
    embeddings = tf.constant(stage2.monitor_embeddings)
    seed = tf.constant(11, tf.int64)
    served = loaded.signatures["serving_default"](embeddings=embeddings, seed=seed)
    expected = stage2.sample(len(embeddings), seed, embeddings)
    assert served["stage1_images"].dtype == tf.uint8 and served["stage1_images"].shape == (3, 16, 16, 1)
    assert served["stage2_images"].shape == (3, 32, 32, 1)
    for name in ("stage1_images", "stage2_images"):
        np.testing.assert_array_equal(served[name].numpy(), expected[name].numpy())
    for request in serving.read_warmup_requests(path):
        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        assert loaded.signatures[request.model_spec.signature_name](**inputs)["stage2_images"].dtype == tf.uint8
    with pytest.raises(tf.errors.InvalidArgumentError, match="embeddings must be float32"):
        loaded.signatures["serving_default"](embeddings=tf.zeros([2, 5]), seed=seed)


def test_export_with_the_minilm_encoder_takes_caption_strings(tmp_path):
    from gan_tf.text.minilm import SentenceEncoder

    require_minilm_weights()
    config = dataclasses.replace(TINY, embedding_dim=384, text_encoder="minilm")
    model = StackGANStageI(config)
    loaded = tf.saved_model.load(export.export(model, str(tmp_path), "stackgan_text"))
    assert set(loaded.signatures) == {"serving_default", "captions"}
    captions = ["a small, dark pair of trousers", "a bright sneaker"]
    seed = tf.constant(2, tf.int64)
    served = loaded.signatures["captions"](captions=tf.constant(captions), seed=seed)
    np.testing.assert_allclose(served["embeddings"].numpy(), SentenceEncoder().encode(captions), atol=1e-5)
    direct = loaded.signatures["serving_default"](embeddings=served["embeddings"], seed=seed)
    np.testing.assert_array_equal(served["stage1_images"].numpy(), direct["stage1_images"].numpy())
    requests = serving.read_warmup_requests(serving.latest_version_dir(str(tmp_path / "stackgan_text")))
    assert {r.model_spec.signature_name for r in requests} == {"serving_default", "captions"}
    picture = tmp_path / "drawn.png"
    assert cli.main(["sample", "--model", str(tmp_path / "stackgan_text"), "--captions", *captions,
                     "--output", str(picture)]) == 0
    assert tf.io.decode_png(tf.io.read_file(str(picture))).shape == (2 * 18 + 2, 240 + 18 + 2, 3)  # text | Stage-I


def test_data_embedded_with_minilm_dir_exports_with_the_weights_in_dir(tmp_path, monkeypatch):
    """`--embedder minilm:DIR` (DIR relative, weights package absent): the data's metadata names
    DIR absolutely, the model takes it from there and the export loads the encoder from DIR."""
    from gan_tf.pipeline.embedders import make_embedder
    from gan_tf.text import minilm

    weights = tmp_path / "weights"
    weights.symlink_to(require_minilm_weights(), target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    embedder = make_embedder("minilm:weights")
    assert embedder.describe()["model_dir"] == str(weights)
    metadata = {"name": "captioned", "image_shape": [16, 16, 1], "embedding_dim": embedder.dim,
                "embedder": embedder.describe()}
    config = StackGANStageI.config_for_data(TINY, metadata)
    assert config.text_encoder == f"minilm:{weights}"

    def not_installed():
        raise FileNotFoundError("the MiniLM weights are not installed")
    monkeypatch.setattr(minilm, "default_model_dir", not_installed)
    loaded = tf.saved_model.load(export.export(StackGANStageI(config), str(tmp_path / "saved"), "stackgan_dir"))
    captions = ["a small, dark pair of trousers"]
    served = loaded.signatures["captions"](captions=tf.constant(captions), seed=tf.constant(0, tf.int64))
    np.testing.assert_allclose(served["embeddings"].numpy(), embedder.embed(captions), atol=1e-5)


def test_cli_trains_stage2_over_stage1_and_exports(trained, small_captioned_data, tmp_path):
    """`gan-tf train stackgan --stage 2` (the captioned data came from `gan-tf preprocess`)."""
    data = small_captioned_data
    run2 = str(tmp_path / "stage2")
    common = ["--data", data, "--epochs", "1", "--batch-size", "16", "--limit", "32", "--monitor-images", "2", "--no-jit"]
    assert cli.main(["train", "stackgan", "--stage", "2", "--stage1-model", trained[-1], "--run-dir", run2,
                     *common, *TINY_FLAGS]) == 0
    assert os.listdir(os.path.join(run2, "samples")) == ["epoch_0001.png"]
    saved = str(tmp_path / "saved_models")
    assert cli.main(["export", run2, "--output", saved]) == 0
    loaded = tf.saved_model.load(os.path.join(saved, "stackgan_captioned_fashion_mnist", "1"))
    out = loaded.signatures["serving_default"](embeddings=tf.zeros([1, 16]), seed=tf.constant(0, tf.int64))
    assert out["stage2_images"].shape == (1, 32, 32, 1)
    assert cli.main(["train", "stackgan", "--stage", "2", "--run-dir", str(tmp_path / "x"), *common]) == 1


def test_sharpness_bench_measures_neighbour_differences(trained, small_captioned_data, tmp_path):
    from bench import stackgan_sharpness as sharpness

    stripes = np.zeros((1, 4, 4, 1), np.uint8)
    stripes[:, :, ::2] = 255  # every horizontal neighbour differs by 255, no vertical one
    assert sharpness.detail(stripes) == pytest.approx(127.5)
    assert sharpness.detail(np.full((2, 5, 5, 3), 9, np.uint8)) == 0.0
    assert sharpness.detail(sharpness.enlarge(stripes, 8)) < sharpness.detail(stripes)  # bilinear blurs
    _, _, stage2, _, _, _, _ = trained
    path = str(tmp_path / "stage2.keras")
    stage2.save(path)
    rows = sharpness.main([path, "--data", small_captioned_data, "--samples", "8"])
    assert [name.split(": ")[-1] for name, *_ in rows] == ["real test images at 32 px", "Stage-I enlarged to 32 px", "Stage-II"]
    # the rows measure the same draws the model makes (a briefly trained model may draw flat
    # images, detail 0, so the values themselves are checked against a direct computation)
    _, embeddings, _ = fixed_captions(small_captioned_data, 8)
    stage1, stage2_images = sharpness.stage_images(stage2, embeddings)
    real = sharpness.detail(sharpness.real_images(small_captioned_data, 32, 8))
    expected = [real, sharpness.detail(sharpness.enlarge(stage1, 32)), sharpness.detail(stage2_images)]
    assert real > 0 and [value for _, value, _ in rows] == pytest.approx(expected)
    assert [ratio for _, _, ratio in rows] == pytest.approx([value / real for value in expected])
    with pytest.raises(SystemExit, match="not a StackGAN Stage-II"):
        sharpness.main([trained[-1], "--data", small_captioned_data, "--samples", "8"])


def test_generator_average_draws_every_image_outside_training(small_captioned_data, tmp_path):
    """The averaged copy follows the trained generator update by update; drawing, export, a
    reloaded model and Stage-II's warm start all use it; training does not."""
    config = dataclasses.replace(StackGANStageI.config_for_data(TINY, load_metadata(small_captioned_data)),
                                 generator_ema=0.3)
    model = StackGANStageI(config)
    model.compile()
    fit_and_check_average(model, StackGANStageI.training_dataset(small_captioned_data, config, 16, limit=64), 0.3)

    embeddings, seed = tf.constant(fixed_captions(small_captioned_data, 3)[1]), tf.constant(5, tf.int64)
    latent, noises = model.seeded_inputs(3, seed)
    drawn = model.sample(len(embeddings), seed, embeddings)["stage1_images"].numpy()
    by_average = model.averaged_generator([latent, noises[0], embeddings])[0]
    by_trained = model.generator([latent, noises[0], embeddings])[0]
    np.testing.assert_array_equal(drawn, to_uint8(by_average, model.value_range).numpy())
    assert not np.array_equal(drawn, to_uint8(by_trained, model.value_range).numpy())

    served = tf.saved_model.load(export.export(model, str(tmp_path / "export"), "stage1"))
    np.testing.assert_array_equal(
        served.signatures["serving_default"](embeddings=embeddings, seed=seed)["stage1_images"].numpy(), drawn)
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = load_trained_model(path)
    np.testing.assert_array_equal(reloaded.sample(len(embeddings), seed, embeddings)["stage1_images"].numpy(), drawn)
    stage2 = StackGANStageII(dataclasses.replace(config, stage=2, stage1_model=path))
    stage2.warm_start()
    for copied, average in zip(stage2.stage1_generator.weights, model.averaged_generator.weights):
        np.testing.assert_array_equal(copied.numpy(), average.numpy())
    with pytest.raises(ValueError, match="generator_ema is a decay"):
        StackGANStageI(dataclasses.replace(config, generator_ema=1.0))


def test_anneal_lowers_both_stages_learning_rates_at_the_end_of_a_budget():
    from gan_tf.training.callbacks import TimeAnnealing, TrainingClock
    from gan_tf.training.driver import budget_callbacks

    assert budget_callbacks(StackGANStageI(TINY), 100.0, TrainingClock()) == []
    for config in (dataclasses.replace(TINY, anneal=0.5), dataclasses.replace(TINY, stage=2, anneal=0.5)):
        model = StackGANStageI.model_class_for(config)(config)
        model.compile()
        (annealing,) = budget_callbacks(model, 100.0, TrainingClock(setup_seconds=75.0))
        assert isinstance(annealing, TimeAnnealing) and annealing.fraction == 0.5
        annealing.set_model(model)
        annealing.on_train_begin()
        annealing.on_train_batch_begin(0)  # 75 s of 100: half way through the annealed half
        assert float(model.g_optimizer.learning_rate) == pytest.approx(0.5 * config.learning_rate)
        assert float(model.d_optimizer.learning_rate) == pytest.approx(0.5 * config.learning_rate)
