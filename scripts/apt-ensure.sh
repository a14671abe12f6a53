#!/usr/bin/env bash
# apt-ensure.sh "<what needs them>" <command>:<Debian package> ...
# Installs, from Debian's packages, those whose command is missing: as root with apt-get; otherwise prints the one
# command that does and exits 1. With every command present it touches nothing (no network). Shared by the
# scripts/install-*.sh of the test tools.
set -euo pipefail
why="$1"
shift
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's ${missing[*]} for $why" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "missing for $why: ${missing[*]}. Install with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
exit 1
