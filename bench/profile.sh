#!/usr/bin/env bash
# Where the CPU time of training goes, by sampling: `perf record` (Debian: apt-get install linux-perf) on the bench's
# epoch runner, then the samples grouped by what the code is (micro-kernel, packing, Adam, element-wise layers,
# copies, the pool, the OS) and by thread. Arguments go to the epoch runner (default: --data cifar10-random --epochs 1,
# i.e. one warm-up epoch and one timed one). Setup (random data, preprocessing, the FMA-peak loop, the JIT's threads)
# is left out of the shares; see profile_report.py. Samples come from the cpu-clock software event, which works on
# hosts without hardware counters (most VMs, this one included).
# Writes bench/out/profile/perf.data and prints the table. The JIT's symbol names stay in /tmp/perf-PID.map, which
# `perf report -i bench/out/profile/perf.data` needs to name the JIT's code later.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v perf >/dev/null || { echo "profile.sh: perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 2; }
out="$here/out/profile"
mkdir -p "$out"
dotnet build "$here/Backprop.Bench/Backprop.Bench.csproj" -c Release -nologo -v quiet >&2
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--data cifar10-random --epochs 1)
freq=997
# DOTNET_PerfMapEnabled writes the JIT's symbol map. With W^X on (the default) the runtime maps its code twice and perf
# charges the samples to an anonymous file instead, so it is switched off for this run.
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  perf record -q -e cpu-clock -F "$freq" -o "$out/perf.data" -- \
  dotnet "$here/Backprop.Bench/bin/Release/net10.0/Backprop.Bench.dll" epoch "${args[@]}" >"$out/epoch.json" 2>"$out/epoch.err"
grep -E "epoch [0-9]+ \(timed\)" "$out/epoch.err" >&2 || true
perf report -i "$out/perf.data" --no-children -n -s comm,dso,sym -g none --stdio -t '|' 2>/dev/null \
  | python3 "$here/profile_report.py" --frequency "$freq"
