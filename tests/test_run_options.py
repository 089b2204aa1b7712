"""Run options are declared once (`gan_tf.training.run_options`): the CLI's defaults are the Python
defaults, flags reach the driver as the same fields, and `train` leaves the process's dtype
policy and random streams as it found them."""

import argparse
import dataclasses
import inspect
import random

import keras
import numpy as np
import pytest

from gan_tf import registry
from gan_tf.cli import add_run_options
from gan_tf.training import driver as training
from gan_tf.training.run_options import RunOptions


def parse(family, *flags):
    parser = argparse.ArgumentParser()
    add_run_options(parser, registry.family(family))
    return RunOptions.from_args(parser.parse_args(["--data", "d", *flags]))


@pytest.mark.parametrize("family", registry.names())
def test_every_cli_default_is_the_python_default(family):
    assert parse(family) == RunOptions()
    # The driver declares no run option of its own, so no second default can drift.
    assert not set(RunOptions.names()) & set(inspect.signature(training.train).parameters)


def test_flags_reach_the_driver_as_the_same_fields():
    options = parse("pix2pix", "--epochs", "3", "--jit", "off", "--no-animate", "--log-every", "0",
                    "--mixed-precision", "--seconds", "1.5", "--strategy", "mirrored")
    assert options == dataclasses.replace(RunOptions(), epochs=3, jit=False, animate=False, log_every=0,
                                          mixed_precision=True, seconds=1.5, strategy="mirrored")
    assert parse("pix2pix", "--jit").jit is True and parse("pix2pix", "--no-jit").jit is False
    assert parse("pix2pix").jit == "auto"
    with pytest.raises(SystemExit):
        parse("pix2pix", "--strategy", "cluster")


def test_keywords_split_into_run_options_and_config_fields():
    options, overrides = RunOptions.split(RunOptions(epochs=4), {"epochs": 2, "limit": 8, "generator_filters": 16})
    assert (options.epochs, options.limit, overrides) == (2, 8, {"generator_filters": 16})
    with pytest.raises(ValueError, match="jit is one of"):
        RunOptions(jit="sometimes")


def test_train_leaves_the_dtype_policy_and_random_streams_as_it_found_them(small_data_dir):
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")  # the user's own, kept by a float32 run
    try:
        random.seed(7), np.random.seed(7)
        expected = random.random(), np.random.rand()
        random.seed(7), np.random.seed(7)
        run = training.train("fashion_gan", small_data_dir, epochs=1, batch_size=32, limit=32, jit=False,
                             record=False, verbose=0, generator_filters=8,
                             discriminator_filters=(8, 8, 8, 8), latent_dim=16)
        assert run.model.generator.dtype_policy.name == "float32"  # mixed_precision=False: float32
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        assert (random.random(), np.random.rand()) == expected  # the weights' seed did not leak
    finally:
        keras.mixed_precision.set_global_policy(previous)
