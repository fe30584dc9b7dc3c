"""NumPy's own answers for NDArray<T>'s arithmetic (NDArrayNumpyReferenceTests.cs reads them).

Usage: ndarray_reference.py OUT_DIR. Writes OUT_DIR/cases.json (the table: one entry per case, naming the
operation, dtype, axis, keepdims, extra arguments and how to compare) and OUT_DIR/cases.npz (for case i its
inputs 'i.a', 'i.b', a scalar 'i.s', NumPy's result 'i.out' and, for sums and products, 'i.scale', the sum of
the magnitudes that bounds their rounding). A case NumPy refuses has an 'error' (NumPy's message) and 'names':
what our message must name (the shapes, or the axis).
"""
import json
import sys
import warnings

import numpy as np

np.seterr(all="ignore")     # 0/0, 1/0, log(0), sqrt(-1): the values, not the warnings
warnings.simplefilter("ignore", RuntimeWarning)   # the mean of an empty axis, likewise
rng = np.random.default_rng(20240607)
DTYPES = (np.float32, np.float64)
SPECIALS = (np.nan, np.inf, -np.inf, 0.0, -0.0)

cases, arrays = [], {}


def add(op, dt, inputs, compute, tol="exact", k=0, scale=None, **extra):
    """Records a case: its inputs, NumPy's result (or its error) and how to compare."""
    i = len(cases)
    case = {"op": op, "dtype": np.dtype(dt).name, "tol": tol, "k": k, **extra}
    for name, value in inputs.items():
        arrays[f"{i}.{name}"] = np.asarray(value).copy(order="C")
    try:
        out = compute()
    except (ValueError, IndexError) as e:   # np.AxisError is both
        case["error"] = f"{type(e).__name__}: {e}"
        case["names"] = extra.pop("names_on_error")
        case.pop("names_on_error", None)
        cases.append(case)
        return
    case.pop("names_on_error", None)
    out = np.asarray(out)
    if out.dtype.kind == "f" and "keep_dtype" not in extra:
        assert out.dtype == dt, (op, out.dtype, dt)
    arrays[f"{i}.out"] = out.copy(order="C")   # x.T is Fortran-ordered; the .npy reader takes C order
    if scale is not None:
        arrays[f"{i}.scale"] = np.asarray(scale(), dtype=np.float64)
    cases.append(case)


def data(shape, dt, special=False, spread=1.0):
    """Standard normal values; with special, about a third of them NaN, ±inf or ±0."""
    x = (rng.standard_normal(shape) * spread).astype(dt)
    if special and x.size:
        flat = x.reshape(-1)
        where = rng.choice(x.size, size=max(1, x.size // 3), replace=False)
        for j, at in enumerate(where):
            flat[at] = SPECIALS[j % len(SPECIALS)]
    return x


# ---- + - * / with broadcasting ------------------------------------------------------------------------------------
BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide}
PAIRS = [
    ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)), ((4,), (2, 3, 4)), ((3, 1), (2, 3, 4)),
    ((2, 1, 3), (4, 1)), ((2, 3, 4), (2, 1, 4)), ((1, 4, 1), (3, 1, 5)), ((1, 1), (3,)), ((5,), (5,)),
    ((2, 3), (2, 3)), ((5, 37), (37,)), ((5, 37), (5, 1)), ((37,), (5, 1)), ((), (3,)), ((3,), ()), ((), ()),
    ((2, 3), ()), ((70, 130), (130,)), ((70, 130), (70, 1)), ((1,), (0,)), ((0, 3), (1, 3)), ((0, 3), (3,)), ((2, 0, 3), (2, 1, 1)), ((0,), ()),
]
for dt in DTYPES:
    for op, f in BINARY.items():
        for sa, sb in PAIRS:
            for special in (False, True):
                a, b = data(sa, dt, special), data(sb, dt, special)
                add(op, dt, {"a": a, "b": b}, lambda: f(a, b))
        # IEEE's special quotients and sums element by element: 0/0, 1/0, -1/0, inf/inf, inf - inf, 0 * inf, ...
        s = np.array([0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, -0.0, 1e-30, 3.0], dt)
        a, b = np.repeat(s, len(s)), np.tile(s, len(s))
        add(op, dt, {"a": a, "b": b}, lambda: f(a, b))
    for op, f in BINARY.items():   # refused: the shapes do not broadcast
        for sa, sb in [((3,), (4,)), ((2, 3), (2,)), ((4, 3), (2, 1, 2)), ((0,), (2,)), ((2, 3, 4), (3,))]:
            a, b = data(sa, dt), data(sb, dt)
            add(op, dt, {"a": a, "b": b}, lambda: f(a, b), names_on_error=[str(sa), str(sb)])

# ---- a scalar on either side ---------------------------------------------------------------------------------------
for dt in DTYPES:
    for op, f in BINARY.items():
        for shape in [(3, 4), (7,), (), (0, 2)]:
            for s in (2.5, 1e-3, 0.0, -0.0, np.inf, np.nan, -7.0):
                a, sc = data(shape, dt, special=True), dt(s)
                add(op, dt, {"a": a, "s": sc}, lambda: f(a, sc), scalar_first=False)
                add(op, dt, {"a": a, "s": sc}, lambda: f(sc, a), scalar_first=True)

# ---- unary functions -----------------------------------------------------------------------------------------------
for dt in DTYPES:
    fi = np.finfo(dt)
    edges = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, fi.tiny, fi.tiny / 8, -fi.tiny, fi.max, -fi.max,
             fi.eps, 1 - fi.eps, 1 + fi.eps]
    exp_edges = [88.7, 88.8, 89.0, -87.3, -88.0, -103.9, -104.0, -150.0, 709.7, 709.8, 710.0, -708.0, -745.1, -746.0,
                 1e-10, -1e-10, 0.693, 50.0, -50.0, 700.0, -700.0, 1000.0, -1000.0]
    wide = np.concatenate([rng.uniform(-30, 30, 300), rng.uniform(-110, 110, 300), rng.uniform(-760, 760, 300)])
    logs = np.concatenate([np.exp(rng.uniform(-80, 80, 400)), rng.uniform(0.5, 2, 300), rng.uniform(-3, 3, 100)])
    inputs = {
        "edges": np.array(edges, dt),
        "exp edges": np.array(exp_edges, dt),
        "wide": wide.astype(dt),
        "log range": logs.astype(dt),
        "normal (2, 3, 4)": data((2, 3, 4), dt),
        "specials (3, 5)": data((3, 5), dt, special=True),
        "0-d": np.array(-2.25, dt),
        "empty (2, 0, 3)": data((2, 0, 3), dt),
    }
    subnormal = fi.tiny / 4
    for name, x in inputs.items():
        add("negative", dt, {"a": x}, lambda: np.negative(x), what=name)
        add("abs", dt, {"a": x}, lambda: np.abs(x), what=name)
        add("sqrt", dt, {"a": x}, lambda: np.sqrt(x), what=name)      # correctly rounded on both sides
        add("exp", dt, {"a": x}, lambda: np.exp(x), tol="ulps", k=4, what=name)
        add("log", dt, {"a": x}, lambda: np.log(x), tol="ulps", k=4, what=name)
        # Map with a leaky ReLU, as README's "A layer of your own": np.where(x > 0, x, 0.01 * x).
        add("map_leaky", dt, {"a": x}, lambda: np.where(x > 0, x, dt(0.01) * x), what=name)

# ---- reductions along an axis --------------------------------------------------------------------------------------
def scaled(kind, x, axis, keepdims):
    """The magnitude bounding a reduction's rounding: sum of |x| for sums, its mean for means, the RMS for std."""
    x64 = np.abs(x.astype(np.float64))
    if kind == "sum":
        return lambda: x64.sum(axis=axis, keepdims=keepdims)
    if kind == "mean":
        return lambda: x64.mean(axis=axis, keepdims=keepdims)
    return lambda: np.sqrt((x64 ** 2).mean(axis=axis, keepdims=keepdims))


REDUCTIONS = ["sum", "mean", "std", "max", "min"]
SHAPES = [(7,), (3, 4), (2, 3, 4), (2, 3, 4, 5), (200, 3), (3, 200), (1000,), (70, 130), (3, 0), (0, 3), (0,), (2, 0, 3), (0, 0)]
for dt in DTYPES:
    for kind in REDUCTIONS:
        for shape in SHAPES:
            for special in (False, True):
                if special and len(shape) > 2 and shape != (2, 3, 4):
                    continue
                x = data(shape, dt, special)
                for axis in range(-len(shape), len(shape)):
                    for keepdims in (False, True):
                        f = getattr(x, kind)
                        n = shape[axis]
                        if kind in ("max", "min"):
                            add(kind, dt, {"a": x}, lambda: f(axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims,
                                names_on_error=[str(shape)])
                        else:
                            # Summation bound: n additions (NumPy sums pairwise along a contiguous axis, in order
                            # along the others; we sum in order in double), plus the division and the square root.
                            add(kind, dt, {"a": x}, lambda: f(axis=axis, keepdims=keepdims), tol="bound", k=n + 4,
                                scale=scaled(kind, x, axis, keepdims), axis=axis, keepdims=keepdims)
        # All -0.0: NumPy's sums start from +0.0 (its identity), so the sum and the mean are +0.0.
        x = np.full((3, 4), -0.0, dt)
        for axis in (0, 1):
            add(kind, dt, {"a": x}, lambda: getattr(x, kind)(axis=axis), tol="bound", k=8, scale=scaled(kind, x, axis, False),
                axis=axis, keepdims=False, what="all -0.0")
        # Out of range: refused, naming the axis and the shape.
        for shape, axis in [((2, 3), 2), ((2, 3), -3), ((5,), 1), ((5,), -2), ((), 1), ((), -2)]:
            x = data(shape, dt)
            f = getattr(x, kind)
            add(kind, dt, {"a": x}, lambda: f(axis=axis), axis=axis, keepdims=False, names_on_error=[str(axis), str(shape)])
        # A 0-d array: np.sum, np.max and np.min take axis 0 or -1 (the array read as shape (1,)); np.mean and np.std refuse.
        for axis in (0, -1):
            for keepdims in (False, True):
                x = np.array(1.75, dt)
                f = getattr(x, kind)
                add(kind, dt, {"a": x}, lambda: f(axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims,
                    tol="exact", names_on_error=[str(axis), "()"])

# ---- whole-array statistics (ours return double for the sum, mean and std; T for max and min) --------------------
for dt in DTYPES:
    for shape, special in [((3, 4), "-0"), ((7,), False), ((3, 4), False), ((3, 4), True), ((200, 3), False), ((1000,), False), ((), False), ((0, 3), False)]:
        x = np.full(shape, -0.0, dt) if special == "-0" else data(shape, dt, special)
        x64 = x.astype(np.float64)
        n = max(x.size, 1)
        add("sum_all", dt, {"a": x}, lambda: np.sum(x64), tol="bound", k=n + 2, scale=lambda: np.abs(x64).sum(), keep_dtype=1)
        add("mean_all", dt, {"a": x}, lambda: np.mean(x64), tol="bound", k=n + 2, scale=lambda: np.abs(x64).mean(), keep_dtype=1)
        add("std_all", dt, {"a": x}, lambda: np.std(x64), tol="bound", k=n + 4, scale=lambda: np.sqrt((x64 ** 2).mean()), keep_dtype=1)
        add("sum_of_squares", dt, {"a": x}, lambda: np.sum(x64 * x64), tol="bound", k=n + 2, scale=lambda: np.sum(x64 * x64), keep_dtype=1)
        add("max_all", dt, {"a": x}, lambda: np.max(x), names_on_error=[str(shape)])
        add("min_all", dt, {"a": x}, lambda: np.min(x), names_on_error=[str(shape)])
        if x.ndim >= 1 and x.size:
            add("argmax", dt, {"a": x}, lambda: np.argmax(x))
        if x.ndim >= 2 and x.size:
            add("argmax_rows", dt, {"a": x}, lambda: np.argmax(x.reshape(x.shape[0], -1), axis=1))
    ties = np.array([[1, 3, 3, 2], [np.nan, 1, np.nan, 5], [-np.inf, -np.inf, -np.inf, -np.inf], [0, 7, np.nan, 7]], dt)
    add("argmax_rows", dt, {"a": ties}, lambda: np.argmax(ties, axis=1))
    add("argmax", dt, {"a": ties}, lambda: np.argmax(ties))

# ---- shapes: .T, reshape, the affine layer's flattening, rows, casts, linspace ------------------------------------
for dt in DTYPES:
    for shape in [(), (5,), (3, 4), (1, 7), (2, 3, 4), (2, 0, 3), (2, 3, 4, 5), (70, 130)]:
        x = data(shape, dt, special=True)
        add("transpose", dt, {"a": x}, lambda: x.T)
    for shape, new in [((2, 3, 4), (4, -1)), ((2, 3, 4), (-1,)), ((6, 4), (2, -1, 3)), ((0, 3), (-1,)), ((0, 3), (3, 0)),
                       ((0, 3), (-1, 3)), ((5,), (1, 5, 1)), ((), (1, 1)), ((1,), ()), ((6,), (4, -1)), ((6,), (-1, -1)),
                       ((0, 3), (0, -1)), ((6,), (7,))]:
        x = data(shape, dt)
        add("reshape", dt, {"a": x}, lambda: x.reshape(new), args=list(new), names_on_error=[str(shape)])
    for shape in [(4, 2, 3), (5,), (3, 4), (0, 2, 3), (2, 1, 1, 1)]:
        x = data(shape, dt)
        add("flatten2d", dt, {"a": x}, lambda: x.reshape(shape[0], int(np.prod(shape[1:], dtype=np.int64))))
    for shape, start, count in [((5, 3), 1, 3), ((5,), 0, 5), ((5, 3), 5, 0), ((4, 2, 2), 3, 1)]:
        x = data(shape, dt)
        add("slice_rows", dt, {"a": x}, lambda: x[start:start + count].copy(), args=[start, count])
    for start, stop, num in [(0, 1, 5), (-3.7, 12.1, 50), (1, 1, 4), (2, 3, 1), (0, 1, 0), (5, -5, 7), (0, 1e-3, 11),
                             (0.1, 0.7, 1000), (-1e30, 1e30, 9)]:
        add("linspace", dt, {}, lambda: np.linspace(start, stop, num, dtype=dt), args=[start, stop, num])
f32 = np.finfo(np.float32)
to32 = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e39, -1e39, 3.4028235e38, 3.4028236e38, 1e-40, 1e-46, 1e-45,
                 0.1, 1 / 3, np.pi, 16777217.0, float(f32.tiny), 2.0 ** -149, 2.0 ** -150, 3 * 2.0 ** -151], np.float64)
to32 = np.concatenate([to32, rng.standard_normal(50) * 1e5])
add("cast", np.float64, {"a": to32}, lambda: to32.astype(np.float32), keep_dtype=1)
from32 = data((3, 5), np.float32, special=True)
add("cast", np.float32, {"a": from32}, lambda: from32.astype(np.float64), keep_dtype=1)

# ---- np.dot --------------------------------------------------------------------------------------------------------
DOTS = [((5,), (5,)), ((0,), (0,)), ((100,), (100,)), ((4, 7), (7,)), ((0, 3), (3,)), ((3, 0), (0,)), ((7,), (7, 4)),
        ((0,), (0, 3)), ((3, 4), (4, 5)), ((17, 33), (33, 9)), ((2, 0), (0, 3)), ((0, 3), (3, 2)), ((3, 4), (4, 0)),
        ((64, 130), (130, 70)), ((1, 1), (1, 1))]
for dt in DTYPES:
    for sa, sb in DOTS:
        for special in (False, True):
            a, b = data(sa, dt, special), data(sb, dt, special)
            k = sa[-1]
            add("dot", dt, {"a": a, "b": b}, lambda: np.dot(a, b), tol="bound", k=k + 2,
                scale=lambda: np.dot(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64))))
    for sa, sb in [((2, 3), (4,)), ((3,), (4,)), ((2, 3), (2, 3)), ((3,), (4, 2)), ((0, 3), (2, 0))]:
        a, b = data(sa, dt), data(sb, dt)
        add("dot", dt, {"a": a, "b": b}, lambda: np.dot(a, b), names_on_error=[str(sa), str(sb)])

with open(f"{sys.argv[1]}/cases.json", "w") as fh:
    json.dump({"numpy": np.__version__, "cases": cases}, fh)
np.savez(f"{sys.argv[1]}/cases.npz", **arrays)
print(f"{len(cases)} cases, {sum('error' in c for c in cases)} refused")
