#!/usr/bin/env python3
"""NumPy (OpenBLAS) peer for `Backprop.Bench gemm`: the same cases, one JSON object per line.

Run with the system Python: /usr/bin/python3 bench/peers/numpy_gemm.py [--case NAME] [--dtype float32|float64]
[--seconds S]. Threads follow OpenBLAS (OPENBLAS_NUM_THREADS, default all cores; the suite sets it), and `threads`
reports the count OpenBLAS says it runs with. Transposed operands are passed as
NumPy transposed views, which OpenBLAS handles in its packing, as Gemm.Multiply does.
"""
import argparse
import json
import os
import time

import numpy as np

from peer_common import openblas_info

# The FMA loop's float32 GFLOP/s per CPU as the suite measured it (MachinePeak), or None outside the suite: then the
# lines carry no % of peak (bench/show_gemm.py takes the peak from our lines beside them).
_MEASURED = os.environ.get("BACKPROP_BENCH_PEAK_GFLOPS_PER_CPU")
PEAK_PER_CPU = {"float32": float(_MEASURED), "float64": float(_MEASURED) / 2} if _MEASURED else None


def cases():
    """Square sizes, then (batch, in, out) affine layers: forward X.W, dX = dOut.W^T, dW = X^T.dOut."""
    out = [("square-1024", 1024, 1024, 1024, False, False), ("square-2048", 2048, 2048, 2048, False, False)]
    for batch, fan_in, fan_out in [(100, 3072, 500), (100, 500, 500), (100, 500, 10), (256, 3072, 500)]:
        layer = f"{batch}x{fan_in}x{fan_out}"
        out.append((f"fwd-{layer}", batch, fan_out, fan_in, False, False))
        out.append((f"dx-{layer}", batch, fan_in, fan_out, False, True))
        out.append((f"dW-{layer}", fan_in, fan_out, batch, True, False))
    return out


def layout(ta, tb):
    return {(False, False): "A.B", (True, False): "At.B", (False, True): "A.Bt", (True, True): "At.Bt"}[(ta, tb)]


def time_case(name, m, n, k, ta, tb, dtype, budget):
    rng = np.random.default_rng(42)
    # Stored shapes as in Gemm.Multiply: A (m, k) or (k, m) when transposed; B (k, n) or (n, k).
    a = (rng.random((k, m) if ta else (m, k)) - 0.5).astype(dtype)
    b = (rng.random((n, k) if tb else (k, n)) - 0.5).astype(dtype)
    opa = a.T if ta else a
    opb = b.T if tb else b
    c = np.empty((m, n), dtype=dtype)

    def call():
        np.matmul(opa, opb, out=c)

    start = time.perf_counter()
    warm = 0
    while warm < 3 or time.perf_counter() - start < min(0.3, budget / 3):
        call()
        warm += 1
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 100_000):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    times.sort()
    median, best = times[len(times) // 2], times[0]
    flops = 2.0 * m * n * k
    blas = openblas_info()
    # The count OpenBLAS runs with (it caps OPENBLAS_NUM_THREADS at the cores); without OpenBLAS, the variable's.
    threads = blas.get("threads") or min(int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count())), os.cpu_count())
    gflops = flops / median / 1e9
    return {
        "impl": "numpy",
        "case": name,
        "dtype": dtype,
        "m": m, "n": n, "k": k,
        "layout": layout(ta, tb),
        "threads": threads,
        "seconds": median,
        "gflops": round(gflops, 1),
        "best_gflops": round(flops / best / 1e9, 1),
        "pct_peak": round(100 * gflops / (PEAK_PER_CPU[dtype] * threads), 1) if PEAK_PER_CPU else None,
        "peak_gflops": round(PEAK_PER_CPU[dtype] * threads, 1) if PEAK_PER_CPU else None,
        "blas_core": blas.get("core"),
    }


def _positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help="cases whose name contains CASE (default: all)")
    parser.add_argument("--dtype", choices=["float32", "float64"])
    parser.add_argument("--seconds", type=_positive_seconds, default=1.0, help="timed seconds per case (1)")
    args = parser.parse_args()
    if args.case and not any(args.case in c[0] for c in cases()):
        parser.error(f"no case's name contains {args.case!r}; the cases: {', '.join(c[0] for c in cases())}")
    for name, m, n, k, ta, tb in cases():
        if args.case and args.case not in name:
            continue
        for dtype in ("float32", "float64"):
            if args.dtype and args.dtype != dtype:
                continue
            print(json.dumps(time_case(name, m, n, k, ta, tb, dtype, args.seconds)), flush=True)


if __name__ == "__main__":
    main()
