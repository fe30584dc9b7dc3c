#!/usr/bin/python3
"""The course's layers at the inputs where its conventions decide (LayersNumpyReferenceTests.cs reads the answers).

Usage: layers_reference.py OUT_DIR. Writes OUT_DIR/cases.json (one entry per case: the layer, dtype, settings and,
per output, how to compare) and OUT_DIR/cases.npz (for case i its inputs 'i.NAME', the course's outputs 'i.NAME' and,
for outputs compared within a bound, 'i.NAME.scale': the magnitudes the bound is a multiple of).

The layer functions are the CS231n assignment's layers.py (2019 edition) as its solutions complete them, and
layer_utils.py's affine-ReLU sandwich, imported from cs231n_reference.py beside this file (svm_loss and softmax_loss
are the course's own given code).
The inputs come from np.random.seed(231), with the edges put in by hand: ReLU at exactly 0 and -0, SVM margins of
exactly 0, tied and huge softmax scores, -inf and +inf scores, labels 0 and C-1, batch norm with N = 1 and constant
columns, momentum 0 and 1, layer norm with constant rows and D = 1, dropout at keep 1 and tiny keeps, affine samples
of rank 1 to 4 and N = 1, M = 1.

How each output is compared (the 'tol' of an output):
  exact   bit for bit (one rounding, or none, decides the value),
  bound   |ours - course| <= k * eps * scale, eps = 2^-23 (float32) or 2^-52 (float64), scale in 'NAME.scale'
          (float64 magnitudes computed here; k in 'k'),
and NaN and +-inf must be at the same places in every case.
"""
import json
import sys
import warnings

import numpy as np

np.seterr(all="ignore")
warnings.simplefilter("ignore", RuntimeWarning)


# The course's layers.py and layer_utils.py, as cs231n_reference.py (the whole-run reference) holds them.
from cs231n_reference import (affine_backward, affine_forward, affine_relu_backward, affine_relu_forward,  # noqa: E402
                              batchnorm_backward, batchnorm_backward_alt, batchnorm_forward, dropout_backward,
                              dropout_forward, layernorm_backward, layernorm_forward, relu_backward, relu_forward,
                              softmax_loss, svm_loss)


# ---- the table -----------------------------------------------------------------------------------------------------

np.random.seed(231)
DTYPES = (np.float32, np.float64)
cases, arrays = [], {}


def add(op, dt, inputs, outputs, **settings):
    """inputs: name -> array; outputs: name -> (value, tol) with tol 'exact' or ('bound', k, scale)."""
    i = len(cases)
    case = {"op": op, "dtype": np.dtype(dt).name, "outputs": {}, **settings}
    for name, value in inputs.items():
        arrays[f"{i}.{name}"] = np.array(value, order="C")
    for name, (value, tol) in outputs.items():
        value = np.asarray(value)
        arrays[f"{i}.{name}"] = np.array(value, order="C")
        if tol == "exact":
            case["outputs"][name] = {"tol": "exact"}
        else:
            _, k, scale = tol
            scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), value.shape)
            arrays[f"{i}.{name}.scale"] = np.array(scale, order="C")
            case["outputs"][name] = {"tol": "bound", "k": float(k)}
    cases.append(case)


def f64(a):
    return np.asarray(a, dtype=np.float64)


def randn(*shape, dt=np.float64):
    return np.random.randn(*shape).astype(dt)


# ---- affine: a sample of rank 1-4, N = 1, M = 1, D = 1 ---------------------------------------------------------------
AFFINE_SHAPES = [((4, 5), 3), ((3, 2, 3), 4), ((2, 2, 3, 2), 3), ((2, 1, 2, 2, 3), 2), ((1, 7), 3), ((3, 6), 1),
                 ((1, 1), 1), ((3, 1), 4), ((1, 2, 2), 1), ((5, 37), 33)]
for dt in DTYPES:
    for xshape, m in AFFINE_SHAPES:
        n, d = xshape[0], int(np.prod(xshape[1:]))
        x, w, b, dout = randn(*xshape, dt=dt), randn(d, m, dt=dt), randn(m, dt=dt), randn(n, m, dt=dt)
        out, cache = affine_forward(x, w, b)
        dx, dw, db = affine_backward(dout, cache)
        ax, aw, ad = abs(f64(x)).reshape(n, d), abs(f64(w)), abs(f64(dout))
        add("affine", dt, {"x": x, "w": w, "b": b, "dout": dout},
            {"out": (out, ("bound", d + 4, ax @ aw + abs(f64(b)))),
             "dx": (dx, ("bound", m + 4, (ad @ aw.T).reshape(xshape))),
             "dw": (dw, ("bound", n + 4, ax.T @ ad)),
             "db": (db, ("bound", n + 4, ad.sum(axis=0)))})

# ---- ReLU: exactly 0 and -0, subnormals, +-inf, NaN; dout non-finite where x <= 0 too ---------------------------------
for dt in DTYPES:
    tiny = np.finfo(dt).smallest_subnormal
    specials = np.array([0.0, -0.0, tiny, -tiny, np.inf, -np.inf, np.nan, 1.0, -1.0], dt)
    for shape in [(9,), (3, 3), (3, 1, 3), (1, 3, 1, 3)]:
        x = specials.reshape(shape).copy()
        dout = randn(*shape, dt=dt)
        out, cache = relu_forward(x)
        add("relu", dt, {"x": x, "dout": dout}, {"out": (out, "exact"), "dx": (relu_backward(dout, cache), "exact")})
    # dout non-finite and negative where x <= 0: the course's product gives NaN and -0 there
    x = np.repeat(specials, 4)
    dout = np.tile(np.array([np.nan, np.inf, -np.inf, -2.0], dt), len(specials))
    out, cache = relu_forward(x)
    add("relu", dt, {"x": x, "dout": dout}, {"out": (out, "exact"), "dx": (relu_backward(dout, cache), "exact")})
    x, dout = randn(6, 50, dt=dt), randn(6, 50, dt=dt)
    x[:, ::7] = 0
    out, cache = relu_forward(x)
    add("relu", dt, {"x": x, "dout": dout}, {"out": (out, "exact"), "dx": (relu_backward(dout, cache), "exact")})

# ---- the affine-ReLU sandwich, with affine outputs of exactly 0 (integer data) ----------------------------------------
for dt in DTYPES:
    for xshape, m, integer in [((4, 5), 6, True), ((3, 2, 2), 5, True), ((1, 3), 1, True), ((5, 7), 4, False)]:
        n, d = xshape[0], int(np.prod(xshape[1:]))
        if integer:
            x = np.random.randint(-2, 3, size=xshape).astype(dt)
            w = np.random.randint(-2, 3, size=(d, m)).astype(dt)
            b = np.random.randint(-1, 2, size=m).astype(dt)
        else:
            x, w, b = randn(*xshape, dt=dt), randn(d, m, dt=dt), randn(m, dt=dt)
        dout = randn(n, m, dt=dt)
        out, cache = affine_relu_forward(x, w, b)
        dx, dw, db = affine_relu_backward(dout, cache)
        a = f64(x).reshape(n, d) @ f64(w) + f64(b)
        ax, aw, ad = abs(f64(x)).reshape(n, d), abs(f64(w)), abs(f64(dout)) * (a > 0)
        add("affine_relu", dt, {"x": x, "w": w, "b": b, "dout": dout},
            {"out": (out, ("bound", d + 4, ax @ aw + abs(f64(b)))),
             "dx": (dx, ("bound", m + 4, (ad @ aw.T).reshape(xshape))),
             "dw": (dw, ("bound", n + 4, ax.T @ ad)),
             "db": (db, ("bound", n + 4, ad.sum(axis=0)))},
            integer=integer)


# ---- SVM loss: margins of exactly 0, ties, labels 0 and C-1, C = 1, huge and non-finite scores -----------------------
def svm_case(dt, x, y, what):
    x = np.asarray(x, dt)
    y = np.asarray(y, np.int64)
    loss, dx = svm_loss(x, y)
    n, c = x.shape
    ax = abs(f64(x))
    ax = np.where(np.isfinite(ax), ax, 0.0)
    scale = (ax.sum() + c * ax[np.arange(n), y].sum() + n * c) / n
    add("svm", dt, {"x": x, "y": y}, {"loss": (np.asarray(loss), ("bound", n * c + 4, scale)), "dx": (dx, "exact")},
        what=what)


def softmax_case(dt, x, y, what):
    x = np.asarray(x, dt)
    y = np.asarray(y, np.int64)
    loss, dx = softmax_loss(x, y)
    n, c = x.shape
    xd = f64(x)
    with np.errstate(all="ignore"):
        s = xd - xd.max(axis=1, keepdims=True)
        logz = np.log(np.exp(s).sum(axis=1, keepdims=True))
        p = np.exp(s - logz)
        onehot = np.zeros_like(xd)
        onehot[np.arange(n), y] = 1
        # exp's argument s - log Z carries (|s| + |log Z| + c) roundings of its size; the loss adds n rows of them
        dscale = (p * (abs(s) + abs(logz) + c + 4) + onehot) / n
        lscale = np.sum(abs(s[np.arange(n), y]) + abs(logz[:, 0]) + c + 4) / n
    dscale = np.where(np.isfinite(dscale), dscale, 0.0)
    lscale = lscale if np.isfinite(lscale) else 0.0
    add("softmax", dt, {"x": x, "y": y}, {"loss": (np.asarray(loss), ("bound", 2 * n + 8, lscale)),
                                          "dx": (dx, ("bound", 8, dscale))}, what=what)


for dt in DTYPES:
    big = 3e38 if dt == np.float32 else 1e308
    inf, nan = np.inf, np.nan
    for loss_case in (svm_case, softmax_case):
        loss_case(dt, randn(5, 4, dt=dt), [0, 3, 1, 3, 0], "random, labels 0 and C-1")
        loss_case(dt, [[2.0, 1.0, 0.0, 3.0], [1.0, 1.0, 1.0, 1.0], [-1.0, 0.0, 0.0, 5.0]], [0, 2, 3],
                  "integer scores: margins of exactly 0 and 1, tied maxima")
        loss_case(dt, [[0.5, -0.5, 0.5], [4.0, 4.0, 3.0]], [1, 2], "margin exactly 0 (x_j = x_y - 1), tied maxima")
        loss_case(dt, [[1.5], [-2.0], [nan], [inf]], [0, 0, 0, 0], "one class (C = 1)")
        loss_case(dt, [[0.3, -1.2, 0.7, 2.2, -0.1]], [4], "one sample (N = 1), label C-1")
        loss_case(dt, [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4 - 1, 1e4 + 1]], [0, 0, 2], "scores of +-1e4")
        loss_case(dt, [[big, -big, 0.0], [-big, big, big], [0.0, big, -big]], [0, 1, 2], "scores of +-max/1.13")
        loss_case(dt, [[big, -big], [big, 1.0]], [1, 1], "huge gaps in both rows")
        loss_case(dt, [[-inf, 0.0, 1.0], [2.0, -inf, -inf], [0.0, 1.0, -inf]], [1, 0, 0], "-inf scores off and on the label")
        loss_case(dt, [[-inf, -inf, -inf], [1.0, 2.0, 3.0]], [0, 2], "a row of -inf")
        loss_case(dt, [[inf, 0.0, 1.0], [0.0, 1.0, 2.0]], [1, 2], "+inf score off the label")
        loss_case(dt, [[inf, 0.0, 1.0], [0.0, 1.0, 2.0]], [0, 2], "+inf score on the label")
        loss_case(dt, [[nan, 0.0, 1.0], [0.0, 1.0, 2.0]], [1, 0], "NaN score off the label")
        loss_case(dt, [[nan, 0.0, 1.0], [0.0, 1.0, 2.0]], [0, 0], "NaN score on the label")
        loss_case(dt, randn(7, 1000, dt=dt) * 3, np.random.randint(1000, size=7), "1000 classes")


# ---- batch norm: N = 1, constant columns, train and test, momentum 0 and 1, eps given, large means ------------------
def bn_scales(x, gamma, beta, dout, eps, axis):
    """Rounding scales of normalisation along axis (0: batch norm, 1: layer norm), all float64."""
    xd, g, dd = f64(x), f64(gamma), f64(dout)
    n = x.shape[axis]
    mu = xd.mean(axis=axis, keepdims=True)
    var = xd.var(axis=axis, keepdims=True)
    istd = 1 / np.sqrt(var + eps)
    spread = abs(xd) + abs(mu)
    xh = abs(xd - mu) * istd
    # x_hat carries the roundings of x - mean (spread) and of 1/sqrt(var + eps) (spread^2 / (var + eps) relative)
    e = spread * istd + xh * spread ** 2 * istd ** 2
    out = abs(g) * (xh + e) + abs(f64(beta))
    ad = abs(dd)
    m1 = ad.mean(axis=axis, keepdims=True)
    m2 = (ad * abs(g) * (xh + e)).mean(axis=axis, keepdims=True)
    dx = istd * (abs(g) * ad + abs(g) * m1 + (xh + e) * m2)
    return n, out, dx, (ad * (xh + e)).sum(axis=0), ad.sum(axis=0), mu, var


for dt in DTYPES:
    def bn_input(n, d, offset=0.0, constant=(), spread=1.0):
        x = (randn(n, d) * spread + offset).astype(dt)
        for j, v in constant:
            x[:, j] = v
        return x

    configs = [
        ("random", bn_input(4, 3), {}, None),
        ("constant columns (0.1, 7, 0)", bn_input(5, 4, constant=[(0, 0.1), (2, 7.0), (3, 0.0)]), {}, None),
        ("constant column of 1e3, mean 1e3", bn_input(6, 3, offset=1e3, constant=[(1, 1e3)]), {}, None),
        ("N = 2", bn_input(2, 5), {}, None),
        ("N = 1", bn_input(1, 4), {}, None),
        ("momentum 0", bn_input(4, 3), {"momentum": 0.0}, "given"),
        ("momentum 1", bn_input(4, 3), {"momentum": 1.0}, "given"),
        ("momentum 0.5, eps 1e-3", bn_input(3, 4), {"momentum": 0.5, "eps": 1e-3}, "given"),
        ("eps 0.5, constant column", bn_input(4, 3, constant=[(1, -2.5)]), {"eps": 0.5}, None),
        ("D = 1", bn_input(5, 1), {}, "given"),
        ("100 x 40, mean 10, spread 0.1", bn_input(100, 40, offset=10.0, spread=0.1), {}, "given"),
    ]
    for what, x, extra, running in configs:
        n, d = x.shape
        gamma, beta, dout = randn(d, dt=dt), randn(d, dt=dt), randn(n, d, dt=dt)
        for mode in ("train", "test"):
            param = {"mode": mode, **extra}
            rm0 = rv0 = None
            if running == "given" or mode == "test":
                rm0 = (randn(d) * 0.5).astype(dt) + x.mean(axis=0).astype(dt)
                rv0 = (np.random.rand(d) + 0.1).astype(dt)
                if "constant" in what:
                    rv0[0] = 0
                param["running_mean"], param["running_var"] = rm0.copy(), rv0.copy()
            eps = param.get("eps", 1e-5)
            inputs = {"x": x, "gamma": gamma, "beta": beta, "dout": dout}
            if rm0 is not None:
                inputs["running_mean0"], inputs["running_var0"] = rm0, rv0
            out, cache = batchnorm_forward(x, gamma, beta, param)
            settings = {"what": what, "mode": mode, **{k: v for k, v in extra.items()}}
            if mode == "test":
                istd = 1 / np.sqrt(f64(rv0) + eps)
                spread = (abs(f64(x)) + abs(f64(rm0))) * istd
                scale = abs(f64(gamma)) * spread + abs(f64(beta))
                add("batchnorm", dt, inputs, {"out": (out, ("bound", 8, scale)),
                                              "running_mean": (param["running_mean"], "exact"),
                                              "running_var": (param["running_var"], "exact")}, **settings)
                continue
            _, so, sdx, sdg, sdb, mu, var = bn_scales(x, gamma, beta, dout, eps, 0)
            rm_in = f64(rm0) if rm0 is not None else np.zeros(d)
            rv_in = f64(rv0) if rv0 is not None else np.zeros(d)
            m = extra.get("momentum", 0.9)
            k = 4 * n + 16
            stats = "exact" if m == 1 else None
            outputs = {"out": (out, ("bound", k, so)),
                       "running_mean": (param["running_mean"], stats or ("bound", k, abs(m) * abs(rm_in) + (1 - m) * (abs(f64(x)).mean(axis=0)) + abs(mu[0]))),
                       "running_var": (param["running_var"], stats or ("bound", k, abs(m) * rv_in + (1 - m) * ((abs(f64(x)) + abs(mu)) ** 2).mean(axis=0)))}
            dx, dgamma, dbeta = batchnorm_backward(dout, cache)
            dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
            outputs.update({"dx": (dx, ("bound", k, sdx)), "dgamma": (dgamma, ("bound", k, sdg)),
                            "dbeta": (dbeta, ("bound", n + 4, sdb)),
                            "dx_alt": (dx2, ("bound", k, sdx)), "dgamma_alt": (dgamma2, ("bound", k, sdg)),
                            "dbeta_alt": (dbeta2, ("bound", n + 4, sdb))})
            # The batchnorm-ReLU sandwich of a batch-normalised net (training): relu(bn(x)), then bn's backward of relu's
            a = out
            h, relu_cache = relu_forward(a)
            da = relu_backward(dout, relu_cache)
            dxr, dgr, dbr = batchnorm_backward_alt(da, cache)
            _, _, sdxr, sdgr, sdbr, _, _ = bn_scales(x, gamma, beta, f64(da), eps, 0)
            outputs.update({"relu_out": (h, ("bound", k, so)), "relu_dx": (dxr, ("bound", k, sdxr)),
                            "relu_dgamma": (dgr, ("bound", k, sdgr)), "relu_dbeta": (dbr, ("bound", n + 4, sdbr))})
            add("batchnorm", dt, inputs, outputs, **settings)

# ---- layer norm: constant rows, D = 1, N = 1, eps given ---------------------------------------------------------------
for dt in DTYPES:
    for what, shape, eps, constant in [("random", (4, 5), None, ()), ("constant rows (0.1, 7, 0)", (4, 6), None, [(0, 0.1), (1, 7.0), (3, 0.0)]),
                                      ("D = 1", (5, 1), None, ()), ("N = 1", (1, 7), None, ()),
                                      ("eps 0.5", (3, 4), 0.5, [(2, -3.0)]), ("mean 1e3", (3, 8), 1e-3, [(1, 1e3)]),
                                      ("60 x 130", (60, 130), None, ())]:
        x = randn(*shape, dt=dt)
        if what.startswith("mean"):
            x = (x + 1e3).astype(dt)
        for i, v in constant:
            x[i, :] = v
        n, d = shape
        gamma, beta, dout = randn(d, dt=dt), randn(d, dt=dt), randn(n, d, dt=dt)
        param = {} if eps is None else {"eps": eps}
        out, cache = layernorm_forward(x, gamma, beta, param)
        dx, dgamma, dbeta = layernorm_backward(dout, cache)
        e = param.get("eps", 1e-5)
        _, so, sdx, sdg, sdb, _, _ = bn_scales(x, gamma, beta, dout, e, 1)
        k = 4 * d + 16
        add("layernorm", dt, {"x": x, "gamma": gamma, "beta": beta, "dout": dout},
            {"out": (out, ("bound", k, so)), "dx": (dx, ("bound", k, sdx)), "dgamma": (dgamma, ("bound", k + 4 * n, sdg)),
             "dbeta": (dbeta, ("bound", n + 4, sdb))}, what=what, **param)

# ---- dropout: keep 1, keeps that are not powers of two, tiny keeps, test mode, with and without a seed --------------
for dt in DTYPES:
    for p, shape, mode, seed in [(1.0, (4, 5), "train", 123), (0.5, (4, 5), "train", 123), (0.7, (20, 30), "train", 0),
                                 (0.3, (20, 30), "train", 7), (0.9, (3, 2, 5), "train", 42), (1e-3, (50, 200), "train", 1),
                                 (1e-6, (30, 40), "train", 5), (0.25, (4, 5), "test", 123), (0.6, (8, 9), "train", None)]:
        x, dout = randn(*shape, dt=dt), randn(*shape, dt=dt)
        x.reshape(-1)[:3] = [0.0, -0.0, np.finfo(dt).max]
        param = {"p": p, "mode": mode}
        if seed is not None:
            param["seed"] = seed
        else:
            np.random.seed(2019)   # the course's global generator; ours gets NumpyRandom(2019)
        out, cache = dropout_forward(x, param)
        dx = dropout_backward(dout, cache)
        add("dropout", dt, {"x": x, "dout": dout}, {"out": (out, "exact"), "dx": (dx, "exact")},
            p=p, mode=mode, seed=seed, generator=2019 if seed is None else None,
            kept=int(np.count_nonzero(cache[1])) if cache[1] is not None else None)
    np.random.seed(231)


def main(out_dir):
    with open(f"{out_dir}/cases.json", "w") as f:
        json.dump({"numpy": np.__version__, "cases": cases}, f)
    np.savez(f"{out_dir}/cases.npz", **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
