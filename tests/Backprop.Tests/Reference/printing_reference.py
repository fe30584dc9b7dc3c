"""NumPy's own str() and repr() of arrays (NDArrayPrintingReferenceTests.cs reads them).

Usage: printing_reference.py OUT_DIR. Writes OUT_DIR/cases.json (the table: per case a name, the dtype, and NumPy's
str() and repr() of the array) and OUT_DIR/cases.npz (case i's array as 'i.a'). NumPy's default print options, as a
notebook has them.
"""
import json
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore", RuntimeWarning)   # 1e100 and 1e300 overflow to inf in float32: a case of its own
np.set_printoptions()     # the defaults: precision 8, threshold 1000, edgeitems 3, linewidth 75, floatmode 'maxprec'
cases, arrays = [], {}


def add(name, a, *dtypes):
    """Records the array in each dtype given (both by default), with what NumPy prints for it."""
    for dt in dtypes or (np.float64, np.float32):
        x = np.asarray(a, dtype=dt)
        arrays[f"{len(cases)}.a"] = x.copy(order="C")
        cases.append({"name": name, "dtype": x.dtype.name, "str": str(x), "repr": repr(x)})


def randn(*shape, seed=0):
    np.random.seed(seed)
    return np.random.randn(*shape)


nan, inf = np.nan, np.inf

# The notebooks' everyday arrays.
add("2x2 integers", [[1, 2], [3, 4]])
add("integers as floats 3x4", np.arange(12).reshape(3, 4))
add("negative integers", [-1, 10, 100])
add("randn(5)", randn(5))
add("randn(3, 4)", randn(3, 4))
add("randn(2, 3, 4)", randn(2, 3, 4))
add("randn(2, 2, 2, 3)", randn(2, 2, 2, 3))
add("randn(4, 10): rows that wrap", randn(4, 10, seed=1))
add("standardized columns' means (tiny, scientific)", (lambda a: ((a - a.mean(axis=0)) / a.std(axis=0)).mean(axis=0))(randn(50, 3)))
add("standardized columns' stds", (lambda a: ((a - a.mean(axis=0)) / a.std(axis=0)).std(axis=0))(randn(50, 3)))
add("softmax-like probabilities", (lambda e: e / e.sum(axis=1, keepdims=True))(np.exp(randn(3, 5, seed=2))))
# One dimension long enough to wrap.
add("arange(30)", np.arange(30.0))
add("arange(40) * 1.5", np.arange(40.0) * 1.5)
add("linspace(0, 1, 23)", np.linspace(0, 1, 23))
add("randn(30) * 1e-5: scientific, wrapped", randn(30, seed=3) * 1e-5)
# When NumPy switches to scientific notation, and its exponents.
add("1e-5, 1, 1e5", [1e-5, 1, 1e5])
add("1e8 and 1", [1e8, 1])
add("99999999 and 1 (positional)", [99999999.0, 1])
add("0.001 and 2 (ratio 2000)", [0.001, 2.0])
add("0.001 and 1 (ratio 1000, positional)", [0.001, 1.0])
add("0.0001 and 0.1 (positional)", [0.0001, 0.1])
add("1e-300 and 1e300", [1e-300, 1e300], np.float64)
add("huge, tiny, zero, nan, -inf, -0", [1e20, -1e-300, 0, nan, -inf, -0.0], np.float64)
add("huge, tiny, zero, nan, -inf, -0 (float32)", [1e20, -1e-30, 0, nan, -inf, -0.0], np.float32)
add("123456789 and 1", [123456789.0, 1])
add("1e16 and 1", [1e16, 1])
add("mixed magnitudes 2-D", [[1.5e-7, 2.0], [3.25e3, -4.0]])
add("randn(3, 3) * 1e9", randn(3, 3, seed=4) * 1e9)
# nan, inf and signed zeros.
add("nan and inf", [nan, inf])
add("nan, -inf, 1.5", [nan, -inf, 1.5])
add("inf, -inf", [inf, -inf])
add("nan alone", [nan])
add("-0 and 0", [-0.0, 0.0])
add("-0 alone", [-0.0])
add("zeros(2, 3)", np.zeros((2, 3)))
add("nan among 2-D values", [[1.0, nan], [-inf, 2.5]])
add("nan among scientific values", [1e-5, nan, inf, 3.0])
# Rounding to 8 digits, and the shortest digits of each type.
add("0.123456789 and 1", [0.123456789, 1.0])
add("0.001953125 (a tie at the 9th digit) and 0.5", [0.001953125, 0.5])
add("9.999999999 and 1 (carry)", [9.999999999, 1.0])
add("0.1, 0.2, 0.3", [0.1, 0.2, 0.3])
add("0.1 + 0.2", [0.1 + 0.2, 1.0], np.float64)
add("float32 0.1 beside 1.23456789e-5 (exact digits)", [0.1, 1.23456789e-5], np.float32)
add("float32 0.1, 1.21000005e-4, 1e-9 (float32's digits past its shortest)", [0.1, 1.21000005e-4, 1e-9])
add("float32 1/3 and 2/3 scientific", [1 / 3, 2 / 3, 1e-6], np.float32)
add("randn(2, 3) * 1e-3 float32", randn(2, 3, seed=5) * 1e-3)
add("smallest subnormals", [5e-324, 1.0], np.float64)
add("float32 smallest subnormal", [1e-45, 1.0], np.float32)
add("float32 max", [3.4028235e38, 1.0], np.float32)
add("float64 max", [1.7976931348623157e308, -1.0], np.float64)
add("1e23 (a shortest on the margin)", [1e23, 1.0], np.float64)
# Shapes with a 1.
add("(1, 1)", [[2.5]])
add("(1, 5)", randn(1, 5, seed=6))
add("(5, 1)", randn(5, 1, seed=6))
add("(1, 1, 3)", randn(1, 1, 3, seed=7))
add("(3, 1, 2)", randn(3, 1, 2, seed=7))
add("(2, 1, 1, 2)", randn(2, 1, 1, 2, seed=7))
# 0-d arrays: str is the scalar's.
for v in (1.5, 1e-5, -0.0, nan, -inf, 1e16, 1e15, 123456789.0, 0.1, 1 / 3, 0.0, 1e-4, 2.5e-7, 1e100):
    add(f"0-d {v!r}", np.array(v))
# Empty arrays.
add("empty (0,)", np.zeros(0))
add("empty (0, 3)", np.zeros((0, 3)))
add("empty (2, 0)", np.zeros((2, 0)))
add("empty (2, 0, 3)", np.zeros((2, 0, 3)))
# Past 1000 elements: summarized, edge items on every axis.
add("randn(1001)", randn(1001, seed=8))
add("randn(40, 30)", randn(40, 30, seed=9))
add("randn(3, 400): only the long axis summarized", randn(3, 400, seed=10))
add("randn(11, 11, 11)", randn(11, 11, 11, seed=11))
add("arange(2000) reshaped (2, 10, 100)", np.arange(2000.0).reshape(2, 10, 100))
add("ones(7, 7, 7, 7)", np.ones((7, 7, 7, 7)))
add("randn(1000) (not summarized)", randn(1000, seed=12))
add("summarized with nan and a huge edge", (lambda a: (a.__setitem__(0, nan), a.__setitem__(-1, 1e10), a)[-1])(randn(2000, seed=13)))
add("summarized: a tiny value in the middle is not seen", (lambda a: (a.__setitem__(1000, 1e-9), a)[-1])(randn(2001, seed=14)))
# float32 rows whose repr puts the dtype on a line of its own.
for n in (10, 11, 12, 13, 14, 15, 16):
    add(f"float32 arange({n}) + 0.5", np.arange(n) + 0.5, np.float32)
add("float32 randn(9)", randn(9, seed=15), np.float32)
add("float32 randn(20)", randn(20, seed=16), np.float32)

np.savez(f"{sys.argv[1]}/cases.npz", **arrays)
with open(f"{sys.argv[1]}/cases.json", "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, indent=1)
