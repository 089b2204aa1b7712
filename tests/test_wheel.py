"""The wheel that `python -m build` makes works outside the repository: installed into a fresh
environment, it adds nothing but gan_tf to site-packages (the Beam stage inside it, as
gan_tf.pipeline), and `gan-tf` runs from an empty folder. Slow (a build, an install, a Beam run)
but part of the suite: `-m "not slow"` leaves it out."""

import glob
import json
import os
import subprocess
import sys

import pytest

from gan_tf import __version__

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("build", reason="needs the dev extra's build: pip install -e '.[dev]'")
    dist = tmp_path_factory.mktemp("dist")
    # No isolation: the build backend is this environment's (the dev extra's), so no index is
    # needed. The wheel is built from the sdist, as pip and Beam's --setup_file build it.
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), ROOT],
                           capture_output=True, text=True, timeout=600)
    if "Missing dependencies" in built.stdout + built.stderr:
        pytest.skip("needs the dev extra's build backend (pip install -e '.[dev]'): "
                    + (built.stdout + built.stderr).strip().splitlines()[-1])
    assert built.returncode == 0, built.stdout + built.stderr
    [path] = glob.glob(str(dist / "*.whl"))
    return path


@pytest.fixture
def fresh_env(wheel, tmp_path):
    """(python, site-packages, entries the install added) of a new venv holding the wheel; its
    dependencies (TensorFlow, Beam, ...) are this environment's, reached through a .pth."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=300)
    python = str(env / "bin" / "python")
    site = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip()
    before = set(os.listdir(site))
    # pip run for another interpreter (--python) may still see this environment's editable
    # gan_tf of the same version and install nothing: --ignore-installed installs regardless.
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                                "--no-index", "--ignore-installed", wheel],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    added = set(os.listdir(site)) - before
    assert added, installed.stdout + installed.stderr
    with open(os.path.join(site, "dependencies.pth"), "w") as handle:
        handle.write("\n".join(path for path in sys.path if path.endswith("-packages")) + "\n")
    return python, site, added


def run_outside(argv, cwd):
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return subprocess.run(argv, cwd=cwd, env={**env, "CI": "1"}, capture_output=True, text=True, timeout=600)


def test_installed_wheel_adds_only_gan_tf_and_runs_from_an_empty_folder(fresh_env, small_idx_dir, tmp_path):
    python, site, added = fresh_env
    assert added == {"gan_tf", f"gan_tf-{__version__}.dist-info"}
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    where = run_outside([python, "-c", "import importlib.util, gan_tf.pipeline; print(gan_tf.pipeline.__file__); "
                         "print(importlib.util.find_spec('pipeline'))"], empty)
    assert where.stdout.split() == [os.path.join(site, "gan_tf", "pipeline", "__init__.py"), "None"], where.stderr

    gan_tf = os.path.join(os.path.dirname(python), "gan-tf")
    shown = run_outside([gan_tf, "--help"], empty)
    assert shown.returncode == 0 and "preprocess" in shown.stdout, shown.stderr
    done = run_outside([gan_tf, "preprocess", "fashion_mnist", "--source", small_idx_dir, "--output", "data",
                        "--train-shards", "2"], empty)
    assert done.returncode == 0, done.stderr
    with open(empty / "data" / "metadata.json") as handle:
        splits = json.load(handle)["splits"]
    assert {split: info["count"] for split, info in splits.items()} == {"train": 512, "test": 128}
