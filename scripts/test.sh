#!/usr/bin/env bash
# Sets up (see setup.sh) and runs the whole test suite; exits non-zero on any failure.
# PYTHON= and VENV= choose the interpreter and environment as for setup.sh, e.g.
# `PYTHON=python3.13 VENV=.venv313 bash scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
exec "${VENV:-.venv}/bin/python" -m pytest -q --durations=15 "$@"
