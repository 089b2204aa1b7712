#!/usr/bin/env bash
# The main job on a fresh machine: set up, preprocess real Fashion-MNIST with Beam's
# DirectRunner, train FashionGAN briefly, export it for TF Serving and sample from the export.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate

FASHION_MNIST_DIR=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
EPOCHS=${EPOCHS:-2}
LIMIT=${LIMIT:-1024}   # images per epoch; the full 60,000 take about 75 min an epoch on 2 CPU cores

gan-tf preprocess fashion_mnist --source "$FASHION_MNIST_DIR" --output data/fashion_mnist
gan-tf train fashion_gan --data data/fashion_mnist --run-dir runs/fashion_gan \
  --epochs "$EPOCHS" --limit "$LIMIT" --batch-size 64
gan-tf export runs/fashion_gan --output saved_models
gan-tf sample --model saved_models/fashion_gan --count 25 --output runs/fashion_gan/exported_samples.png
echo "done: grids in runs/fashion_gan/samples/, export in saved_models/fashion_gan/, logs: tensorboard --logdir runs/fashion_gan/logs"
