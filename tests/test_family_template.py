"""docs/family_template.py, registered as a new family, trains through the one driver and
exports: adding a family needs nothing beyond its files and its registry entry."""

import importlib.util
import os

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import export, registry, training

TEMPLATE = os.path.join(os.path.dirname(__file__), "..", "docs", "family_template.py")


@pytest.fixture(scope="module")
def template_family():
    spec = importlib.util.spec_from_file_location("family_template", TEMPLATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry = registry.Family("template_gan", module.TemplateGANConfig, "family_template:TemplateGAN",
                            "template", "images")
    import sys

    sys.modules["family_template"] = module
    registry.register(entry)
    yield entry
    del registry.FAMILIES["template_gan"]


def test_template_trains_and_exports(template_family, small_data_dir, tmp_path):
    run = training.train("template_gan", small_data_dir, run_dir=str(tmp_path / "run"), epochs=2,
                         batch_size=32, limit=128, hidden_units=32, monitor_images=4, verbose=0)
    assert all(np.isfinite(run.history[name]).all() for name in ("d_loss", "g_loss"))
    assert sorted(os.listdir(tmp_path / "run" / "samples")) == ["epoch_0001.png", "epoch_0002.png"]
    path = export.export(run.model, str(tmp_path / "saved"), registry.family_of(run.model).name)
    images = tf.saved_model.load(path).signatures["sample"](count=tf.constant(3), seed=tf.constant(0, tf.int64))
    assert images["images"].shape == (3, 28, 28, 1)


def test_register_refuses_a_taken_name(template_family):
    with pytest.raises(ValueError, match="already taken: template_gan"):
        registry.register(template_family)
