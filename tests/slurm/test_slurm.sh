#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
#
# The Slurm scripts (packaging/slurm) on a real single-node Slurm started here (tests/slurm/cluster.sh:
# munged, slurmctld and slurmd from Debian's packages, on localhost, stopped at the end on every exit
# path). The run is the bundled demo's model and sets (ID, OOD and the fit set; every method), given
# as a user gives a run (--model, --id, --ood, --fit). An unsharded `oodlens-cli score` is the
# reference; submit.sh then runs the same options as an array of 3 extraction shards and a dependent
# score job; every task and the score job must complete, run.json must show every dataset put
# together from the 3 shards (none extracted by the score job), and the sharded scores.csv and
# metrics.csv must equal the reference byte for byte.
#
# Usage: tests/slurm/test_slurm.sh BUILD_DIR|OODLENS_CLI
#        (the binary: $OODLENS_CLI, else the argument if it is an executable file, else
#        BUILD_DIR/bin/oodlens-cli)
# Environment: OODLENS_SLURM_TIMEOUT   seconds to wait for the jobs (default 600)
#              OODLENS_DEMO_DIR         the demo's files (default: resources/demo of this checkout)
#              OODLENS_SLURM_KEEP=1     keep the work folder after a pass (it is always kept after a failure)
#
# Exit status 0 only when everything checked; 1 with the reason otherwise, "cannot start Slurm: ..."
# included: a machine without Slurm fails this test, it never passes or skips it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
submit=$repo/packaging/slurm/submit.sh
shards=3
timeout_s=${OODLENS_SLURM_TIMEOUT:-600}

say() { echo "test_slurm: $*"; }
fail() {
  echo "test_slurm: FAIL: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || fail "usage: $0 BUILD_DIR|OODLENS_CLI"
if [[ -n ${OODLENS_CLI:-} ]]; then
  cli=$OODLENS_CLI
elif [[ -f $1 && -x $1 ]]; then
  cli=$1
else
  cli=$1/bin/oodlens-cli
fi
[[ -x $cli ]] || fail "no oodlens-cli at $cli"
cli=$(cd "$(dirname "$cli")" && pwd -P)/$(basename "$cli")

demo=${OODLENS_DEMO_DIR:-$repo/resources/demo}
run_opts=(--model "$demo/mnist_cnn.pt" --preset mnist
  --id "id=$demo/mnist-test-2000-images-idx3-ubyte.gz"
  --ood "fashion-mnist=$demo/fashion-mnist-2000-images-idx3-ubyte.gz"
  --fit "$demo/mnist-train-5000-images-idx3-ubyte.gz"
  --methods all)
for f in mnist_cnn.pt mnist-test-2000-images-idx3-ubyte.gz fashion-mnist-2000-images-idx3-ubyte.gz \
  mnist-train-5000-images-idx3-ubyte.gz; do
  [[ -f $demo/$f ]] || fail "no demo file $demo/$f (set OODLENS_DEMO_DIR)"
done

# An outer Slurm (a CI job that itself runs under Slurm) must not steer the private cluster's jobs.
while read -r v; do
  [[ $v == SLURM_CONF ]] || unset "$v"
done < <(compgen -e | grep -E '^(SLURM|SBATCH|SALLOC|SRUN|SQUEUE|SINFO|SCONTROL)_' || true)

work=$(mktemp -d "${TMPDIR:-/tmp}/oodlens-slurm.XXXXXX")
chmod 755 "$work" # munged wants every folder above its socket searchable by all
cluster=$work/cluster
passed=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if ! "$here/cluster.sh" stop "$cluster" >"$work/stop.log" 2>&1; then
    cat "$work/stop.log" >&2
    echo "test_slurm: FAIL: cluster.sh stop left processes behind (above)" >&2
    rc=1
    passed=0
  fi
  if [[ $passed -eq 1 && $rc -eq 0 && ${OODLENS_SLURM_KEEP:-0} != 1 ]]; then
    rm -rf "$work"
  else
    echo "test_slurm: work folder kept: $work" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# 1. The cluster.
say "starting a private Slurm in $cluster"
if ! OODLENS_SLURM_OWNER_PID=$$ "$here/cluster.sh" start "$cluster" >"$work/start.log" 2>&1; then
  cat "$work/start.log" >&2
  reason=$(grep -m1 'cannot start Slurm:' "$work/start.log" | sed 's/.*cannot start Slurm: //') || true
  fail "cannot start Slurm: ${reason:-cluster.sh start failed (log above)}"
fi
cat "$work/start.log"
export SLURM_CONF=$cluster/slurm.conf

# 2. The unsharded reference, run directly.
say "reference: $cli score (the demo, unsharded)"
t0=$(date +%s)
"$cli" score "${run_opts[@]}" --cache-dir "$work/ref-cache" --out "$work/ref" >"$work/ref.log" 2>&1 ||
  {
    tail -n 30 "$work/ref.log" >&2
    fail "the unsharded reference run failed (log above)"
  }
ref_s=$(($(date +%s) - t0))
for f in scores.csv metrics.csv; do
  [[ -s $work/ref/$f ]] || fail "the reference wrote no $work/ref/$f"
done

# 3. The sharded run through Slurm.
say "submitting $shards shards and the dependent score job"
cd "$work"
OODLENS_CLI=$cli "$submit" "$shards" -- "${run_opts[@]}" --cache-dir "$work/shard-cache" --out "$work/out" \
  >"$work/submit.out" 2>"$work/submit.err" ||
  {
    cat "$work/submit.out" "$work/submit.err" >&2
    fail "submit.sh failed (above)"
  }
cat "$work/submit.err"
array_job=$(sed -n 's/^extract_job=//p' "$work/submit.out")
score_job=$(sed -n 's/^score_job=//p' "$work/submit.out")
[[ $array_job =~ ^[0-9]+$ && $score_job =~ ^[0-9]+$ ]] ||
  fail "submit.sh printed no job ids: $(cat "$work/submit.out")"

# One line per job record: "JobId ArrayTaskId JobState Reason ExitCode RunTime StdOut"
# (scontrol show job takes one id: ask for each).
records() {
  local j
  for j in "$array_job" "$score_job"; do
    scontrol show job -o "$j" 2>/dev/null
  done | awk '{
    id = task = st = rs = ec = rt = out = "-"
    for (i = 1; i <= NF; i++) {
      eq = index($i, "=")
      if (eq == 0) continue
      k = substr($i, 1, eq - 1); v = substr($i, eq + 1)
      if (k == "JobId") id = v
      else if (k == "ArrayTaskId") task = v
      else if (k == "JobState") st = v
      else if (k == "Reason") rs = v
      else if (k == "ExitCode") ec = v
      else if (k == "RunTime") rt = v
      else if (k == "StdOut") out = v
    }
    print id, task, st, rs, ec, rt, out
  }'
}

report_jobs() {
  echo "test_slurm: job records (JobId ArrayTaskId JobState Reason ExitCode RunTime StdOut):" >&2
  records | sed 's/^/  /' >&2 || true
  local f
  for f in "$work"/oodlens-*.out; do
    [[ -e $f ]] || continue
    echo "----- $f" >&2
    tail -n 30 "$f" >&2
  done
  for f in "$cluster"/log/slurmctld.log "$cluster"/log/slurmd.log; do
    [[ -s $f ]] || continue
    echo "----- tail of $f" >&2
    tail -n 15 "$f" >&2
  done
}

say "waiting for array job $array_job and score job $score_job (at most $timeout_s s)"
t0=$(date +%s)
while :; do
  recs=$(records) || true
  [[ -n $recs ]] || {
    report_jobs
    fail "scontrol knows neither job $array_job nor $score_job"
  }
  if ! awk '$3 !~ /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$/ { busy = 1 } END { exit !busy }' <<<"$recs"; then
    break
  fi
  if grep -q ' DependencyNeverSatisfied ' <<<"$recs"; then
    report_jobs
    fail "the score job $score_job can never run (DependencyNeverSatisfied): a shard of array $array_job failed"
  fi
  if [[ $(($(date +%s) - t0)) -ge $timeout_s ]]; then
    report_jobs
    fail "the jobs did not finish in $timeout_s s"
  fi
  sleep 2
done
wait_s=$(($(date +%s) - t0))

# 4. Every shard and the score job completed.
recs=$(records)
problems=
tasks=$(awk -v s="$score_job" '$1 != s && $2 != "-"' <<<"$recs")
n_tasks=$(grep -c . <<<"$tasks" || true)
[[ $n_tasks -eq $shards ]] || problems+="the array has $n_tasks task records, not $shards; "
for ((i = 0; i < shards; i++)); do
  line=$(awk -v i="$i" '$2 == i' <<<"$tasks")
  read -r _ _ st _ ec _ _ <<<"${line:-- - - - - - -}"
  [[ $st == COMPLETED && $ec == 0:0 ]] || problems+="shard $i: ${st:-no record} (exit $ec); "
done
score_line=$(awk -v s="$score_job" '$1 == s' <<<"$recs")
read -r _ _ score_state _ score_ec score_rt _ <<<"${score_line:-- - - - - - -}"
[[ $score_state == COMPLETED && $score_ec == 0:0 ]] || problems+="score job $score_job: $score_state (exit $score_ec); "
if [[ -n $problems ]]; then
  report_jobs
  fail "${problems%; }"
fi

# 5. The sharded result equals the unsharded one, byte for byte.
for f in scores.csv metrics.csv; do
  [[ -s $work/out/$f ]] || {
    report_jobs
    fail "the score job wrote no $work/out/$f"
  }
  if ! cmp -s "$work/ref/$f" "$work/out/$f"; then
    echo "test_slurm: diff reference sharded ($f, first lines):" >&2
    diff "$work/ref/$f" "$work/out/$f" | head -n 20 >&2 || true
    fail "$f of the $shards-shard Slurm run differs from the unsharded run's"
  fi
done
# The score job must have used the array's shards: run.json names, per dataset, shards 0/N to
# (N-1)/N, none of them extracted by the score job itself (score extracts a missing shard there).
[[ -s $work/out/run.json ]] || fail "the score job wrote no $work/out/run.json"
shard_check=$(/usr/bin/python3 - "$work/out/run.json" "$shards" <<'PY' 2>&1
import json, sys
run = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
want = ["%d/%d" % (i, n) for i in range(n)]
sets = run.get("datasets") or []
problems = [] if sets else ["no datasets"]
for d in sets:
    name = d.get("name", "?")
    parts = d.get("shards")
    if not parts:
        problems.append("%s: no shards record" % name)
        continue
    got = [p.get("shard") for p in parts]
    if sorted(got) != sorted(want):
        problems.append("%s: shards %s, not %s" % (name, ",".join(map(str, got)), ",".join(want)))
    here = [p.get("shard") for p in parts if p.get("extracted_here")]
    if here:
        problems.append("%s: the score job extracted shard(s) %s itself" % (name, ",".join(here)))
print("; ".join(problems) if problems else "%d datasets, each from shards %s" % (len(sets), ",".join(want)))
sys.exit(1 if problems else 0)
PY
) || fail "run.json of the Slurm run: $shard_check"

# 6. Summary.
rows=$(($(wc -l <"$work/ref/scores.csv") - 1))
say "PASS: $shards shards (array job $array_job) + score job $score_job on Slurm give scores.csv ($rows rows) and metrics.csv identical to the unsharded run"
while read -r id task st _ ec rt _; do
  say "  shard $task (job $id): $st, exit $ec, run time $rt"
done < <(sort -k2,2n <<<"$tasks")
say "  score job $score_job: $score_state, exit $score_ec, run time $score_rt"
say "  run.json: $shard_check"
say "  unsharded reference ${ref_s} s; Slurm jobs done ${wait_s} s after submission"
passed=1
