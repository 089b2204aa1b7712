"""CycleGAN: losses, history pool, schedule, a real horse2zebra fit, monitor, export, resume."""

import glob
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.serving import export
from gan_tf.training.callbacks import LinearDecay, ModelMonitor
from gan_tf.training.driver import family_callbacks
from gan_tf.training.history_pool import HistoryPool

TINY = CycleGANConfig(image_size=64, generator_filters=4, discriminator_filters=4,
                      residual_blocks=1, constant_epochs=1, decay_epochs=1)
LOSSES = {"g_loss", "f_loss", "cycle_loss", "identity_loss", "d_a_loss", "d_b_loss"}


def images(seed, count=2, size=64):
    return np.random.RandomState(seed).uniform(-1, 1, (count, size, size, 3)).astype("float32")


def test_cycle_and_identity_losses_of_identity_mappings_are_zero():
    model = CycleGAN(TINY)
    inputs = keras.Input((64, 64, 3))
    identity = keras.Model(inputs, inputs)
    real_a, real_b = images(0), images(1)
    assert float(model.cycle_loss(real_a, real_b, real_a, real_b)) == 0.0
    model.generator_g = model.generator_f = identity
    reconstructed_a = model.generator_f(model.generator_g(real_a))
    reconstructed_b = model.generator_g(model.generator_f(real_b))
    assert float(model.cycle_loss(real_a, real_b, reconstructed_a, reconstructed_b)) == 0.0
    assert float(model.identity_loss(real_a, real_b, training=False)) == 0.0
    expected = np.abs(real_a - real_b).mean() * 2  # L1 of both directions
    assert float(model.cycle_loss(real_a, real_b, real_b, real_a)) == pytest.approx(expected, rel=1e-5)


def test_history_pool_fills_then_swaps_half_the_time():
    pool = HistoryPool(50, (1, 1, 1), seed=3)
    first = np.arange(50, dtype="float32").reshape(50, 1, 1, 1)
    np.testing.assert_array_equal(pool(first).numpy(), first)  # filling: returned as is
    assert int(pool.count.numpy()) == 50
    new = (1000 + np.arange(4000, dtype="float32")).reshape(4000, 1, 1, 1)
    returned = pool(new).numpy().ravel()
    old = returned < 1000
    assert 0.46 < old.mean() < 0.54  # probability 1/2 of a past image
    assert set(returned[old]) <= set(range(50))  # past images, never made up
    np.testing.assert_array_equal(returned[~old], new.ravel()[~old])
    stored = pool.images.numpy().ravel()[:50]
    assert (stored >= 1000).all()  # 2000 swaps into 50 slots: every slot holds a new image
    assert set(stored) <= set(new.ravel()[old])  # swapped in: their callers got an old image
    sequential = [float(pool(np.full((1, 1, 1, 1), 9000.0 + i, "float32"))[0, 0, 0, 0]) for i in range(300)]
    past = [value != 9000.0 + i for i, value in enumerate(sequential)]
    assert 0.4 < np.mean(past) < 0.6  # one image at a time, as CycleGAN trains
    disabled = HistoryPool(0, (1, 1, 1))
    np.testing.assert_array_equal(disabled(new[:5]).numpy(), new[:5])


def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    schedule = LinearDecay(2e-4, constant_epochs=100, decay_epochs=100)
    assert schedule.rate(0) == schedule.rate(99) == 2e-4
    assert schedule.rate(100) == pytest.approx(2e-4 * 100 / 101)
    assert schedule.rate(150) == pytest.approx(2e-4 * (1 - 51 / 101))
    assert schedule.rate(199) == pytest.approx(2e-4 / 101)
    assert schedule.rate(250) == 0.0


@pytest.fixture(scope="module")
def trained(small_horse2zebra_data):
    """A tiny CycleGAN fitted two epochs on real horse2zebra images at 64 px."""
    keras.utils.set_random_seed(0)
    model = CycleGAN(TINY)
    model.compile(jit_compile=False)  # XLA compilation would dominate two tiny epochs on CPU
    before = {n.name: [w.numpy() for w in n.trainable_weights] for n in model.generators + model.discriminators}
    dataset = CycleGAN.training_dataset(small_horse2zebra_data, TINY, batch_size=2)
    history = model.fit(dataset, epochs=2, verbose=0, callbacks=family_callbacks(model, None, None, None))
    return model, before, history


def test_real_fit_reports_every_loss_separately_and_trains_all_four_networks(trained):
    model, before, history = trained
    assert set(history.history) == LOSSES
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name
    assert history.history["identity_loss"][0] > 0 and history.history["cycle_loss"][0] > 0
    for network in model.generators + model.discriminators:
        changed = [not np.allclose(b, w.numpy()) for b, w in zip(before[network.name], network.trainable_weights)]
        assert any(changed), network.name
    steps = 4  # trainB has 8 images: 4 batches of 2 per epoch, trainA (7) repeats
    assert model.g_optimizer.iterations.numpy() == model.d_optimizer.iterations.numpy() == 2 * steps
    assert int(model.pool_a.count.numpy()) == int(model.pool_b.count.numpy()) == 2 * 2 * steps
    # epoch 1 (from 0) is the one decay epoch: 2e-4 * (1 - 1/2)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)


def test_switching_identity_off_reports_zero():
    config = CycleGANConfig(**{**TINY.to_dict(), "identity_weight": 0.0})
    model = CycleGAN(config)
    model.compile()
    logs = model.train_step((images(0, 1), images(1, 1)))  # eager: no tracing needed
    assert float(logs["identity_loss"]) == 0.0 and np.isfinite(float(logs["g_loss"]))


def test_without_a_pool_each_discriminator_runs_twice_and_trains_as_a_filling_pool():
    """A filling pool returns the fakes as they are, so its step must change every weight
    exactly as the pool-less step, which reuses G's and F's fake logits for D's loss."""
    real = (images(0, 1), images(1, 1))
    weights, calls = {}, {}
    for pool_size in (0, 50):
        keras.utils.set_random_seed(0)
        model = CycleGAN(CycleGANConfig(**{**TINY.to_dict(), "pool_size": pool_size}))
        model.compile()
        graph = tf.function(model.train_step).get_concrete_function(real).graph
        forward = {op.name.split("/")[0] for op in graph.get_operations()
                   if op.type == "Conv2D" and op.name.startswith("discriminator_a")}
        calls[pool_size] = len(forward)
        model.train_step(real)
        weights[pool_size] = [w.numpy() for w in model.trainable_weights]
    assert calls == {0: 2, 50: 3}  # real and fake; with a pool, also the pooled fakes
    for without_pool, with_pool in zip(weights[0], weights[50]):
        np.testing.assert_allclose(without_pool, with_pool, rtol=1e-5, atol=1e-6)


def test_monitor_grid_shows_input_translated_reconstructed_rows(trained, small_horse2zebra_data, tmp_path):
    model = trained[0]
    model.use_data_for_monitoring(small_horse2zebra_data, 12)  # 2 test images per domain
    grid = model.monitor_images(12, 0).numpy()
    assert grid.shape == (12, 64, 64, 3)
    real_a = model.monitor_inputs[0]
    np.testing.assert_array_equal(grid[0], model.to_uint8(real_a[:1])[0])
    # Within one grey level: the grid translates a batch, this one image; sums round differently.
    translated = model.to_uint8(model.generator_g(real_a[:1]))[0].numpy().astype(int)
    np.testing.assert_allclose(grid[1].astype(int), translated, atol=1)
    monitor = ModelMonitor(str(tmp_path / "samples"), str(tmp_path / "logs"), num_images=12)
    monitor.set_model(model)
    monitor.on_epoch_end(0)
    picture = np.asarray(Image.open(tmp_path / "samples" / "epoch_0001.png"))
    assert picture.shape == (4 * 66 + 2, 3 * 66 + 2, 3)  # 4 rows of input | G | F(G)
    assert glob.glob(str(tmp_path / "logs" / "images" / "events.*"))


def test_export_round_trip_in_both_directions(trained, tmp_path):
    model = trained[0]
    path = export.export(model, str(tmp_path), "cyclegan_horse2zebra")
    assert path.endswith(os.path.join("cyclegan_horse2zebra", "1"))
    loaded = tf.saved_model.load(path)
    assert {"a_to_b", "b_to_a", "serving_default"} <= set(loaded.signatures)
    assert len(loaded.variables) == len(model.generator_g.variables) + len(model.generator_f.variables)
    pictures = np.random.RandomState(5).randint(0, 256, (2, 64, 64, 3)).astype(np.uint8)
    inputs = model.value_range[0] + pictures.astype("float32") / 127.5
    for name, network in (("a_to_b", model.generator_g), ("b_to_a", model.generator_f)):
        out = loaded.signatures[name](images=tf.constant(pictures))["images"].numpy()
        assert out.dtype == np.uint8 and out.shape == pictures.shape
        expected = model.to_uint8(network(inputs, training=False)).numpy()
        assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1
    other = loaded.signatures["a_to_b"](images=tf.constant(pictures[:, :48, :40]))["images"]
    assert other.shape == (2, 48, 40, 3)  # resized back to the caller's size
    np.testing.assert_array_equal(
        loaded.signatures["serving_default"](images=tf.constant(pictures))["images"],
        loaded.signatures["a_to_b"](images=tf.constant(pictures))["images"])


def test_saved_model_resumes_with_pool_optimizers_and_schedule(trained, tmp_path):
    model = trained[0]
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.pool_a.images.numpy(), model.pool_a.images.numpy())
    assert int(loaded.pool_b.count.numpy()) == int(model.pool_b.count.numpy())
    assert loaded.g_optimizer.iterations.numpy() == model.g_optimizer.iterations.numpy()
    np.testing.assert_array_equal(loaded.generator_f(images(2)), model.generator_f(images(2)))


def test_unet_generators_with_instance_norm_are_an_option():
    model = CycleGAN(CycleGANConfig(**{**TINY.to_dict(), "generator": "unet"}))
    assert model.generator_g.name == "generator_g" and any(
        isinstance(l, keras.layers.GroupNormalization) for l in model.generator_g.layers)
    assert model.generator_f(images(0, 1)).shape == (1, 64, 64, 3)


def test_f_can_be_wider_than_g():
    """`f_generator_filters` widens F (B -> A) alone: its first convolution has that many
    filters, G keeps `generator_filters`, and both still translate at the trained size."""
    model = CycleGAN(CycleGANConfig(**{**TINY.to_dict(), "f_generator_filters": 8}))
    first_filters = lambda network: next(layer.filters for layer in network.layers
                                         if isinstance(layer, keras.layers.Conv2D))
    assert (first_filters(model.generator_g), first_filters(model.generator_f)) == (4, 8)
    assert model.generator_f.count_params() > 2 * model.generator_g.count_params()
    assert model.generator_f(images(0, 1)).shape == model.generator_g(images(0, 1)).shape == (1, 64, 64, 3)


def test_training_data_must_have_both_domains(small_data_dir):
    with pytest.raises(ValueError, match="trainA, trainB"):
        CycleGAN.training_dataset(small_data_dir, TINY, batch_size=1)
