"""docs/family_template/, added as a family folder, is found by the registry, trains through
the one driver and exports: adding a family needs nothing beyond its folder."""

import os

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import families, registry
from gan_tf.serving import export
from gan_tf.training import driver as training

TEMPLATE = os.path.join(os.path.dirname(__file__), "..", "docs", "family_template")


@pytest.fixture(scope="module")
def template_family(tmp_path_factory):
    """The template folder as gan_tf/families/template_gan/ (a folder on the package's path),
    found and registered as the registry finds and registers every family folder."""
    folders = tmp_path_factory.mktemp("families")
    (folders / "template_gan").symlink_to(os.path.abspath(TEMPLATE), target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(families, "__path__", [*families.__path__, str(folders)])
        entry = next(entry for entry in registry.declared_families() if entry.name == "template_gan")
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
