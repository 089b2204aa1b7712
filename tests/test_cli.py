"""The `gan-tf` command end to end on real data: preprocess, train, resume, export, sample."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from gan_tf import cli

TINY_FLAGS = ["--generator-filters", "8", "--discriminator-filters", "8,8,8,8", "--latent-dim", "16"]


def test_help_is_quick_and_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "gan_tf.cli", "--help"], capture_output=True,
                            text=True, check=True, timeout=60)
    for command in ("preprocess", "train", "export", "sample"):
        assert command in result.stdout
    result = subprocess.run([sys.executable, "-c", "import sys, gan_tf.cli; "
                             "print('tensorflow' in sys.modules)"], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_preprocess_train_export_sample(small_idx_dir, tmp_path, capsys):
    data = str(tmp_path / "data")
    assert cli.main(["preprocess", "fashion_mnist", "--source", small_idx_dir, "--output", data,
                     "--train-shards", "2"]) == 0
    assert json.load(open(os.path.join(data, "metadata.json")))["splits"]["train"]["count"] == 512
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", "fashion_gan", "--data", data, "--run-dir", run_dir, "--epochs", "2",
                     "--batch-size", "32", "--limit", "64", "--monitor-images", "4", *TINY_FLAGS]) == 0
    assert sorted(os.listdir(os.path.join(run_dir, "samples"))) == ["epoch_0001.png", "epoch_0002.png"]
    saved = str(tmp_path / "saved_models")
    assert cli.main(["export", run_dir, "--output", saved]) == 0
    assert os.listdir(os.path.join(saved, "fashion_gan")) == ["1"]
    config = str(tmp_path / "models.config")
    assert cli.main(["serving-config", "--base", saved, "--output", config]) == 0
    assert 'base_path: "/models/fashion_gan"' in open(config).read()
    grid = str(tmp_path / "grid.png")
    assert cli.main(["sample", "--model", os.path.join(saved, "fashion_gan"), "--count", "9",
                     "--output", grid]) == 0
    assert np.asarray(Image.open(grid)).shape == (3 * 30 + 2, 3 * 30 + 2)


def test_cli_errors_are_clear(tmp_path, capsys):
    assert cli.main(["train", "fashion_gan", "--data", str(tmp_path)]) == 1
    assert "not a finished preprocessed data set" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path)]) == 1
    assert "train first" in capsys.readouterr().err
    assert cli.main(["preprocess", "mnist", "--source", str(tmp_path), "--output", str(tmp_path / "o")]) == 1
    assert "no train images file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "fashion_gan", "--data", str(tmp_path), "--unknown-flag", "1"])


def test_train_classifier_then_train_with_metrics(small_data_dir, tmp_path, capsys):
    classifier = str(tmp_path / "classifier.keras")
    assert cli.main(["train-classifier", "--data", small_data_dir, "--output", classifier, "--epochs", "1"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", "fashion_gan", "--data", small_data_dir, "--run-dir", run_dir, "--epochs", "1",
                     "--batch-size", "32", "--limit", "64", "--classifier", classifier,
                     "--metrics-samples", "64", *TINY_FLAGS]) == 0
    logs = os.listdir(os.path.join(run_dir, "logs"))
    assert {"metrics", "diagnostics", "images", "train"} <= set(logs)


def test_export_refuses_a_keras_file_carrying_python_code(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    path = str(tmp_path / "untrusted.keras")
    model.save(path)
    assert cli.main(["export", path, "--output", str(tmp_path / "saved")]) == 1
    assert "arbitrary code execution" in capsys.readouterr().err
    assert not (tmp_path / "saved").exists()


@pytest.mark.parametrize("recorded", ["family", "fields only"])
def test_export_refuses_a_run_folders_model_of_another_family(tmp_path, capsys, recorded):
    """A DCGAN's model.keras copied into a FashionGAN run folder: refused, naming both; the file
    itself exports under its own family. A folder recorded before config.json named the family
    is told by its config's fields."""
    from gan_tf.families.dcgan.config import DCGANConfig
    from gan_tf.families.dcgan.model import DCGAN
    from gan_tf.families.fashion_gan.config import FashionGANConfig
    from gan_tf.training import run_state

    run_dir = tmp_path / "fashion_gan"
    run_state.record_config(str(run_dir), FashionGANConfig(), 0, {})
    if recorded == "fields only":
        record = json.loads((run_dir / "config.json").read_text())
        del record["family"]
        (run_dir / "config.json").write_text(json.dumps(record))
    model_file = run_dir / "model.keras"
    DCGAN(DCGANConfig(latent_dim=8, image_shape=(16, 16, 1), generator_filters=4, discriminator_filters=4)).save(
        str(model_file))
    saved = tmp_path / "saved"
    assert cli.main(["export", str(run_dir), "--output", str(saved)]) == 1
    assert error_line(capsys, "export") == (
        f"gan-tf export: error: {model_file} holds a dcgan model, but {run_dir} is a fashion_gan run (its "
        f"config.json); nothing exported: export the file itself (gan-tf export {model_file}) to publish it as "
        "dcgan, or train again into this folder (--debug shows the traceback)")
    assert not saved.exists()
    assert cli.main(["export", str(model_file), "--output", str(saved)]) == 0
    assert os.listdir(saved) == ["dcgan"]


def error_line(capsys, command):
    """The one line `gan-tf COMMAND` printed for an expected failure (never a traceback)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(f"gan-tf {command}: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_expected_failures_print_one_line_naming_the_file(small_data_dir, small_idx_dir, tmp_path, capsys,
                                                           monkeypatch):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_data_dir, data)
    shard = data / json.load(open(data / "metadata.json"))["splits"]["train"]["shards"][1]
    shard.write_bytes(shard.read_bytes()[:-100])  # a copy cut short, mid-record
    train = ["train", "fashion_gan", "--data", str(data), "--run-dir", str(tmp_path / "run"), "--epochs", "1",
             "--batch-size", "32", "--no-jit", "--monitor-images", "4", *TINY_FLAGS]
    assert cli.main(train) == 1
    line = error_line(capsys, "train")
    assert re.search(rf"{shard}: record \d+ is cut short", line) and "preprocess the data again" in line

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    preprocess = ["preprocess", "fashion_mnist", "--source", small_idx_dir, "--output", str(blocker / "out")]
    assert cli.main(preprocess) == 1
    line = error_line(capsys, "preprocess")
    assert str(blocker) in line and "folder" in line

    with pytest.raises(OSError):
        cli.main(["--debug", *preprocess])
    monkeypatch.setenv("GAN_TF_DEBUG", "1")
    with pytest.raises(OSError):
        cli.main(preprocess)


def test_export_options_and_serving_config_refusals(tmp_path, capsys):
    import tensorflow as tf

    from gan_tf.families.fashion_gan.config import FashionGANConfig
    from gan_tf.families.fashion_gan.model import FashionGAN

    model_file = str(tmp_path / "model.keras")
    FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16)).save(model_file)
    saved = str(tmp_path / "saved_models")
    assert cli.main(["export", model_file, "--output", saved, "--max-count", "3"]) == 0
    sample = tf.saved_model.load(os.path.join(saved, "fashion_gan", "1")).signatures["sample"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="input count must be between 1 and 3"):
        sample(count=tf.constant(4), seed=tf.constant(0, tf.int64))
    assert cli.main(["export", model_file, "--output", saved, "--xla"]) == 0  # version 2, compiled
    graph = tf.saved_model.load(os.path.join(saved, "fashion_gan", "2")).signatures["serving_default"].graph
    assert any(f.attr["_XlaMustCompile"].b for f in graph.as_graph_def().library.function)
    capsys.readouterr()
    assert cli.main(["export", model_file, "--output", saved, "--version", "1"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("gan-tf export: error: ") and "1 already exists" in error and error.count("\n") == 1
    config = str(tmp_path / "models.config")
    assert cli.main(["serving-config", "--base", saved, "--container-base", "saved_models", "--output", config]) == 1
    assert "relative" in capsys.readouterr().err and not os.path.exists(config)
    assert cli.main(["serving-config", "--base", saved, "--container-base", "/srv/models", "--output", config]) == 0
    assert 'base_path: "/srv/models/fashion_gan"' in open(config).read()


def run_cli(argv, log_level):
    """`gan-tf ARGV` in a fresh process with TF_CPP_MIN_LOG_LEVEL=log_level (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if log_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = log_level
    return subprocess.run([sys.executable, "-m", "gan_tf.cli", *argv], capture_output=True, text=True,
                          timeout=600, env=env)


def test_native_start_up_lines_are_recognised_and_nothing_else():
    from gan_tf.console.native_logs import NATIVE_LOG_LINE

    native = [b"I0000 00:00:1795804625.243279   17907 port.cc:153] oneDNN custom operations are on.",
              b"E0000 00:00:1795793212.728273    3821 cuda_platform.cc:52] failed call to cuInit",
              b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"]
    assert all(NATIVE_LOG_LINE.match(line) for line in native)
    assert not NATIVE_LOG_LINE.match(b"UserWarning: something a person should see")


@pytest.mark.parametrize("log_level", [None, "1", "2"])
def test_a_failing_command_prints_its_error_only(log_level):
    result = run_cli(["train", "fashion_gan", "--data", "/nonexistent"], log_level)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("gan-tf train: error:"), result.stderr


@pytest.mark.parametrize("log_level", [None, "1", "2"])
def test_every_command_leaves_stderr_empty_whatever_the_log_level(log_level, small_idx_dir, tmp_path):
    """TF_CPP_MIN_LOG_LEVEL=1 or 2, which users set to quiet TensorFlow, once let oneDNN, cuInit
    and Grappler lines through in every process; Beam logged its BigQuery notice at import and
    our own fit call added Keras' shuffle warning. (0 shows everything, as does --verbose.)"""
    data, run, saved = (str(tmp_path / name) for name in ("data", "run", "saved"))
    for argv in (["preprocess", "fashion_mnist", "--source", small_idx_dir, "--output", data, "--train-shards", "1"],
                 ["train", "fashion_gan", "--data", data, "--run-dir", run, "--limit", "128", "--epochs", "1",
                  "--no-jit", *TINY_FLAGS],
                 ["export", run, "--output", saved],
                 ["sample", "--model", os.path.join(saved, "fashion_gan"), "--count", "4", "--output",
                  str(tmp_path / "grid.png")]):
        result = run_cli(argv, log_level)
        assert (result.returncode, result.stderr) == (0, ""), argv[0]


@pytest.mark.parametrize("argv, message", [
    (["sample", "--model", "m", "--count", "4294967300"], "--count: 4294967300 is out of range: from 1 to 2147483647"),
    (["sample", "--model", "m", "--count", "0"], "--count: 0 is out of range: from 1 to 2147483647"),
    (["sample", "--model", "m", "--count", "1e9"], "--count: '1e9' is not a whole number"),
    (["sample", "--model", "m", "--seed", str(2**63)], "--seed: 9223372036854775808 is out of range"),
    (["translate", "x.png", "--model", "m", "--output", "o", "--tile", "-1"], "--tile: -1 is out of range"),
    (["train", "fashion_gan", "--data", "d", "--seconds", "nan"], "--seconds: nan is out of range"),
    (["train", "fashion_gan", "--data", "d", "--batch-size", "3000000000"], "--batch-size: 3000000000 is out"),
])
def test_numbers_are_range_checked_where_they_are_parsed(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and err[-1].startswith(f"gan-tf {argv[0]}") and "Traceback" not in "".join(err)


def test_a_count_over_the_exports_own_limit_is_one_line(tmp_path, capsys):
    from gan_tf.families.fashion_gan.config import FashionGANConfig
    from gan_tf.families.fashion_gan.model import FashionGAN
    from gan_tf.serving.export import export

    model = FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16))
    model.compile()
    export(model, str(tmp_path), "tiny", max_count=8)
    output = tmp_path / "grid.png"
    assert cli.main(["sample", "--model", str(tmp_path / "tiny"), "--count", "9", "--output", str(output)]) == 1
    line = error_line(capsys, "sample")
    assert line.endswith("refused the request: input count must be between 1 and 8; got 9 (--debug shows the traceback)")
    assert not output.exists()
