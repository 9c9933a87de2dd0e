#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver (packages chromium and
# chromium-driver) for tests/test_report.py. Needs root and apt-get; does
# nothing if both are installed already.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "chromium and chromedriver are installed"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "no apt-get: Debian's chromium cannot be installed here" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "installing chromium needs root (apt-get install chromium chromium-driver)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# one apt-get at a time: the tests run in parallel (pytest-xdist), and
# tests/slurm/start-slurm.sh may be installing too
exec 9>/var/lock/rootmass-apt.lock
flock -w 1200 9
apt-get update -qq
apt-get install -y -qq chromium chromium-driver >/dev/null
/usr/bin/chromium --version
