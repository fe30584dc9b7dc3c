"""Data for the peers: Fashion-MNIST / MNIST IDX files, CIFAR-10 binary or python batches (any number of images per
batch), CIFAR-shaped random data, raw .npy files, and the notebooks' preprocessing.

Preprocessing (CS231n get_CIFAR10_data): train = training rows [0, num_train), val = training rows
[num_train, num_train + num_val), test = the first num_test test rows; the mean training image (computed in float64)
is subtracted from every split; images stay (N, C, H, W), not divided by 255, stored in the requested dtype.
"""
import gzip
import os
import pickle
import struct

import numpy as np

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
CIFAR10_SUBSET_DIR = "/work/shared/cifar10/cifar-10-batches-py-first1000"
# (num_train, num_val, num_test) when not given on the command line.
DEFAULT_SPLITS = {"fashion-mnist": (59000, 1000, 10000), "mnist": (59000, 1000, 10000),
                  "cifar10": (49000, 1000, 1000), "cifar10-subset": (4000, 1000, 1000),
                  "cifar10-random": (49000, 1000, 1000)}
CHUNK = 1000  # rows per step when generating or converting, to keep big temporaries out of the peak RSS


def read_idx(path):
    """An unsigned-byte IDX file (optionally gzipped) as a uint8 array of its declared shape."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    zero, kind, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, np.uint8, count=int(np.prod(shape)), offset=4 + 4 * ndim).reshape(shape)


def load_mnist(directory):
    """MNIST or Fashion-MNIST: (X_train, y_train, X_test, y_test), images (N, 1, 28, 28) uint8."""
    def find(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(directory, name)):
                return os.path.join(directory, name)
        raise FileNotFoundError(f"{directory}: no {stem}[.gz]")
    out = []
    for split in ("train", "t10k"):
        images = read_idx(find(f"{split}-images-idx3-ubyte"))
        out += [images.reshape(images.shape[0], 1, *images.shape[1:]),
                read_idx(find(f"{split}-labels-idx1-ubyte")).astype(np.int64)]
    return tuple(out)


def load_cifar10(directory):
    """CIFAR-10 binary (data_batch_1.bin ...) or python (data_batch_1 ...) batches of any length:
    (X_train, y_train, X_test, y_test), images (N, 3, 32, 32) uint8."""
    binary = os.path.exists(os.path.join(directory, "data_batch_1.bin"))

    def batch(name):
        path = os.path.join(directory, name + (".bin" if binary else ""))
        if binary:
            records = np.fromfile(path, np.uint8).reshape(-1, 3073)
            return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64)
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="latin1")
        return d["data"].reshape(-1, 3, 32, 32), np.asarray(d["labels"], np.int64)
    train = [batch(f"data_batch_{i}") for i in range(1, 6)]
    X_test, y_test = batch("test_batch")
    return np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), X_test, y_test


def random_cifar10(num_train_rows, num_test_rows, seed):
    """CIFAR-shaped random data: with rs = np.random.RandomState(seed), the training images are
    rs.randint(0, 256, size=(num_train_rows, 3, 32, 32)), then the training labels rs.randint(0, 10, num_train_rows),
    then the test images and labels likewise (drawn in chunks of rows, which gives the same stream)."""
    rs = np.random.RandomState(seed)

    def images(n):
        x = np.empty((n, 3, 32, 32), np.uint8)
        for i in range(0, n, CHUNK):
            x[i:i + CHUNK] = rs.randint(0, 256, size=(min(CHUNK, n - i), 3, 32, 32))
        return x
    X_train = images(num_train_rows)
    y_train = rs.randint(0, 10, size=num_train_rows).astype(np.int64)
    X_test = images(num_test_rows)
    return X_train, y_train, X_test, rs.randint(0, 10, size=num_test_rows).astype(np.int64)


def load_npy(directory):
    """Raw X_train.npy, y_train.npy, X_test.npy, y_test.npy (images (N, ...), labels 0..9), preprocessed as the rest."""
    return tuple(np.load(os.path.join(directory, name + ".npy")) for name in ("X_train", "y_train", "X_test", "y_test"))


def load(spec, data_dir, num_train, num_val, num_test, dtype, seed):
    """The preprocessed splits {X_train, y_train, X_val, y_val, X_test, y_test} and a description of them."""
    name, _, path = spec.partition(":")
    if name not in DEFAULT_SPLITS and name != "npy":
        raise ValueError(f"unknown --data {spec}")
    defaults = DEFAULT_SPLITS.get(name)
    if name == "npy":
        X_train, y_train, X_test, y_test = load_npy(path)
        defaults = (len(y_train) - 1000, 1000, len(y_test))
    num_train, num_val, num_test = (v if v is not None else d for v, d in zip((num_train, num_val, num_test), defaults))
    if name in ("fashion-mnist", "mnist"):
        directory = data_dir or path or (FASHION_MNIST_DIR if name == "fashion-mnist" else None)
        if directory is None:
            raise ValueError("--data mnist needs a directory: mnist:DIR or --data-dir")
        X_train, y_train, X_test, y_test = load_mnist(directory)
    elif name in ("cifar10", "cifar10-subset"):
        directory = data_dir or path or (CIFAR10_SUBSET_DIR if name == "cifar10-subset" else None)
        if directory is None:
            raise ValueError("--data cifar10 needs a directory: cifar10:DIR or --data-dir")
        X_train, y_train, X_test, y_test = load_cifar10(directory)
    elif name == "cifar10-random":
        X_train, y_train, X_test, y_test = random_cifar10(num_train + num_val, num_test, seed)
    if num_train <= 0 or num_val < 0 or num_test < 0:
        raise ValueError("need num_train > 0 and num_val, num_test >= 0")
    if num_train + num_val > len(y_train) or num_test > len(y_test):
        raise ValueError(f"{spec} has {len(y_train)} training and {len(y_test)} test rows: "
                         f"cannot take {num_train}+{num_val} and {num_test}")
    mean_image = X_train[:num_train].mean(axis=0, dtype=np.float64)

    def centred(x):
        out = np.empty(x.shape, dtype)
        for i in range(0, len(x), CHUNK):
            out[i:i + CHUNK] = x[i:i + CHUNK] - mean_image
        return out
    data = {"X_train": centred(X_train[:num_train]), "y_train": y_train[:num_train],
            "X_val": centred(X_train[num_train:num_train + num_val]), "y_val": y_train[num_train:num_train + num_val],
            "X_test": centred(X_test[:num_test]), "y_test": y_test[:num_test]}
    info = {"name": spec, "num_train": num_train, "num_val": num_val, "num_test": num_test,
            "image_shape": list(X_train.shape[1:]), "dtype": np.dtype(dtype).name}
    return data, info
