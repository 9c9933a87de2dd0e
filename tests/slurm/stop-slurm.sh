#!/usr/bin/env bash
# stop-slurm.sh - stop the daemons started by start-slurm.sh, by PID file
# (the project's own copy of ../shared/slurm/stop-slurm.sh). Run as root.
set -uo pipefail
STATE="${SLURM_STATE_DIR:-/var/lib/slurm-local}"

stop_pid() {  # stop_pid PROCESS-NAME PIDFILE
  local name=$1 f=$2 pid
  [ -s "$f" ] || { echo "$name: no pid file"; return 0; }
  pid=$(cat "$f")
  if ! kill -0 "$pid" 2>/dev/null || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$name" ]; then
    echo "$name: not running (stale pid file)"; rm -f "$f"; return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then echo "$name: still alive after 30s, SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$f"
  echo "$name ($pid) stopped"
}

# cancel leftover jobs first so no job processes outlive slurmd
if [ -s "$STATE/run/slurmctld.pid" ] && kill -0 "$(cat "$STATE/run/slurmctld.pid")" 2>/dev/null; then
  squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
  sleep 1
fi
stop_pid slurmd    "$STATE/run/slurmd.pid"
stop_pid slurmctld "$STATE/run/slurmctld.pid"
stop_pid slurmdbd  "$STATE/run/slurmdbd.pid"
stop_pid mariadbd  /run/mysqld/mysqld.pid
stop_pid munged    /run/munge/munged.pid
