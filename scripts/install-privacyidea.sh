#!/usr/bin/env bash
# Makes sure the Debian packages of the privacyIDEA test peer are on this machine: the tests start the real
# privacyIDEA 3.12.2 from ../shared/peers/privacyidea (a copy of shared/ beside the repository). The package list
# is the peer's own (the PKGS of its start.sh), so this script and start.sh never disagree; start.sh would install
# them too, but here a failure shows before the tests run, with the command to fix it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=$ROOT/../shared/peers/privacyidea
if [ ! -f "$PEER/start.sh" ]; then
  echo "privacyIDEA test peer not found at $PEER: the tests need a copy of shared/ beside the repository" >&2
  exit 1
fi
# shellcheck disable=SC2207 # the list is words, one package each
PKGS=($(sed -n '/^PKGS=(/,/)/p' "$PEER/start.sh" | sed -e 's/^PKGS=(//' -e 's/)$//'))
if [ "${#PKGS[@]}" -lt 10 ]; then
  echo "could not read the package list (PKGS=(...)) from $PEER/start.sh" >&2
  exit 1
fi
MISSING=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || MISSING+=("$p")
done
if [ "${#MISSING[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "privacyIDEA peer: installing ${#MISSING[@]} Debian packages: ${MISSING[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # another apt run (unattended upgrades on a fresh machine) holds the lock for a while: wait instead of failing
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
  exit 0
fi
echo "privacyIDEA peer: Debian packages missing. Install them with: sudo apt-get install -y --no-install-recommends ${MISSING[*]}" >&2
exit 1
