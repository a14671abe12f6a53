#!/usr/bin/env bash
# Makes sure FreeRADIUS's radclient is on this machine: the RADIUS tests check the fake STA RADIUS endpoint with it.
set -euo pipefail
if command -v radclient >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "radclient is missing: installing Debian's freeradius-utils package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends freeradius-utils >/dev/null
  exit 0
fi
echo "radclient is missing. Install it with: sudo apt-get install -y freeradius-utils" >&2
exit 1
