#!/usr/bin/env bash
# Makes sure Debian's Request Tracker 5 is on this machine: the RT adapter's tests (test/support/rt-server.ts) start
# the real RT 5 with a fresh SQLite database of their own per run. Idempotent: with the packages installed it touches
# nothing (no network). As root it installs them with apt-get (about 80 s); otherwise it prints the one command that
# does and exits 1. TEST_RT=off skips the RT tests, and this script too.
set -euo pipefail
if [ "${TEST_RT:-}" = "off" ]; then
  exit 0
fi
PKGS=(request-tracker5 rt5-standalone rt5-db-sqlite)
MISSING=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || MISSING+=("$p")
done
if [ "${#MISSING[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Request Tracker 5: installing ${#MISSING[@]} Debian packages: ${MISSING[*]} (about 80 s)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # another apt run (unattended upgrades on a fresh machine) holds the lock for a while: wait instead of failing
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
  exit 0
fi
echo "Request Tracker 5: Debian packages missing. Install them with: sudo apt-get install -y --no-install-recommends ${MISSING[*]}" >&2
exit 1
