#!/usr/bin/env bash
# Makes sure the tools of the Redis TLS, Sentinel and Cluster tests are on this machine: redis-server (Debian's is
# built with TLS, and `redis-server <conf> --sentinel` is what the redis-sentinel package runs, so that package is
# not needed), redis-cli (`--cluster create`) and openssl (the throw-away CA and certificates each run makes).
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" "the Redis TLS, Sentinel and Cluster tests" redis-server:redis-server redis-cli:redis-tools openssl:openssl
