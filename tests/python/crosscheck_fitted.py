#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent numpy/PyTorch implementations of the fitted baselines, checked against oodlens-cli.

Runs `oodlens-cli score --fit ...` on the bundled demo and recomputes Mahalanobis, KNN, ReAct,
ASH-S and ViM (and ODIN when the CLI offers it) from the TorchScript model's own outputs, following
shared/reference/ood-methods.md and the methods' reference code. Every score must match to 1e-4
relative. Also checks the degenerate cases give clear errors.
"""
import argparse
import csv
import os
import subprocess
import sys

import numpy as np
import torch
from scipy.spatial.distance import cdist

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from idx_tools import read_idx  # noqa: E402

DEMO = os.path.join(ROOT, "resources", "demo")
MEAN, STD = 0.1307, 0.3081
failures = []


def check(name, ours, ref, tol=1e-4, scale=None):
    """Relative error against |ref|, or against `scale` where the score is a difference of terms
    (ViM: energy - alpha * residual can cross zero, where a relative error means nothing)."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    denom = np.abs(ref) if scale is None else np.asarray(scale, np.float64)
    rel = np.abs(ours - ref) / np.maximum(denom, 1e-6)
    worst = float(rel.max())
    print(f"{'ok' if worst <= tol else 'MISMATCH':8s} {name:34s} max relative error {worst:.2e}")
    if worst > tol:
        failures.append(name)


def images(name):
    x = read_idx(os.path.join(DEMO, name)).astype(np.float32)
    return torch.from_numpy((x / np.float32(255.0) - np.float32(MEAN)) / np.float32(STD)).unsqueeze(1)


def outputs(model, x):
    with torch.no_grad():
        return model.forward_features(x).double().numpy(), model(x).double().numpy()


def logsumexp(z):
    m = z.max(1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(1, keepdims=True)))[:, 0]


def mahalanobis(fit_h, fit_y, h, classes):
    means = np.stack([fit_h[fit_y == c].mean(0) for c in range(classes)])
    centred = fit_h - means[fit_y]
    cov = centred.T @ centred / len(fit_h)
    # Same documented rule as the engine: shrink towards (mean variance) I until Cholesky succeeds.
    scale, shrink = max(np.mean(np.diag(cov)), 1e-12), 0.0
    while True:
        s = cov if shrink == 0 else (1 - shrink) * cov + shrink * scale * np.eye(len(cov))
        try:
            np.linalg.cholesky(s)
            break
        except np.linalg.LinAlgError:
            shrink = 1e-6 if shrink == 0 else shrink * 10
    prec = np.linalg.inv(s)
    d = np.stack([np.einsum("nd,de,ne->n", h - m, prec, h - m) for m in means], 1)
    return -d.min(1), shrink


def knn(fit_h, h, k):
    bank = fit_h / np.linalg.norm(fit_h, axis=1, keepdims=True)
    q = h / np.linalg.norm(h, axis=1, keepdims=True)
    d = cdist(q, bank)  # plain Euclidean distances, computed independently of any dot-product trick
    return -np.partition(d, k - 1, axis=1)[:, k - 1]


def react(fit_h, h, w, b, p):
    c = np.percentile(fit_h.ravel(), p)
    return logsumexp(np.minimum(h, c) @ w.T + b)


def ash_s(h, w, b, p):
    # Port of the ASH reference code (ash_s) applied to the penultimate vector.
    x = torch.from_numpy(h.copy())
    s1 = x.sum(1)
    n = x.shape[1]
    k = n - int(np.round(n * p / 100.0))
    v, i = torch.topk(x, k, dim=1)
    x = torch.zeros_like(x).scatter_(1, i, v)
    s2 = x.sum(1)
    x = x * torch.exp(s1 / s2)[:, None]
    return logsumexp(x.numpy() @ w.T + b)


def vim(fit_h, fit_z, h, z, w, b, k):
    u = -np.linalg.pinv(w) @ b
    cov = (fit_h - u).T @ (fit_h - u) / len(fit_h)
    vals, vecs = np.linalg.eigh(cov)
    ns = vecs[:, np.argsort(vals)[::-1][k:]]
    alpha = fit_z.max(1).mean() / np.linalg.norm((fit_h - u) @ ns, axis=1).mean()
    energy, penalty = logsumexp(z), alpha * np.linalg.norm((h - u) @ ns, axis=1)
    return energy - penalty, np.abs(energy) + np.abs(penalty)


def odin(model, x, temperature, eps):
    """ODIN as the reference code: cross-entropy against the predicted label at temperature T,
    sign of the input gradient divided by the normalisation std, one step, then the softmax max."""
    x = x.clone().requires_grad_(True)
    out = model(x)
    loss = torch.nn.functional.cross_entropy(out / temperature, out.argmax(1), reduction="sum")
    loss.backward()
    x2 = x.detach() - eps * torch.sign(x.grad) / STD
    with torch.no_grad():
        return torch.softmax(model(x2).double() / temperature, 1).max(1).values.numpy()


def run(cli, args):
    return subprocess.run([cli] + args, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    model = torch.jit.load(os.path.join(DEMO, "mnist_cnn.pt")).eval()
    w = model.fc.weight.detach().double().numpy()
    b = model.fc.bias.detach().double().numpy()
    fit_h, fit_z = outputs(model, images("mnist-train-5000-images-idx3-ubyte.gz"))
    fit_y = read_idx(os.path.join(DEMO, "mnist-train-5000-labels-idx1-ubyte.gz")).astype(int)
    sets = {"id": "mnist-test-2000-images-idx3-ubyte.gz", "fashion": "fashion-mnist-2000-images-idx3-ubyte.gz"}

    base = ["score", "--model", os.path.join(DEMO, "mnist_cnn.pt"),
            "--id", os.path.join(DEMO, sets["id"]), "--ood", "fashion=" + os.path.join(DEMO, sets["fashion"]),
            "--fit", os.path.join(DEMO, "mnist-train-5000-images-idx3-ubyte.gz")]
    for params in (["--param", "knn.k=50", "--param", "react.p=90", "--param", "ash.p=90"],
                   ["--param", "knn.k=7", "--param", "react.p=75", "--param", "ash.p=65", "--param", "vim.k=32"]):
        out = os.path.join(a.work, "p" + params[1].split("=")[1])
        r = run(a.cli, base + ["--methods", "mahalanobis,knn,react,ash,vim", "--out", out] + params)
        if r.returncode != 0:
            print(r.stderr)
            return 1
        p = dict(x.split("=") for x in params[1::2])
        with open(os.path.join(out, "scores.csv")) as f:
            rows = list(csv.DictReader(f))
        for name, file in sets.items():
            h, z = outputs(model, images(file))
            ours = {m: np.array([float(r[m]) for r in rows if r["dataset"] == name])
                    for m in ("mahalanobis", "knn", "react", "ash", "vim")}
            maha, shrink = mahalanobis(fit_h, fit_y, h, 10)
            check(f"{name} mahalanobis (shrink {shrink:g})", ours["mahalanobis"], maha)
            # faiss's exact index against plain Euclidean distances: 1e-5 (the bound).
            check(f"{name} knn k={p['knn.k']}", ours["knn"], knn(fit_h, h, int(p["knn.k"])), tol=1e-5)
            check(f"{name} react p={p['react.p']}", ours["react"], react(fit_h, h, w, b, float(p["react.p"])))
            check(f"{name} ash p={p['ash.p']}", ours["ash"], ash_s(h, w, b, float(p["ash.p"])))
            ref_vim, terms = vim(fit_h, fit_z, h, z, w, b, int(p.get("vim.k", 64)))
            check(f"{name} vim k={p.get('vim.k', 64)}", ours["vim"], ref_vim, scale=terms)

    # The IVF index: probing every cell is exhaustive, so it must give the exact scores; probing one
    # cell of 32 can only miss neighbours, so its k-th distance is never shorter than the exact one.
    exact = {name: knn(fit_h, outputs(model, images(file))[0], 50) for name, file in sets.items()}
    for nprobe in (32, 1):
        out = os.path.join(a.work, f"ivf{nprobe}")
        r = run(a.cli, base + ["--methods", "knn", "--param", "knn.k=50", "--param", "knn.nlist=32",
                               "--param", f"knn.nprobe={nprobe}", "--out", out])
        if r.returncode != 0:
            print(r.stderr)
            return 1
        with open(os.path.join(out, "scores.csv")) as f:
            rows = list(csv.DictReader(f))
        for name in sets:
            ours = np.array([float(r["knn"]) for r in rows if r["dataset"] == name])
            if nprobe == 32:
                check(f"{name} knn IVF nlist=32 nprobe=32", ours, exact[name], tol=1e-5)
            else:
                defined = ~np.isnan(ours)
                ok = bool(np.all(ours[defined] <= exact[name][defined] + 1e-6)) and defined.any()
                print(f"{'ok' if ok else 'MISMATCH':8s} {name} knn IVF nprobe=1: never nearer than exact "
                      f"({defined.sum()} of {len(ours)} defined, {np.mean(ours[defined] < exact[name][defined] - 1e-6):.0%} "
                      f"farther)")
                if not ok:
                    failures.append(f"{name} knn IVF nprobe=1")

    for temperature, eps in ((1000, 0.0014), (10, 0.005)):
        out = os.path.join(a.work, f"odin{temperature}")
        r = run(a.cli, base + ["--methods", "odin", "--param", f"odin.T={temperature}", "--param", f"odin.eps={eps}",
                               "--out", out])
        if r.returncode != 0:
            print(r.stderr)
            return 1
        with open(os.path.join(out, "scores.csv")) as f:
            rows = list(csv.DictReader(f))
        for name, file in sets.items():
            ours = np.array([float(r["odin"]) for r in rows if r["dataset"] == name])
            check(f"{name} odin T={temperature} eps={eps}", ours, odin(model, images(file), temperature, eps))

    # Degenerate cases: clear errors naming the problem.
    cases = [
        (["--methods", "knn", "--param", "knn.k=6000"], "larger than the fit set"),
        (["--methods", "knn", "--param", "knn.nlist=6000"], "knn: an IVF index of nlist = 6000 cells needs at least as many bank rows"),
        ([a for a in base if a not in ("--fit", os.path.join(DEMO, "mnist-train-5000-images-idx3-ubyte.gz"))]
         + ["--methods", "mahalanobis"], "needs a fit set"),
        (["--methods", "vim", "--param", "vim.k=128"], "must be smaller than the feature dimension"),
    ]
    for extra, expected in cases:
        args = (base + extra) if extra[0] == "--methods" else extra
        r = run(a.cli, args + ["--out", os.path.join(a.work, "bad")])
        ok = r.returncode != 0 and expected in r.stderr
        print(f"{'ok' if ok else 'MISMATCH':8s} error: {expected!r}")
        if not ok:
            print(r.stderr)
            failures.append(expected)
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("all fitted-method cross-checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
