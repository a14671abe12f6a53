#!/usr/bin/env bash
# Makes sure redis-server is on this machine: the demo and the tests start a private one.
set -euo pipefail
# With REDIS_URL set, the demo and the tests use that server and need no local one.
if [ -n "${REDIS_URL:-}" ]; then
  exit 0
fi
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is missing: installing Debian's redis-server package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # Debian starts a system Redis on 6379; twofa-desk starts its own on a free port.
  exit 0
fi
echo "redis-server is missing. Install it with: sudo apt-get install -y redis-server" >&2
exit 1
