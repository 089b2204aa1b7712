"""FashionGAN: network shapes, a real training epoch, losses, saving and resuming."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.training import losses

TINY = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16)


def test_default_networks_have_the_source_shapes():
    model = FashionGAN()
    assert model.generator.input_shape == (None, 128)
    assert model.generator.output_shape == (None, 28, 28, 1)
    assert model.discriminator.output_shape == (None, 1)
    convs = [l for l in model.discriminator.layers if isinstance(l, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [32, 64, 128, 256]
    assert all(c.kernel_size == (5, 5) for c in convs)
    images = model.generator(np.random.randn(3, 128).astype("float32"))
    assert float(tf.reduce_min(images)) >= 0.0 and float(tf.reduce_max(images)) <= 1.0


def test_generator_refine_adds_half_size_convolutions_to_the_dcgan_generator():
    plain = FashionGAN(FashionGANConfig(architecture="dcgan", latent_dim=16))
    refined = FashionGAN(FashionGANConfig(architecture="dcgan", latent_dim=16, generator_refine=(64, 32)))
    convs = [l for l in refined.generator.layers if type(l) is keras.layers.Conv2D]
    assert [(c.filters, c.kernel_size, c.output.shape[1:3]) for c in convs] == [(64, (3, 3), (14, 14)),
                                                                                 (32, (3, 3), (14, 14))]
    assert not [l for l in plain.generator.layers if type(l) is keras.layers.Conv2D]
    assert refined.generator.output_shape == plain.generator.output_shape == (None, 28, 28, 1)
    with pytest.raises(ValueError, match="dcgan only"):
        FashionGAN(FashionGANConfig(generator_refine=(64,)))


def test_one_real_epoch_gives_finite_losses_and_changes_both_networks(small_data_dir):
    model = FashionGAN()
    model.compile()
    before_g = [w.numpy() for w in model.generator.trainable_weights]
    before_d = [w.numpy() for w in model.discriminator.trainable_weights]
    history = model.fit(make_dataset(small_data_dir, batch_size=64, limit=256), epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
    for before, network in ((before_g, model.generator), (before_d, model.discriminator)):
        changed = [not np.allclose(b, w.numpy()) for b, w in zip(before, network.trainable_weights)]
        assert all(changed)
    assert model.g_optimizer.iterations.numpy() == 4 and model.d_optimizer.iterations.numpy() == 4


def test_discriminator_loss_matches_the_bce_formula_with_smoothing():
    real_logits = np.array([[2.0], [-1.0], [0.5]], "float32")
    fake_logits = np.array([[-3.0], [0.2], [1.0]], "float32")
    sigmoid = lambda x: 1 / (1 + np.exp(-x))
    target = 0.9
    expected = np.mean(-(target * np.log(sigmoid(real_logits)) + (1 - target) * np.log(1 - sigmoid(real_logits))))
    expected += np.mean(-np.log(1 - sigmoid(fake_logits)))
    loss = losses.BinaryCrossentropyDiscriminatorLoss(label_smoothing=0.1)
    np.testing.assert_allclose(float(loss(real_logits, fake_logits)), expected, rtol=1e-5)
    g_expected = np.mean(-np.log(sigmoid(fake_logits)))
    np.testing.assert_allclose(float(losses.binary_crossentropy_generator_loss(fake_logits)), g_expected, rtol=1e-5)


def test_label_noise_only_lowers_real_targets():
    loss = losses.BinaryCrossentropyDiscriminatorLoss(label_smoothing=0.1, label_noise=0.2, seed=1)
    targets = loss.real_targets(np.zeros((1000, 1), "float32")).numpy()
    assert targets.max() <= 0.9 and targets.min() >= 0.7 and targets.std() > 0.03
    with pytest.raises(ValueError):
        losses.BinaryCrossentropyDiscriminatorLoss(label_smoothing=0.6, label_noise=0.5)


def test_discriminator_learns_to_separate_a_tiny_batch(small_data_dir):
    """With the generator frozen, the discriminator loss falls when overfitting 32 images."""
    model = FashionGAN(TINY)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.SGD(0.0))
    batch = next(iter(make_dataset(small_data_dir, batch_size=32, limit=32)))
    dataset = tf.data.Dataset.from_tensors(batch).repeat(40)
    history = model.fit(dataset, epochs=2, verbose=0).history["d_loss"]
    assert history[-1] < 0.5 * history[0]


def test_saved_model_file_reloads_weights_and_optimizer_state(small_data_dir, tmp_path):
    model = FashionGAN(TINY)
    model.compile()
    model.fit(make_dataset(small_data_dir, batch_size=32, limit=64), epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    latent = np.random.randn(4, 16).astype("float32")
    np.testing.assert_allclose(loaded.generator(latent), model.generator(latent), atol=1e-6)
    assert loaded.config == model.config
    for original, reloaded in ((model.g_optimizer, loaded.g_optimizer), (model.d_optimizer, loaded.d_optimizer)):
        assert int(reloaded.iterations.numpy()) == 2
        for a, b in zip(original.variables, reloaded.variables):
            np.testing.assert_allclose(a.numpy(), b.numpy())


class StopAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("simulated interruption")


class RecordEpochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_interrupted_training_resumes_from_the_last_epoch_with_full_state(small_data_dir, tmp_path):
    dataset = make_dataset(small_data_dir, batch_size=32, limit=64, seed=0)
    backup = str(tmp_path / "backup")
    first = FashionGAN(TINY)
    first.compile()
    with pytest.raises(KeyboardInterrupt):
        first.fit(dataset, epochs=4, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(backup, double_checkpoint=True), StopAtEpoch(2)])
    saved = [v.numpy() for v in first.weights]
    saved_seed = first.seed_generator.state.numpy()
    saved_slots = [v.numpy() for v in first.g_optimizer.variables + first.d_optimizer.variables]

    second = FashionGAN(TINY)
    second.compile()
    restored = {}

    class Capture(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if not restored:
                restored["weights"] = [v.numpy() for v in self.model.weights]
                restored["seed"] = self.model.seed_generator.state.numpy()
                restored["slots"] = [v.numpy() for v in second.g_optimizer.variables + second.d_optimizer.variables]

    record = RecordEpochs()
    second.fit(dataset, epochs=4, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(backup, double_checkpoint=True), record, Capture()])
    assert record.epochs == [2, 3]
    assert len(saved) == len(restored["weights"]) > 0
    for value, restored_value in zip(saved, restored["weights"]):
        np.testing.assert_array_equal(restored_value, value)
    for a, b in zip(saved_slots, restored["slots"]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(restored["seed"], saved_seed)
    assert saved_seed.any()  # the stream had advanced, so equality is not trivial
    assert int(second.g_optimizer.iterations.numpy()) == 8


def test_least_squares_losses_match_the_formula():
    real = np.array([[0.5], [1.5]], "float32")
    fake = np.array([[0.2], [-0.4]], "float32")
    np.testing.assert_allclose(float(losses.least_squares_discriminator_loss(real, fake)),
                               np.mean((real - 1) ** 2) + np.mean(fake**2), rtol=1e-6)
    np.testing.assert_allclose(float(losses.least_squares_generator_loss(fake)),
                               np.mean((fake - 1) ** 2), rtol=1e-6)
