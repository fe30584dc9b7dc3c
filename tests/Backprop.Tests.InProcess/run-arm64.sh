#!/usr/bin/env bash
# Runs Backprop as ARM64 code on an x64 Linux host, under qemu's user-mode emulation: the runtime, the JIT and every
# kernel are the ARM64 ones (NEON, the 128-bit GEMM kernel). First a short training run of the CLI, ARM64 against this
# host's native run: every parameter and every loss must have the same bits. Then the test suite; arguments select
# tests as the runner's do (parts of namespace.Class.Method; a leading - excludes), by default everything but the
# packaging tests (they pack and install with the host's own x64 dotnet).
#   dpkg --add-architecture arm64 && apt-get update && apt-get install qemu-user libstdc++6:arm64 libssl3:arm64
# (Debian's ARM64 C and C++ libraries beside the host's; OpenSSL for the MD5 checks of downloads.)
# The linux-arm64 runtime pack comes from NuGet like any package. Emulation is slow (the suite takes about an hour
# on 2 cores), and its times mean nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v qemu-aarch64 > /dev/null || [ ! -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ]; then
  echo "run-arm64.sh: needs qemu-aarch64 and Debian's ARM64 libraries (C, C++, OpenSSL):" >&2
  echo "  dpkg --add-architecture arm64 && apt-get update && apt-get install qemu-user libstdc++6:arm64 libssl3:arm64" >&2
  exit 2
fi
arm="$here/bin/Release/net10.0/linux-arm64"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build "$here" -c Release -r linux-arm64 --self-contained -v quiet -nologo
# The CLI on its own: the copy beside the tests can be either architecture's apphost.
dotnet build "$root/src/Backprop.Cli" -c Release -r linux-arm64 --self-contained -o "$work/cli-arm64" -v quiet -nologo
dotnet build "$root/src/Backprop.Cli" -c Release -v quiet -nologo
printf '#!/bin/sh\nexec qemu-aarch64 "%s/cli-arm64/Backprop.Cli" "$@"\n' "$work" > "$work/backprop-arm64"
chmod +x "$work/backprop-arm64"
# The runtime's write-xor-execute double mapping of JIT code crashes under qemu-user (SIGSEGV); off, it runs.
export DOTNET_EnableWriteXorExecute=0

train=(train --dataset cifar10 --data-dir "${BACKPROP_CIFAR10_SUBSET:-$root/../shared/cifar10}" --num-train 500
  --num-val 100 --num-test 100 --epochs 2 --batch-size 50 --hidden 300,30 --normalization batchnorm --dropout 0.8
  --seed 3 --threads 2)
dotnet "$root/src/Backprop.Cli/bin/Release/net10.0/Backprop.Cli.dll" "${train[@]}" --out "$work/x64" > "$work/x64.log"
"$work/backprop-arm64" "${train[@]}" --out "$work/arm64" > "$work/arm64.log"
crcs() { unzip -lv "$1/model.npz" | awk '$8 ~ /\.npy$/ { print $7, $8 }'; }
losses() { grep -v '"wall_seconds"' "$1/history.json"; }
if [ -n "$(crcs "$work/x64")" ] && diff <(crcs "$work/x64") <(crcs "$work/arm64") > /dev/null \
   && diff <(losses "$work/x64") <(losses "$work/arm64") > /dev/null; then
  echo "ARM64 training: the x64 bits ($(crcs "$work/x64" | wc -l) arrays, every loss and accuracy)"
else
  echo "ARM64 training: other bits than x64" >&2
  diff <(crcs "$work/x64") <(crcs "$work/arm64") >&2 || true
  exit 1
fi

[ $# -eq 0 ] && set -- -Tests.Packaging.
cd "$arm"
# Tests that start the CLI as a child process start the ARM64 one. Not exec: the trap removes $work afterwards.
BACKPROP_TEST_CLI="$work/backprop-arm64" BACKPROP_TEST_TIME_SCALE=30 qemu-aarch64 ./Backprop.Tests.InProcess "$@"
