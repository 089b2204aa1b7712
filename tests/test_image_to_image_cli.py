"""`gan-tf preprocess image_domains|side_by_side`, `train cyclegan|pix2pix`, `export`."""

import os

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import cli

TINY_FLAGS = ["--image-size", "64", "--generator-filters", "4", "--discriminator-filters", "4",
              "--epochs", "1", "--limit", "4", "--batch-size", "2", "--monitor-images", "6",
              "--no-jit"]


def test_help_lists_the_new_families_and_their_flags(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "cyclegan", "--help"])
    text = capsys.readouterr().out
    for flag in ("--image-size", "--cycle-weight", "--identity-weight", "--pool-size",
                 "--constant-epochs", "--decay-epochs", "--generator", "--norm"):
        assert flag in text
    with pytest.raises(SystemExit):
        cli.main(["train", "pix2pix", "--help"])
    assert "--l1-weight" in capsys.readouterr().out


def test_cyclegan_from_raw_folders_to_export(small_horse2zebra_dir, tmp_path):
    data, run, saved = (str(tmp_path / n) for n in ("data", "run", "saved"))
    assert cli.main(["preprocess", "image_domains", "--source", small_horse2zebra_dir,
                     "--output", data, "--image-size", "72", "--train-shards", "1"]) == 0
    assert cli.main(["train", "cyclegan", "--data", data, "--run-dir", run, *TINY_FLAGS,
                     "--residual-blocks", "1"]) == 0
    assert os.path.isfile(os.path.join(run, "samples", "epoch_0001.png"))
    assert cli.main(["export", run, "--output", saved, "--name", "cyclegan_h2z"]) == 0
    loaded = tf.saved_model.load(os.path.join(saved, "cyclegan_h2z", "1"))
    picture = tf.constant(np.zeros((1, 64, 64, 3), np.uint8))
    for name in ("a_to_b", "b_to_a"):
        assert loaded.signatures[name](images=picture)["images"].shape == (1, 64, 64, 3)


def test_pix2pix_needs_paired_or_colour_data_and_says_so(small_data_dir, capsys):
    assert cli.main(["train", "pix2pix", "--data", small_data_dir, *TINY_FLAGS]) == 1
    assert "colour" in capsys.readouterr().err
