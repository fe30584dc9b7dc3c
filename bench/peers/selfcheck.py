#!/usr/bin/python3
"""Checks the peers in float64 on tiny nets (a few seconds): the NumPy gradients against centred differences, and the
NumPy and PyTorch peers against each other: six hand-driven steps on a fixed batch (every update rule with every
normalization, lr decay after the third), and two steps of each Solver's own _step (the code speed mode times: batch
drawing, the L2 term, zero_grad), both fed the same drawn batch. Prints one line per case, the largest NumPy-vs-PyTorch
difference, and '<n> passed, <m> failed' at the end."""
import numpy as np
import torch

import numpy_fcnet as npnet
import torch_fcnet as tnet

RULES = ("sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam", "adagrad")
AGREE = 1e-12  # the most a NumPy-vs-PyTorch difference may be, in float64
# A bias just before batch norm has gradient 0 (the mean is subtracted), so each peer's is rounding noise (~1e-17),
# which rmsprop, adam and adagrad divide by its own root mean square (+ eps 1e-8): the two peers move these biases by
# up to ~lr * noise / eps ~ 1e-10, differently, with no effect on any output.
INERT = 1e-8
results = []
differences = []  # every NumPy-vs-PyTorch comparison's largest difference


def report(name, ok, detail):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")


def numeric_gradient(f, x, h=1e-6):  # small enough not to step over a ReLU kink here
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        grad[i] = (plus - f()) / (2 * h)
        x[i] = old
    return grad


def check_gradients():
    rng = np.random.RandomState(231)
    X, y = rng.randn(5, 3, 5), rng.randint(10, size=5)
    for norm in (None, "batchnorm", "layernorm"):
        for keep in (1, 0.7):
            np.random.seed(0)
            model = npnet.FullyConnectedNet([20, 30], 15, normalization=norm, dropout_keep_ratio=keep, reg=0.5,
                                            weight_scale=5e-2, dtype=np.float64)

            def loss():
                np.random.seed(7)  # the same dropout mask every time
                return model.loss(X, y)[0]
            np.random.seed(7)
            _, grads = model.loss(X, y)
            # Absolute error scaled by the gradient's size: the biases before a normalization have gradient ~0.
            worst = max(np.abs(numeric_gradient(loss, w) - grads[k]).max() / max(np.abs(grads[k]).max(), 1e-3)
                        for k, w in model.params.items())
            report(f"gradient {norm} keep={keep}", worst < 1e-5, f"worst scaled error {worst:.1e}")


def check_peers_agree():
    rng = np.random.RandomState(5)
    X, y = rng.randn(64, 3, 4, 4), rng.randint(10, size=64)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    for norm in ("none", "batchnorm", "layernorm"):
        for rule in RULES:
            np.random.seed(3)
            nm = npnet.FullyConnectedNet([20, 30], 48, normalization=None if norm == "none" else norm, reg=0.3,
                                         weight_scale=5e-2, dtype=np.float64)
            np.random.seed(3)
            tm = tnet.fully_connected_net([20, 30], 48, 10, norm, 1, 5e-2, torch.float64)
            ns = npnet.Solver(nm, data, rule, {"learning_rate": 1e-2}, lr_decay=0.5, batch_size=64)
            ts = tnet.Solver(tm, data, rule, 1e-2, 0.5, 0.3, 64, 1, torch.Generator())
            for step in range(6):
                loss, grads = nm.loss(X, y)
                for k, w in nm.params.items():
                    nm.params[k], ns.optim_configs[k] = ns.update_rule(w, grads[k], ns.optim_configs[k])
                tloss = (torch.nn.functional.cross_entropy(tm(torch.from_numpy(X)), torch.from_numpy(y))
                         + 0.15 * sum(torch.sum(w * w) for w in ts.weights))
                ts.optimizer.zero_grad()
                tloss.backward()
                ts.optimizer.step()
                if step == 2:
                    ns._end_epoch()
                    ts._end_epoch()
            diff = max(np.abs(nm.params[f"W{i + 1}"] - w.detach().numpy().T).max() for i, w in enumerate(ts.weights))
            diff = max(diff, abs(loss - tloss.item()))
            differences.append(diff)
            report(f"numpy == torch {norm} {rule}", diff < AGREE, f"max difference {diff:.1e}")


def before_bn(name, norm, layers):
    """Whether parameter NAME of a net of LAYERS affine layers is a bias feeding a batch norm (every hidden layer's b
    when NORM is batchnorm)."""
    return norm == "batchnorm" and name in {f"b{i}" for i in range(1, layers)}


def torch_params(model):
    """The torch net's parameters under the NumPy net's names: W (transposed to (in, out)), b, gamma, beta."""
    out, layer, norm = {}, 0, 0
    for m in model:
        if isinstance(m, torch.nn.Linear):
            layer += 1
            out[f"W{layer}"], out[f"b{layer}"] = m.weight.detach().numpy().T, m.bias.detach().numpy()
        elif isinstance(m, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
            norm += 1
            out[f"gamma{norm}"], out[f"beta{norm}"] = m.weight.detach().numpy(), m.bias.detach().numpy()
    return out


def check_solver_steps():
    """Two steps of each peer's Solver._step, as speed mode runs them, from the same weights. Each Solver draws its
    batch with its own generator (np.random.choice, torch.randint: different streams), so the draws are intercepted:
    both are made, checked for shape and range, and PyTorch's is replaced by NumPy's, so the two steps see one batch."""
    rng = np.random.RandomState(7)
    X, y = rng.randn(64, 3, 4, 4), rng.randint(10, size=64)
    data = {"X_train": X, "y_train": y, "X_val": X[:8], "y_val": y[:8]}
    batch, reg = 16, 0.3
    real_choice, real_randint = np.random.choice, torch.randint
    for norm in ("none", "batchnorm", "layernorm"):
        for rule in RULES:
            np.random.seed(3)
            nm = npnet.FullyConnectedNet([20, 30], 48, normalization=None if norm == "none" else norm, reg=reg,
                                         weight_scale=5e-2, dtype=np.float64)
            np.random.seed(3)
            tm = tnet.fully_connected_net([20, 30], 48, 10, norm, 1, 5e-2, torch.float64)
            ns = npnet.Solver(nm, data, rule, {"learning_rate": 1e-2}, lr_decay=0.5, batch_size=batch)
            ts = tnet.Solver(tm, data, rule, 1e-2, 0.5, reg, batch, 1, torch.Generator().manual_seed(0))
            drawn, bad_draws, diff, inert = [], [], 0.0, 0.0
            np.random.seed(11)
            for _ in range(2):
                def choice(*a, **k):
                    drawn.append(real_choice(*a, **k))
                    return drawn[-1]

                def randint(*a, **k):
                    own = real_randint(*a, **k)
                    if tuple(own.shape) != (batch,) or int(own.min()) < 0 or int(own.max()) >= len(y):
                        bad_draws.append(tuple(own.shape))
                    return torch.from_numpy(drawn[-1])
                np.random.choice, torch.randint = choice, randint
                try:
                    ns._step()
                    ts._step()
                finally:
                    np.random.choice, torch.randint = real_choice, real_randint
                if drawn[-1].shape != (batch,) or drawn[-1].min() < 0 or drawn[-1].max() >= len(y):
                    bad_draws.append(drawn[-1].shape)
                tp = torch_params(tm)
                diff = max([diff, abs(ns.loss_history[-1] - ts.loss_history[-1])]
                           + [np.abs(w - tp[k]).max() for k, w in nm.params.items() if not before_bn(k, norm, nm.num_layers)])
                inert = max([inert] + [np.abs(w - tp[k]).max() for k, w in nm.params.items() if before_bn(k, norm, nm.num_layers)])
            differences.append(diff)
            ok = (diff < AGREE and inert < INERT and not bad_draws
                  and len(ns.loss_history) == len(ts.loss_history) == 2)
            report(f"numpy == torch Solver._step x2 {norm} {rule} reg={reg}", ok,
                   f"max difference {diff:.1e} over the loss and every parameter"
                   + (f" but the biases before batch norm ({inert:.1e})" if norm == "batchnorm" else "")
                   + (f"; bad batch draws {bad_draws}" if bad_draws else ""))


if __name__ == "__main__":
    check_gradients()
    check_peers_agree()
    check_solver_steps()
    print(f"largest NumPy-vs-PyTorch difference: {max(differences):.1e} (each must be below {AGREE:.0e})")
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    raise SystemExit(0 if all(results) else 1)
