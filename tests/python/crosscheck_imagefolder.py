#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end against eager PyTorch: a traced torchvision-style ResNet and a scripted timm-style
model, scored by oodlens-cli on an ImageFolder of PNGs (RGB, gray and RGBA, assorted sizes) with
--resize 64 --crop 64 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5.

The reference rebuilds each network as an eager nn.Module (tools/make_model_fixtures.py) with the
fixture's weights, preprocesses with PIL + torch (bilinear, align_corners=False, no antialiasing;
torchvision's resize and centre-crop geometry), and computes msp, maxlogit, energy, feature_l1 from
the eager outputs and gradnorm / exgrad by autograd through the eager head weight. Every score must
match to 1e-4 relative. A broken PNG in the folder must be skipped and named.
"""
import argparse
import csv
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import make_model_fixtures as fixtures  # noqa: E402

METHODS = ["msp", "maxlogit", "energy", "gradnorm", "exgrad", "feature_l1"]
failures = []


def smooth_image(rng, h, w, channels):
    """Low-frequency content (so resizing matters) plus some noise, as uint8."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, channels))
    for c in range(channels):
        fy, fx, ph = rng.uniform(0.02, 0.2), rng.uniform(0.02, 0.2), rng.uniform(0, 6)
        img[..., c] = 127 + 100 * np.sin(fy * yy + ph) * np.cos(fx * xx) + rng.normal(0, 10, (h, w))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_folder(root, seed):
    rng = np.random.default_rng(seed)
    shapes = [(90, 70, "RGB"), (64, 100, "RGB"), (75, 75, "L"), (70, 88, "RGBA"), (101, 67, "RGB"), (66, 130, "L")]
    for k, cls in enumerate(["cat", "dog"]):
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for i, (h, w, mode) in enumerate(shapes):
            arr = smooth_image(rng, h, w, {"RGB": 3, "L": 1, "RGBA": 4}[mode])
            Image.fromarray(arr[..., 0] if mode == "L" else arr, mode).save(os.path.join(root, cls, f"{k}{i}.png"))
    with open(os.path.join(root, "cat", "broken.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n this is not really a png")
    with open(os.path.join(root, "dog", "notes.txt"), "w") as f:
        f.write("not an image")


def reference_input(path):
    img = Image.open(path).convert("RGB")  # gray -> replicated RGB, RGBA -> alpha dropped
    x = torch.from_numpy(np.asarray(img, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)
    h, w = x.shape[-2:]
    size = (64, int(64 * w / h)) if h <= w else (int(64 * h / w), 64)  # torchvision Resize(64)
    x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    x = TF.center_crop(x, [64, 64])
    return (x / 255.0 - 0.5) / 0.5


def eager_model(name, file):
    spec = fixtures.MODELS[name]
    model = spec["make"]()
    model.load_state_dict(torch.jit.load(file).state_dict())
    model.eval()
    return model, spec


def reference_scores(model, spec, x):
    with torch.no_grad():
        logits, feats = spec["run"](model, x)
    z, h = logits.double(), feats.double().flatten(1)
    weight, bias = fixtures.head_tensors(model, spec["head"])
    p = torch.softmax(z, 1)
    out = {"msp": p.max(1).values, "maxlogit": z.max(1).values, "energy": torch.logsumexp(z, 1),
           "feature_l1": h.abs().sum(1)}
    # Gradient scores by autograd through the eager head weight, one image at a time.
    gn, eg = [], []
    for i in range(len(h)):
        w = weight.clone().requires_grad_(True)
        logp = torch.log_softmax(h[i:i + 1] @ w.t() + bias, 1)
        c = logp.shape[1]
        g, = torch.autograd.grad(-(logp.sum() / c), [w], retain_graph=True)
        gn.append(g.abs().sum().item())
        total = 0.0
        for y in range(c):
            gy, = torch.autograd.grad(-logp[0, y], [w], retain_graph=True)
            total += logp[0, y].exp().item() * gy.abs().sum().item()
        eg.append(total)
    out["gradnorm"], out["exgrad"] = torch.tensor(gn), torch.tensor(eg)
    return {k: v.numpy() for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    folder, ood = os.path.join(a.work, "images"), os.path.join(a.work, "ood")
    make_folder(folder, 1)
    make_folder(ood, 2)
    models = os.path.join(ROOT, "tests", "fixtures", "models")
    for name, variant in (("resnet_fc", "traced"), ("timm_style", "scripted")):
        file = os.path.join(models, f"{name}_{variant}.pt")
        out = os.path.join(a.work, f"{name}_{variant}")
        r = subprocess.run([a.cli, "score", "--model", file, "--id", folder, "--ood", "other=" + ood,
                            "--resize", "64", "--crop", "64", "--mean", "0.5,0.5,0.5", "--std", "0.5,0.5,0.5",
                            "--methods", ",".join(METHODS), "--no-cache", "--out", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr)
            failures.append(f"{name} exit code {r.returncode}")
            continue
        if "broken.png" not in r.stderr or "notes.txt" in r.stderr:
            failures.append(f"{name}: broken.png not reported as skipped")
        with open(os.path.join(out, "scores.csv")) as f:
            rows = list(csv.DictReader(f))
        if len(rows) != 24 or any("broken" in row["path"] for row in rows):
            failures.append(f"{name}: expected 24 scored images, got {len(rows)}")
        model, spec = eager_model(name, file)
        x = torch.cat([reference_input(row["path"]) for row in rows])
        ref = reference_scores(model, spec, x)
        for m in METHODS:
            ours = np.array([float(row[m]) for row in rows])
            rel = float((np.abs(ours - ref[m]) / np.maximum(np.abs(ref[m]), 1e-6)).max())
            status = "ok" if rel <= 1e-4 else "MISMATCH"
            print(f"{status:8s} {name}_{variant:9s} {m:11s} max relative error {rel:.2e}")
            if rel > 1e-4:
                failures.append(f"{name}.{m}")
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("ImageFolder end-to-end cross-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
