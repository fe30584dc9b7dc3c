#!/usr/bin/python3
"""Checks the peers in float64 on tiny nets (a few seconds): the NumPy gradients against centred differences, and the
NumPy and PyTorch peers against each other (same weights, a fixed batch, six steps of every update rule with every
normalization, lr decay after the third). Prints one line per case and '<n> passed, <m> failed' at the end."""
import numpy as np
import torch

import numpy_fcnet as npnet
import torch_fcnet as tnet

RULES = ("sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam", "adagrad")
results = []


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
            report(f"numpy == torch {norm} {rule}", diff < 1e-12, f"max difference {diff:.1e}")


if __name__ == "__main__":
    check_gradients()
    check_peers_agree()
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    raise SystemExit(0 if all(results) else 1)
