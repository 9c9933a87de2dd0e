"""What a rule script needs around its work: its log, and a record of what
the job cost (start-up and working CPU time, peak memory), which the
benchmark reads back from the logs."""

import contextlib
import os
import resource
import sys

__all__ = ["job_log", "read_job_costs", "OnError"]

_PAGE = os.sysconf("SC_PAGE_SIZE")
_MARK = "job-cost:"


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _cpu_seconds():
    t = os.times()
    return t.user + t.system


@contextlib.contextmanager
def job_log(path):
    """Send stderr to the job's log file; end the log with the job's costs.

    The last line reads ``job-cost: startup_cpu=S work_cpu=W images=N
    baseline_rss=B peak_rss=P``: CPU seconds before and after this point,
    and the resident memory here and at the process's peak, in bytes.
    """
    startup, baseline = _cpu_seconds(), _rss_bytes()
    log = open(path, "w", encoding="utf-8", buffering=1)
    sys.stderr = log
    counter = {"images": 0}
    try:
        yield counter
    finally:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(
            f"{_MARK} startup_cpu={startup:.3f} work_cpu={_cpu_seconds() - startup:.3f}"
            f" images={counter['images']} baseline_rss={baseline} peak_rss={peak}",
            file=log,
        )
        sys.stderr = sys.__stderr__
        log.close()


def read_job_costs(path):
    """Return the cost record of a job log as a dict, or None if it has none."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(_MARK):
                fields = dict(item.split("=", 1) for item in line[len(_MARK) :].split())
                return {k: float(v) for k, v in fields.items()}
    return None


class OnError:
    """What a rule script does when one image fails: ``'stop'`` ends the job
    with one line naming the file and the reason; ``'skip'`` returns the
    reason, to be recorded, and the job goes on with the other images."""

    def __init__(self, policy, stage):
        if policy not in ("stop", "skip"):
            raise ValueError(f"on_error must be 'stop' or 'skip'; got {policy!r}")
        self.policy, self.stage = policy, stage

    def __call__(self, image, error):
        reason = str(error) or type(error).__name__
        line = f"{self.stage}: cannot process {image!r}: {reason}"
        print(line, file=sys.stderr)  # the job's log
        if self.policy == "stop":
            raise SystemExit(line)
        return reason
