#!/usr/bin/env bash
# Exports the random-weight task D models (ResNet-18, ViT-B/32) to bench/.media/models/ with Debian's
# PyTorch, installing it first when missing (needs root and Debian's package mirror). Arguments are passed
# to scripts/export-models.py (--only NAME, --force, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch, torchvision, onnx' 2>/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torchvision python3-onnx
fi
# The system Python on purpose: a pyenv `python3` on PATH does not see Debian's packages.
exec /usr/bin/python3 scripts/export-models.py "$@"
