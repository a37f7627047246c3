#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every fuzz target of the asan build for a bounded time from its seed corpus, under
# AddressSanitizer and UndefinedBehaviorSanitizer, with memory and per-input time limits (an input
# that allocates more than 2 GB, or takes more than 10 s, is a finding). Prints one line per target:
# executions, executions per second, coverage (edges) and corpus size. Exits non-zero on the first
# finding; its reproducer is kept in build/asan/fuzz-findings/.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET (default 30)] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(idx cifar csv image session sidecar cache detector features)
bin=build/asan/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings=build/asan/fuzz-findings
mkdir -p "$findings"
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in "${targets[@]}"; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  [[ -d tests/fuzz/corpus/$t ]] && cp tests/fuzz/corpus/"$t"/* "$corpus"/
  log="$work/$t.log"
  if OODLENS_FUZZ_SEEDS="$corpus" "$bin/fuzz_$t" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 \
       -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/$t-" >"$log" 2>&1; then
    runs=$(grep -m1 -oP 'stat::number_of_executed_units:\s*\K\d+' "$log" || echo "?")
    rate=$(grep -m1 -oP 'stat::average_exec_per_sec:\s*\K\d+' "$log" || echo "?")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(grep -oP 'cov: \K\d+' <<<"$last" || echo "?")
    corp=$(grep -oP 'corp: \K[0-9]+' <<<"$last" || echo "?")
    printf 'fuzz_%-8s %9s runs  %6s exec/s  cov %5s edges  corpus %4s\n' "$t" "$runs" "$rate" "$cov" "$corp"
  else
    echo "fuzz_$t: FINDING (reproducer in $findings/):"
    grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$log" | head -20 || tail -30 "$log"
    status=1
  fi
done
exit $status
