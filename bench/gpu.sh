#!/usr/bin/env bash
# The prepared GPU check (bench/gpu_check.py): under 8 minutes on one GPU; writes
# OUT/gpu_check.json and OUT/gpu_check.md. Flags go to it (--quick, --out, --classifier, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python}" -m bench.gpu_check "$@"
