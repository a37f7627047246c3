#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
"""Train the OOD Lens demo CNN on MNIST and export it as TorchScript.

Usage (from the repository root):

    tools/fetch-datasets.sh            # once, downloads data/ (git-ignored)
    /usr/bin/python3 tools/train_demo_model.py [--data DIR] [--out DIR]

Reads data/mnist/*.gz (gzipped IDX), trains on the full 60,000-image MNIST
training set with a fixed seed, evaluates on the full 10,000-image test set
and writes:

    resources/demo/mnist_cnn.pt     TorchScript (torch.jit.script) module
    resources/demo/mnist_cnn.json   metadata (accuracy, preprocessing, ...)

Model convention (the C++ engine relies on it):
  * input: float tensor [N,1,28,28], pixels/255 then (x - 0.1307) / 0.3081
  * forward(x)          -> logits [N,10], exactly self.fc(self.forward_features(x))
  * forward_features(x) -> penultimate features [N,128] (post-ReLU), exported
  * forward_head(h)     -> self.fc(h), exported
  * the classification head is the submodule named ``fc``
"""

import argparse
import json
import os
import subprocess
import sys
import time

# Single-threaded BLAS/OpenMP (must be set before numpy/torch are imported):
# keeps CPU use modest and the run reproducible.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_tools import read_idx  # noqa: E402

SEED = 0
MEAN = 0.1307
STD = 0.3081
BATCH = 128
LR = 1e-3
EPOCHS = 3            # planned number of epochs
MAX_EPOCHS = 6        # keep going (up to this) while test accuracy < TARGET_ACC
TARGET_ACC = 0.985
MIN_ACC = 0.98
FEATURES = 128

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MnistCnn(nn.Module):
    """conv(1,16)-ReLU-pool -> conv(16,32)-ReLU-pool -> fc1(1568,128)-ReLU -> fc(128,10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, FEATURES)
        self.fc = nn.Linear(FEATURES, 10)

    @torch.jit.export
    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features [N,128] (post-ReLU): the input of ``fc``."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return F.relu(self.fc1(x))

    @torch.jit.export
    def forward_head(self, h: torch.Tensor) -> torch.Tensor:
        """Logits from penultimate features: ``self.fc(h)``."""
        return self.fc(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.forward_features(x))


def load_split(data_dir, prefix):
    imgs = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % prefix))
    labs = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % prefix))
    x = torch.from_numpy(imgs.astype(np.float32)).div_(255.0).sub_(MEAN).div_(STD)
    return x.unsqueeze(1).contiguous(), torch.from_numpy(labs.astype(np.int64))


@torch.no_grad()
def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(REPO, "data", "mnist"),
                    help="directory with MNIST gzipped IDX files (default: data/mnist)")
    ap.add_argument("--out", default=os.path.join(REPO, "resources", "demo"),
                    help="output directory (default: resources/demo)")
    args = ap.parse_args()

    needed = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    if not all(os.path.exists(os.path.join(args.data, f)) for f in needed):
        default_data = os.path.join(REPO, "data", "mnist")
        fetch = os.path.join(REPO, "tools", "fetch-datasets.sh")
        if os.path.abspath(args.data) == default_data and os.access(fetch, os.X_OK):
            print("MNIST not found in %s, running tools/fetch-datasets.sh" % args.data)
            subprocess.check_call([fetch])
        else:
            sys.exit("MNIST not found in %s; run tools/fetch-datasets.sh [DATA_DIR] first"
                     % args.data)

    # Reproducibility.
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set / parallel work already started
        pass
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False

    x_train, y_train = load_split(args.data, "train")
    x_test, y_test = load_split(args.data, "t10k")
    print("train %s, test %s, torch %s" % (tuple(x_train.shape), tuple(x_test.shape),
                                           torch.__version__))

    model = MnistCnn()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(SEED)

    t0 = time.time()
    epoch, acc = 0, 0.0
    while epoch < EPOCHS or (acc < TARGET_ACC and epoch < MAX_EPOCHS):
        epoch += 1
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        total, n = 0.0, 0
        te = time.time()
        for i in range(0, len(perm), BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            n += len(idx)
        acc = accuracy(model, x_test, y_test)
        print("epoch %d: train loss %.4f, test accuracy %.4f (%.0f s)"
              % (epoch, total / n, acc, time.time() - te), flush=True)
    train_seconds = time.time() - t0
    print("training took %.0f s; final test accuracy %.4f (%d/%d)"
          % (train_seconds, acc, round(acc * len(x_test)), len(x_test)))
    if acc < MIN_ACC:
        sys.exit("test accuracy %.4f below the required %.2f" % (acc, MIN_ACC))

    # Export TorchScript.
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    pt_path = os.path.join(args.out, "mnist_cnn.pt")
    scripted = torch.jit.script(model)
    scripted.save(pt_path)

    # Verify the exported convention.
    loaded = torch.jit.load(pt_path)
    loaded.eval()
    with torch.no_grad():
        xb = x_test[:256]
        logits = loaded(xb)
        feats = loaded.forward_features(xb)
        head = loaded.forward_head(feats)
        assert tuple(logits.shape) == (256, 10), logits.shape
        assert tuple(feats.shape) == (256, FEATURES), feats.shape
        assert bool((feats >= 0).all()), "features must be post-ReLU"
        assert torch.equal(logits, head), "forward != forward_head(forward_features(x))"
        assert torch.allclose(logits, model(xb), atol=1e-5), "scripted != eager"
        assert isinstance(getattr(loaded, "fc"), torch.jit.ScriptModule)
        loaded_acc = accuracy(loaded, x_test, y_test)
        assert abs(loaded_acc - acc) < 1e-9, (loaded_acc, acc)
    print("reloaded %s: forward == forward_head(forward_features(x)) OK, "
          "test accuracy %.4f" % (pt_path, loaded_acc))

    meta = {
        "test_accuracy": round(acc, 4),
        "test_set": "MNIST t10k (10000 images)",
        "train_set": "MNIST train (60000 images)",
        "epochs": epoch,
        "batch_size": BATCH,
        "optimizer": "Adam",
        "learning_rate": LR,
        "seed": SEED,
        "torch_version": torch.__version__,
        "input": [1, 28, 28],
        "preprocessing": {"channels": 1, "height": 28, "width": 28,
                          "mean": [MEAN], "std": [STD], "scale": "1/255"},
        "classes": [str(i) for i in range(10)],
        "features": FEATURES,
        "head": "fc",
        "methods": {"forward": "logits [N,10]",
                    "forward_features": "penultimate features [N,128], post-ReLU",
                    "forward_head": "fc(h) -> logits"},
    }
    json_path = os.path.join(args.out, "mnist_cnn.json")
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("wrote %s (%d bytes) and %s" % (pt_path, os.path.getsize(pt_path), json_path))


if __name__ == "__main__":
    main()
