#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deployment, redone independently: `oodlens-cli calibrate`, `oodlens-cli apply` and the deployment
metrics of `oodlens-cli score` (CCR@FPR, AURC) against numpy and PyTorch.

  a) For GradNorm and Energy, a detector is calibrated at 95 % ID TPR on the demo (ID mnist-test-2000,
     OOD fashion-val). The reference recomputes the scores from the TorchScript model with PyTorch
     (GradNorm in closed form, (1/T) ||h||_1 ||softmax(z/T) - 1/C||_1; Energy T logsumexp(z/T)),
     checks them against `score`'s scores.csv, redraws the seeded calibration split (SplitMix64,
     crosscheck_factors.validation_mask), and recomputes the threshold (the k-th highest calibration
     score, k the smallest with k/n >= 0.95) to 1e-6 relative, the held-out TPR (exact count) and the
     FPR on fashion-val (exact count).
  b) The held-out MNIST images are written to a new IDX file; each detector is applied to it and to
     fashion-mnist-2000 (never seen by the calibration). decisions.csv must give the held-out TPR
     exactly (and inside the detector's 95 % interval), the Fashion-MNIST flagged count equal to the
     number of reference scores below the threshold, every score to 1e-5 relative, margin = score -
     threshold, decision = (score >= threshold), and the reference model's predicted class.
  c) `score` with msp, energy, gradnorm, maxlogit on the demo: CCR@FPR 1e-4 ... 1e-1 (OpenOOD v1.5
     ccr_fpr) and AURC (step-wise area under the risk-coverage curve, ties grouped) recomputed with
     numpy from scores.csv, against metrics.csv to 1e-6; the ID accuracy against results_table.csv.
  d) `apply --exit-flagged` on Fashion-MNIST exits with status 10; a plain apply with 0.
Prints one line per check; exit code 0 when everything agrees. Run with Debian's /usr/bin/python3.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)
from idx_tools import read_idx, write_idx  # noqa: E402
from crosscheck_factors import validation_mask  # noqa: E402

DEMO = os.path.join(ROOT, "resources", "demo")
MODEL = os.path.join(DEMO, "mnist_cnn.pt")
ID_IMAGES = os.path.join(DEMO, "mnist-test-2000-images-idx3-ubyte.gz")
ID_LABELS = os.path.join(DEMO, "mnist-test-2000-labels-idx1-ubyte.gz")
FASHION = os.path.join(DEMO, "fashion-mnist-2000-images-idx3-ubyte.gz")
FASHION_VAL = os.path.join(DEMO, "fashion-mnist-val-1000-images-idx3-ubyte.gz")
TPR, FRACTION, SEED = 0.95, 0.5, 0
CCR_FPRS = (("ccr_1e-4", 1e-4), ("ccr_1e-3", 1e-3), ("ccr_1e-2", 1e-2), ("ccr_1e-1", 1e-1))
failures = []


def report(ok, name, detail):
    print(f"{'ok' if ok else 'MISMATCH':8s} {name:56s} {detail}")
    if not ok:
        failures.append(name)
    return ok


def close(name, ours, ref, tol=1e-6, relative=False):
    ours, ref = float(ours), float(ref)
    err = abs(ours - ref) / max(abs(ref), 1e-300) if relative else abs(ours - ref)
    ok = math.isfinite(ours) and err <= tol
    return report(ok, name, f"ours {ours:.9f} reference {ref:.9f}")


def equal(name, ours, ref):
    return report(ours == ref, name, f"ours {ours} reference {ref}")


def run(cmd, expect=0):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if expect is not None and r.returncode != expect:
        print(" ".join(cmd))
        print(r.stdout, r.stderr)
        raise SystemExit(f"exit status {r.returncode}, expected {expect}")
    return r


# --- the reference: the model's outputs and the scores, from PyTorch --------------------------------
def outputs(model, images):
    x = images.astype(np.float32)
    x = torch.from_numpy((x / np.float32(255.0) - np.float32(0.1307)) / np.float32(0.3081)).unsqueeze(1)
    with torch.no_grad():
        return model.forward_features(x).double().numpy(), model(x).double().numpy()


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def energy(h, z, t=1.0):
    s = z / t
    m = s.max(1, keepdims=True)
    return t * (m + np.log(np.exp(s - m).sum(1, keepdims=True)))[:, 0]


def gradnorm(h, z, t=1.0):
    """L1 norm of d KL(u || softmax(z/T)) / dW (bias excluded) = (1/T) ||h||_1 ||p - u||_1."""
    p = softmax(z / t)
    return np.abs(h).sum(1) * np.abs(p - 1.0 / z.shape[1]).sum(1) / t


SCORERS = {"gradnorm": gradnorm, "energy": energy}


def threshold_for_tpr(scores, tpr):
    s = np.sort(scores[~np.isnan(scores)])[::-1]
    n = len(s)
    k = max(1, int(math.ceil(tpr * n)) - 1)
    while k / n < tpr:  # the smallest k with k / n >= tpr, compared in double
        k += 1
    while k > 1 and (k - 1) / n >= tpr:
        k -= 1
    return s[k - 1]


# --- the deployment metrics, from their definitions -------------------------------------------------
def ccr_fpr(id_s, correct, ood_s, fpr):
    """OpenOOD v1.5 evaluators/metrics.py ccr_fpr."""
    k = max(1, int(np.ceil(fpr * len(ood_s))))
    thresh = np.sort(ood_s)[-k]
    return np.sum((id_s > thresh) & correct) / len(id_s)


def aurc(id_s, correct):
    order = np.argsort(-id_s, kind="stable")
    s, wrong = id_s[order], ~correct[order]
    n, area, prev_cov, i = len(s), 0.0, 0.0, 0
    taken_wrong = 0
    while i < n:
        j = i
        while j < n and s[j] == s[i]:  # one threshold for a group of ties
            taken_wrong += wrong[j]
            j += 1
        cov = j / n
        area += (taken_wrong / j) * (cov - prev_cov)
        prev_cov, i = cov, j
    return area


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    model = torch.jit.load(MODEL).eval()
    id_images, id_labels = read_idx(ID_IMAGES), read_idx(ID_LABELS).astype(np.int64)
    ref = {"id": outputs(model, id_images), "fashion": outputs(model, read_idx(FASHION)),
           "fashion-val": outputs(model, read_idx(FASHION_VAL))}
    scores = {m: {k: f(*hz) for k, hz in ref.items()} for m, f in SCORERS.items()}
    id_pred = ref["id"][1].argmax(1)

    # c) score: the reference scores first, then CCR@FPR, AURC and the accuracy.
    out = os.path.join(a.work, "score")
    run([a.cli, "score", "--model", MODEL, "--id", ID_IMAGES, "--ood", "fashion-mnist=" + FASHION,
         "--methods", "msp,energy,gradnorm,maxlogit", "--out", out])
    run_json = json.load(open(os.path.join(out, "run.json")))
    id_name = next(d["name"] for d in run_json["datasets"] if d["role"] == "id")
    rows = read_csv(os.path.join(out, "scores.csv"))
    id_rows = [r for r in rows if r["dataset"] == id_name]
    ood_rows = [r for r in rows if r["dataset"] == "fashion-mnist"]
    equal("c) scores.csv rows (ID, OOD)", (len(id_rows), len(ood_rows)), (len(id_images), len(ref["fashion"][0])))
    for m in SCORERS:
        for name, sel, key in (("ID", id_rows, "id"), ("fashion-mnist", ood_rows, "fashion")):
            ours = np.array([float(r[m]) for r in sel])
            err = np.max(np.abs(ours - scores[m][key]) / np.abs(scores[m][key]))
            report(err <= 1e-6, f"reference {m} = scores.csv {m} ({name})", f"max relative difference {err:.2e}")
    labels = np.array([int(r["label"]) for r in id_rows])
    preds = np.array([int(r["prediction"]) for r in id_rows])
    equal("c) scores.csv labels = the IDX labels", bool(np.array_equal(labels, id_labels)), True)
    equal("c) scores.csv predictions = the reference argmax", int(np.sum(preds != id_pred)), 0)
    correct = preds == labels
    accuracy = correct.mean()
    table = read_csv(os.path.join(out, "results_table.csv"))
    for r in table:
        if r["kind"] == "ood":
            close(f"c) {r['method']} id_accuracy (results_table.csv)", r["id_accuracy"], accuracy)
    for r in read_csv(os.path.join(out, "metrics.csv")):
        m = r["method"]
        id_s = np.array([float(x[m]) for x in id_rows])
        ood_s = np.array([float(x[m]) for x in (rr for rr in rows if rr["dataset"] == r["ood"])])
        for col, fpr in CCR_FPRS:
            close(f"c) {m} vs {r['ood']} {col}", r[col], ccr_fpr(id_s, correct, ood_s, fpr))
        close(f"c) {m} vs {r['ood']} aurc", r["aurc"], aurc(id_s, correct))

    # a) calibrate; b) apply; d) exit statuses.
    mask = validation_mask(len(id_images), 0, FRACTION, SEED)  # the ID set is the run's dataset 0
    held = os.path.join(a.work, "mnist-heldout-images-idx3-ubyte.gz")
    write_idx(held, id_images[~mask])
    write_idx(os.path.join(a.work, "mnist-heldout-labels-idx1-ubyte.gz"), id_labels[~mask].astype(np.uint8))
    for m in SCORERS:
        s_id, s_val, s_fash = scores[m]["id"], scores[m]["fashion-val"], scores[m]["fashion"]
        det_path = os.path.join(a.work, f"{m}.json")
        run([a.cli, "calibrate", "--model", MODEL, "--id", ID_IMAGES, "--ood", "fashion-val=" + FASHION_VAL,
             "--method", m, "--target-tpr", str(TPR), "--out", det_path])
        det = json.load(open(det_path))
        cal = det["calibration"]
        split, id_tpr = cal["split"], cal["id_tpr"]
        equal(f"a) {m} split (fraction, seed)", (split["fraction"], split["seed"]), (FRACTION, SEED))
        equal(f"a) {m} split sizes (calibration, held out)", (split["calibration_images"], split["held_out_images"]),
              (int(mask.sum()), int((~mask).sum())))
        thr = det["threshold"]
        ref_thr = threshold_for_tpr(s_id[mask], TPR)
        close(f"a) {m} threshold (relative)", thr, ref_thr, 1e-6, relative=True)
        ref_acc = int(np.sum(s_id[~mask] >= ref_thr))
        ref_tpr = ref_acc / int((~mask).sum())
        equal(f"a) {m} held-out accepted count", (id_tpr["accepted"], id_tpr["count"]), (ref_acc, int((~mask).sum())))
        close(f"a) {m} held-out TPR", id_tpr["estimate"], ref_tpr, 1e-12)
        lo, hi = id_tpr["ci95"]
        report(lo <= id_tpr["estimate"] <= hi, f"a) {m} TPR inside its ci95", f"{lo:.4f} <= {id_tpr['estimate']:.4f} <= {hi:.4f}")
        val = next(o for o in det["ood_sets"] if o["name"] == "fashion-val")
        ref_val = int(np.sum(s_val >= ref_thr))
        equal(f"a) {m} fashion-val accepted count", (val["fpr"]["accepted"], val["fpr"]["count"]), (ref_val, len(s_val)))
        close(f"a) {m} fashion-val FPR", val["fpr"]["estimate"], ref_val / len(s_val), 1e-12)
        close(f"a) {m} id_accuracy (all ID images)", cal["id_accuracy"], (id_pred == id_labels).mean())

        apply_dir = os.path.join(a.work, f"apply-{m}")
        r = run([a.cli, "apply", "--detector", det_path, "--images", held, "--images", FASHION, "--out", apply_dir])
        equal(f"d) {m} plain apply exit status", r.returncode, 0)
        dec = read_csv(os.path.join(apply_dir, "decisions.csv"))
        equal(f"b) {m} decisions.csv rows (held out, fashion)",
              (sum(d["set"] == "0" for d in dec), sum(d["set"] == "1" for d in dec)), (int((~mask).sum()), len(s_fash)))
        equal(f"b) {m} no unreadable image", sum(d["decision"] == "unreadable" for d in dec), 0)
        for set_id, name, ref_s, ref_pred in (("0", "held out", s_id[~mask], id_pred[~mask]),
                                               ("1", "fashion", s_fash, ref["fashion"][1].argmax(1))):
            sel = [d for d in dec if d["set"] == set_id]
            order = np.array([int(d["path"].rsplit("#", 1)[1]) for d in sel])
            equal(f"b) {m} {name}: rows in image order", bool(np.array_equal(order, np.arange(len(ref_s)))), True)
            sc = np.array([float(d["score"]) for d in sel])
            err = np.max(np.abs(sc - ref_s) / np.abs(ref_s))
            report(err <= 1e-5, f"b) {m} {name}: scores = reference", f"max relative difference {err:.2e}")
            margin_err = max(abs(float(d["margin"]) - (float(d["score"]) - thr)) for d in sel)
            report(margin_err <= 1e-9 * max(1.0, abs(thr)), f"b) {m} {name}: margin = score - threshold",
                   f"max difference {margin_err:.2e}")
            wrong = sum((d["decision"] == "accepted") != (float(d["score"]) >= thr) for d in sel)
            equal(f"b) {m} {name}: decision = (score >= threshold)", wrong, 0)
            equal(f"b) {m} {name}: predicted_class = reference argmax",
                  int(np.sum(np.array([int(d["predicted_class"]) for d in sel]) != ref_pred)), 0)
            accepted = sum(d["decision"] == "accepted" for d in sel)
            if set_id == "0":
                achieved = accepted / len(sel)
                close(f"b) {m} achieved ID TPR = reference held-out TPR", achieved, ref_tpr, 1e-12)
                report(lo <= achieved <= hi, f"b) {m} achieved ID TPR inside the detector's ci95",
                       f"{lo:.4f} <= {achieved:.4f} <= {hi:.4f}")
            else:
                flagged = sum(d["decision"] == "flagged" for d in sel)
                ref_fpr_count = int(np.sum(ref_s >= thr))
                equal(f"b) {m} fashion flagged count = n - #(reference >= threshold)", flagged,
                      len(ref_s) - ref_fpr_count)
                close(f"b) {m} fashion flagged fraction = 1 - FPR", flagged / len(sel), 1 - ref_fpr_count / len(ref_s),
                      1e-12)
        r = run([a.cli, "apply", "--detector", det_path, "--images", FASHION, "--out", apply_dir + "-flagged",
                 "--exit-flagged"], expect=None)
        equal(f"d) {m} apply --exit-flagged on fashion exit status", r.returncode, 10)

    if failures:
        print(f"FAILED ({len(failures)}):", ", ".join(failures))
        return 1
    print("every deployment number agrees with the independent computation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
