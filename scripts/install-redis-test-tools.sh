#!/usr/bin/env bash
# Makes sure the tools of the Redis TLS, Sentinel and Cluster tests are on this machine: redis-server (Debian's is
# built with TLS, and `redis-server <conf> --sentinel` is what the redis-sentinel package runs, so that package is
# not needed), redis-cli (`--cluster create`) and openssl (the throw-away CA and certificates each run makes).
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's ${missing[*]} for the Redis TLS, Sentinel and Cluster tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "missing for the Redis TLS, Sentinel and Cluster tests: ${missing[*]}. Install with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
