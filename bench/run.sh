#!/usr/bin/env bash
# The benchmark suite in one command: GEMM vs NumPy, training epochs vs PyTorch and NumPy (CIFAR-shaped random data and
# Fashion-MNIST), memory, element-wise bandwidth, thread-count determinism and a soak run; writes bench/RESULTS.md and
# bench/results.json. `--smoke` runs everything at tiny sizes in about a minute (results in bench/out/smoke); a partial
# run (--only) writes to bench/out/only-<sections> unless --out is given. `--help` lists the options; an unknown one is
# refused (exit 2) before anything runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build "$here/Backprop.Bench/Backprop.Bench.csproj" -c Release -nologo -v quiet >&2
exec dotnet "$here/Backprop.Bench/bin/Release/net10.0/Backprop.Bench.dll" suite --repo "$here/.." "$@"
