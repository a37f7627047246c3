#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sweeps, redone independently: `oodlens-cli demo --sweep energy.T --sweep react.p` against numpy
and scikit-learn.

The reference recomputes the demo model's outputs with PyTorch, redraws the documented validation
split of the ID test set (SplitMix64, crosscheck_factors.py), scores energy at every T and ReAct at
every p of the grid on the validation pair (the ID validation part against fashion-val), picks the
best by AUROC (first on ties), and checks every validation AUROC, the chosen values, the test
AUROCs (the other ID images against fashion-mnist) and that run.json's parameters are the chosen
ones. Then FPR@95 as the objective. Everything to 1e-6.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
from sklearn.metrics import roc_auc_score, roc_curve

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)
from idx_tools import read_idx  # noqa: E402
from crosscheck_factors import validation_mask  # noqa: E402

DEMO = os.path.join(ROOT, "resources", "demo")
failures = []


def close(name, ours, ref, tol=1e-6):
    ok = abs(ours - ref) <= tol
    print(f"{'ok' if ok else 'MISMATCH':8s} {name:48s} ours {ours:.9f} reference {ref:.9f}")
    if not ok:
        failures.append(name)


def outputs(model, name):
    x = read_idx(os.path.join(DEMO, name)).astype(np.float32)
    x = torch.from_numpy((x / np.float32(255.0) - np.float32(0.1307)) / np.float32(0.3081)).unsqueeze(1)
    with torch.no_grad():
        return model.forward_features(x).double().numpy(), model(x).double().numpy()


def energy(z, t):
    s = z / t
    m = s.max(1, keepdims=True)
    return t * (m + np.log(np.exp(s - m).sum(1, keepdims=True)))[:, 0]


def react(fit_h, h, w, b, p):
    c = np.percentile(fit_h.ravel(), p)
    return energy(np.minimum(h, c) @ w.T + b, 1.0)


def auroc(id_s, ood_s):
    return roc_auc_score(np.r_[np.ones(len(id_s)), np.zeros(len(ood_s))], np.r_[id_s, ood_s])


def fpr95(id_s, ood_s):
    fpr, tpr, _ = roc_curve(np.r_[np.ones(len(id_s)), np.zeros(len(ood_s))], np.r_[id_s, ood_s],
                            drop_intermediate=False)
    return fpr[np.argmax(tpr >= 0.95)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    model = torch.jit.load(os.path.join(DEMO, "mnist_cnn.pt")).eval()
    w = model.fc.weight.detach().double().numpy()
    b = model.fc.bias.detach().double().numpy()
    id_h, id_z = outputs(model, "mnist-test-2000-images-idx3-ubyte.gz")
    ood_h, ood_z = outputs(model, "fashion-mnist-2000-images-idx3-ubyte.gz")
    val_h, val_z = outputs(model, "fashion-mnist-val-1000-images-idx3-ubyte.gz")
    fit_h, _ = outputs(model, "mnist-train-5000-images-idx3-ubyte.gz")

    for metric, score_of, better in (("auroc", auroc, max), ("fpr95", fpr95, min)):
        out = os.path.join(a.work, metric)
        r = subprocess.run([a.cli, "demo", "--methods", "energy,react", "--sweep", "energy.T", "--sweep", "react.p",
                            "--sweep-metric", metric, "--val-fraction", "0.4", "--val-seed", "5", "--out", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            return 1
        print(r.stdout.splitlines()[0])
        run = json.load(open(os.path.join(out, "run.json")))
        names = [d["name"] for d in run["datasets"]]
        id_index = names.index("id")
        mask = validation_mask(len(id_h), id_index, 0.4, 5)
        sweeps = {s["method"]: s for s in run["sweeps"]}
        params = {m["id"]: m["params"] for m in run["methods"]}
        for method, param, scorer in (("energy", "T", lambda h, z, v: energy(z, v)),
                                      ("react", "p", lambda h, z, v: react(fit_h, h, w, b, v))):
            s = sweeps[method]
            if s["validation_id_images"] != int(mask.sum()) or s["validation_ood"] != ["fashion-val"]:
                failures.append(f"{method} validation pair")
            refs = []
            for point in s["points"]:
                v = point["values"][param]
                sid = scorer(id_h, id_z, v)
                ref_val = score_of(sid[mask], scorer(val_h, val_z, v))
                refs.append((ref_val, v))
                # The reference recomputes the features in double from the model, the engine scores
                # its float32 features: an ID and an OOD score closer than float rounding can swap,
                # which moves an AUROC by exactly one pair, 1 / (n_id n_ood). One such pair is allowed.
                n_val, n_test = int(mask.sum()) * len(val_h), int((~mask).sum()) * len(ood_h)
                close(f"{metric}: {method} {param}={v:g} validation", point["validation"]["fashion-val"][
                    "auroc" if metric == "auroc" else "fpr95_id"], ref_val,
                      1.01 / n_val if metric == "auroc" else 1e-6)
                close(f"{metric}: {method} {param}={v:g} test AUROC", point["test"]["fashion-mnist"]["auroc"],
                      auroc(sid[~mask], scorer(ood_h, ood_z, v)), 1.01 / n_test)
            best = better(refs, key=lambda rv: rv[0])[0]
            chosen = next(v for rv, v in refs if rv == best)  # the first of the best, in grid order
            close(f"{metric}: {method} chosen {param}", s["chosen"][param], chosen, 0)
            close(f"{metric}: {method} scored with the chosen {param}", params[method][param], chosen, 0)
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("every sweep matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
