#!/usr/bin/env bash
# Set up the project's environment from its own files (a .venv with the
# pinned packages) and run every test. Extra arguments go to pytest.
# Every test, the slow ones too (SLURM, Chromium, the benchmark, the long
# runs: marked slow), is what CI runs; `bash tests/run.sh -m "not slow"` runs
# the rest: the unit tests, the dry runs and the shared end-to-end runs.
# pytest.ini has pytest print the 25 slowest tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# (once per content of the requirements and the package's own pyproject.toml:
# pip takes about 8 s to find everything installed already)
stamp=".venv/.installed-$(cat requirements.txt requirements-test.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi
exec .venv/bin/python -m pytest "$@"
