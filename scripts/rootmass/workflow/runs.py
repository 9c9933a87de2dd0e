"""Runs of the workflow in one working directory: the lock a killed run
leaves behind, and what a finished run tells its user.

Snakemake locks the working directory while a run is on, and a run killed
with SIGKILL leaves the lock behind: the next run refuses to start until the
user runs ``snakemake --unlock``. Snakemake cannot tell a dead run's lock
from a live one's; this module can, because every run records its process
(:func:`record_run`) and a lock whose run is no longer alive on this host is
removed (:func:`clear_stale_locks`), so that a killed run can simply be
started again, as the README promises. A live run's lock stands, so a
second run started at the same time is still refused.

A run records itself when it starts (the workflow's ``onstart``, which
Snakemake calls once it holds the lock and before any job): so the record
names the run that holds the lock. The stale lock itself must be removed
before that, since Snakemake refuses a locked directory before it calls
``onstart``: the workflow does it in the main process of a run that will
run jobs (never on a dry run, ``--lint``, ``--list-rules`` or ``--report``,
which do not lock), as Snakemake builds the run's jobs (after it has read
the rules, before it checks its lock). Between Snakemake's
lock and ``onstart`` the record still names the run before, so a lock is
also left alone while another snakemake runs in this working directory
(:func:`other_runs_here`).
"""

import csv
import os
import socket

__all__ = [
    "LOCKS",
    "RUN_RECORD",
    "locked",
    "record_run",
    "run_alive",
    "other_runs_here",
    "clear_stale_locks",
    "skipped_message",
]

LOCKS = os.path.join(".snakemake", "locks")
RUN_RECORD = os.path.join(".snakemake", "rootmass-run")


def locked(locks=LOCKS):
    """Whether a run holds Snakemake's lock of the working directory."""
    return os.path.isdir(locks) and bool(os.listdir(locks))


def record_run(path=RUN_RECORD, pid=None):
    """Record this run's process and host."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{pid or os.getpid()} {socket.gethostname()}\n")


def run_alive(pid):
    """Whether a process of that id is a running snakemake."""
    import psutil

    try:
        return any("snakemake" in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def other_runs_here(folder="."):
    """The ids of the snakemake processes, other than this one and its
    parents, whose working directory is ``folder`` (this host's only)."""
    import psutil

    here, own = os.path.realpath(folder), {os.getpid()}
    try:
        own.update(p.pid for p in psutil.Process().parents())
    except psutil.Error:
        pass
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if process.pid in own or not any(
                "snakemake" in part for part in process.info["cmdline"] or ()
            ):
                continue
            if os.path.realpath(process.cwd()) == here:
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def clear_stale_locks(locks=LOCKS, record=RUN_RECORD):
    """Remove the locks of a recorded run that is no longer running.

    Returns
    -------
    str or None
        What was done, in one line, or None where nothing was.
    """
    if not locked(locks):
        return None
    try:
        with open(record, encoding="utf-8") as f:
            pid, host = f.read().split()
    except (OSError, ValueError):
        return None
    if host != socket.gethostname() or run_alive(int(pid)):
        return None
    if other_runs_here(os.path.dirname(os.path.dirname(os.path.abspath(locks)))):
        return None
    for name in os.listdir(locks):
        os.remove(os.path.join(locks, name))
    return f"Removed the lock of an earlier run (process {pid}) that is no longer running."


def skipped_message(csv_path):
    """One line on the images a run skipped (``on_error: skip``), or None."""
    if not os.path.exists(csv_path):
        return None
    with open(csv_path, newline="", encoding="utf-8") as f:
        statuses = [row.get("status") for row in csv.DictReader(f)]
    skipped = sum(status != "ok" for status in statuses)
    if not skipped:
        return None
    return (
        f"{skipped} of {len(statuses)} images were skipped: see the status and"
        f" error columns of {csv_path}."
    )


def end_scheduler_timers(scheduler):
    """Cancel the timers that a run's scheduler leaves waiting when the run
    ends (Snakemake's ``onsuccess`` and ``onerror``, called once its
    scheduling is over); return how many.

    With its default ``--max-jobs-per-timespan`` (``100/1s``), Snakemake
    9.27.1's scheduler starts a ``threading.Timer`` of the timespan each
    time it waits for jobs (``JobScheduler._schedule_reevalutation``), to
    look again once the rate limit allows. The last of them are still
    waiting when the run is over, and Python waits for them before it
    exits: every run that ran a job ended a second after its last line (1.3
    s measured on a one-job workflow). A cancelled timer ends at once, and
    calls nothing. Only the timers of ``scheduler`` (the run's,
    ``workflow.scheduler``) are cancelled: another run in the same process
    keeps its own. No setting changes.
    """
    import threading

    cancelled = 0
    for thread in threading.enumerate():
        action = getattr(thread, "function", None)
        code = getattr(action, "__code__", None)
        cells = getattr(action, "__closure__", None) or ()
        if (isinstance(thread, threading.Timer) and code is not None
                and code.co_filename.endswith(os.path.join("scheduling", "job_scheduler.py"))
                and any(cell.cell_contents is scheduler for cell in cells)):
            thread.cancel()
            cancelled += 1
    return cancelled
