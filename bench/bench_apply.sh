#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
#
# bench_apply.sh [WORK_DIR]: does `oodlens-cli apply` stream, i.e. is its peak memory independent of
# the number of images?
#
# Builds IDX files of 6,000 and 60,000 28x28 images by tiling the demo's Fashion-MNIST and MNIST
# images, calibrates an energy detector and a knn detector (fit set mnist-train-5000) on the demo,
# then times every (detector, N) apply with /usr/bin/time -v and --no-cache, plus energy at 60k
# through the feature cache (a first run that fills it, a second that reads it). Prints a table of
# wall time, images/s and peak RSS, and per detector the ratio peak RSS(60k) / peak RSS(6k) and the
# growth in bytes per extra image.
#
# WORK_DIR defaults to /tmp/bench_apply. The CLI is $OODLENS_CLI, default build/ci/bin/oodlens-cli
# of this checkout; the Python is $PYTHON3, default /usr/bin/python3 (numpy). Not part of CTest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/tmp/bench_apply}"
CLI="${OODLENS_CLI:-$ROOT/build/ci/bin/oodlens-cli}"
PY="${PYTHON3:-/usr/bin/python3}"
DEMO="$ROOT/resources/demo"
SIZES=(6000 60000)

export OPENBLAS_NUM_THREADS=1
export OODLENS_CACHE_DIR="$WORK/cache"
mkdir -p "$WORK"
[ -x "$CLI" ] || { echo "no oodlens-cli at $CLI (set OODLENS_CLI)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }

# --- the image sets -----------------------------------------------------------------------------
"$PY" - "$ROOT" "$WORK" "${SIZES[@]}" <<'EOF'
import os, sys
import numpy as np
root, work, sizes = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
sys.path.insert(0, os.path.join(root, "tools"))
from idx_tools import read_idx, write_idx
demo = os.path.join(root, "resources", "demo")
pool = np.concatenate([read_idx(os.path.join(demo, f)) for f in (
    "fashion-mnist-2000-images-idx3-ubyte.gz", "mnist-test-2000-images-idx3-ubyte.gz",
    "fashion-mnist-val-1000-images-idx3-ubyte.gz", "mnist-train-5000-images-idx3-ubyte.gz")])
for n in sizes:
    path = os.path.join(work, f"tiled-{n}-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        write_idx(path, np.resize(pool, (n,) + pool.shape[1:]))  # repeats the 10,000 demo images
    print(f"{path}: {n} images")
EOF

# --- the detectors --------------------------------------------------------------------------------
calibrate() {  # calibrate NAME METHOD [extra options]
    local name=$1 method=$2
    shift 2
    "$CLI" calibrate --model "$DEMO/mnist_cnn.pt" --id "$DEMO/mnist-test-2000-images-idx3-ubyte.gz" \
        --ood "fashion-val=$DEMO/fashion-mnist-val-1000-images-idx3-ubyte.gz" --method "$method" \
        --target-tpr 0.95 --out "$WORK/$name.json" "$@" >"$WORK/calibrate-$name.log" 2>&1 \
        || { cat "$WORK/calibrate-$name.log" >&2; exit 1; }
    grep -m 1 "accepted as ID when" "$WORK/calibrate-$name.log"
}
calibrate energy energy
calibrate knn knn --fit "$DEMO/mnist-train-5000-images-idx3-ubyte.gz"

# --- the runs -------------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
measure() {  # measure DETECTOR N LABEL [apply options]; the images are $IMAGES when set, else tiled-N
    local det=$1 n=$2 label=$3
    shift 3
    local out="$WORK/apply-$det-$n-$label" log="$WORK/time-$det-$n-$label.txt"
    local images=() f
    for f in "${IMAGES[@]:-$WORK/tiled-$n-images-idx3-ubyte.gz}"; do images+=(--images "$f"); done
    rm -rf "$out"
    /usr/bin/time -v -o "$log" "$CLI" apply --detector "$WORK/$det.json" \
        "${images[@]}" --out "$out" "$@" >"$out.log" 2>&1 \
        || { cat "$out.log" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
           awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    local scored cached
    read -r scored cached < <("$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["scored"], sum(x.get("blocks_from_cache", 0) for x in s["sources"]))' "$out/summary.json")
    [ "$scored" = "$n" ] || { echo "apply $det $n: scored $scored of $n images" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$det" "$n" "$label" "$wall" "$rss" "$cached" >>"$RESULTS"
}
for det in energy knn; do
    for n in "${SIZES[@]}"; do
        measure "$det" "$n" no-cache --no-cache
    done
done
# The same 60,000 images as ten sources of 6,000: what grows is the image count, not the file.
IMAGES=()
for i in $(seq 10); do IMAGES+=("$WORK/tiled-6000-images-idx3-ubyte.gz"); done
measure energy 60000 10x6k-files --no-cache
IMAGES=()
rm -rf "$OODLENS_CACHE_DIR"
measure energy 60000 cache-cold
measure energy 60000 cache-warm

# --- the table ------------------------------------------------------------------------------------
"$PY" - "$RESULTS" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print()
print(f"{'detector':9s} {'run':12s} {'N images':>9s} {'wall s':>8s} {'images/s':>9s} {'peak RSS MB':>12s} {'cache blocks':>13s}")
rss = {}
for det, n, label, wall, kb, cached in rows:
    n, wall, kb = int(n), float(wall), int(kb)
    rss[(det, n, label)] = kb
    print(f"{det:9s} {label:12s} {n:9d} {wall:8.2f} {n / wall:9.0f} {kb / 1024:12.1f} {cached:>13s}")
print()
for det in sorted({r[0] for r in rows}):
    small, large = rss.get((det, 6000, "no-cache")), rss.get((det, 60000, "no-cache"))
    if small and large:
        per_image = (large - small) * 1024 / (60000 - 6000)
        print(f"{det:9s} peak RSS(60k) / peak RSS(6k) = {large / small:.3f}; "
              f"growth {per_image:+.1f} bytes per extra image")
print("for scale: one decoded 28x28 grey image is 784 bytes")
EOF
