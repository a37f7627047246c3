#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent numpy/PyTorch implementations of the OpenOOD v1.5 methods, checked against oodlens-cli.

fdbd, rmds, she, dice, klm, residual, ash_p, ash_b and nnguide are written here from their papers' formulas
(and OpenOOD v1.5's postprocessors where they fix a detail), and compared with the scores.csv of
`oodlens-cli score --fit ...` to 1e-4 relative (against a scale of the terms for the scores that are
differences and cross zero: rmds, klm):

  (a) the bundled demo: MNIST CNN, fit on mnist-train-5000, ID mnist-test-2000, OOD fashion-mnist;
  (b) torchvision-style traced ResNets on ImageFolders of PNGs (fit on one folder, ID another, OOD a
      third): the resnet_fc fixture as it is (random weights: one predicted class, a near-uniform
      softmax), and the same network with its `fc` head trained on the fit folder's features, so that
      the classes, the predictions and the softmax templates are not degenerate.

Each with the defaults and with other parameters (dice.p, residual.k, ash_p.p, ash_b.p). Also checks
that the degenerate cases give clear errors.
"""
import argparse
import csv
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image
from scipy.special import rel_entr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)
from idx_tools import read_idx  # noqa: E402
import crosscheck_imagefolder as imagefolder  # noqa: E402  (its PIL + torch preprocessing and eager models)

DEMO = os.path.join(ROOT, "resources", "demo")
MEAN, STD = 0.1307, 0.3081
METHODS = ["fdbd", "rmds", "she", "dice", "klm", "residual", "ash_p", "ash_b", "nnguide"]
failures = []


def check(name, ours, ref, tol=1e-4, scale=None):
    """Relative error against |ref|, or against `scale` where the score is a difference of terms.
    NaN must be NaN in both."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    nan_ours, nan_ref = np.isnan(ours), np.isnan(ref)
    if (nan_ours != nan_ref).any():
        print(f"MISMATCH {name:40s} NaN in {int(nan_ours.sum())} of ours, {int(nan_ref.sum())} of the reference")
        failures.append(name)
        return
    keep = ~nan_ref
    denom = np.abs(ref) if scale is None else np.asarray(scale, np.float64)
    rel = np.abs(ours[keep] - ref[keep]) / np.maximum(denom[keep], 1e-6)
    worst = float(rel.max()) if rel.size else 0.0
    extra = f" ({int(nan_ref.sum())} NaN in both)" if nan_ref.any() else ""
    print(f"{'ok' if worst <= tol else 'MISMATCH':8s} {name:40s} max relative error {worst:.2e}{extra}")
    if worst > tol:
        failures.append(name)


def logsumexp(z):
    m = z.max(1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(1, keepdims=True)))[:, 0]


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# --- The methods, from their papers -----------------------------------------------------------

def fdbd(fit_h, h, z, w):
    """Liu & Qin 2024: mean over c != pred of the distance |z_pred - z_c| / ||w_pred - w_c|| from h
    to the decision boundary, divided by ||h - mean of the fit features||."""
    mu = fit_h.mean(0)
    pred = z.argmax(1)
    out = np.empty(len(h))
    for i in range(len(h)):
        p = pred[i]
        others = [c for c in range(w.shape[0]) if c != p]
        d = [abs(z[i, p] - z[i, c]) / np.linalg.norm(w[p] - w[c]) for c in others]
        out[i] = np.mean(d) / np.linalg.norm(h[i] - mu)
    return out


def shrunk_inverse(cov):
    """The documented shrinkage rule of OOD Lens's Gaussian fits: (1 - w) S + w (mean variance) I
    with w = 0, 1e-6, 1e-5, ... until Cholesky succeeds."""
    scale, shrink = max(np.mean(np.diag(cov)), 1e-12), 0.0
    while True:
        s = cov if shrink == 0 else (1 - shrink) * cov + shrink * scale * np.eye(len(cov))
        try:
            np.linalg.cholesky(s)
            return np.linalg.inv(s), shrink
        except np.linalg.LinAlgError:
            shrink = 1e-6 if shrink == 0 else shrink * 10


def rmds(fit_h, fit_y, h):
    """Ren et al. 2021 as OpenOOD's rmds: class means with a tied covariance, and a background
    Gaussian of the whole fit set; score = -min_c (MD_c - MD_0). Returns the score, a scale
    (|MD_0| + |min_c MD_c|) and the two shrinkage weights."""
    classes = sorted(set(fit_y.tolist()))
    means = np.stack([fit_h[fit_y == c].mean(0) for c in classes])
    centred = fit_h - means[np.searchsorted(classes, fit_y)]
    prec, s1 = shrunk_inverse(centred.T @ centred / len(fit_h))
    mu0 = fit_h.mean(0)
    prec0, s0 = shrunk_inverse((fit_h - mu0).T @ (fit_h - mu0) / len(fit_h))
    md = np.stack([np.einsum("nd,de,ne->n", h - m, prec, h - m) for m in means], 1).min(1)
    md0 = np.einsum("nd,de,ne->n", h - mu0, prec0, h - mu0)
    return -(md - md0), np.abs(md) + np.abs(md0), (s1, s0)


def she(fit_h, fit_y, fit_z, h, z, classes):
    """Zhang et al. 2023, OpenOOD's inner_product metric: the pattern of class c is the mean of the
    fit features labelled c and predicted c; score = <h, pattern[pred]> (NaN without a pattern)."""
    x, zz = torch.from_numpy(fit_h), torch.from_numpy(fit_z)
    y = torch.from_numpy(fit_y)
    pred = zz.argmax(1)
    patterns = torch.stack([x[(y == c) & (pred == c)].mean(0) if ((y == c) & (pred == c)).any()
                            else torch.full((x.shape[1],), float("nan"), dtype=x.dtype) for c in range(classes)])
    hq = torch.from_numpy(h)
    return (hq * patterns[torch.from_numpy(z).argmax(1)]).sum(1).numpy()


def dice(fit_h, h, w, b, p):
    """Sun & Li 2022: keep the weights whose contribution mean(h) * w lies above the p-th percentile
    of all contributions; energy of the masked layer."""
    contrib = fit_h.mean(0)[None, :] * w
    masked = w * (contrib > np.percentile(contrib, p))
    return logsumexp(h @ masked.T + b)


def klm(fit_z, z):
    """Hendrycks et al. 2022 as OpenOOD's kl_matching: template d_c = mean softmax of the fit images
    predicted as c (one-hot e_c when there is none); score = -min_c KL(p || d_c) with KL as
    scipy.stats.entropy (sum of rel_entr, no epsilon). Also returns the scale |H(p)| + |CE(p, d*)|
    of its two terms at the nearest template."""
    classes = fit_z.shape[1]
    fit_p, pred = softmax(fit_z), fit_z.argmax(1)
    templates = np.stack([fit_p[pred == c].mean(0) if (pred == c).any() else np.eye(classes)[c]
                          for c in range(classes)])
    templates /= templates.sum(1, keepdims=True)
    p = softmax(z)
    kl = rel_entr(p[:, None, :], templates[None, :, :]).sum(2)  # N x C
    entropy = -(p * np.log(np.where(p > 0, p, 1))).sum(1)
    cross_entropy = entropy + kl.min(1)
    return -kl.min(1), entropy + cross_entropy


def residual(fit_h, h, w, b, k):
    """Wang et al. 2022 / OpenOOD's residual: -||(h - o) on the D - k smallest eigen-directions of
    the covariance of (h - o) about o = -pinv(W) b||."""
    u = -np.linalg.pinv(w) @ b
    cov = (fit_h - u).T @ (fit_h - u) / len(fit_h)
    vals, vecs = np.linalg.eigh(cov)
    ns = vecs[:, np.argsort(vals)[::-1][k:]]
    return -np.linalg.norm((h - u) @ ns, axis=1)


def ash(h, w, b, p, variant):
    """Djurisic et al. 2023, the reference code's ash_p / ash_b on the penultimate vector: the
    k = n - round(n p / 100) largest entries are kept (ash_p) or set to s1 / k (ash_b)."""
    x = torch.from_numpy(h.copy())
    n = x.shape[1]
    k = n - int(np.round(n * p / 100.0))
    v, i = torch.topk(x, k, dim=1)
    if variant == "b":
        v = (x.sum(1) / k)[:, None].expand(v.shape)
    shaped = torch.zeros_like(x).scatter_(1, i, v)
    return logsumexp(shaped.numpy() @ w.T + b)


def nnguide(fit_h, fit_z, h, z, k, alpha):
    """NNGuide (Park et al., ICCV 2023): guides = normalised fit features x their energy, from
    ceil(alpha N) fit rows spread evenly (row j N // m); score = energy x mean of the k largest
    inner products of the normalised features with the guides. Brute force over every guide."""
    n = len(fit_h)
    m = int(np.ceil(alpha * n - 1e-9))
    rows = (np.arange(m) * n) // m
    bank = fit_h[rows] / np.linalg.norm(fit_h[rows], axis=1, keepdims=True) * logsumexp(fit_z[rows])[:, None]
    q = h / np.linalg.norm(h, axis=1, keepdims=True)
    top = -np.sort(-(q @ bank.T), axis=1)[:, :k]
    return top.mean(1) * logsumexp(z)


def reference(name, fit, sets, w, b, params):
    """Every method's reference scores for each scored set: {set: {method: (scores, scale)}}."""
    fit_h, fit_z, fit_y = fit
    classes = w.shape[0]
    k = int(params.get("residual.k", 0)) or (1000 if fit_h.shape[1] >= 1500 else fit_h.shape[1] // 2)
    out = {}
    for set_name, (h, z) in sets.items():
        r, r_scale, shrink = rmds(fit_h, fit_y, h)
        k_score, k_scale = klm(fit_z, z)
        out[set_name] = {
            "fdbd": (fdbd(fit_h, h, z, w), None),
            "rmds": (r, r_scale),
            "she": (she(fit_h, fit_y, fit_z, h, z, classes), None),
            "dice": (dice(fit_h, h, w, b, float(params.get("dice.p", 90))), None),
            "klm": (k_score, k_scale),
            "residual": (residual(fit_h, h, w, b, k), None),
            "ash_p": (ash(h, w, b, float(params.get("ash_p.p", 90)), "p"), None),
            "ash_b": (ash(h, w, b, float(params.get("ash_b.p", 90)), "b"), None),
            "nnguide": (nnguide(fit_h, fit_z, h, z, int(params.get("nnguide.k", 100)),
                                float(params.get("nnguide.alpha", 0.01))), None),
        }
        out[set_name]["_shrink"] = shrink
    return out


def run_and_compare(cli, label, base, out, fit, sets, w, b, params):
    args = base + ["--methods", ",".join(METHODS), "--out", out]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    r = subprocess.run([cli] + args, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
        failures.append(f"{label}: exit code {r.returncode}")
        return
    with open(os.path.join(out, "scores.csv")) as f:
        rows = list(csv.DictReader(f))
    refs = reference(label, fit, sets, w, b, params)
    shown = ",".join(f"{k}={v}" for k, v in params.items()) or "defaults"
    for set_name in sets:
        ours_rows = [row for row in rows if row["dataset"] == set_name]
        if len(ours_rows) != len(sets[set_name][0]):
            failures.append(f"{label} {set_name}: {len(ours_rows)} rows, expected {len(sets[set_name][0])}")
            continue
        for m in METHODS:
            ref, scale = refs[set_name][m]
            ours = np.array([float(row[m]) if row[m] not in ("", "nan") else np.nan for row in ours_rows])
            check(f"{label} {set_name} {m} ({shown})", ours, ref, scale=scale)
    return refs


# --- (a) the demo ---------------------------------------------------------------------------

def demo_images(name):
    x = read_idx(os.path.join(DEMO, name)).astype(np.float32)
    return torch.from_numpy((x / np.float32(255.0) - np.float32(MEAN)) / np.float32(STD)).unsqueeze(1)


def demo(cli, work):
    model = torch.jit.load(os.path.join(DEMO, "mnist_cnn.pt")).eval()
    w = model.fc.weight.detach().double().numpy()
    b = model.fc.bias.detach().double().numpy()

    def outputs(x):
        with torch.no_grad():
            return model.forward_features(x).double().numpy(), model(x).double().numpy()

    fit_h, fit_z = outputs(demo_images("mnist-train-5000-images-idx3-ubyte.gz"))
    fit_y = read_idx(os.path.join(DEMO, "mnist-train-5000-labels-idx1-ubyte.gz")).astype(np.int64)
    files = {"id": "mnist-test-2000-images-idx3-ubyte.gz", "fashion": "fashion-mnist-2000-images-idx3-ubyte.gz"}
    sets = {name: outputs(demo_images(f)) for name, f in files.items()}
    base = ["score", "--model", os.path.join(DEMO, "mnist_cnn.pt"), "--id", os.path.join(DEMO, files["id"]),
            "--ood", "fashion=" + os.path.join(DEMO, files["fashion"]),
            "--fit", os.path.join(DEMO, "mnist-train-5000-images-idx3-ubyte.gz")]
    # NNGuide's default alpha = 0.01 keeps 50 of the 5,000 fit images, fewer than its k = 100 (an
    # error, checked below): the first run raises alpha only.
    for i, params in enumerate(({"nnguide.alpha": 0.1},
                                {"dice.p": 70, "residual.k": 32, "ash_p.p": 80, "ash_b.p": 65, "nnguide.k": 10,
                                 "nnguide.alpha": 1})):
        refs = run_and_compare(cli, "demo", base, os.path.join(work, f"demo{i}"), (fit_h, fit_z, fit_y), sets, w, b,
                               params)
        if refs and i == 0:
            print(f"         (demo rmds shrinkage: tied {refs['id']['_shrink'][0]:g}, "
                  f"background {refs['id']['_shrink'][1]:g})")

    # Degenerate cases: clear errors naming the problem.
    cases = [
        (["--methods", "residual", "--param", "residual.k=128"], "residual: the principal subspace dimension k = 128"),
        ([a for a in base if a not in ("--fit", os.path.join(DEMO, "mnist-train-5000-images-idx3-ubyte.gz"))]
         + ["--methods", "fdbd"], "needs a fit set"),
        (["--methods", "dice", "--param", "dice.p=100"], "dice"),
        (["--methods", "nnguide"], "nnguide: the guide bank holds 50 fit images (alpha = 0.01 of 5000), fewer than k = 100"),
    ]
    for extra, expected in cases:
        args = (base + extra) if extra[0] == "--methods" else extra
        r = subprocess.run([cli] + args + ["--out", os.path.join(work, "bad")], capture_output=True, text=True)
        ok = r.returncode != 0 and expected in r.stderr
        print(f"{'ok' if ok else 'MISMATCH':8s} error: {expected!r}")
        if not ok:
            print(r.stderr)
            failures.append(expected)


# --- (b) torchvision-style ResNets on ImageFolders ------------------------------------------

def make_image(rng, kind):
    h, w = (int(v) for v in rng.integers(64, 112, 2))
    if kind == 0:
        return imagefolder.smooth_image(rng, h, w, 3)
    if kind == 1:
        return rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    if kind == 2:
        img = np.zeros((h, w, 3), np.uint8)
        img[:] = rng.integers(0, 256, 3)
        return np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    if kind == 3:
        xx = np.mgrid[0:h, 0:w][1]
        stripes = 127 + 127 * np.sign(np.sin(rng.uniform(0.3, 1.5) * xx + rng.uniform(0, 6)))
        return np.repeat(stripes[..., None], 3, 2).astype(np.uint8)
    # OOD: checkerboards with a random colour and cell size
    yy, xx = np.mgrid[0:h, 0:w]
    cell = int(rng.integers(4, 16))
    board = ((yy // cell + xx // cell) % 2)[..., None]
    return (board * rng.integers(0, 256, 3)).astype(np.uint8)


def make_folders(work):
    """fit/ and id/ with class folders c0..c3 (one image generator per class), ood/ of another kind.
    Returns the files in the order the engine reads them (class folder, then name) and labels."""
    rng = np.random.default_rng(13)
    layout = {"fit": (25, range(4)), "id": (10, range(4)), "ood": (12, [4, 4, 4])}
    files = {}
    for name, (per_class, kinds) in layout.items():
        files[name] = []
        for c, kind in enumerate(kinds):
            folder = os.path.join(work, name, f"c{c}")
            os.makedirs(folder, exist_ok=True)
            for i in range(per_class):
                path = os.path.join(folder, f"{i:03d}.png")
                Image.fromarray(make_image(rng, kind)).save(path)
                files[name].append((path, c))
    return files


def train_head(model, spec, x, y):
    """Fit the `fc` head on the fit images' features (cross-entropy, L-BFGS, fixed seed): a model
    whose predictions follow the fit folders, with a confident softmax and a well-conditioned W
    (every row trained: a row left to weight decay would make o = -pinv(W) b explode)."""
    with torch.no_grad():
        _, feats = spec["run"](model, x)
    torch.manual_seed(0)
    fc = model.fc
    opt = torch.optim.LBFGS(fc.parameters(), max_iter=200)
    target = torch.from_numpy(np.asarray(y))

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(fc(feats), target) + 1e-3 * fc.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    fc.weight.requires_grad_(False)
    fc.bias.requires_grad_(False)
    # The softmax ignores a shift common to all rows, so weight decay shrinks that component of W to
    # nothing: W would be nearly singular and o = -pinv(W) b huge (ViM's origin, residual's). A
    # fixed common shift keeps every softmax and makes W well-conditioned, as a real head is.
    g = torch.Generator().manual_seed(1)
    fc.weight += 0.5 * torch.randn(fc.weight.shape[1], generator=g)[None, :]
    fc.bias += 0.5


def imagefolders(cli, work):
    files = make_folders(work)
    inputs = {name: torch.cat([imagefolder.reference_input(p) for p, _ in items]) for name, items in files.items()}
    fixture = os.path.join(ROOT, "tests", "fixtures", "models", "resnet_fc_traced.pt")
    for variant in ("fixture", "trained head"):
        model, spec = imagefolder.eager_model("resnet_fc", fixture)
        file = fixture
        if variant == "trained head":
            # The fixture's body with a new 4-class `fc` (one class per fit folder), trained.
            body = {k: v for k, v in model.state_dict().items() if not k.startswith("fc.")}
            model = imagefolder.fixtures.TinyResNet(num_classes=4)
            model.load_state_dict(body, strict=False)
            model.eval()
            train_head(model, spec, inputs["fit"], [c for _, c in files["fit"]])
            file = os.path.join(work, "resnet_fc_trained_traced.pt")
            torch.jit.trace(model, inputs["id"][:2]).save(file)

        def outputs(x):
            with torch.no_grad():
                z, h = spec["run"](model, x)
            return h.double().flatten(1).numpy(), z.double().numpy()

        w, b = (t.detach().numpy() for t in imagefolder.fixtures.head_tensors(model, spec["head"]))
        fit_h, fit_z = outputs(inputs["fit"])
        fit_y = np.array([c for _, c in files["fit"]], np.int64)
        sets = {"id": outputs(inputs["id"]), "other": outputs(inputs["ood"])}
        pred = np.bincount(fit_z.argmax(1), minlength=w.shape[0])
        print(f"         resnet_fc {variant}: D = {fit_h.shape[1]}, fit predictions per class {pred.tolist()}, "
              f"fit accuracy {(fit_z.argmax(1) == fit_y).mean():.2f}")
        base = ["score", "--model", file, "--fit", os.path.join(work, "fit"), "--id", os.path.join(work, "id"),
                "--ood", "other=" + os.path.join(work, "ood"), "--resize", "64", "--crop", "64",
                "--mean", "0.5,0.5,0.5", "--std", "0.5,0.5,0.5", "--no-cache"]
        tag = variant.replace(" ", "_")
        for i, params in enumerate(({"nnguide.k": 10, "nnguide.alpha": 1},
                                    {"dice.p": 50, "residual.k": 4, "ash_p.p": 80, "ash_b.p": 70, "nnguide.k": 5,
                                     "nnguide.alpha": 0.37})):
            run_and_compare(cli, f"resnet_fc {variant}", base, os.path.join(work, f"{tag}{i}"),
                            (fit_h, fit_z, fit_y), sets, w, b, params)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", choices=["demo", "imagefolder"])
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    if a.only != "imagefolder":
        demo(a.cli, a.work)
    if a.only != "demo":
        imagefolders(a.cli, os.path.join(a.work, "imagefolder"))
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("all OpenOOD-method cross-checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
