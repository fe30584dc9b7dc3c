#!/usr/bin/python3
"""The CS231n FullyConnectedNet and Solver written the PyTorch way (nn.Linear, nn.BatchNorm1d / nn.LayerNorm, nn.ReLU,
nn.Dropout, torch.optim), on the CPU, with CS231n's semantics wherever PyTorch allows (README.md lists what differs).
Run by the peers' shared command line."""
import peer_common

if __name__ == "__main__":
    ARGS = peer_common.parse_args(__doc__)  # sets the thread counts, so before numpy and torch are imported

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402



def fully_connected_net(hidden_dims, input_dim, num_classes, normalization, dropout_keep_ratio, weight_scale, dtype):
    """{Linear - [BatchNorm1d|LayerNorm] - ReLU - [Dropout]} x (L - 1) - Linear. The weights are CS231n's draws,
    weight_scale * np.random.randn(in, out) in layer order (the same values as numpy_fcnet.py for the same seed),
    transposed into Linear's (out, in) layout; biases zero; BatchNorm's running variance starts at zero as in
    CS231n (PyTorch starts it at one)."""
    dims = [input_dim] + hidden_dims + [num_classes]
    layers = [nn.Flatten()]
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        linear = nn.Linear(d_in, d_out, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight_scale * np.random.randn(d_in, d_out)).T)
            linear.bias.zero_()
        layers.append(linear)
        if i == len(dims) - 2:
            break
        if normalization == "batchnorm":
            batchnorm = nn.BatchNorm1d(d_out, eps=1e-5, momentum=0.1, dtype=dtype)
            batchnorm.running_var.zero_()
            layers.append(batchnorm)
        elif normalization == "layernorm":
            layers.append(nn.LayerNorm(d_out, eps=1e-5, dtype=dtype))
        layers.append(nn.ReLU())
        if dropout_keep_ratio != 1:
            layers.append(nn.Dropout(p=1 - dropout_keep_ratio))  # PyTorch's p is the DROP probability
    return nn.Sequential(*layers)


def make_optimizer(rule, params, lr):
    """torch.optim with CS231n's hyper-parameters."""
    if rule == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if rule in ("sgd_momentum", "sgd_nesterov_momentum"):
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=rule == "sgd_nesterov_momentum")
    if rule == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8)
    if rule == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    return torch.optim.Adagrad(params, lr=lr, eps=1e-8)


class Solver(peer_common.SolverLoop):
    """CS231n's Solver loop around a PyTorch model: minibatches drawn with replacement from a seeded generator,
    per-epoch lr decay, eval-mode accuracy checks after the first iteration and at each epoch end, the best
    parameters (by validation accuracy) restored at the end."""

    PEER = "torch"

    def __init__(self, model, data, update_rule, learning_rate, lr_decay, reg, batch_size, num_epochs, generator,
                 num_train_samples=1000, num_val_samples=None):
        self.model = model
        self.X_train, self.y_train, self.X_val, self.y_val = (
            torch.from_numpy(data[k]) for k in ("X_train", "y_train", "X_val", "y_val"))
        self.weights = [m.weight for m in model if isinstance(m, nn.Linear)]
        self.optimizer = make_optimizer(update_rule, model.parameters(), learning_rate)
        self.lr_decay, self.reg = lr_decay, reg
        self.batch_size, self.num_epochs = batch_size, num_epochs
        self.generator = generator
        self.num_train_samples, self.num_val_samples = num_train_samples, num_val_samples
        self.iterations_per_epoch = max(self.X_train.shape[0] // batch_size, 1)
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history, self.train_acc_history, self.val_acc_history = [], [], []
        model.train()

    def _step(self):
        batch = torch.randint(self.X_train.shape[0], (self.batch_size,), generator=self.generator)
        loss = F.cross_entropy(self.model(self.X_train[batch]), self.y_train[batch])
        if self.reg:
            loss = loss + 0.5 * self.reg * sum(torch.sum(w * w) for w in self.weights)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss_history.append(loss.item())

    def _end_epoch(self):
        """lr *= lr_decay. PyTorch's momentum buffer holds the sum of gradients and is multiplied by lr at each step,
        while CS231n's velocity already has lr in it; dividing the buffer by lr_decay keeps the velocity (lr * buffer)
        as CS231n's, so both momentum rules match CS231n exactly through the decay."""
        self.epoch += 1
        if self.lr_decay == 1:
            return
        for group in self.optimizer.param_groups:
            group["lr"] *= self.lr_decay
            for p in group["params"]:
                buffer = self.optimizer.state[p].get("momentum_buffer")
                if buffer is not None:
                    buffer.div_(self.lr_decay)

    @torch.no_grad()
    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        X, y = torch.as_tensor(X), torch.as_tensor(y)
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = torch.randint(N, (num_samples,), generator=self.generator)
            N, X, y = num_samples, X[mask], y[mask]
        self.model.eval()
        y_pred = torch.cat([self.model(X[i:i + batch_size]).argmax(dim=1) for i in range(0, N, batch_size)])
        self.model.train()
        return (y_pred == y).double().mean().item()

    def _snapshot_params(self):
        # Parameters only, as CS231n's model.params: BatchNorm's running statistics are not restored.
        return {k: v.detach().clone() for k, v in self.model.named_parameters()}

    def _restore_params(self, best):
        with torch.no_grad():
            for k, v in self.model.named_parameters():
                v.copy_(best[k])


def main(args):
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    dtype = np.dtype(args.dtype).type
    data, info = peer_common.load_data(args, "torch")
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)  # dropout masks
    model = fully_connected_net(args.hidden, int(np.prod(data["X_train"].shape[1:])), 10,
                                args.normalization, args.dropout, args.weight_scale, getattr(torch, args.dtype))
    solver = Solver(model, data, args.update_rule, args.learning_rate, args.lr_decay, args.reg, args.batch_size,
                    args.epochs, torch.Generator().manual_seed(args.seed))
    runtime = {"torch": torch.__version__, "numpy": np.__version__, "torch_threads": torch.get_num_threads(),
               "openblas": peer_common.openblas_info()}
    peer_common.run(args, "torch", solver, data, info, runtime, first_layer_dx=False)


if __name__ == "__main__":
    main(ARGS)
