"""What produced a result: package versions, the effective config, the time."""

import datetime
import importlib.metadata
import platform
import sys

__all__ = ["package_versions", "provenance"]


def package_versions():
    """Return ``{distribution name: version}`` of every installed package."""
    versions = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions[name.lower()] = dist.version
    return dict(sorted(versions.items()))


def provenance(config, images=None):
    """Return a JSON-serialisable record of how a result was made.

    Parameters
    ----------
    config : dict
        The effective configuration of the run.
    images : int, optional
        How many images the result covers.
    """
    record = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "config": config,
        "packages": package_versions(),
    }
    if images is not None:
        record["images"] = images
    return record
