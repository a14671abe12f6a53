#!/usr/bin/env bash
# Makes sure FreeRADIUS's radclient is on this machine: the RADIUS tests check the fake STA RADIUS endpoint with it.
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" "the RADIUS encoding check" radclient:freeradius-utils
