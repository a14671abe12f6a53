#!/usr/bin/env bash
# Makes sure Debian's chromium is on this machine: the dashboard test drives it headless (playwright-core
# brings no browser of its own; the test uses /usr/bin/chromium).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing: installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "chromium is missing. Install it with: sudo apt-get install -y --no-install-recommends chromium" >&2
exit 1
