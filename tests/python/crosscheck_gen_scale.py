#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""GEN and SCALE checked against independent PyTorch ports of their reference code.

Runs `oodlens-cli score` on the bundled demo with gen, scale and a family member built on GEN
(l1_x_gen), at the papers' defaults and at other parameters, and recomputes every score from the
TorchScript model's own outputs:
- GEN (Liu et al., CVPR 2023; OpenOOD's GEN postprocessor): sort the softmax, keep the M largest,
  score -sum p^gamma (1 - p)^gamma;
- SCALE (Xu et al., ICLR 2024; OpenOOD's scale postprocessor, applied to the penultimate vector):
  multiply the activations by exp(sum / sum of the top k = D - round(D p / 100)), then energy.
"""
import argparse
import csv
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crosscheck_fitted import DEMO, check, failures, images, outputs, run  # noqa: E402


def gen(logits, gamma, m):
    probs = torch.softmax(torch.from_numpy(logits), dim=1)
    top = torch.sort(probs, dim=1)[0][:, -m:]
    return (-torch.sum(top ** gamma * (1 - top) ** gamma, dim=1)).numpy()


def scale(h, w, b, percentile):
    x = torch.from_numpy(h)
    n = x.shape[1]
    k = n - int(np.round(n * percentile / 100.0))
    s1 = x.sum(dim=1)
    s2 = torch.topk(x, k, dim=1)[0].sum(dim=1)
    scaled = x * torch.exp(s1 / s2)[:, None]
    z = scaled @ torch.from_numpy(w).T + torch.from_numpy(b)
    return torch.logsumexp(z, dim=1).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    model = torch.jit.load(os.path.join(DEMO, "mnist_cnn.pt")).eval()
    w = model.fc.weight.detach().double().numpy()
    b = model.fc.bias.detach().double().numpy()
    sets = {"id": "mnist-test-2000-images-idx3-ubyte.gz", "fashion": "fashion-mnist-2000-images-idx3-ubyte.gz"}
    base = ["score", "--model", os.path.join(DEMO, "mnist_cnn.pt"), "--methods", "gen,scale,l1_x_gen",
            "--id", os.path.join(DEMO, sets["id"]), "--ood", "fashion=" + os.path.join(DEMO, sets["fashion"])]
    for gamma, m, p in ((0.1, 100, 85), (0.5, 3, 65)):
        out = os.path.join(a.work, f"g{gamma}-m{m}-p{p}")
        params = ["--param", f"gen.gamma={gamma}", "--param", f"gen.M={m}", "--param", f"l1_x_gen.gamma={gamma}",
                  "--param", f"l1_x_gen.M={m}", "--param", f"scale.p={p}"]
        r = run(a.cli, base + params + ["--out", out])
        if r.returncode != 0:
            print(r.stderr)
            return 1
        with open(os.path.join(out, "scores.csv")) as f:
            rows = list(csv.DictReader(f))
        for name, file in sets.items():
            h, z = outputs(model, images(file))
            ours = {k: np.array([float(r[k]) for r in rows if r["dataset"] == name]) for k in ("gen", "scale", "l1_x_gen")}
            ref_gen = gen(z, gamma, min(m, z.shape[1]))
            check(f"{name} gen gamma={gamma} M={m}", ours["gen"], ref_gen)
            check(f"{name} l1_x_gen gamma={gamma} M={m}", ours["l1_x_gen"], np.abs(h).sum(1) * ref_gen)
            check(f"{name} scale p={p}", ours["scale"], scale(h, w, b, p))
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("GEN and SCALE agree with the reference ports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
