"""scripts/setup.sh (and test.sh, CI's entry, through it) take the interpreter from PYTHON= and
refuse an unsupported or broken one in one message naming what each candidate was."""

import os
import subprocess

import pytest

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")


def fake_python(path, body):
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("script", ["setup.sh", "test.sh"])
def test_no_supported_python_is_refused_naming_each_candidate(script, tmp_path):
    old = fake_python(tmp_path / "python3.9", "echo 3.9")
    shim = fake_python(tmp_path / "python3.12", "echo 'pyenv: python3.12: command not found' >&2; exit 127")
    venv = tmp_path / "venv"
    result = subprocess.run(["bash", os.path.join(SCRIPTS, script)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHON": f"{shim} no-such-python {old}", "VENV": str(venv)})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "gan_tf needs Python 3.10, 3.11, 3.12 or 3.13 (TensorFlow 2.21 and Beam 2.77 ship wheels for "
        f"those); tried {shim} (does not run: pyenv: python3.12: command not found), no-such-python "
        f"(not found), {old} (Python 3.9). Install one, or name it: PYTHON=/path/to/python3.12\n")
    assert not venv.exists()
