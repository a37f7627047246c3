#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
#
# A private single-node Slurm on localhost, for tests: its own munged (own key, socket, pid and log),
# its own slurm.conf, slurmctld and slurmd, every file inside DIR. Nothing in /etc/munge, /etc/slurm
# or systemd is used or changed.
#
# Usage: tests/slurm/cluster.sh start DIR     start the daemons, wait until the node is idle
#        tests/slurm/cluster.sh stop DIR      cancel the jobs, stop every daemon started in DIR
#        tests/slurm/cluster.sh status DIR    sinfo and squeue of the cluster in DIR
#
# After start:  export SLURM_CONF=DIR/slurm.conf   (then sbatch, squeue, sinfo, scontrol, scancel)
#
# Environment: OODLENS_SLURM_PORT   slurmctld's port (slurmd takes the next one; default: two free
#                                   ports picked at random in 20000-39999)
#              OODLENS_SLURM_WAIT   seconds to wait for the node to be idle (default 60)
#              OODLENS_SLURM_OWNER_PID  a pid (the calling test's): a watchdog started with the
#                                   cluster runs `stop DIR` within 2 s after that process ends
#
# Needs root (SlurmUser=root; slurmd runs jobs as their user) and Debian's slurm-wlm and munge
# (slurmctld, slurmd, munged, munge/unmunge, sinfo, scontrol). start fails, with the reason and
# the daemons' log tails, when any step does, and then stops what it had started. stop works on a
# half-started DIR and leaves no process behind (daemons by pid file and by a marker in their
# environment, job processes by SLURM_CONF=DIR/slurm.conf in theirs); it exits non-zero if one
# survives SIGKILL.
set -euo pipefail

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '/^# Usage:/,/^# After start:/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
cmd=$1
[[ -n $2 ]] || usage
if [[ $cmd == start ]]; then
  mkdir -p "$2" 2>/dev/null || die "cannot start Slurm: cannot create $2"
elif [[ ! -d $2 ]]; then
  echo "cluster.sh: no folder $2: nothing to $cmd"
  [[ $cmd == stop ]] && exit 0
  exit 1
fi
DIR=$(cd "$2" && pwd -P)
CONF=$DIR/slurm.conf
RUN=$DIR/run
LOGS=$DIR/log
SOCK=$DIR/munge/munge.socket
# Every daemon started here carries this variable; stop finds stragglers (slurmscriptd, slurmstepd) by it.
MARKER=OODLENS_SLURM_CLUSTER_DIR

# pid_alive PID NAME...: PID runs and its comm is one of NAME (guards against a reused pid).
pid_alive() {
  local pid=$1 comm
  shift
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  local n
  for n in "$@"; do
    [[ $comm == "$n" ]] && return 0
  done
  return 1
}

# env_has PID STRING: the NUL-separated environment of PID holds the entry STRING exactly.
env_has() {
  [[ -r /proc/$1/environ ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qxF -- "$2"
}

# env_has_var PID NAME: PID's environment sets NAME.
env_has_var() {
  [[ -r /proc/$1/environ ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -q "^$2="
}

slurm_daemon() { # PID: its comm is one of Slurm's or munge's daemons
  local comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  [[ $comm == slurmstepd || $comm == slurmd || $comm == slurmctld || $comm == slurmscriptd || $comm == munged ]]
}

holds_file_in() { # PID FOLDER/: one of PID's open files lies in FOLDER
  local fd target
  for fd in "/proc/$1/fd/"*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    [[ $target == "$2"* ]] && return 0
  done
  return 1
}

# Processes of this cluster not found through pid files: daemons' children (marker) and job
# processes (SLURM_CONF of this cluster and a SLURM_JOB_ID). Never this script or its ancestors.
stragglers() {
  local self=" $$ " p ppid
  p=$$
  while [[ $p -gt 1 ]]; do
    ppid=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || break
    self+="$ppid "
    p=$ppid
  done
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [[ $self == *" $pid "* ]] && continue
    if env_has "$pid" "$MARKER=$DIR"; then
      echo "$pid"
    elif slurm_daemon "$pid" && holds_file_in "$pid" "$DIR/"; then
      # slurmstepd: slurmd clears its environment, but it keeps slurmd's log open.
      echo "$pid"
    elif env_has "$pid" "SLURM_CONF=$CONF" && env_has_var "$pid" SLURM_JOB_ID; then
      echo "$pid"
    fi
  done
}

describe() { # PID: "PID (comm)"
  echo "$1 ($(cat "/proc/$1/comm" 2>/dev/null || echo gone))"
}

# kill_wait SECONDS PID...: SIGTERM, wait, then SIGKILL what is left.
kill_wait() {
  local secs=$1 pid left i
  shift
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    left=()
    for pid in "$@"; do
      running "$pid" && left+=("$pid")
    done
    [[ ${#left[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
  for pid in "${left[@]}"; do
    echo "cluster.sh: $(describe "$pid") ignored SIGTERM for ${secs}s; SIGKILL" >&2
  done
  kill -KILL "${left[@]}" 2>/dev/null || true
  sleep 0.5
}

# gone_wait PID...: give the reaper up to 3 s to remove the zombies of PIDs (cosmetic: pgrep lists them).
gone_wait() {
  local i pid left
  for ((i = 0; i < 30; i++)); do
    left=0
    for pid in "$@"; do
      [[ -d /proc/$pid ]] && left=1
    done
    [[ $left -eq 0 ]] && return 0
    sleep 0.1
  done
}

# pids_of NAME: the pids in RUN/NAME.pid (the daemon's) and RUN/NAME.launched (ours) that still run
# as NAME or carry this cluster's marker (a launched daemon between fork and exec).
pids_of() {
  local f pid
  for f in "$RUN/$1.pid" "$RUN/$1.launched"; do
    [[ -r $f ]] || continue
    pid=$(tr -dc '0-9' 2>/dev/null <"$f") || continue
    [[ -n $pid ]] || continue
    if pid_alive "$pid" "$1" || { running "$pid" && env_has "$pid" "$MARKER=$DIR"; }; then
      echo "$pid"
    fi
  done | sort -u
}

running() { # PID: exists and is no zombie
  [[ $1 =~ ^[0-9]+$ ]] && [[ -d /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

log_tails() {
  local f
  for f in "$LOGS"/munged.log "$LOGS"/slurmctld.log "$LOGS"/slurmctld.out "$LOGS"/slurmd.log "$LOGS"/slurmd.out; do
    [[ -s $f ]] || continue
    echo "----- tail of $f" >&2
    tail -n 25 "$f" >&2
  done
}

children() { # PID: its child processes
  local d
  for d in /proc/[0-9]*; do
    [[ $(awk '{print $4}' "$d/stat" 2>/dev/null) == "$1" ]] && echo "${d#/proc/}"
  done
  return 0
}

do_stop() {
  local pids p wd i all=()
  # The watchdog first (unless this is the watchdog's own stop), quietly: it is no straggler.
  wd=$(tr -dc '0-9' 2>/dev/null <"$RUN/watchdog.launched") || true
  if [[ -n $wd && $wd != "$$" ]] && running "$wd" && env_has "$wd" "$MARKER=$DIR"; then
    kill -STOP "$wd" 2>/dev/null || true # it forks no more sleeps
    mapfile -t pids < <(children "$wd")
    kill -KILL "$wd" "${pids[@]}" 2>/dev/null || true
  fi
  if [[ -r $CONF ]] && [[ -n $(pids_of slurmctld) ]]; then
    # Cancel the jobs first, so that slurmd's steps end their tasks themselves.
    local jobs
    jobs=$(SLURM_CONF=$CONF timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ') || true
    if [[ -n ${jobs// /} ]]; then
      # shellcheck disable=SC2086 # job ids, one word each
      SLURM_CONF=$CONF timeout 10 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        [[ -z $(SLURM_CONF=$CONF timeout 5 squeue -h -o %A 2>/dev/null) ]] && break
        sleep 0.1
      done
    fi
  fi
  for p in slurmd slurmctld; do
    mapfile -t pids < <(pids_of "$p")
    all+=("${pids[@]}")
    kill_wait 10 "${pids[@]}"
  done
  mapfile -t pids < <(stragglers | grep -vxF -f <(pids_of munged) || true)
  if [[ ${#pids[@]} -gt 0 ]]; then
    for p in "${pids[@]}"; do
      running "$p" || continue
      echo "cluster.sh: stopping straggler $(describe "$p")" >&2
      # slurmstepd ignores SIGTERM once its slurmctld is gone.
      if [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmstepd ]]; then
        kill -KILL "$p" 2>/dev/null || true
      fi
    done
    all+=("${pids[@]}")
    kill_wait 5 "${pids[@]}"
  fi
  mapfile -t pids < <(pids_of munged)
  all+=("${pids[@]}")
  kill_wait 5 "${pids[@]}"
  mapfile -t pids < <(stragglers)
  if [[ ${#pids[@]} -gt 0 ]]; then
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.5
    mapfile -t pids < <(stragglers)
  fi
  rm -f "$RUN"/*.pid "$RUN"/*.launched
  gone_wait "${all[@]}"
  if [[ ${#pids[@]} -gt 0 ]]; then
    for p in "${pids[@]}"; do echo "cluster.sh: still running after SIGKILL: $(describe "$p")" >&2; done
    return 1
  fi
  return 0
}

fail_start() {
  echo "cluster.sh: cannot start Slurm: $*" >&2
  log_tails
  do_stop || true
  exit 1
}

port_free() { # PORT: nothing listens on 127.0.0.1:PORT
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# launch NAME CMD...: start a daemon in the foreground of a background job (env execs it: $! is its
# pid), SIGHUP ignored, stdout/stderr to LOGS/NAME.out.
launch() {
  local name=$1
  shift
  (
    trap '' HUP
    cd "$DIR"
    exec env "$MARKER=$DIR" SLURM_CONF="$CONF" "$@" </dev/null >>"$LOGS/$name.out" 2>&1
  ) &
  echo $! >"$RUN/$name.launched"
}

launched() { # NAME: the launched daemon still runs
  running "$(cat "$RUN/$1.launched" 2>/dev/null)"
}

do_start() {
  local c
  for c in munged munge unmunge slurmctld slurmd sinfo scontrol squeue; do
    command -v "$c" >/dev/null ||
      fail_start "$c not found (Debian: apt-get install slurm-wlm munge)"
  done
  [[ $(id -u) -eq 0 ]] || fail_start "needs root (SlurmUser=root, slurmd runs jobs as their user); running as $(id -un)"
  local p
  for p in slurmctld slurmd munged; do
    [[ -z $(pids_of "$p") ]] || die "a $p of $DIR already runs (pid $(pids_of "$p" | head -1)); run: $0 stop $DIR"
  done
  mkdir -p "$RUN" "$LOGS" "$DIR/munge" "$DIR/state" "$DIR/spool" || fail_start "cannot create folders in $DIR"
  # munged refuses a socket in a folder that not everybody can search, nor a key readable by others.
  chmod 755 "$DIR" "$DIR/munge" || fail_start "cannot chmod 755 $DIR"
  local parent=$DIR
  while [[ $parent != / ]]; do
    parent=$(dirname "$parent")
    [[ $(($(stat -c %#a "$parent") & 8#001)) -ne 0 ]] || fail_start "munged needs every folder above its socket searchable by all: $parent is $(stat -c %a "$parent")"
  done

  # A Unix socket's path holds at most 107 bytes.
  [[ ${#SOCK} -le 100 ]] || fail_start "the munge socket path $SOCK is longer than 100 bytes: use a shorter DIR"

  # munge
  local key=$DIR/munge/munge.key
  rm -f "$key"
  if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$key" >/dev/null 2>&1 || fail_start "mungekey could not create $key"
  else
    (umask 077 && dd if=/dev/urandom of="$key" bs=1024 count=1 status=none) || fail_start "cannot write $key"
  fi
  chmod 600 "$key"
  rm -f "$SOCK" "$SOCK.lock"
  launch munged munged --foreground --socket="$SOCK" --key-file="$key" --pid-file="$RUN/munged.pid" \
    --seed-file="$DIR/munge/munged.seed" --log-file="$LOGS/munged.log"
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -S $SOCK ]] && break
    launched munged || fail_start "munged exited: $(tail -n 3 "$LOGS/munged.out" 2>/dev/null)"
    sleep 0.1
  done
  [[ -S $SOCK ]] || fail_start "munged made no socket $SOCK in 10 s"
  munge --socket="$SOCK" --no-input 2>"$LOGS/munge-check.err" | unmunge --socket="$SOCK" >/dev/null 2>>"$LOGS/munge-check.err" ||
    fail_start "munge credential round trip failed: $(cat "$LOGS/munge-check.err")"

  # slurm.conf
  local node cpus mem_kb mem hw_mem ctld_port slurmd_port
  node=$(hostname -s) || fail_start "hostname -s failed"
  [[ -n $node ]] || fail_start "hostname -s is empty"
  cpus=$(nproc)
  mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  [[ $mem_kb =~ ^[0-9]+$ ]] || fail_start "no MemTotal in /proc/meminfo"
  mem=$((mem_kb / 1024))
  # slurmd drains a node configured with more memory than it measures; take the smaller of the two.
  hw_mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1) || true
  [[ $hw_mem =~ ^[0-9]+$ ]] && [[ $hw_mem -lt $mem ]] && mem=$hw_mem
  if [[ -n ${OODLENS_SLURM_PORT:-} ]]; then
    ctld_port=$OODLENS_SLURM_PORT
    [[ $ctld_port =~ ^[0-9]+$ ]] || fail_start "OODLENS_SLURM_PORT is not a port number: $ctld_port"
  else
    for ((i = 0; i < 50; i++)); do
      ctld_port=$((20000 + (RANDOM % 10000) * 2))
      port_free "$ctld_port" && port_free $((ctld_port + 1)) && break
    done
  fi
  slurmd_port=$((ctld_port + 1))
  port_free "$ctld_port" || fail_start "port $ctld_port is in use (set OODLENS_SLURM_PORT)"
  port_free "$slurmd_port" || fail_start "port $slurmd_port is in use (set OODLENS_SLURM_PORT)"
  mkdir -p "$DIR/spool/slurmd-$node" || fail_start "cannot create $DIR/spool/slurmd-$node"
  : >"$DIR/plugstack.conf"
  cat >"$CONF" <<EOF
# Written by tests/slurm/cluster.sh: a private single-node cluster on localhost.
ClusterName=oodlenstest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd-%n
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$DIR/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmdTimeout=300
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

  launch slurmctld slurmctld -D -i -f "$CONF"
  local up=0
  for ((i = 0; i < 150; i++)); do
    launched slurmctld || fail_start "slurmctld exited"
    if SLURM_CONF=$CONF timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then
      up=1
      break
    fi
    sleep 0.2
  done
  [[ $up -eq 1 ]] || fail_start "slurmctld did not answer scontrol ping in 30 s"
  launch slurmd slurmd -D -N "$node" -f "$CONF"
  local wait_s=${OODLENS_SLURM_WAIT:-60} state=
  for ((i = 0; i < wait_s * 2; i++)); do
    launched slurmd || fail_start "slurmd exited"
    state=$(SLURM_CONF=$CONF timeout 5 sinfo -h -N -n "$node" -o %T 2>/dev/null | head -1) || true
    [[ $state == idle ]] && break
    sleep 0.5
  done
  if [[ $state != idle ]]; then
    fail_start "node $node is '${state:-unknown}', not idle, after ${wait_s} s: $(SLURM_CONF=$CONF timeout 5 scontrol show node "$node" 2>&1 | grep -E 'State=|Reason=' | tr -s ' \n' ' ')"
  fi
  if [[ -n ${OODLENS_SLURM_OWNER_PID:-} ]]; then
    # The owner (a test) may be killed where its traps cannot run (SIGKILL on a ctest timeout): a
    # watchdog stops the cluster within 2 s of the owner's end.
    local owner=$OODLENS_SLURM_OWNER_PID self
    running "$owner" || fail_start "OODLENS_SLURM_OWNER_PID=$owner is no running process"
    self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
    (
      trap '' HUP
      # shellcheck disable=SC2016 # the watchdog's own script, expanded there
    exec env "$MARKER=$DIR" bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" stop "$3"' \
        watchdog "$owner" "$self" "$DIR" </dev/null >>"$LOGS/watchdog.out" 2>&1
    ) &
    echo $! >"$RUN/watchdog.launched"
  fi
  echo "cluster.sh: Slurm up: node $node ($cpus CPUs, $mem MB), slurmctld on 127.0.0.1:$ctld_port, logs in $LOGS"
  echo "export SLURM_CONF=$CONF"
}

do_status() {
  [[ -r $CONF ]] || die "no $CONF"
  local p
  for p in munged slurmctld slurmd; do
    echo "$p: $(pids_of "$p" | tr '\n' ' ')"
  done
  SLURM_CONF=$CONF timeout 10 sinfo -N -l || true
  SLURM_CONF=$CONF timeout 10 squeue || true
}

case $cmd in
  start) do_start ;;
  stop)
    if do_stop; then
      echo "cluster.sh: stopped the cluster in $DIR"
    else
      exit 1
    fi
    ;;
  status) do_status ;;
  *) usage ;;
esac
