#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
#
# bench_shards.sh [WORK_DIR]: what does cutting extraction into N shards cost, and is the output the
# same? (issue 15, benchmark c)
#
# On the full MNIST test set (ID, 10,000), the full Fashion-MNIST (OOD, 70,000) and the full MNIST
# training set (fit, 60,000) with the demo model, side by side in one run:
#   - unsharded: `oodlens-cli score` into an empty cache;
#   - N = 1, 2, 4: N `oodlens-cli extract --shard i/N` processes started together on this machine
#     (each with --threads cores/N, at least 1), then `oodlens-cli score` that merges the shards.
# Prints wall times (the shards' extraction, the merging score, their sum) as ratios to the
# unsharded run, and checks that scores.csv and metrics.csv equal the unsharded run's byte for byte.
# Exits non-zero when they differ.
#
# Needs tools/fetch-datasets.sh (data/ under the checkout, or $DATA). WORK_DIR defaults to
# /tmp/bench_shards. The CLI is $OODLENS_CLI, default build/ci/bin/oodlens-cli. Not part of CTest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/tmp/bench_shards}"
CLI="${OODLENS_CLI:-$ROOT/build/ci/bin/oodlens-cli}"
DATA="${DATA:-$ROOT/data}"
MODEL="$ROOT/resources/demo/mnist_cnn.pt"
CORES="$(nproc)"
export OPENBLAS_NUM_THREADS=1

[ -x "$CLI" ] || { echo "no oodlens-cli at $CLI (set OODLENS_CLI)" >&2; exit 2; }
for f in "$DATA/mnist/t10k-images-idx3-ubyte.gz" "$DATA/mnist/train-images-idx3-ubyte.gz" \
         "$DATA/fashion-mnist/images-idx3-ubyte.gz"; do
    [ -f "$f" ] || { echo "missing $f: run tools/fetch-datasets.sh first" >&2; exit 2; }
done
rm -rf "$WORK"
mkdir -p "$WORK"

ARGS=(--model "$MODEL" --id "$DATA/mnist/t10k-images-idx3-ubyte.gz"
      --ood "fashion=$DATA/fashion-mnist/images-idx3-ubyte.gz" --fit "$DATA/mnist/train-images-idx3-ubyte.gz"
      --methods msp,energy,gradnorm,mahalanobis,knn --preset mnist --batch 256)

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# --- unsharded: one score into an empty cache, and the same as extract + score -------------------
t0=$(now)
"$CLI" score "${ARGS[@]}" --cache-dir "$WORK/cache-whole" --out "$WORK/whole" >"$WORK/whole.log" 2>&1 \
    || { cat "$WORK/whole.log" >&2; exit 1; }
t1=$(now)
WHOLE=$(secs "$t0" "$t1")
"$CLI" extract "${ARGS[@]}" --cache-dir "$WORK/cache-split" >"$WORK/split-extract.log" 2>&1 \
    || { cat "$WORK/split-extract.log" >&2; exit 1; }
t2=$(now)
"$CLI" score "${ARGS[@]}" --cache-dir "$WORK/cache-split" --out "$WORK/split" >"$WORK/split.log" 2>&1 \
    || { cat "$WORK/split.log" >&2; exit 1; }
t3=$(now)

printf '%-10s %10s %10s %10s %8s  %s\n' "run" "extract_s" "score_s" "total_s" "ratio" "output"
printf '%-10s %10s %10s %10s %8s  %s\n' "unsharded" "-" "-" "$WHOLE" "1.00" "reference (one score)"
split_total=$(secs "$t1" "$t3")
printf '%-10s %10s %10s %10s %8s  %s\n' "extract+1" "$(secs "$t1" "$t2")" "$(secs "$t2" "$t3")" "$split_total" \
    "$(python3 -c "print(f'{$split_total / $WHOLE:.2f}')")" "$(cmp -s "$WORK/whole/scores.csv" "$WORK/split/scores.csv" && echo identical || echo DIFFERENT)"

status=0
for N in 1 2 4; do
    cache="$WORK/cache-$N"
    threads=$(( CORES / N ))
    [ "$threads" -ge 1 ] || threads=1
    t0=$(now)
    pids=()
    for ((i = 0; i < N; i++)); do
        "$CLI" extract "${ARGS[@]}" --cache-dir "$cache" --threads "$threads" --shard "$i/$N" \
            >"$WORK/extract-$N-$i.log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || { cat "$WORK"/extract-"$N"-*.log >&2; exit 1; }
    done
    t1=$(now)
    "$CLI" score "${ARGS[@]}" --cache-dir "$cache" --out "$WORK/shards-$N" >"$WORK/score-$N.log" 2>&1 \
        || { cat "$WORK/score-$N.log" >&2; exit 1; }
    t2=$(now)
    if grep -q "extracting it here" "$WORK/score-$N.log"; then
        echo "N=$N: the merging score extracted a shard itself:" >&2
        grep "extracting it here" "$WORK/score-$N.log" >&2
        status=1
    fi
    same="identical"
    for f in scores.csv metrics.csv; do
        cmp -s "$WORK/whole/$f" "$WORK/shards-$N/$f" || { same="DIFFERENT ($f)"; status=1; }
    done
    total=$(secs "$t0" "$t2")
    printf '%-10s %10s %10s %10s %8s  %s\n' "N=$N" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$total" \
        "$(python3 -c "print(f'{$total / $WHOLE:.2f}')")" "$same"
done
echo "machine: $CORES cores; images: 10,000 ID + 70,000 OOD + 60,000 fit; --batch 256"
exit "$status"
