#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent cross-check of oodlens-cli on the bundled demo.

Runs `oodlens-cli score` on the demo model and sets, then recomputes in Python:
  * every score from the TorchScript model with PyTorch (the model's own forward for the logits,
    forward_features for h, full-network autograd per image for GradNorm as the official code does),
    to 1e-4 relative;
  * every metric in metrics.csv from scores.csv with scikit-learn, to 1e-6.
Exit code 0 when everything agrees. Run with Debian's /usr/bin/python3 (python3-torch, python3-sklearn).
"""
import argparse
import csv
import math
import os
import subprocess
import sys

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from idx_tools import read_idx  # noqa: E402

DEMO = os.path.join(ROOT, "resources", "demo")
METHODS = ["msp", "maxlogit", "energy", "gradnorm", "exgrad", "feature_l1", "feature_l2", "gradterm", "gini",
           "l1_x_msp", "l2_x_energy", "l1_x_gini"]
REL_TOL = 1e-4
failures = []


def check(name, ours, ref, tol=REL_TOL):
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    rel = np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-6)
    worst = float(rel.max()) if rel.size else 0.0
    status = "ok" if worst <= tol else "MISMATCH"
    print(f"{status:8s} {name:40s} max relative error {worst:.2e}")
    if worst > tol:
        failures.append(name)


def run_cli(cli, out, temperature):
    cmd = [cli, "score", "--model", os.path.join(DEMO, "mnist_cnn.pt"),
           "--id", os.path.join(DEMO, "mnist-test-2000-images-idx3-ubyte.gz"),
           "--ood", "fashion=" + os.path.join(DEMO, "fashion-mnist-2000-images-idx3-ubyte.gz"),
           "--methods", ",".join(METHODS), "--param", f"T={temperature}", "--out", out]
    subprocess.run(cmd, check=True)
    with open(os.path.join(out, "scores.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "metrics.csv")) as f:
        metrics = list(csv.DictReader(f))
    return rows, metrics


def load_images(name):
    x = read_idx(os.path.join(DEMO, name)).astype(np.float32)
    x = (x / np.float32(255.0) - np.float32(0.1307)) / np.float32(0.3081)
    return torch.from_numpy(x).unsqueeze(1)


def reference_scores(model, x, temperature):
    with torch.no_grad():
        z = model(x).double()            # the model's own forward, not our head reconstruction
        h = model.forward_features(x).double()
    t = temperature
    c = z.shape[1]
    p1 = torch.softmax(z, dim=1)
    pt = torch.softmax(z / t, dim=1)
    l1 = h.abs().sum(1)
    l2 = h.norm(dim=1)
    gradterm = (pt - 1.0 / c).abs().sum(1)
    gini = 1 - (pt ** 2).sum(1)
    energy = t * torch.logsumexp(z / t, dim=1)
    return {
        "msp": p1.max(1).values, "maxlogit": z.max(1).values, "energy": energy,
        "exgrad": 2.0 / t * l1 * gini, "feature_l1": l1, "feature_l2": l2, "gradterm": gradterm, "gini": gini,
        "l1_x_msp": l1 * p1.max(1).values, "l2_x_energy": l2 * energy, "l1_x_gini": l1 * gini,
    }


def gradnorm_full_backward(model, x, temperature, limit):
    """GradNorm as the official code computes it: batch size 1, a backward through the whole network,
    the L1 norm of the last layer's weight gradient; KL(u || softmax) scale (targets 1/C)."""
    weight = model.fc.weight
    for p in model.parameters():
        p.requires_grad_(True)
    out = []
    for i in range(min(limit, x.shape[0])):
        model.zero_grad()
        z = model(x[i:i + 1])
        c = z.shape[1]
        loss = torch.sum(-(torch.ones_like(z) / c) * torch.log_softmax(z / temperature, dim=1))
        g, = torch.autograd.grad(loss, [weight])
        out.append(g.abs().sum().item())
    return np.array(out)


def fpr_at_95(y_pos, s):
    fpr, tpr, _ = roc_curve(y_pos, s, drop_intermediate=False)
    return fpr[np.argmax(tpr >= 0.95)]


def check_metrics(rows, metrics, tag):
    is_id = np.array([r["dataset"] == "id" for r in rows])
    for m in metrics:
        s = np.array([float(r[m["method"]]) for r in rows if r["dataset"] in ("id", m["ood"])])
        y = np.array([r["dataset"] == "id" for r in rows if r["dataset"] in ("id", m["ood"])]).astype(int)
        ref = {
            "auroc": roc_auc_score(y, s),
            "fpr95_id": fpr_at_95(y, s),
            "fpr95_ood": fpr_at_95(1 - y, -s),
            "aupr_in": average_precision_score(y, s),
            "aupr_out": average_precision_score(1 - y, -s),
        }
        for key, value in ref.items():
            ours = float(m[key])
            if not math.isclose(ours, value, abs_tol=1e-6):
                print(f"MISMATCH {tag} {m['method']} {key}: ours {ours} sklearn {value}")
                failures.append(f"{m['method']}.{key}")
    print(f"ok       {tag}: {len(metrics)} metric rows x 5 metrics checked against scikit-learn" if not failures else "")
    assert is_id.sum() == 2000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--gradnorm-images", type=int, default=400,
                    help="images per set for the slow full-network GradNorm reference")
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = torch.jit.load(os.path.join(DEMO, "mnist_cnn.pt"))
    model.eval()
    sets = {"id": load_images("mnist-test-2000-images-idx3-ubyte.gz"),
            "fashion": load_images("fashion-mnist-2000-images-idx3-ubyte.gz")}
    for temperature in (1.0, 2.0):
        out = os.path.join(args.work, f"T{temperature:g}")
        rows, metrics = run_cli(args.cli, out, temperature)
        for name, x in sets.items():
            ours = {m: np.array([float(r[m]) for r in rows if r["dataset"] == name]) for m in METHODS}
            ref = reference_scores(model, x, temperature)
            for m, v in ref.items():
                check(f"T={temperature:g} {name} {m}", ours[m], v.numpy())
            gn = gradnorm_full_backward(model, x, temperature, args.gradnorm_images)
            check(f"T={temperature:g} {name} gradnorm (full backward)", ours["gradnorm"][:len(gn)], gn)
            labels = np.array([int(r["label"]) for r in rows if r["dataset"] == name])
            ref_labels = read_idx(os.path.join(DEMO, ("mnist-test-2000" if name == "id" else "fashion-mnist-2000")
                                               + "-labels-idx1-ubyte.gz"))
            if not np.array_equal(labels, ref_labels):
                failures.append(f"{name} labels")
        check_metrics(rows, metrics, f"T={temperature:g}")
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("all cross-checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
