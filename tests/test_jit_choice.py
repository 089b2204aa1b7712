"""`--jit auto`: the measurement leaves the model as it was, picks the faster setting and
is remembered."""

import json

import numpy as np

from gan_tf.data.reader import make_dataset
from gan_tf.families.vae.config import VAEConfig
from gan_tf.families.vae.model import VAE
from gan_tf.training import jit_choice


def test_choice_restores_the_state_and_is_cached(small_data_dir, tmp_path):
    model = VAE(VAEConfig(latent_dim=2))
    model.compile(jit_compile=True)
    batch = next(iter(make_dataset(small_data_dir, batch_size=16, limit=16)))
    before = [v.numpy().copy() for v in jit_choice._state(model)]
    cache = str(tmp_path / "jit.json")
    jit, rates = jit_choice.choose(model, batch, "vae|test", cache_path=cache)
    assert rates["on"] > 0 and rates["off"] > 0 and jit == (rates["on"] >= rates["off"])
    for old, new in zip(before, jit_choice._state(model)):
        np.testing.assert_array_equal(old, new.numpy())
    assert model.jit_compile == jit
    assert json.load(open(cache))["vae|test"]["jit"] == jit
    again, rates = jit_choice.choose(model, batch, "vae|test", cache_path=cache)
    assert again == jit and rates is None  # decided from the cache, nothing timed
    history = model.fit(make_dataset(small_data_dir, batch_size=16, limit=32), epochs=1, verbose=0).history
    assert np.isfinite(history["loss"]).all()
