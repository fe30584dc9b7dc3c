#!/usr/bin/env python3
"""Summarises bench/accuracy/results/<row>/{ours,torch}-seed<N>.json into the README's accuracy table (markdown)."""
import json
import pathlib
import statistics
import sys

NOTEBOOK = {
    "cifar-twolayer": "≥ 0.50 val (full data; seed 000: 0.530 val)",
    "cifar-100x5-adam": "0.364–0.382 val (4000 training images, 5 epochs; seeds 000/003/004)",
    "cifar-500x3-bn-adam": "0.565 val / 0.566 test (full data, seed 004)",
    "cifar-best": "0.548 val / 0.526 test (seed 003), 0.54 / 0.517 (seed 000)",
    "fashion-default": "— (Fashion-MNIST benchmark: scikit-learn MLP, 100 ReLU units, 87.7% test)",
}


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    mean = statistics.mean(values)
    spread = (max(values) - min(values)) / 2
    return f"{100 * mean:.1f} ± {100 * spread:.1f}"


def load(path, peer):
    d = json.loads(path.read_text())
    if peer == "ours":
        return d["best_val_acc"], d["test_acc"], d["wall_seconds"]
    a = d["accuracy"]
    return a["best_val_acc"], a["test_acc"], a["train_seconds"]


def main(out):
    rows = []
    for row in sorted(pathlib.Path(out).iterdir()):
        if not row.is_dir():
            continue
        cells = {}
        for peer in ("ours", "torch"):
            runs = [load(p, peer) for p in sorted(row.glob(f"{peer}-seed*.json")) if p.stat().st_size > 0]
            cells[peer] = (stats([r[0] for r in runs]), stats([r[1] for r in runs]),
                           f"{statistics.median([r[2] for r in runs]):.0f} s" if runs else "—", len(runs))
        rows.append((row.name, cells))
    print("| row | ours val % | ours test % | PyTorch val % | PyTorch test % | time (ours / PyTorch, median) | seeds | notebook |")
    print("|---|---|---|---|---|---|---|---|")
    for name, c in rows:
        o, t = c["ours"], c["torch"]
        print(f"| {name} | {o[0]} | {o[1]} | {t[0]} | {t[1]} | {o[2]} / {t[2]} | {o[3]} / {t[3]} | {NOTEBOOK.get(name, '')} |")
    print()
    print("Mean ± half the range over the seeds; validation sets have 1000 images (one image = 0.1 point).")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/accuracy/results")
