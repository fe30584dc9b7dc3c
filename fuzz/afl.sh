#!/usr/bin/env bash
# Coverage-guided fuzzing of one format with AFL++ and SharpFuzz.
# Usage: fuzz/afl.sh FORMAT [SECONDS]     FORMAT: pickle, cifar-bin, idx, npy, npz, tar.gz
# Needs: apt-get install afl++; dotnet tool install SharpFuzz.CommandLine --tool-path <dir> (sharpfuzz on PATH).
# Output: fuzz/out/afl-FORMAT/ (afl-fuzz's queue, crashes and hangs; fuzzer_stats).
set -euo pipefail
cd "$(dirname "$0")/.."
format=$1
seconds=${2:-600}
out=fuzz/out
bin=$out/afl-bin-$format
rm -rf "$bin"
dotnet publish fuzz/Backprop.Fuzz -c Release -o "$bin" > /dev/null
# Seeds first: instrumented code may only run under afl-fuzz.
rm -rf "$out/afl-seeds-$format" && dotnet "$bin/Backprop.Fuzz.dll" --write-seeds "$format" "$out/afl-seeds-$format"
# Instrument only our library: coverage feedback for the readers, not for the runtime.
sharpfuzz "$bin/Backprop.dll" Backprop.Data
rm -rf "$out/afl-$format"
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
afl-fuzz -i "$out/afl-seeds-$format" -o "$out/afl-$format" -t 5000 -m none -V "$seconds" \
  -- dotnet "$bin/Backprop.Fuzz.dll" --afl "$format"
