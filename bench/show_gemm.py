"""Pretty-prints the JSON lines of `Backprop.Bench gemm` and bench/peers/numpy_gemm.py as one table:
python3 bench/show_gemm.py < out.jsonl

% of peak is each line's own (`pct_peak` over `peak_gflops`, the FMA loop read beside the case). A line without a
peak (numpy_gemm.py run outside the suite) is set against the loop's float32 rate per CPU found in the other lines
(`peak_gflops` / `threads`, the median), or BACKPROP_BENCH_PEAK_GFLOPS_PER_CPU; float64 is half; 'n/a' when neither."""
import json
import os
import statistics
import sys


def per_cpu_float32(lines):
    """The FMA loop's float32 GFLOP/s per CPU, from the lines that carry a peak, else from the environment."""
    rates = [d["peak_gflops"] / d["threads"] * (2 if d["dtype"] == "float64" else 1)
             for d in lines if d.get("peak_gflops") and d.get("threads")]
    if rates:
        return statistics.median(rates)
    env = os.environ.get("BACKPROP_BENCH_PEAK_GFLOPS_PER_CPU")
    return float(env) if env else None


def pct_peak(d, per_cpu):
    if d.get("peak_gflops"):
        return 100 * d["gflops"] / d["peak_gflops"]
    if per_cpu and d.get("threads"):
        return 100 * d["gflops"] / (per_cpu * d["threads"] * (0.5 if d["dtype"] == "float64" else 1))
    return None


def main():
    lines = []
    for text in sys.stdin:
        try:
            lines.append(json.loads(text))
        except ValueError:
            print(text.rstrip())
    per_cpu = per_cpu_float32(lines)
    print(f"{'impl':8s} {'case':22s} {'dtype':7s} {'thr':>3s} {'GFLOP/s':>8s} {'best':>8s} {'% peak':>7s} {'per CPU':>8s}")
    for d in lines:
        pct = pct_peak(d, per_cpu)
        print(f"{d.get('impl', '?'):8s} {d['case']:22s} {d['dtype']:7s} {d.get('threads', 0):3d} {d['gflops']:8.1f}"
              f" {d['best_gflops']:8.1f} {'n/a' if pct is None else f'{pct:6.1f}%':>7s}"
              f" {d['gflops_per_cpu'] if 'gflops_per_cpu' in d else '':>8}")


if __name__ == "__main__":
    main()
