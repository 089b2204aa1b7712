#!/usr/bin/env bash
# The main job on a fresh machine: set up, preprocess real Fashion-MNIST with Beam's
# DirectRunner, train FashionGAN's fast preset for a few minutes, export it for TF Serving
# and draw a grid of samples from the export.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh  # PYTHON= and VENV= as there
. "${VENV:-.venv}/bin/activate"

FASHION_MNIST_DIR=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
TRAIN_SECONDS=${TRAIN_SECONDS:-150}   # training time, compiling included (docs/families/fashion_gan.md)

gan-tf preprocess fashion_mnist --source "$FASHION_MNIST_DIR" --output data/fashion_mnist
gan-tf train fashion_gan --preset fast --data data/fashion_mnist --run-dir runs/fashion_gan \
  --epochs 1000 --seconds "$TRAIN_SECONDS" --fresh
gan-tf export runs/fashion_gan --output saved_models
gan-tf sample --model saved_models/fashion_gan --count 100 --output runs/fashion_gan/exported_samples.png
echo "done: runs/fashion_gan/exported_samples.png (from the export), per-epoch grids in runs/fashion_gan/samples/,"
echo "      export in saved_models/fashion_gan/, logs: tensorboard --logdir runs/fashion_gan/logs"
