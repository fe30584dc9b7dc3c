#!/usr/bin/env bash
# Accuracy table of README.md: each row trained by `backprop train` and by the PyTorch peer with the same recipe,
# over several seeds, then summarised (mean ± spread of best validation and test accuracy).
#   bench/accuracy/run.sh [ROWS] [SEEDS]      ROWS: comma list of row names (default: all); SEEDS: default each row's
#                                             own (five for the CIFAR-10 rows, three for Fashion-MNIST)
# Output: bench/accuracy/results/<row>/<ours|torch>-seed<N>.json (committed: a rerun of one row keeps the others'),
# the runs' folders and logs in bench/out/accuracy/, and bench/accuracy/RESULTS.md from every row's results.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release src/Backprop.Cli >/dev/null
# The PyTorch peer with the fastest OpenBLAS kernel set this CPU allows, as in the suite (bench/README.md, "The peers'
# OpenBLAS kernels"), unless OPENBLAS_CORETYPE is set already.
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  core=$(bench/peers/openblas_coretype.sh)
  if [[ -n $core ]]; then export OPENBLAS_CORETYPE=$core; fi
fi
BACKPROP=src/Backprop.Cli/bin/Release/net10.0/backprop
TORCH=bench/peers/torch_fcnet.py
SUBSET=${BACKPROP_CIFAR10_SUBSET:-../shared/cifar10}
OUT=bench/out/accuracy
RESULTS=bench/accuracy/results

# name | data | seeds | common options (names shared by both command lines). Every option is given: `backprop
# train`'s defaults are its best recipe per data set (batch norm, lr decay …), the peer's are the CS231n ones.
ROWS=(
  "cifar-twolayer|cifar10-subset|0 1 2 3 4|--hidden 160 --normalization none --dropout 1 --reg 0.1 --weight-scale 1e-3 --update-rule sgd --learning-rate 1e-3 --lr-decay 0.95 --epochs 10"
  "cifar-100x5-adam|cifar10-subset|0 1 2 3 4|--hidden 100,100,100,100,100 --normalization none --dropout 1 --reg 0 --weight-scale 5e-2 --update-rule adam --learning-rate 1e-3 --lr-decay 1 --epochs 5"
  "cifar-500x3-bn-adam|cifar10-subset|0 1 2 3 4|--hidden 500,500,500 --normalization batchnorm --dropout 1 --reg 0 --weight-scale 1e-2 --update-rule adam --learning-rate 1e-3 --lr-decay 0.9 --epochs 10"
  "cifar-best|cifar10-subset|0 1 2 3 4|--hidden 500,500,500 --normalization batchnorm --dropout 0.5 --reg 0 --weight-scale 1e-2 --update-rule adam --learning-rate 1e-3 --lr-decay 0.9 --epochs 20"
  "fashion-default|fashion-mnist|0 1 2|--hidden 1000,1000 --normalization batchnorm --dropout 0.7 --reg 0 --weight-scale 1e-2 --update-rule adam --learning-rate 1e-3 --lr-decay 0.92 --epochs 30"
)
only=${1:-all}
for row in "${ROWS[@]}"; do
  IFS='|' read -r name data seeds opts <<< "$row"
  [[ "$only" == all || ",$only," == *",$name,"* ]] || continue
  SEEDS=${2:-$seeds}
  mkdir -p "$OUT/$name" "$RESULTS/$name"
  if [[ $data == cifar10-subset ]]; then
    ours_data=(--dataset cifar10 --data-dir "$SUBSET" --num-train 4000 --num-val 1000 --num-test 1000)
    torch_data=(--data cifar10-subset --data-dir "$SUBSET/cifar-10-batches-py-first1000" --num-train 4000 --num-val 1000 --num-test 1000)
  else
    ours_data=(--dataset fashion-mnist)
    torch_data=(--data fashion-mnist)
  fi
  for seed in $SEEDS; do
    echo "== $name seed $seed" >&2
    rm -rf "$OUT/$name/ours-seed$seed.run"
    # shellcheck disable=SC2086
    "$BACKPROP" train "${ours_data[@]}" $opts --seed "$seed" --json --out "$OUT/$name/ours-seed$seed.run" \
      > "$RESULTS/$name/ours-seed$seed.json" 2> "$OUT/$name/ours-seed$seed.log"
    # shellcheck disable=SC2086
    "$TORCH" --mode accuracy "${torch_data[@]}" $opts --seed "$seed" --threads 1 --blas-threads 2 \
      > "$RESULTS/$name/torch-seed$seed.json" 2> "$OUT/$name/torch-seed$seed.log"
  done
done
/usr/bin/python3 bench/accuracy/summarise.py "$RESULTS" > bench/accuracy/RESULTS.md
cat bench/accuracy/RESULTS.md
