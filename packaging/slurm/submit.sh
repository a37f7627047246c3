#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
#
# Submit a sharded OOD Lens run to Slurm: a job array of N extraction tasks (extract.sbatch, one
# shard of every dataset per task) and a score job that runs once all of them succeeded
# (score.sbatch, --dependency=afterok on the array).
#
# Usage: packaging/slurm/submit.sh [SUBMIT-OPTIONS] N [SUBMIT-OPTIONS] [--] OODLENS-CLI-OPTIONS... --out DIR
#
#   N                        number of shards (array tasks 0 to N-1)
#   OODLENS-CLI-OPTIONS      the options of `oodlens-cli score` (--model, --id, --ood, --demo,
#                            --device, --cache-dir, ...); the array gets them without --out
# SUBMIT-OPTIONS:
#   --sbatch OPT             an sbatch option for both jobs, one word: --sbatch --partition=gpu
#                            --sbatch --gres=gpu:1 --sbatch --time=01:00:00 (repeatable)
#   --extract-sbatch OPT     an sbatch option for the array only (repeatable)
#   --score-sbatch OPT       an sbatch option for the score job only (repeatable)
#   --dry-run                print the two sbatch commands, submit nothing
# Environment:
#   OODLENS_SBATCH_ARGS      more sbatch options for both jobs (split at spaces), before --sbatch's
#   OODLENS_CACHE_DIR        the feature cache when the options give no --cache-dir; it must be a
#                            folder every node sees. It is passed to both jobs as --cache-dir.
#   OODLENS_CLI              the oodlens-cli binary the jobs run (else oodlens-cli on their PATH)
#
# Prints, on stdout, `extract_job=ID` and `score_job=ID`. Exit status 0 when both were submitted.
set -euo pipefail

die() {
  echo "submit.sh: $*" >&2
  exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
both=()
if [[ -n ${OODLENS_SBATCH_ARGS:-} ]]; then
  read -r -a both <<<"$OODLENS_SBATCH_ARGS"
fi
extract_only=()
score_only=()
dry=0
shards=
# The submit options, before or after N (oodlens-cli has none of these names); then the CLI's options.
while [[ $# -gt 0 ]]; do
  case $1 in
    --sbatch | --extract-sbatch | --score-sbatch)
      [[ $# -ge 2 ]] || die "$1 needs an sbatch option"
      case $1 in
        --sbatch) both+=("$2") ;;
        --extract-sbatch) extract_only+=("$2") ;;
        --score-sbatch) score_only+=("$2") ;;
      esac
      shift 2
      ;;
    --dry-run)
      dry=1
      shift
      ;;
    -h | --help)
      sed -n '/^# Usage:/,/^# Prints/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    --)
      shift
      break
      ;;
    *)
      [[ -z $shards ]] || break
      shards=$1
      shift
      ;;
  esac
done
[[ -n $shards ]] || die "give the number of shards N, then the oodlens-cli options (--help)"
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "the number of shards must be a positive integer, not '$shards'"
[[ $# -gt 0 ]] || die "no oodlens-cli options (e.g. --model FILE --id DATASET --ood DATASET --out DIR)"

# The extraction's options: the score options without --out DIR. Every oodlens-cli option takes its
# value as the next word (no --opt=value form), and no value starts with --.
score_opts=("$@")
extract_opts=()
out=
cache=
while [[ $# -gt 0 ]]; do
  case $1 in
    --out)
      [[ $# -ge 2 ]] || die "--out needs a folder"
      out=$2
      shift 2
      continue
      ;;
    --cache-dir)
      cache=${2:-}
      ;;
    --no-cache) die "--no-cache: a sharded run hands its features from the array to the score job through the cache" ;;
    --shard) die "--shard is set per array task by extract.sbatch; do not give it" ;;
  esac
  extract_opts+=("$1")
  shift
done
[[ -n $out ]] || die "no --out DIR: the score job writes DIR/scores.csv, metrics.csv and run.json"

if [[ -z $cache ]]; then
  if [[ -n ${OODLENS_CACHE_DIR:-} ]]; then
    cache=$OODLENS_CACHE_DIR
  else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/oodlens/features
    echo "submit.sh: note: no --cache-dir and no OODLENS_CACHE_DIR: the jobs use $cache, which every node must see" >&2
  fi
  [[ $cache == /* ]] || cache=$PWD/$cache
  score_opts+=(--cache-dir "$cache")
  extract_opts+=(--cache-dir "$cache")
fi

extract_cmd=(sbatch --parsable "--array=0-$((shards - 1))" "${both[@]}" "${extract_only[@]}"
  "$here/extract.sbatch" --shards "$shards" "${extract_opts[@]}")
if [[ $dry -eq 1 ]]; then
  printf '%q ' "${extract_cmd[@]}"
  echo
  score_cmd=(sbatch --parsable --dependency=afterok:ARRAY_JOB_ID "${both[@]}" "${score_only[@]}"
    "$here/score.sbatch" "${score_opts[@]}")
  printf '%q ' "${score_cmd[@]}"
  echo
  exit 0
fi
command -v sbatch >/dev/null || die "no sbatch on PATH: run this on a Slurm login node"

reply=$("${extract_cmd[@]}") || die "sbatch refused the extraction array (its message is above)"
array_job=${reply%%;*}
[[ $array_job =~ ^[0-9]+$ ]] || die "sbatch gave no job id for the array: '$reply'"
score_cmd=(sbatch --parsable "--dependency=afterok:$array_job" "${both[@]}" "${score_only[@]}"
  "$here/score.sbatch" "${score_opts[@]}")
if ! reply=$("${score_cmd[@]}"); then
  echo "submit.sh: sbatch refused the score job (its message is above); the array $array_job is queued (scancel $array_job to drop it)" >&2
  echo "extract_job=$array_job"
  exit 1
fi
score_job=${reply%%;*}
echo "extract_job=$array_job"
echo "score_job=$score_job"
echo "submit.sh: array $array_job (tasks 0-$((shards - 1))) extracts into $cache; job $score_job scores into $out after all succeed; watch: squeue -j $array_job,$score_job" >&2
