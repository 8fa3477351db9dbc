#!/usr/bin/env bash
# The checks that need a GPU, as one script for a lent GPU machine (the device tool runs it
# in a copy of the working tree; its python3 has torch, numpy, pytest, pytest-xdist).
#
#   bash tools/gpu_check.sh graphs suite bench        (any of them, in that order)
#
# graphs: tools/cuda_graphs_probe.py (eager vs CUDA-graph step and epoch times, equality)
# suite:  the parity suite's CUDA cases (python -m pytest parity_tests --device cuda -k cuda)
# train:  dl-parity train on MNIST with the torch side on CUDA, eager and --cuda-graphs (MLP
#         float32, 2 epochs; CNN float32, 1 epoch), and the MLP float64 in lockstep with NumPy
# bench:  dl-parity bench --quick on 1, 4 and all CPU threads (+ its CUDA rows), then the
#         MNIST MLP rows again with OMP_WAIT_POLICY=PASSIVE (torch's OpenMP workers asleep)
# What is missing on the machine travels as wheels in .whl/; the real data in .gpu_data/
# (MNIST/raw, catvnoncat); results go to $OUT.
set -u
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site || exit 1
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p /tmp/bin
printf '#!/bin/sh\nexec python3 -m dl_parity.cli "$@"\n' > /tmp/bin/dl-parity
chmod +x /tmp/bin/dl-parity
export PATH="/tmp/bin:$PATH" DL_PARITY_DATA="${DL_PARITY_DATA:-$PWD/.gpu_data}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import sys, torch, numpy; print('python', sys.version.split()[0], 'torch', \
torch.__version__, 'numpy', numpy.__version__, torch.cuda.get_device_name(0))"
summary=""
for part in "$@"; do
  t0=$(date +%s)
  case "$part" in
    graphs)
      timeout "${GRAPHS_TIMEOUT:-90}" python3 tools/cuda_graphs_probe.py --json "$OUT/graphs.json" \
        2>&1 | tee "$OUT/graphs.md" ;;
    train)
      for run in "mlp:2:" "mlp:2:--cuda-graphs" "cnn:1:" "cnn:1:--cuda-graphs"; do
        IFS=: read -r model epochs graphs <<< "$run"
        log="$OUT/train_${model}${graphs:+_graphs}.log"
        timeout 120 dl-parity train --dataset mnist --model "$model" --impl torch --device cuda \
          --dtype float32 --epochs "$epochs" --quiet $graphs > "$log" 2>&1
        echo "train $model $graphs exit $?"; grep -E "^(time|train acc|test acc|cuda graphs)" "$log"
      done
      timeout 150 dl-parity train --dataset mnist --impl both --device cuda --epochs 1 \
        --cuda-graphs --quiet > "$OUT/train_lockstep_graphs.log" 2>&1
      echo "lockstep exit $?"; tail -6 "$OUT/train_lockstep_graphs.log" ;;
    suite)
      OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
      timeout "${SUITE_TIMEOUT:-200}" python3 -m pytest parity_tests --device cuda \
        -k "${SUITE_K:-cuda}" -n "${SUITE_WORKERS:-14}" -p no:cacheprovider -q -rfE \
        --junitxml "$OUT/junit.xml" > "$OUT/suite.log" 2>&1
      echo "suite exit $?"; grep -E "^(FAILED|ERROR)" "$OUT/suite.log" | head -40
      tail -3 "$OUT/suite.log" ;;
    bench)
      timeout "${BENCH_TIMEOUT:-130}" dl-parity bench --quick --threads "${BENCH_THREADS:-1,4,all}" \
        --json "$OUT/bench.json" > "$OUT/bench.md" 2> "$OUT/bench.err"
      echo "bench exit $?"; grep -E "ratio|numpy/torch" "$OUT/bench.err" | tail -40
      CUDA_VISIBLE_DEVICES="" OMP_WAIT_POLICY=PASSIVE timeout 60 dl-parity bench --quick \
        --threads all --workload mnist-64 --workload mnist-4096 > "$OUT/bench_passive.md" \
        2> "$OUT/bench_passive.err"
      echo "passive bench exit $?"; grep -E "numpy/torch" "$OUT/bench_passive.err" ;;
    *) echo "unknown part: $part"; exit 2 ;;
  esac
  summary="$summary $part:$(( $(date +%s) - t0 ))s"
done
echo "times:$summary"
