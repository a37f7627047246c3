#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent cross-check of the factor analysis ("Are gradients needed?") of `oodlens-cli report`.

Runs the report on the demo, then recomputes from scores.csv alone, with scikit-learn, numpy and scipy:
  * every row of factors.csv: the member ||h||_q^a * phi(z) from the norm and output-term columns,
    its AUROC / FPR@95 (both) / AUPR-In / AUPR-Out (scikit-learn), to 1e-9;
  * that the family's (q=1, a=1, phi=gradterm) row equals GradNorm's row of metrics.csv exactly;
  * the seeded validation split (SplitMix64 keys as docs/methods.md defines them) and the best member:
    the highest validation AUROC of the 72 members;
  * the test-part metrics of GradNorm and of the best member;
  * DeLong's test of the AUROC difference from the published formula (DeLong et al. 1988, midranks);
  * the paired bootstrap's 95 % intervals, redrawing the same resamples with numpy from the same seed;
  * every number of the verdict sentence, and the cost ratios' arithmetic;
  * that report.html carries the verdicts and the heatmap's GradNorm cell value.
Exit code 0 when everything agrees. Run with Debian's /usr/bin/python3.
"""
import argparse
import csv
import html
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "resources", "demo")
NORMS = [("feature_l1", 1.0), ("feature_l2", 2.0), ("feature_linf", math.inf)]
EXPONENTS = [0.0, 0.5, 1.0, 2.0]
PHIS = ["msp", "maxlogit", "energy", "gradterm", "gini", "gen"]  # registry order
METHODS = [n for n, _ in NORMS] + PHIS + ["gradnorm", "gradnorm_autograd"]
FRACTION, SPLIT_SEED, RESAMPLES, SEED = 0.3, 5, 300, 9
MASK64 = (1 << 64) - 1
failures = []


def fail(what):
    print("MISMATCH " + what)
    failures.append(what)


def close(name, ours, ref, tol=1e-9):
    if ours is None or ref is None or not math.isclose(float(ours), float(ref), rel_tol=tol, abs_tol=tol):
        fail(f"{name}: ours {ours} reference {ref}")
        return False
    return True


# --- SplitMix64, vectorised: state_k = seed + (k+1) * golden (mod 2^64) -----------------------------
GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def splitmix(seed, count, start=0):
    with np.errstate(over="ignore"):
        k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
        z = np.uint64(seed & MASK64) + k * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def to_index(x, count):
    """High 64 bits of x * count (count < 2^32)."""
    with np.errstate(over="ignore"):
        hi, lo = x >> np.uint64(32), x & np.uint64(0xFFFFFFFF)
        c = np.uint64(count)
        return ((hi * c + ((lo * c) >> np.uint64(32))) >> np.uint64(32)).astype(np.int64)


def validation_mask(n, dataset, fraction, seed):
    keys = splitmix(seed + dataset, n)
    order = np.argsort(keys, kind="stable")
    mask = np.zeros(n, dtype=bool)
    mask[order[:int(math.floor(fraction * n))]] = True
    return mask


# --- metrics ---------------------------------------------------------------------------------------
def fpr_at_95(y_pos, s):
    fpr, tpr, _ = roc_curve(y_pos, s, drop_intermediate=False)
    return fpr[np.argmax(tpr >= 0.95)]


def metrics(id_s, ood_s):
    s = np.concatenate([id_s, ood_s])
    y = np.concatenate([np.ones(len(id_s)), np.zeros(len(ood_s))]).astype(int)
    return {"auroc": roc_auc_score(y, s), "fpr95_id": fpr_at_95(y, s), "fpr95_ood": fpr_at_95(1 - y, -s),
            "aupr_in": average_precision_score(y, s), "aupr_out": average_precision_score(1 - y, -s)}


def delong(id_a, ood_a, id_b, ood_b):
    """DeLong, DeLong & Clarke-Pearson (1988), structural components from midranks."""
    def placements(x, y):
        m, n = len(x), len(y)
        r_all = rankdata(np.concatenate([x, y]))
        v10 = (r_all[:m] - rankdata(x)) / n
        v01 = 1.0 - (r_all[m:] - rankdata(y)) / m
        return v10, v01
    a10, a01 = placements(id_a, ood_a)
    b10, b01 = placements(id_b, ood_b)
    s10 = np.cov(np.vstack([a10, b10]))
    s01 = np.cov(np.vstack([a01, b01]))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / len(id_a) + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / len(ood_a)
    diff = a10.mean() - b10.mean()
    se = math.sqrt(max(var, 0.0))
    z = diff / se if se > 0 else 0.0
    p = math.erfc(abs(z) / math.sqrt(2)) if se > 0 else 1.0
    return {"auroc_other": a10.mean(), "auroc_gradient": b10.mean(), "difference": diff, "standard_error": se,
            "z": z, "p": p}


def paired_bootstrap(id_a, ood_a, id_b, ood_b, resamples, seed):
    m, n = len(id_a), len(ood_a)
    draws = splitmix(seed, resamples * (m + n))
    d_auc, d_fpr, a_auc, b_auc = [], [], [], []
    for r in range(resamples):
        block = draws[r * (m + n):(r + 1) * (m + n)]
        i, j = to_index(block[:m], m), to_index(block[m:], n)
        ma, mb = metrics(id_a[i], ood_a[j]), metrics(id_b[i], ood_b[j])
        d_auc.append(ma["auroc"] - mb["auroc"])
        d_fpr.append(ma["fpr95_id"] - mb["fpr95_id"])
        a_auc.append(ma["auroc"])
        b_auc.append(mb["auroc"])
    pct = lambda v: (np.percentile(v, 2.5), np.percentile(v, 97.5))  # noqa: E731 (linear, numpy's default)
    return {"auroc_difference": pct(d_auc), "fpr95_id_difference": pct(d_fpr), "auroc_other": pct(a_auc),
            "auroc_gradient": pct(b_auc)}


def member_scores(cols, q_id, a, phi):
    norm = cols[q_id]
    if phi == "":
        return norm
    if a == 0:
        return cols[phi]
    return (norm if a == 1 else np.power(norm, a)) * cols[phi]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    out = os.path.join(args.work, "report")
    cmd = [args.cli, "report", "--model", os.path.join(DEMO, "mnist_cnn.pt"),
           "--id", os.path.join(DEMO, "mnist-test-2000-images-idx3-ubyte.gz"),
           "--ood", "fashion-mnist=" + os.path.join(DEMO, "fashion-mnist-2000-images-idx3-ubyte.gz"),
           "--methods", ",".join(METHODS), "--validation-fraction", str(FRACTION), "--split-seed", str(SPLIT_SEED),
           "--resamples", str(RESAMPLES), "--seed", str(SEED), "--out", out]
    print(" ".join(cmd))
    subprocess.run(cmd, check=True)

    with open(os.path.join(out, "scores.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "metrics.csv")) as f:
        metric_rows = list(csv.DictReader(f))
    with open(os.path.join(out, "factors.csv")) as f:
        factor_rows = list(csv.DictReader(f))
    with open(os.path.join(out, "factors.json")) as f:
        report = json.load(f)
    with open(os.path.join(out, "run.json")) as f:
        run = json.load(f)
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        page = html.unescape(f.read())
    names = [d["name"] for d in run["datasets"]]
    id_name = next(d["name"] for d in run["datasets"] if d["role"] == "id")

    def columns(dataset):
        sel = [r for r in rows if r["dataset"] == dataset]
        return {m: np.array([float(r[m]) for r in sel]) for m in METHODS}

    cols = {n: columns(n) for n in (id_name, "fashion-mnist")}

    # factors.csv: every member from scores.csv.
    checked = 0
    for r in factor_rows:
        q = r["q"]
        q_id = {"1": "feature_l1", "2": "feature_l2", "inf": "feature_linf"}[q]
        a, phi = float(r["a"]), r["phi"]
        ref = metrics(member_scores(cols[id_name], q_id, a, phi), member_scores(cols[r["ood"]], q_id, a, phi))
        for k, v in ref.items():
            checked += close(f"factors.csv {q_id} a={a} {phi or '(feature term)'} {k}", r[k], v)
    print(f"ok       factors.csv: {checked} numbers of {len(factor_rows)} rows against scikit-learn")
    expected_rows = len(NORMS) * len(EXPONENTS) * len(PHIS) + len(NORMS)
    if len(factor_rows) != expected_rows:
        fail(f"factors.csv has {len(factor_rows)} rows, expected {expected_rows}")

    # The GradNorm cell equals GradNorm exactly.
    g_row = next(m for m in metric_rows if m["method"] == "gradnorm" and m["ood"] == "fashion-mnist")
    cell = next(r for r in factor_rows if r["q"] == "1" and r["a"] == "1" and r["phi"] == "gradterm")
    for k in ("auroc", "fpr95_id", "fpr95_ood", "aupr_in", "aupr_out"):
        if float(cell[k]) != float(g_row[k]):
            fail(f"GradNorm cell {k}: {cell[k]} vs metrics.csv {g_row[k]}")
    print("ok       the (q=1, a=1, gradterm) cell equals GradNorm's metrics exactly")

    # The split, the best member, the test metrics, DeLong, the bootstrap, the verdict.
    id_idx, ood_idx = names.index(id_name), names.index("fashion-mnist")
    vi = validation_mask(len(cols[id_name]["msp"]), id_idx, FRACTION, SPLIT_SEED)
    vo = validation_mask(len(cols["fashion-mnist"]["msp"]), ood_idx, FRACTION, SPLIT_SEED)
    analysis = next(a for a in report["analyses"] if a["gradient_method"] == "gradnorm" and a["ood"] == "fashion-mnist")
    best, best_key = -1.0, None
    for q_id, q in NORMS:
        for a in EXPONENTS:
            for phi in PHIS:
                s_id, s_ood = member_scores(cols[id_name], q_id, a, phi), member_scores(cols["fashion-mnist"], q_id, a, phi)
                v = roc_auc_score(np.r_[np.ones(vi.sum()), np.zeros(vo.sum())], np.r_[s_id[vi], s_ood[vo]])
                if v > best + 1e-15:
                    best, best_key = v, (q_id, q, a, phi)
    q_id, q, a, phi = best_key
    got = analysis["best"]
    got_q = math.inf if got["q"] == "inf" else float(got["q"])
    if (got_q, float(got["a"]), got["phi"]) != (q, a, phi):
        fail(f"best member: ours {got['label']} (q={got['q']}, a={got['a']}, {got['phi']}), reference q={q} a={a} {phi}")
    else:
        print(f"ok       best member on the validation part: {got['label']} (validation AUROC {best:.6f})")
    close("best validation AUROC", got["metrics"]["validation"]["auroc"], best)
    b_id, b_ood = member_scores(cols[id_name], q_id, a, phi)[~vi], member_scores(cols["fashion-mnist"], q_id, a, phi)[~vo]
    g_id, g_ood = cols[id_name]["gradnorm"][~vi], cols["fashion-mnist"]["gradnorm"][~vo]
    for k, v in metrics(b_id, b_ood).items():
        close(f"best test {k}", got["metrics"]["test"][k], v)
    for k, v in metrics(g_id, g_ood).items():
        close(f"gradnorm test {k}", analysis["gradient"]["test"][k], v)
    comparison = analysis["comparisons"]["best"]
    ref = delong(b_id, b_ood, g_id, g_ood)
    for k, v in ref.items():
        close(f"DeLong {k}", comparison["delong"][k], v, tol=1e-7)
    print(f"ok       DeLong: difference {ref['difference']:+.5f}, SE {ref['standard_error']:.5f}, p {ref['p']:.3g}")
    boot = paired_bootstrap(b_id, b_ood, g_id, g_ood, RESAMPLES, SEED)
    for k, (lo, hi) in boot.items():
        close(f"bootstrap {k} low", comparison["bootstrap"][k]["low"], lo, tol=1e-12)
        close(f"bootstrap {k} high", comparison["bootstrap"][k]["high"], hi, tol=1e-12)
    print(f"ok       paired bootstrap ({RESAMPLES} resamples, seed {SEED}) redrawn with numpy: "
          f"AUROC difference [{boot['auroc_difference'][0]:+.5f}, {boot['auroc_difference'][1]:+.5f}]")
    # The feature term and output term comparisons too.
    for key, (fid, fphi, fa) in {"feature_term": ("feature_l1", "", 1.0), "output_term": ("feature_l1", "gradterm", 0.0)}.items():
        o_id = member_scores(cols[id_name], fid, fa, fphi)[~vi]
        o_ood = member_scores(cols["fashion-mnist"], fid, fa, fphi)[~vo]
        ref = delong(o_id, o_ood, g_id, g_ood)
        close(f"{key} DeLong difference", analysis["comparisons"][key]["delong"]["difference"], ref["difference"])
        lo, hi = paired_bootstrap(o_id, o_ood, g_id, g_ood, RESAMPLES, SEED)["auroc_difference"]
        close(f"{key} bootstrap low", analysis["comparisons"][key]["bootstrap"]["auroc_difference"]["low"], lo, 1e-12)
        close(f"{key} bootstrap high", analysis["comparisons"][key]["bootstrap"]["auroc_difference"]["high"], hi, 1e-12)

    # The verdict's numbers.
    verdict = analysis["verdict"]
    print("verdict: " + verdict)
    b_auc, g_auc = metrics(b_id, b_ood)["auroc"], metrics(g_id, g_ood)["auroc"]
    lo, hi = boot["auroc_difference"]
    for text in (f"reaches AUROC {100 * b_auc:.2f} %", f"GradNorm's {100 * g_auc:.2f} %",
                 f"difference {100 * (b_auc - g_auc):+.2f}", f"95 % CI {100 * lo:+.2f} to {100 * hi:+.2f}"):
        if text not in verdict:
            fail(f"verdict lacks '{text}'")
    significant = lo > 0 or hi < 0
    if ("adds no significant AUROC" in verdict) == significant:
        fail("verdict's significance does not follow the interval")
    costs = {r["what"]: r for r in report["costs"]["gradnorm"]}
    closed = next(r for w, r in costs.items() if "closed form" in w)
    for w, r in costs.items():
        if r["seconds_per_image"] is None or closed["seconds_per_image"] is None:
            fail(f"cost '{w}' not measured")
            continue
        close(f"cost ratio '{w}'", r["ratio_to_closed_form"], r["seconds_per_image"] / closed["seconds_per_image"])
        if "autograd" in w:
            ratio = r["ratio_to_closed_form"]
            text = f"{ratio:.0f}\u00d7" if ratio >= 100 else f"{ratio:.1f}\u00d7" if ratio >= 10 else f"{ratio:.2f}\u00d7"
            if text not in verdict:
                fail(f"verdict lacks the autograd cost ratio '{text}'")
        print(f"cost     {w}: {r['seconds_per_image']:.3g} s/image, {r['ratio_to_closed_form']:.3g}x the closed form")

    # The HTML report shows the verdicts and the GradNorm cell.
    for a_ in report["analyses"]:
        if a_["verdict"] not in page:
            fail(f"report.html lacks the verdict of {a_['gradient_method']} on {a_['ood']}")
    cell_text = f"{100 * float(cell['auroc']):.1f}"
    if cell_text not in page:
        fail(f"report.html lacks the GradNorm cell's AUROC {cell_text}")
    if failures:
        print(f"{len(failures)} mismatches")
        return 1
    print("all factor-analysis numbers agree with the independent computation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
