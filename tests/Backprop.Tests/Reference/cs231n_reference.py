#!/usr/bin/python3
"""The CS231n fully-connected nets assignment's own code, completed as its solutions complete it (layers.py, fc_net.py,
optim.py, solver.py of the 2019 edition: dropout's p is the keep probability, Adam increments t first), with NumPy's
one global generator: the reference Cs231nReferenceTests trains Backprop against. Also neural_net.py, the first
assignment's monolithic two-layer net with its own train loop (the CS231n and the UCLA conventions).

    cs231n_reference.py SPEC.json OUT.npz

SPEC names the data (drawn here from np.random.seed(data_seed)), the net and the Solver's options; OUT receives the
data, the Solver's histories and the final parameters and running statistics.

One line differs from the course's Solver, marked below: when validation accuracy improves, the batch-norm running
statistics are saved with the best parameters (Backprop saves and restores both; CS231n's Solver restores the
parameters alone and leaves the statistics of the last step)."""
import json
import sys

import numpy as np


# ---- layers.py (also what layers_reference.py checks the layers against) ---------------------------------------

def affine_forward(x, w, b):
    out = None
    N = x.shape[0]
    out = x.reshape(N, -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = None
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    dx, x = None, cache
    dx = dout * (x > 0)
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == 'train':
        sample_mean = x.mean(axis=0)
        sample_var = x.var(axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        cache = (x, x_hat, sample_mean, sample_var, gamma, beta, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == 'test':
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    x, x_hat, mean, var, gamma, beta, eps = cache
    N = x.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * (x - mean) * -0.5 * (var + eps) ** -1.5, axis=0)
    dmean = np.sum(dx_hat * -1 / np.sqrt(var + eps), axis=0) + dvar * np.mean(-2 * (x - mean), axis=0)
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mean) / N + dmean / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    dx, dgamma, dbeta = None, None, None
    x, x_hat, mean, var, gamma, beta, eps = cache
    N = x.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    std_inv = 1.0 / np.sqrt(var + eps)
    dx = std_inv / N * (N * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    out, cache = None, None
    eps = ln_param.get('eps', 1e-5)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, var, eps)
    return out, cache


def layernorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    x_hat, gamma, var, eps = cache
    D = x_hat.shape[1]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    std_inv = 1.0 / np.sqrt(var + eps)
    dx = std_inv / D * (D * dx_hat - np.sum(dx_hat, axis=1, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])

    mask = None
    out = None

    if mode == 'train':
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == 'test':
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)

    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param['mode']

    dx = None
    if mode == 'train':
        dx = dout * mask
    elif mode == 'test':
        dx = dout
    return dx


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


# ---- layer_utils.py ------------------------------------------------------------------------------------------------

def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


# ---- fc_net.py -------------------------------------------------------------------------------------------------

class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=1, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params["W%d" % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])
            if self.normalization is not None and i < self.num_layers - 1:
                self.params["gamma%d" % (i + 1)] = np.ones(dims[i + 1])
                self.params["beta%d" % (i + 1)] = np.zeros(dims[i + 1])
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for i in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for i in range(self.num_layers - 1)]
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        caches = []
        h = X
        for i in range(1, self.num_layers):
            h, fc_cache = affine_forward(h, self.params["W%d" % i], self.params["b%d" % i])
            norm_cache = None
            if self.normalization == "batchnorm":
                h, norm_cache = batchnorm_forward(h, self.params["gamma%d" % i], self.params["beta%d" % i],
                                                  self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                h, norm_cache = layernorm_forward(h, self.params["gamma%d" % i], self.params["beta%d" % i],
                                                  self.bn_params[i - 1])
            h, relu_cache = relu_forward(h)
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params["W%d" % L], self.params["b%d" % L])
        if mode == "test":
            return scores

        loss, dscores = softmax_loss(scores, y)
        for i in range(1, L + 1):
            W = self.params["W%d" % i]
            loss += 0.5 * self.reg * np.sum(W * W)
        grads = {}
        dh, dw, db = affine_backward(dscores, last_cache)
        grads["W%d" % L] = dw + self.reg * self.params["W%d" % L]
        grads["b%d" % L] = db
        for i in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            dh = relu_backward(dh, relu_cache)
            if self.normalization == "batchnorm":
                dh, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward_alt(dh, norm_cache)
            elif self.normalization == "layernorm":
                dh, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(dh, norm_cache)
            dh, dw, db = affine_backward(dh, fc_cache)
            grads["W%d" % i] = dw + self.reg * self.params["W%d" % i]
            grads["b%d" % i] = db
        return loss, grads


# ---- optim.py --------------------------------------------------------------------------------------------------

def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def sgd_nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v_new = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v_new + config["momentum"] * (v_new - v)
    config["velocity"] = v_new
    return next_w, config


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    config["cache"] = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    mt = config["m"] / (1 - config["beta1"] ** config["t"])
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * (dw ** 2)
    vt = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])
    return next_w, config


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    config["cache"] = config["cache"] + dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


# ---- solver.py -------------------------------------------------------------------------------------------------

class Solver(object):
    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.update_rule = globals()[self.update_rule]
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.best_bn_params = None
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {}
        for p in self.model.params:
            d = {k: v for k, v in self.optim_config.items()}
            self.optim_configs[p] = d

    def _step(self):
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        return np.mean(y_pred == y)

    def train(self):
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        for t in range(num_iterations):
            self._step()
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for k in self.optim_configs:
                    self.optim_configs[k]["learning_rate"] *= self.lr_decay
            first_it = t == 0
            last_it = t == num_iterations - 1
            if first_it or last_it or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {}
                    for k, v in self.model.params.items():
                        self.best_params[k] = v.copy()
                    # Not in the course's Solver: Backprop keeps the running statistics with the best parameters.
                    self.best_bn_params = [dict(p) for p in self.model.bn_params]
        self.model.params = self.best_params
        if self.best_bn_params is not None:
            self.model.bn_params = self.best_bn_params


# ---- neural_net.py (the first assignment's monolithic net; UCLA's variant stores W transposed, halves the L2 term) -

class MonolithicTwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, std=1e-4, ucla=False):
        self.ucla = ucla
        self.params = {}
        if ucla:
            self.params["W1"] = std * np.random.randn(hidden_size, input_size)
            self.params["b1"] = np.zeros(hidden_size)
            self.params["W2"] = std * np.random.randn(output_size, hidden_size)
        else:
            self.params["W1"] = std * np.random.randn(input_size, hidden_size)
            self.params["b1"] = np.zeros(hidden_size)
            self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, D = X.shape
        if self.ucla:
            h1 = np.maximum(0, X.dot(W1.T) + b1)
            scores = h1.dot(W2.T) + b2
        else:
            h1 = np.maximum(0, X.dot(W1) + b1)
            scores = h1.dot(W2) + b2
        if y is None:
            return scores
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= np.sum(probs, axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        l2 = np.sum(W1 * W1) + np.sum(W2 * W2)
        loss += (0.5 * reg if self.ucla else reg) * l2
        dscores = probs
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {}
        k = reg if self.ucla else 2 * reg
        if self.ucla:
            grads["W2"] = dscores.T.dot(h1) + k * W2
            grads["b2"] = np.sum(dscores, axis=0)
            dh1 = dscores.dot(W2)
            dh1[h1 <= 0] = 0
            grads["W1"] = dh1.T.dot(X) + k * W1
        else:
            grads["W2"] = h1.T.dot(dscores) + k * W2
            grads["b2"] = np.sum(dscores, axis=0)
            dh1 = dscores.dot(W2.T)
            dh1[h1 <= 0] = 0
            grads["W1"] = X.T.dot(dh1) + k * W1
        grads["b1"] = np.sum(dh1, axis=0)
        return loss, grads

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)  # the course's Python 2 division
        loss_history, train_acc_history, val_acc_history = [], [], []
        for it in range(num_iters):
            idx = np.random.choice(num_train, batch_size)
            X_batch, y_batch = X[idx], y[idx]
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)
            for p in self.params:
                self.params[p] -= learning_rate * grads[p]
            if it % iterations_per_epoch == 0:
                train_acc_history.append((self.predict(X_batch) == y_batch).mean())
                val_acc_history.append((self.predict(X_val) == y_val).mean())
                learning_rate *= learning_rate_decay
        return {"loss_history": loss_history, "train_acc_history": train_acc_history,
                "val_acc_history": val_acc_history}

    def predict(self, X):
        return np.argmax(self.loss(X), axis=1)


# ---- the run ---------------------------------------------------------------------------------------------------

def draw_split(n, shape, w_true):
    X = np.random.randn(n, *shape)
    y = np.argmax(X.reshape(n, -1).dot(w_true), axis=1)
    return X, y


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    dtype = np.dtype(spec["dtype"]).type
    shape = tuple(spec["input_shape"])
    C = spec["num_classes"]
    # Labels a linear map of the images decides (with some noise), so validation accuracy moves as the net learns.
    np.random.seed(spec["data_seed"])
    w_true = np.random.randn(int(np.prod(shape)), C)
    X_train, y_train = draw_split(spec["num_train"], shape, w_true)
    X_val, y_val = draw_split(spec["num_val"], shape, w_true)
    flip = np.random.rand(len(y_train)) < spec.get("label_noise", 0.0)
    y_train[flip] = np.random.randint(C, size=int(flip.sum()))
    data = {"X_train": X_train.astype(dtype), "y_train": y_train, "X_val": X_val.astype(dtype), "y_val": y_val}

    np.random.seed(spec["seed"])
    if spec.get("model", "fc") != "fc":
        return train_monolithic(spec, data, out_path)
    model = FullyConnectedNet(spec["hidden_dims"], input_dim=int(np.prod(shape)), num_classes=C,
                              dropout=spec["dropout"], normalization=spec["normalization"], reg=spec["reg"],
                              weight_scale=spec["weight_scale"], dtype=dtype)
    solver = Solver(model, data, update_rule=spec["update_rule"], optim_config=dict(spec["optim_config"]),
                    lr_decay=spec["lr_decay"], batch_size=spec["batch_size"], num_epochs=spec["num_epochs"],
                    num_train_samples=spec["num_train_samples"], num_val_samples=spec["num_val_samples"])
    solver.train()

    out = {"X_train": data["X_train"], "y_train": y_train.astype(np.int64), "X_val": data["X_val"],
           "y_val": y_val.astype(np.int64),
           "loss_history": np.array(solver.loss_history, dtype=np.float64),
           "train_acc_history": np.array(solver.train_acc_history, dtype=np.float64),
           "val_acc_history": np.array(solver.val_acc_history, dtype=np.float64),
           "best_val_acc": np.array(solver.best_val_acc, dtype=np.float64)}
    for k, v in model.params.items():
        out["param_" + k] = v
    for i, p in enumerate(model.bn_params):
        if "running_mean" in p:
            out["running_mean%d" % (i + 1)] = p["running_mean"]
            out["running_var%d" % (i + 1)] = p["running_var"]
    np.savez(out_path, **out)


def train_monolithic(spec, data, out_path):
    X, X_val = data["X_train"], data["X_val"]
    model = MonolithicTwoLayerNet(int(np.prod(X.shape[1:])), spec["hidden_dims"][0], spec["num_classes"],
                                  std=spec["weight_scale"], ucla=spec["model"] == "monolithic-ucla")
    X, X_val = X.reshape(X.shape[0], -1), X_val.reshape(X_val.shape[0], -1)
    stats = model.train(X, data["y_train"], X_val, data["y_val"], learning_rate=spec["optim_config"]["learning_rate"],
                        learning_rate_decay=spec["lr_decay"], reg=spec["reg"], num_iters=spec["num_iters"],
                        batch_size=spec["batch_size"])
    out = {"X_train": data["X_train"], "y_train": data["y_train"].astype(np.int64), "X_val": data["X_val"],
           "y_val": data["y_val"].astype(np.int64)}
    for k, v in stats.items():
        out[k] = np.array(v, dtype=np.float64)
    for k, v in model.params.items():
        out["param_" + k] = v
    np.savez(out_path, **out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: cs231n_reference.py SPEC.json OUT.npz")
    main(sys.argv[1], sys.argv[2])
