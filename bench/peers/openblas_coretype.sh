#!/usr/bin/env bash
# Prints the OPENBLAS_CORETYPE the peers should run with on this CPU (empty: OpenBLAS's own choice), as the suite
# chooses it: builds Backprop.Bench and runs its `peer-blas` command, which times NumPy's product under each kernel set
# the CPU's flags allow (bench/README.md, "The peers' OpenBLAS kernels"). Debian's OpenBLAS 0.3.21 runs its SSE3
# "Prescott" kernels on the Emerald Rapids Xeon unless told: 55 against 295 GFLOP/s with SkylakeX.
# Usage, from a script: if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then core=$(bench/peers/openblas_coretype.sh); ...
set -euo pipefail
bench="$(cd "$(dirname "$0")/.." && pwd)"
dotnet build "$bench/Backprop.Bench/Backprop.Bench.csproj" -c Release -nologo -v quiet >&2
dotnet "$bench/Backprop.Bench/bin/Release/net10.0/Backprop.Bench.dll" peer-blas \
  | /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin).get('openblas_coretype') or '')"
