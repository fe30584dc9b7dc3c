"""Pretty-prints the JSON lines of `Backprop.Bench gemm` or bench/peers/numpy_gemm.py: python3 bench/show_gemm.py < out.jsonl"""
import sys, json
for l in sys.stdin:
    try: d = json.loads(l)
    except Exception: print(l.strip()); continue
    print(f"{d['case']:22s} {d['dtype']} {d['gflops']:7.1f} best {d['best_gflops']:7.1f} {d['pct_peak']:5.1f}%  percpu {d.get('gflops_per_cpu',0):6.1f}")
