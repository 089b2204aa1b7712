"""`gan-tf train vanilla|dcgan|wgan-gp|cgan`: flags, a conditional run with export, clear errors."""

import os

import pytest
import tensorflow as tf

from gan_tf import cli


def test_every_variant_has_a_train_command_with_its_flags(capsys):
    for family, flag in (("vanilla", "--hidden-units"), ("dcgan", "--critic-batch-norm"),
                         ("wgan-gp", "--gradient-penalty"), ("cgan", "--embedding-dim"),
                         ("fashion_gan", "--critic-steps")):
        with pytest.raises(SystemExit):
            cli.main(["train", family, "--help"])
        assert flag in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["train", "wgan-gp", "--help"])
    assert "(default: 10.0)" in capsys.readouterr().out


def test_train_and_export_the_conditional_gan(small_data_dir, tmp_path):
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", "cgan", "--data", small_data_dir, "--run-dir", run_dir, "--epochs", "1",
                     "--batch-size", "32", "--limit", "64", "--monitor-images", "10",
                     "--generator-filters", "8", "--discriminator-filters", "8",
                     "--latent-dim", "8", "--loss", "hinge", "--no-jit"]) == 0
    assert os.listdir(os.path.join(run_dir, "samples")) == ["epoch_0001.png"]
    saved = str(tmp_path / "saved_models")
    assert cli.main(["export", run_dir, "--output", saved]) == 0
    loaded = tf.saved_model.load(os.path.join(saved, "cgan", "1"))
    images = loaded.signatures["serving_default"](latent=tf.zeros([2, 8]), labels=tf.constant([1, 2]))
    assert images["images"].shape == (2, 28, 28, 1)
    assert cli.main(["sample", "--model", os.path.join(saved, "cgan"), "--count", "4",
                     "--output", str(tmp_path / "grid.png")]) == 0


def test_variant_errors_are_clear(small_data_dir, tmp_path, capsys):
    assert cli.main(["train", "wgan-gp", "--data", small_data_dir, "--run-dir", str(tmp_path)]) == 1
    assert "power of two" in capsys.readouterr().err
    assert cli.main(["train", "vanilla", "--data", small_data_dir, "--run-dir", str(tmp_path),
                     "--loss", "wgan", "--hidden-units", "4"]) == 1
    assert "unknown adversarial loss" in capsys.readouterr().err
