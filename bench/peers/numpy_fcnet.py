#!/usr/bin/python3
"""CS231n fully-connected nets in NumPy, as a good solution to the assignment writes them: layers.py, fc_net.py,
optim.py and solver.py in one file, run by the peers' shared command line (see README.md)."""
import peer_common

if __name__ == "__main__":
    ARGS = peer_common.parse_args(__doc__)  # sets the BLAS thread count, so before numpy is imported

import numpy as np  # noqa: E402


# ---- layers.py -------------------------------------------------------------------------------------------------

def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, x):
    return dout * (x > 0)


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        std = np.sqrt(var + eps)
        xhat = (x - mean) / std
        out = gamma * xhat + beta
        cache = (xhat, gamma, std)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    return out, cache


def batchnorm_backward_alt(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dgamma = np.sum(dout * xhat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx = gamma / (N * std) * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mean) / std
    return gamma * xhat + beta, (xhat, gamma, std)


def layernorm_backward(dout, cache):
    xhat, gamma, std = cache
    D = dout.shape[1]
    dgamma = np.sum(dout * xhat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dxhat = dout * gamma
    dx = (D * dxhat - dxhat.sum(axis=1, keepdims=True)
          - xhat * np.sum(dxhat * xhat, axis=1, keepdims=True)) / (D * std)
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Inverted dropout; p is the KEEP probability. The mask is cast to x's dtype (the course code leaves it
    float64, which silently turns a float32 net into a float64 one after the first dropout layer)."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = ((np.random.rand(*x.shape) < p) / p).astype(x.dtype)
        return x * mask, mask
    return x, None


def dropout_backward(dout, mask):
    return dout * mask


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


# ---- fc_net.py -------------------------------------------------------------------------------------------------

class FullyConnectedNet:
    """{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax."""

    def __init__(self, hidden_dims, input_dim, num_classes=10, dropout_keep_ratio=1, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype=np.float32):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])
            if normalization and i < self.num_layers - 1:
                self.params[f"gamma{i + 1}"] = np.ones(dims[i + 1])
                self.params[f"beta{i + 1}"] = np.zeros(dims[i + 1])
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)] if normalization else []
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Scores (N, C) when y is None (test mode); otherwise (loss, grads) in train mode."""
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        p, caches, out = self.params, [], X
        for i in range(1, self.num_layers):
            out, fc_cache = affine_forward(out, p[f"W{i}"], p[f"b{i}"])
            norm_cache = drop_cache = None
            if self.normalization == "batchnorm":
                out, norm_cache = batchnorm_forward(out, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                out, norm_cache = layernorm_forward(out, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
            out, relu_cache = relu_forward(out)
            if self.use_dropout:
                out, drop_cache = dropout_forward(out, self.dropout_param)
            caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
        L = self.num_layers
        scores, fc_cache = affine_forward(out, p[f"W{L}"], p[f"b{L}"])
        if mode == "test":
            return scores

        loss, dout = softmax_loss(scores, y)
        grads = {}
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, fc_cache)
        for i in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dout = dropout_backward(dout, drop_cache)
            dout = relu_backward(dout, relu_cache)
            if self.normalization == "batchnorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dout, norm_cache)
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
        for i in range(1, L + 1):
            W = p[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
        return loss, grads


# ---- optim.py --------------------------------------------------------------------------------------------------

def sgd(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def sgd_nesterov_momentum(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v = config.get("velocity", np.zeros_like(w))
    v_new = mu * v - config["learning_rate"] * dw
    config["velocity"] = v_new
    return w + v_new + mu * (v_new - v), config


def rmsprop(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    cache = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config):
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw ** 2
    mhat = config["m"] / (1 - beta1 ** config["t"])
    vhat = config["v"] / (1 - beta2 ** config["t"])
    return w - config["learning_rate"] * mhat / (np.sqrt(vhat) + config["epsilon"]), config


def adagrad(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    config["cache"] += dw ** 2
    return w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"]), config


# ---- solver.py -------------------------------------------------------------------------------------------------

class Solver(peer_common.SolverLoop):
    """CS231n's Solver: minibatches drawn with replacement, per-epoch lr decay, accuracy checks after the first
    iteration and at each epoch end, the best parameters (by validation accuracy) restored at the end."""

    PEER = "numpy"

    def __init__(self, model, data, update_rule="sgd", optim_config=None, lr_decay=1.0, batch_size=100,
                 num_epochs=10, num_train_samples=1000, num_val_samples=None):
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.update_rule = globals()[update_rule]
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.iterations_per_epoch = max(self.X_train.shape[0] // batch_size, 1)
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history, self.train_acc_history, self.val_acc_history = [], [], []
        self.optim_configs = {p: dict(optim_config or {}) for p in model.params}

    def _step(self):
        batch_mask = np.random.choice(self.X_train.shape[0], self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch_mask], self.y_train[batch_mask])
        self.loss_history.append(float(loss))
        for p, w in self.model.params.items():
            self.model.params[p], self.optim_configs[p] = self.update_rule(w, grads[p], self.optim_configs[p])

    def _end_epoch(self):
        self.epoch += 1
        for config in self.optim_configs.values():
            config["learning_rate"] *= self.lr_decay

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N, X, y = num_samples, X[mask], y[mask]
        num_batches = (N + batch_size - 1) // batch_size
        y_pred = [np.argmax(self.model.loss(X[i * batch_size:(i + 1) * batch_size]), axis=1)
                  for i in range(num_batches)]
        return float(np.mean(np.hstack(y_pred) == y))

    def _snapshot_params(self):
        return {k: v.copy() for k, v in self.model.params.items()}

    def _restore_params(self, best):
        self.model.params = best


def main(args):
    dtype = np.dtype(args.dtype).type
    data, info = peer_common.load_data(args, "numpy")
    np.random.seed(args.seed)
    model = FullyConnectedNet(args.hidden, int(np.prod(data["X_train"].shape[1:])),
                              dropout_keep_ratio=args.dropout, reg=args.reg, weight_scale=args.weight_scale,
                              normalization=None if args.normalization == "none" else args.normalization, dtype=dtype)
    solver = Solver(model, data, update_rule=args.update_rule, optim_config={"learning_rate": args.learning_rate},
                    lr_decay=args.lr_decay, batch_size=args.batch_size, num_epochs=args.epochs)
    runtime = {"numpy": np.__version__, "openblas": peer_common.openblas_info()}
    peer_common.run(args, "numpy", solver, data, info, runtime, first_layer_dx=True)


if __name__ == "__main__":
    main(ARGS)
