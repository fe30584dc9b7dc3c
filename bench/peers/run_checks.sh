#!/usr/bin/env bash
# The peers' check matrix: speed (both peers, 1 and 2 threads, CIFAR-shaped random data and Fashion-MNIST) and
# accuracy (Fashion-MNIST, CIFAR-10 subset). One JSON file per run in OUT (default bench/out/peers), then a summary.
# Usage: bench/peers/run_checks.sh [speed|accuracy|all] [OUT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
what="${1:-all}"
out="${2:-$here/../out/peers}"
mkdir -p "$out"
py=/usr/bin/python3
# The fastest OpenBLAS kernel set this CPU allows, as the suite runs the peers, unless OPENBLAS_CORETYPE is set already.
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  core=$("$here/openblas_coretype.sh")
  if [[ -n $core ]]; then export OPENBLAS_CORETYPE=$core; fi
fi
echo "== OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(OpenBLAS's own choice)}" >&2
net=(--hidden 500,500,500 --normalization batchnorm --update-rule adam --learning-rate 1e-3 --batch-size 100
     --dtype float32 --seed 0)

busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }

# Before a speed run: wait until the machine was idle (< 10% of one core) for 5 s, at most IDLE_WAIT s (900).
wait_idle() {
  local deadline=$((SECONDS + ${IDLE_WAIT:-900})) a b
  while ((SECONDS < deadline)); do
    a=$(busy_ticks); sleep 5; b=$(busy_ticks)
    (((b - a) < 50)) && return 0
  done
  echo "   (machine still busy; running anyway)" >&2
}

run() {  # run NAME PEER ARGS...
  local name="$1" peer="$2"; shift 2
  echo "== $name: $peer $*" >&2
  "$py" "$here/${peer}_fcnet.py" "$@" > "$out/$name.json"
}

if [[ "$what" == speed || "$what" == all ]]; then
  for data in "cifar10-random" "fashion-mnist --num-train 60000 --num-val 0"; do
    # t1b2: PyTorch's default here (1 intra-op thread, OpenBLAS's 2 threads), its fastest setting on this machine.
    for run_threads in "numpy t1 1" "numpy t2 2" "torch t1 1" "torch t2 2" "torch t1b2 1 --blas-threads 2"; do
      read -r peer label threads <<< "$run_threads"
      wait_idle
      # shellcheck disable=SC2086
      run "speed-${data%% *}-$peer-$label" "$peer" --mode speed --data $data "${net[@]}" --threads $threads \
        --warmup 1 --epochs 3
    done
  done
fi

if [[ "$what" == accuracy || "$what" == all ]]; then
  for peer in numpy torch; do
    run "acc-fashion-mnist-$peer" "$peer" --mode accuracy --data fashion-mnist "${net[@]}" --dropout 0.8 \
      --lr-decay 0.9 --epochs 15 --threads 1
    run "acc-cifar10-subset-bn-$peer" "$peer" --mode accuracy --data cifar10-subset \
      --num-train 4000 --num-val 1000 --num-test 1000 "${net[@]}" --lr-decay 0.9 --epochs 10 --threads 1
    run "acc-cifar10-subset-5x100-$peer" "$peer" --mode accuracy --data cifar10-subset \
      --num-train 4000 --num-val 1000 --num-test 1000 --hidden 100,100,100,100,100 --update-rule adam \
      --learning-rate 1e-3 --weight-scale 5e-2 --epochs 5 --batch-size 100 --dtype float32 --seed 0 --threads 1
  done
fi

"$py" - "$out" <<'PY'
import glob, json, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    d = json.load(open(path))
    name = os.path.basename(path)[:-5]
    if "speed" in d:
        s = d["speed"]
        print(f"{name:34s} {s['median_epoch_seconds']:7.2f} s/epoch (min {s['min_epoch_seconds']:.2f})"
              f" {s['images_per_second']:8.0f} img/s {s['gemm_gflops_per_second']:6.1f} GFLOP/s"
              f" rss {d['peak_rss_mib']:.0f} MiB, others used {sum(s['other_processes_cpu_seconds']):.1f} CPU s")
    else:
        a = d["accuracy"]
        print(f"{name:34s} best val {a['best_val_acc']:.4f} test {a['test_acc']:.4f}"
              f" final train {a['train_acc_history'][-1]:.4f} loss {a['loss']['last']:.3f} {a['wall_seconds']:.0f} s")
PY
