"""The command line, the two modes (speed, accuracy) and the reporting shared by numpy_fcnet.py and torch_fcnet.py.

parse_args() must run before numpy or torch is imported: it puts the thread count in the environment, and OpenBLAS
(which both NumPy and this machine's PyTorch call for matrix products) and OpenMP read it only when they load.
"""
import argparse
import ctypes
import json
import math
import os
import resource
import statistics
import sys
import time

UPDATE_RULES = ("sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam", "adagrad")
# CS231n optim.py's default learning rates (adagrad, not in optim.py, takes sgd's).
DEFAULT_LEARNING_RATE = {"sgd": 1e-2, "sgd_momentum": 1e-2, "sgd_nesterov_momentum": 1e-2,
                         "rmsprop": 1e-2, "adam": 1e-3, "adagrad": 1e-2}


def parse_args(description):
    """Parses sys.argv; sets OPENBLAS/OMP/MKL_NUM_THREADS from --threads and --blas-threads."""
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("peer_common.parse_args() must run before numpy or torch is imported")
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--mode", choices=("speed", "accuracy"), default="accuracy")
    p.add_argument("--data", type=_data_spec, default="cifar10-random",
                   help="fashion-mnist | mnist | cifar10-subset | cifar10-random | cifar10:DIR | npy:DIR")
    p.add_argument("--data-dir", help="directory for fashion-mnist, mnist or cifar10-subset (overrides the default)")
    p.add_argument("--num-train", type=_positive, help="training rows (default depends on --data)")
    p.add_argument("--num-val", type=_non_negative, help="validation rows, taken after the training rows")
    p.add_argument("--num-test", type=_non_negative, help="first rows of the test set")
    p.add_argument("--hidden", type=_dims, default=[500, 500, 500], help="hidden sizes, e.g. 500,500,500 ('' for none)")
    p.add_argument("--normalization", choices=("none", "batchnorm", "layernorm"), default="none")
    p.add_argument("--dropout", type=float, default=1.0, help="KEEP probability (1 = no dropout)")
    p.add_argument("--reg", type=_non_negative_float, default=0.0, help="L2 strength: loss += 0.5*reg*sum(W**2)")
    p.add_argument("--weight-scale", type=_positive_float, default=1e-2)
    p.add_argument("--update-rule", choices=UPDATE_RULES, default="adam")
    p.add_argument("--learning-rate", type=_positive_float, help="default: the update rule's CS231n default")
    p.add_argument("--lr-decay", type=_positive_float, default=1.0)
    p.add_argument("--epochs", type=_positive,
                   help="training epochs (accuracy mode, default 10) or timed epochs (speed mode, default 3)")
    p.add_argument("--warmup", type=_non_negative, default=1, help="untimed epochs before the timed ones (speed mode)")
    p.add_argument("--batch-size", type=_positive, default=100)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--seed", type=_non_negative, default=0)
    p.add_argument("--threads", type=_positive, help="BLAS/OpenMP threads (default: the libraries' own default)")
    p.add_argument("--blas-threads", type=_positive, help="OpenBLAS threads when they should differ from --threads")
    a = p.parse_args()
    if not 0 < a.dropout <= 1:
        p.error("--dropout is the keep probability, in (0, 1]")
    name, _, path = a.data.partition(":")
    if name in ("cifar10", "mnist") and not (path or a.data_dir):
        p.error(f"--data {name} needs a directory: {name}:DIR or --data-dir DIR")
    if a.learning_rate is None:
        a.learning_rate = DEFAULT_LEARNING_RATE[a.update_rule]
    if a.epochs is None:
        a.epochs = 3 if a.mode == "speed" else 10
    if a.threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(a.threads)
    if a.blas_threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)
    return a


# The --data names; cifar10 and npy need a directory (NAME:DIR, or --data-dir for cifar10).
DATA_NAMES = ("fashion-mnist", "mnist", "cifar10-subset", "cifar10-random", "cifar10", "npy")


def _data_spec(text):
    name, colon, path = text.partition(":")
    if name not in DATA_NAMES:
        raise argparse.ArgumentTypeError(f"unknown --data {text!r}: use one of {', '.join(DATA_NAMES)}"
                                         " (cifar10:DIR and npy:DIR with a directory)")
    if name == "npy" and not path:
        raise argparse.ArgumentTypeError("--data npy needs a directory: npy:DIR")
    if colon and not path:
        raise argparse.ArgumentTypeError(f"--data {text!r}: the directory after ':' is empty")
    return text


def _number(kind, convert, ok):
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}")
        return value
    parse.__name__ = kind  # argparse names the type in its message
    return parse


_positive = _number("a whole number >= 1", int, lambda v: v >= 1)
_non_negative = _number("a whole number >= 0", int, lambda v: v >= 0)
_positive_float = _number("a finite number > 0", float, lambda v: math.isfinite(v) and v > 0)
_non_negative_float = _number("a finite number >= 0", float, lambda v: math.isfinite(v) and v >= 0)


def _dims(text):
    try:
        dims = [int(d) for d in text.split(",") if d.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes separated by commas, got {text!r}") from None
    if any(d < 1 for d in dims):
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return dims


def load_data(args, peer):
    """peer_data.load for the command line's data options; a data set that cannot be read ends the run with exit code 2
    and one line saying why (no traceback)."""
    import peer_data  # imports numpy: only after parse_args has set the thread counts
    try:
        return peer_data.load(args.data, args.data_dir, args.num_train, args.num_val, args.num_test,
                              args.dtype, args.seed)
    except (ValueError, OSError) as e:
        log(f"{peer}: {e}")
        raise SystemExit(2) from None


def gemm_flops_per_iteration(dims, batch_size, first_layer_dx):
    """2*M*N*K for X.W, dout.W^T and X^T.dout of every affine layer; the first layer's dout.W^T only if computed."""
    flops = 0
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        products = 3 if i > 0 or first_layer_dx else 2
        flops += products * 2 * batch_size * d_in * d_out
    return flops


def openblas_info():
    """The OpenBLAS this process loaded (found in /proc/self/maps): its core, configuration and thread count."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "libopenblas" in line}
    if not paths:
        return {"library": None}
    path = sorted(paths)[0]
    lib = ctypes.CDLL(path)
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    return {"library": path, "core": lib.openblas_get_corename().decode(),
            "config": lib.openblas_get_config().decode().strip(), "threads": lib.openblas_get_num_threads()}


def rss_mib():
    """Current resident set size, MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def machine_busy_seconds():
    """CPU seconds all processes have used since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def emit(result):
    """Adds the peak RSS and prints the result as one JSON object on stdout."""
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


def run(args, peer, solver, data, data_info, runtime, first_layer_dx):
    """Runs --mode on a solver and prints the JSON result. The solver has train_epoch() (num_train // batch_size
    steps and the lr decay, nothing else), train() (the CS231n Solver.train loop), check_accuracy(X, y),
    iterations_per_epoch, loss_history, train_acc_history, val_acc_history and best_val_acc."""
    result = {"peer": peer, "mode": args.mode, "config": vars(args), "data": data_info, "runtime": runtime,
              "rss_after_data_mib": round(rss_mib(), 1)}
    if args.mode == "speed":
        seconds, cpu_seconds, others = [], [], []
        for epoch in range(args.warmup + args.epochs):
            start, cpu_start, busy_start = time.perf_counter(), time.process_time(), machine_busy_seconds()
            solver.train_epoch()
            seconds.append(time.perf_counter() - start)
            cpu_seconds.append(time.process_time() - cpu_start)
            # Clamped at 0 as ours is: the two clocks tick apart, so an idle machine can read a hair below.
            others.append(max(0.0, machine_busy_seconds() - busy_start - cpu_seconds[-1]))
            log(f"{peer}: epoch {epoch + 1} ({'warm-up' if epoch < args.warmup else 'timed'}) {seconds[-1]:.3f} s,"
                f" loss {solver.loss_history[-1]:.4f}, other processes {others[-1]:.1f} CPU s")
        timed = seconds[args.warmup:]
        median = statistics.median(timed)
        dims = [math.prod(data_info["image_shape"])] + args.hidden + [10]
        flops = gemm_flops_per_iteration(dims, args.batch_size, first_layer_dx) * solver.iterations_per_epoch
        result["speed"] = {
            "iterations_per_epoch": solver.iterations_per_epoch, "warmup_epoch_seconds": seconds[:args.warmup],
            "epoch_seconds": timed, "epoch_cpu_seconds": cpu_seconds[args.warmup:],
            "median_epoch_seconds": median, "min_epoch_seconds": min(timed),
            "images_per_second": solver.iterations_per_epoch * args.batch_size / median,
            "gemm_flops_per_epoch": flops, "first_layer_dx_computed": first_layer_dx,
            "gemm_gflops_per_second": flops / median / 1e9,
            # CPU seconds the rest of the machine used during each timed epoch: well above 0 means contention.
            "other_processes_cpu_seconds": others[args.warmup:],
            "last_loss": solver.loss_history[-1]}
    else:
        start = time.perf_counter()
        solver.train()
        train_seconds = time.perf_counter() - start
        test_acc = solver.check_accuracy(data["X_test"], data["y_test"]) if len(data["y_test"]) else None
        losses, per_epoch = solver.loss_history, solver.iterations_per_epoch
        result["accuracy"] = {
            "train_acc_history": solver.train_acc_history, "val_acc_history": solver.val_acc_history,
            "best_val_acc": solver.best_val_acc, "test_acc": test_acc,
            "loss": {"iterations": len(losses), "first": losses[0], "last": losses[-1], "min": min(losses),
                     "epoch_means": [statistics.fmean(losses[i:i + per_epoch])
                                     for i in range(0, len(losses), per_epoch)]},
            "train_seconds": train_seconds, "wall_seconds": time.perf_counter() - start}
        log(f"{peer}: best val {solver.best_val_acc:.4f}, test {test_acc}, {train_seconds:.1f} s")
    emit(result)


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


class SolverLoop:
    """CS231n's Solver.train loop, shared by the peers. A subclass provides PEER (its log name), _step(),
    _end_epoch(), check_accuracy(X, y, num_samples), _snapshot_params() and _restore_params(best)."""

    def train_epoch(self):
        """One epoch without accuracy checks (speed mode)."""
        for _ in range(self.iterations_per_epoch):
            self._step()
        self._end_epoch()

    def train(self):
        num_iterations = self.num_epochs * self.iterations_per_epoch
        for t in range(num_iterations):
            self._step()
            epoch_end = (t + 1) % self.iterations_per_epoch == 0
            if epoch_end:
                self._end_epoch()
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                log(f"{self.PEER}: (epoch {self.epoch} / {self.num_epochs}) loss {self.loss_history[-1]:.4f},"
                    f" train acc {train_acc:.4f}, val acc {val_acc:.4f}")
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = self._snapshot_params()
        self._restore_params(self.best_params)
