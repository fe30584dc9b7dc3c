#!/usr/bin/env python3
"""Groups `perf report -n -s comm,dso,sym -g none -t '|'` lines (on stdin) by what the sampled code is, per thread.

Setup samples (random data, preprocessing, the FMA-peak loop, the JIT compiling) are counted apart and left out of
the shares, so the table describes the training steps. Prints one row per group: CPU-seconds (samples / frequency)
on the main thread and on the pool's worker, and the share of all training samples.
"""
import argparse
import re
import sys

# First match wins; order matters (GemmDriver's own loops count as packing/driver, after the kernels).
GROUPS = [
    ("setup (not training)", r"MachinePeak|BenchData|NumpyRandom|Preprocessing|MeanImage|AllFinite|libclrjit|Program::<Main>|EpochRunner"),
    # Anchored on the method's owner ("[Backprop] Backprop.Kernels.X`1[...]::"), since the driver's own name
    # (GemmDriver`2[System.Single,Backprop.Kernels.GemmKernel512Wide`1[...]]) mentions its kernel.
    ("GEMM micro-kernel", r"\] Backprop\.Kernels\.GemmKernel"),
    ("GEMM packing and driver", r"\] Backprop\.Kernels\.Gemm(Packing|Transpose|Driver)"),
    ("Adam (fused and separate)", r"AdamKernel|AdamTileSink|Backprop\.Optim\."),
    ("batch norm, ReLU, softmax, element-wise", r"BatchNorm|ColumnReductions|Elementwise|SoftmaxRows|Relu|Streaming|TensorPrimitives|Losses|LayerNorm"),
    ("copies (batch gather, memmove)", r"MinibatchGather|memmove|Memmove|memcpy"),
    ("pool: dispatch and waiting for work", r"Parallelism|libcoreclr|SpinWait|Thread::|clock_gettime"),
    ("OS: page faults", r"^\[k\] .*(page|fault|mm_)"),
    ("OS: scheduler, yields, the rest", r"^\[k\] "),
]


def group_of(dso: str, sym: str) -> str:
    """sym as perf prints it: "[.] name" in user space, "[k] name" in the OS kernel."""
    text = sym if not dso.startswith("libcoreclr") else "libcoreclr " + sym
    for name, pattern in GROUPS:
        if re.search(pattern, text):
            return name
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frequency", type=float, required=True, help="perf record -F, samples per CPU-second")
    args = ap.parse_args()
    totals: dict[str, dict[str, int]] = {}
    for line in sys.stdin:
        if line.startswith("#") or "|" not in line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 5 or not parts[1].isdigit():
            continue
        samples, comm, dso, sym = int(parts[1]), parts[2], parts[3], parts[4]
        thread = "worker" if "worker" in comm else "main"
        # The runtime's own threads (tiered JIT compilation, GC, finalizer) work mostly while the run warms up.
        g = group_of(dso, sym) if comm in ("dotnet", "Backprop worker") else "setup (not training)"
        totals.setdefault(g, {}).setdefault(thread, 0)
        totals[g][thread] += samples
    setup = sum(totals.get("setup (not training)", {}).values())
    training = sum(sum(t.values()) for g, t in totals.items() if g != "setup (not training)")
    if training == 0:
        print("profile_report: no samples read (is perf installed, and did the run succeed?)", file=sys.stderr)
        return 1
    print("| group | main thread CPU-s | worker CPU-s | share of training samples |")
    print("| --- | --- | --- | --- |")
    order = [name for name, _ in GROUPS if name != "setup (not training)"] + ["other"]
    for g in order:
        t = totals.get(g)
        if not t:
            continue
        n = sum(t.values())
        print(f"| {g} | {t.get('main', 0) / args.frequency:.2f} | {t.get('worker', 0) / args.frequency:.2f} | {100 * n / training:.1f}% |")
    print(f"\ntraining samples: {training} ({training / args.frequency:.1f} CPU-s); setup left out: {setup / args.frequency:.1f} CPU-s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
