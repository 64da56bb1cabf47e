#!/usr/bin/env bash
# Prepare, on the development machine, what benchmarks/device_session.sh needs on a lent GPU
# machine that reaches no package registry: wheels of the packages its image lacks (asv and
# its dependencies, torch-harmonics, for the GPU's Python) and a git bundle of this history (asv reads the
# commit of `--set-commit-hash` from git; the device receives the working tree, not .git).
# Everything lands in .whl/ (ignored by git): name it in the device call's `carry`.
#
#   bash benchmarks/device_prepare.sh [python-version]     # default 3.12, the device image's
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-3.12}
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q -d .whl --only-binary=:all: --python-version "$py" \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    "asv>=0.6"
# torch-harmonics, the GPU peer of benchmarks.peers: installed there without its dependencies (its
# wheel pins a torch release; its spherical harmonic transforms are plain torch and run on others)
python3 -m pip download -q -d .whl --only-binary=:all: --no-deps --python-version "$py" \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    torch-harmonics || echo "torch-harmonics: no wheel for Python $py; the GPU peers run without it"
git bundle create -q .whl/repo.bundle HEAD
git rev-parse HEAD > .whl/commit
du -sh .whl
echo "carry .whl; run: bash benchmarks/device_session.sh"
