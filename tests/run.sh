#!/usr/bin/env bash
# Set up the project's environment from its own files (a .venv with the
# pinned packages) and run every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
exec .venv/bin/python -m pytest "$@"
