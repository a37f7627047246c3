#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Features in and out (issue 15): a .npz written by the README's PyTorch snippet from a torchvision
ResNet-18 gives the same scores as the model run by OOD Lens on the images.

- A torchvision ResNet-18 (10 classes, seeded weights, batch norms with non-trivial running
  statistics) is traced at 3 x 48 x 48, a size no fixture uses; ImageFolders of 48 x 48 PNGs are
  made for ID (two classes), OOD and fit.
- The README snippet (a forward hook on model.fc for the features, np.savez) writes id.npz, ood.npz
  and fit.npz with eager PyTorch.
- oodlens-cli scores the images with the traced model (--model, preprocessing flags), and the .npz
  files without any model (the head comes from head_weight / head_bias). Every score must agree per
  image to 1e-4 relative, and both runs must name the same images.
- oodlens-cli export-features writes the model's features: they must equal the snippet's to 1e-4.
- ODIN on a features file is refused by name.
"""
import argparse
import csv
import os
import subprocess
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

METHODS = ["msp", "maxlogit", "energy", "gradnorm", "exgrad", "feature_l1", "l2_x_gradterm", "knn", "react"]
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
SIZE = 48
failures = []


def make_folder(root, seed, classes, per_class):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    for k, cls in enumerate(classes):
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for i in range(per_class):
            img = np.zeros((SIZE, SIZE, 3))
            for c in range(3):
                fy, fx, ph = rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.5), rng.uniform(0, 6)
                img[..., c] = 127 + 90 * np.sin(fy * yy + ph + k) * np.cos(fx * xx) + rng.normal(0, 12, (SIZE, SIZE))
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").save(os.path.join(root, cls, f"{k}_{i:02d}.png"))


def image_folder(root):
    """(path, label) in ImageFolder order: classes sorted, files sorted within each."""
    items = []
    for label, cls in enumerate(sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))):
        for name in sorted(os.listdir(os.path.join(root, cls))):
            items.append((os.path.join(root, cls, name), label))
    return items


def loader(items, batch=16):
    """Batches of (x, y, paths) as a DataLoader over an ImageFolder would give them."""
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        x = torch.stack([(torch.from_numpy(np.asarray(Image.open(p).convert("RGB"), dtype=np.float32))
                          .permute(2, 0, 1) / 255.0 - mean) / std for p, _ in chunk])
        yield x, torch.tensor([y for _, y in chunk]), [p for p, _ in chunk]


def write_npz(model, items, out):
    # --- the README's snippet, as documented (model: any torchvision classifier with .fc) ---
    feats = []
    hook = model.fc.register_forward_hook(lambda m, inp, out: feats.append(inp[0].detach()))
    logits, labels, paths = [], [], []
    with torch.no_grad():
        for x, y, p in loader(items):
            logits.append(model(x)); labels.append(y); paths += p
    np.savez(out, features=torch.cat(feats).numpy(), logits=torch.cat(logits).numpy(),
             labels=torch.cat(labels).numpy(), paths=np.array(paths, dtype=str),
             head_weight=model.fc.weight.detach().numpy(), head_bias=model.fc.bias.detach().numpy())
    # --- end of the snippet ---
    hook.remove()


def cli(args, cmd):
    r = subprocess.run([args.cli] + cmd, capture_output=True, text=True)
    return r


def read_scores(folder):
    with open(os.path.join(folder, "scores.csv")) as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    model.train()
    with torch.no_grad():  # running statistics that are not the defaults
        for _ in range(3):
            model(torch.randn(8, 3, SIZE, SIZE))
    model.eval()
    traced = os.path.join(a.work, "resnet18_48.pt")
    torch.jit.trace(model, torch.randn(1, 3, SIZE, SIZE)).save(traced)

    sets = {}
    for name, seed, classes, n in (("id", 1, ["a", "b"], 12), ("ood", 2, ["x"], 16), ("fit", 3, ["a", "b"], 20)):
        folder = os.path.join(a.work, name)
        if not os.path.isdir(folder):
            make_folder(folder, seed, classes, n)
        sets[name] = folder
        write_npz(model, image_folder(folder), os.path.join(a.work, name + ".npz"))

    pre = ["--resize", str(SIZE), "--crop", str(SIZE), "--mean", ",".join(map(str, MEAN)), "--std", ",".join(map(str, STD))]
    common = ["--methods", ",".join(METHODS), "--param", "knn.k=5", "--no-cache"]
    images = os.path.join(a.work, "images-run")
    r = cli(a, ["score", "--model", traced, "--id", sets["id"], "--ood", "ood=" + sets["ood"], "--fit", sets["fit"],
                "--out", images] + pre + common)
    if r.returncode != 0:
        print(r.stderr)
        return 1
    npz = os.path.join(a.work, "npz-run")
    r = cli(a, ["score", "--id", os.path.join(a.work, "id.npz"), "--ood", "ood=" + os.path.join(a.work, "ood.npz"),
                "--fit", os.path.join(a.work, "fit.npz"), "--out", npz] + common)
    if r.returncode != 0:
        print(r.stderr)
        return 1
    ours, theirs = read_scores(images), read_scores(npz)
    if [row["path"] for row in ours] != [row["path"] for row in theirs] or len(ours) != 24 + 16:
        failures.append(f"the two runs name different images ({len(ours)} and {len(theirs)} rows)")
    for m in METHODS:
        x = np.array([float(row[m]) for row in ours])
        y = np.array([float(row[m]) for row in theirs])
        rel = float((np.abs(x - y) / np.maximum(np.abs(y), 1e-6)).max()) if len(x) == len(y) else np.inf
        status = "ok" if rel <= 1e-4 else "MISMATCH"
        print(f"{status:8s} {m:14s} model on images vs snippet's .npz: max relative difference {rel:.2e}")
        if rel > 1e-4:
            failures.append(m)

    # export-features: OOD Lens's own features of the images equal the snippet's.
    exported = os.path.join(a.work, "exported")
    r = cli(a, ["export-features", "--model", traced, "--id", sets["id"], "--ood", "ood=" + sets["ood"],
                "--no-cache", "--out", exported] + pre)
    if r.returncode != 0:
        print(r.stderr)
        failures.append("export-features failed")
    else:
        for name in ("id", "ood"):
            mine, ref = np.load(os.path.join(exported, name + ".npz")), np.load(os.path.join(a.work, name + ".npz"))
            for key in ("features", "logits", "head_weight", "head_bias"):
                d = float(np.abs(mine[key] - ref[key]).max() / max(1e-6, np.abs(ref[key]).max()))
                ok = d <= 1e-4 and mine[key].shape == ref[key].shape
                print(f"{'ok' if ok else 'MISMATCH':8s} export-features {name}.{key} {mine[key].shape}: {d:.2e}")
                if not ok:
                    failures.append(f"export {name}.{key}")
            if list(mine["paths"]) != list(ref["paths"]) or list(mine["labels"]) != list(ref["labels"]):
                failures.append(f"export {name}: paths or labels differ")

    r = cli(a, ["score", "--id", os.path.join(a.work, "id.npz"), "--ood", "ood=" + os.path.join(a.work, "ood.npz"),
                "--methods", "odin,msp", "--out", os.path.join(a.work, "odin")])
    if r.returncode == 0 or "odin" not in r.stderr or "features only" not in r.stderr:
        failures.append("odin on a features file was not refused by name: " + r.stderr.strip())
    else:
        print("ok       odin refused: " + r.stderr.strip().splitlines()[-1])
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("features in/out cross-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
