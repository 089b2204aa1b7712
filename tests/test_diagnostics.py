"""The collapse detector fires on a constant generator and not on real data."""

import keras
import numpy as np

from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.metrics import diagnostics
from gan_tf.training.callbacks import TrainingDiagnostics

TINY = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16)


def constant_generator(model):
    """Replaces the generator by one whose output ignores z: one constant image."""
    latent = keras.Input((model.latent_dim,))
    image = keras.layers.Dense(28 * 28, kernel_initializer="zeros", bias_initializer=
                               keras.initializers.RandomUniform(0, 1, seed=0), activation="sigmoid")(latent)
    model.generator = keras.Model(latent, keras.layers.Reshape((28, 28, 1))(image))
    return model


def test_collapse_detector_fires_on_a_constant_generator_only(small_data_dir, capsys):
    real = next(iter(make_dataset(small_data_dir, batch_size=64, limit=64)))
    healthy = FashionGAN(TINY)
    healthy.compile()
    collapsed = constant_generator(FashionGAN(TINY))
    collapsed.compile()
    latent = healthy.seeded_latent(64, 0)
    real_as_fake = diagnostics.mean_pairwise_distance(real)
    assert real_as_fake > 1.0
    collapsed_results = diagnostics.measure(collapsed, real, latent)
    assert collapsed_results["diversity"] < 1e-3
    assert any("mode collapse" in w for w in diagnostics.warnings_for(collapsed_results))
    # Real data passed off as samples: the detector stays quiet.
    real_results = {"diversity": diagnostics.mean_pairwise_distance(real[:32]) /
                    diagnostics.mean_pairwise_distance(real[32:]), "g_grad_norm": 1.0}
    assert diagnostics.warnings_for(real_results) == []
    data = make_dataset(small_data_dir, batch_size=32, limit=64)
    # Two generator updates per fit: after 2 a warm-up of 3 keeps it quiet; after 4 it warns.
    collapsed.fit(data, epochs=1, verbose=0, callbacks=[TrainingDiagnostics(real, warmup_steps=3)])
    assert "mode collapse" not in capsys.readouterr().out
    history = collapsed.fit(data, epochs=1, verbose=0, callbacks=[TrainingDiagnostics(real, warmup_steps=4)])
    assert "mode collapse" in capsys.readouterr().out
    for key in ("d_accuracy_real", "d_accuracy_fake", "g_grad_norm", "d_grad_norm", "diversity"):
        assert np.isfinite(history.history[key][0])


def test_vanishing_generator_gradients_are_reported():
    found = diagnostics.warnings_for({"diversity": 1.0, "g_grad_norm": 1e-7})
    assert len(found) == 1 and "vanishing generator gradients" in found[0]


def test_accuracy_and_gradient_norms_are_measured(small_data_dir):
    model = FashionGAN(TINY)
    model.compile()
    real = next(iter(make_dataset(small_data_dir, batch_size=32, limit=32)))
    results = diagnostics.measure(model, real, model.seeded_latent(32, 0))
    assert 0.0 <= results["d_accuracy_real"] <= 1.0 and 0.0 <= results["d_accuracy_fake"] <= 1.0
    assert results["g_grad_norm"] > 0 and results["d_grad_norm"] > 0
    assert 0 < results["diversity"] < 1  # untrained samples vary, but less than real images
