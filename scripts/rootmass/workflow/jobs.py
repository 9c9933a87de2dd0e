"""What a rule script needs around its work: its log, and what to do when an
image fails. (Each job's time, CPU and sampled memory are recorded by
Snakemake's `benchmark:` directive, in logs/benchmarks/<rule>/; its log ends
with its exact peak memory, which sampling twice a second misses in short
jobs.)"""

import contextlib
import re
import resource
import sys

__all__ = ["JOB_ENVIRONMENT", "job_log", "peak_memory_mib", "OnError"]

#: What the workflow sets in the environment its jobs inherit (where not
#: set already). The jobs allocate and free arrays of tens of megabytes, one
#: image after another. By default glibc hands each one back to the system
#: and the next image's arrays fault their pages in again: measured here,
#: that was a fifth of grayscale_blur's CPU time (system time). Keeping freed
#: memory in the process for the next image changes no job's peak memory.
JOB_ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": str(2**30),
    "MALLOC_TRIM_THRESHOLD_": str(2**30),
}

_PEAK = "peak resident memory: {:.1f} MiB"
_CPU = "CPU time: {:.2f} s user, {:.2f} s system (the job's process, from its start)"


@contextlib.contextmanager
def job_log(path):
    """Send stderr (warnings, per-image errors) to the job's log file, and
    end the log with the job's CPU time and peak resident memory."""
    with open(path, "w", encoding="utf-8", buffering=1) as log:
        sys.stderr = log
        try:
            yield log
        finally:
            sys.stderr = sys.__stderr__
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(_CPU.format(usage.ru_utime, usage.ru_stime), file=log)
            print(_PEAK.format(usage.ru_maxrss / 1024), file=log)


def peak_memory_mib(path):
    """The peak resident memory a job's log records, in MiB (None if none)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        found = re.findall(_PEAK.replace("{:.1f}", r"([0-9.]+)"), f.read())
    return float(found[-1]) if found else None


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
