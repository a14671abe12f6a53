#!/usr/bin/env bash
# Makes sure Debian's chromium is on this machine: the dashboard test drives it headless (playwright-core
# brings no browser of its own; the test uses /usr/bin/chromium).
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" "the dashboard test" chromium:chromium
