#!/usr/bin/env bash
# One call on a lent GPU machine (see /work/.library/device/README.md): everything a GPU can
# show, in order of importance, each step capped so that the whole call ends within BUDGET
# seconds (default 480) and leaves device time for a rerun. Prepare first, here:
#
#   bash benchmarks/device_prepare.sh
#   device run: command "bash benchmarks/device_session.sh", carry [".whl"], timeout_s 560
#
# Steps (each logs into $OUT/session.log; a step that fails does not stop the next):
#   1. identity: nvidia-smi, torch and cupy versions, asv's machine file (benchmarks.machine)
#   2. the CUDA tests: pytest -m cuda on verify/ and benchmarks/ (benchmark timing disabled)
#   3. python -m verify --device cuda            -> $OUT/verify-cuda.csv (the table: session.log)
#   4. asv, --python=same, float32 on the GPU, both backends: the transforms' time_* at
#      b = 64 and 128
#   5. python -m benchmarks.peers on the GPU, cuda backend: ours, the floor (cuFFT + one cuBLAS
#      GEMM) and torch-harmonics, b = 64, 128 (S2) and 32, 64 (SO(3)), both precisions
#      -> $OUT/peers-cuda-cuda.json (the tables: session.log)
#   6. pytest-benchmark micro-benchmarks on the GPU targets -> $OUT/bench-cuda.json
#   7. asv: the layers' time_* (S2SO3Network included), then their GPU memory tracks, at b = 64
#      (two asv runs: a timeout loses one)
#   8. the same peers run with the torch backend on the GPU -> $OUT/peers-cuda-torch.json
#   9. asv: the transforms' track_floor_ratio at b = 64 and 128 (2 s of interleaved calls each)
#   asv results -> $OUT/asv-<machine>.json and $OUT/asv-machine.json, to commit under
#   benchmarks/results/<machine>/; the peers runs under benchmarks/results/peers/.
# Files back: session.log, verify-cuda.csv, bench-cuda.json, peers-cuda-*.json, asv-*.json
# (7 files; the device returns at most 8).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/results-tmp}
mkdir -p "$OUT"
BUDGET=${BUDGET:-480}
START=$SECONDS
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
PY=${PY:-python3}
LOG="$OUT/session.log"
: > "$LOG"

say() { echo "== [$((SECONDS - START)) s] $*" | tee -a "$LOG"; }
left() { echo $((BUDGET - (SECONDS - START))); }
# step NAME CAP CMD...: run CMD with a timeout of min(CAP, time left - 10 s); log rc and time
step() {
    local name=$1 cap=$2
    shift 2
    local t
    t=$(left)
    t=$((t - 10 < cap ? t - 10 : cap))
    if [ "$t" -lt 15 ]; then
        say "$name: skipped, $(left) s left"
        return 0
    fi
    say "$name: start (limit $t s)"
    local s=$SECONDS
    timeout --kill-after=5 "$t" "$@" >> "$LOG" 2>&1
    local rc=$?
    say "$name: rc=$rc after $((SECONDS - s)) s"
    return 0
}

say "setup"
{
    nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv
    $PY -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU')"
    $PY -c "import cupy; print('cupy', cupy.__version__)"
    nproc
} >> "$LOG" 2>&1
if [ ! -d .git ] && [ -f .whl/repo.bundle ]; then
    # the working tree came without .git: rebuild the history from the bundle, keep the files
    git config --global --add safe.directory "$PWD" >> "$LOG" 2>&1
    { git init -q -b main && git fetch -q --update-head-ok .whl/repo.bundle "+HEAD:refs/heads/main" && git reset -q; } >> "$LOG" 2>&1
    say "git: $(git rev-parse HEAD 2>&1) on $(git branch --show-current 2>&1)"
fi
[ -d .whl ] && $PY -m pip install -q --no-index --find-links .whl asv >> "$LOG" 2>&1
# torch-harmonics without its dependencies: its pinned torch would replace the image's
ls .whl/torch_harmonics-*.whl > /dev/null 2>&1 && $PY -m pip install -q --no-deps .whl/torch_harmonics-*.whl >> "$LOG" 2>&1
$PY -m pip install -q --no-deps --no-build-isolation -e . >> "$LOG" 2>&1 || say "editable install failed: using PYTHONPATH"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
MACHINE=$($PY -m benchmarks.machine 2>> "$LOG" | tee -a "$LOG" | tail -n 1)
say "machine: ${MACHINE:-unknown}"

step "cuda tests" 150 $PY -m pytest -p no:cacheprovider -q -m cuda --benchmark-disable verify benchmarks
step "verify --device cuda" 120 $PY -m verify --device cuda --csv "$OUT/verify-cuda.csv"
# asv saves a run's results when it ends: short runs, so that a timeout loses only the last
asv_run() {
    step "asv $1" "$2" $PY -m asv run --python=same --set-commit-hash "$(git rev-parse HEAD)" \
        --machine "$MACHINE" --show-stderr -a rounds=1 -b "$3"
}
peers_run() {
    step "peers on the GPU, $1 backend" "$2" $PY -m benchmarks.peers --device cuda --backend "$1" \
        --s2-b 64 128 --so3-b 32 64 --dtypes float32 float64 --peers torch_harmonics \
        --repeat 15 --budget 0.5 --json "$OUT/peers-cuda-$1.json"
}
if $PY -c "import asv" 2> /dev/null && [ -d .git ] && [ -n "$MACHINE" ]; then
    HAVE_ASV=1
else
    HAVE_ASV=
    say "asv: skipped (asv, git history or machine name missing)"
fi
[ -n "$HAVE_ASV" ] && asv_run "transforms (GPU, float32, b = 64, 128)" 240 \
    "(S2FFT|S2IFFT|SO3FFT|SO3IFFT|SO3IFFTReal)\.time_.*\((64|128), '(torch|cuda)', 'float32', 'cuda'\)"
peers_run cuda 120
step "pytest-benchmark (GPU targets)" 90 $PY -m pytest -p no:cacheprovider -q -m cuda benchmarks \
    --benchmark-json "$OUT/bench-cuda.json" --benchmark-max-time 0.5
[ -n "$HAVE_ASV" ] && asv_run "layers (float32, b = 64)" 130 \
    "(S2Convolution\.time_|SO3Convolution\.time_|S2SO3Network\.time_).*64, '(torch|cuda)', 'float32', 'cuda'\)"
[ -n "$HAVE_ASV" ] && asv_run "layers' GPU memory (float32, b = 64)" 100 \
    "(bench_layers\.GpuMemory\.track_).*64, '(torch|cuda)', 'float32', 'cuda'\)"
peers_run torch 90
[ -n "$HAVE_ASV" ] && asv_run "time over the floor (GPU, float32, b = 64, 128)" 90 \
    "(S2FFT|S2IFFT|SO3FFT|SO3IFFT|SO3IFFTReal)\.track_floor_ratio\((64|128), '(torch|cuda)', 'float32', 'cuda'\)"
if [ -n "$HAVE_ASV" ]; then
    dir=benchmarks/results/$MACHINE
    [ -f "$dir/machine.json" ] && cp "$dir/machine.json" "$OUT/asv-machine.json"
    for f in "$dir/$(git rev-parse HEAD | cut -c1-8)"-*.json; do  # this commit's results
        [ -f "$f" ] && cp "$f" "$OUT/asv-$MACHINE.json"
    done
fi
say "done in $((SECONDS - START)) s"
ls -la "$OUT" >> "$LOG"
