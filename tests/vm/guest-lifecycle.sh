#!/usr/bin/env bash
# Inside the guest: detach/run killed at each step of their shutdown, and `log -o`
# killed under a flood (tests/vm/lifecycle.c). Alone:
#   vmslot tests/vm/boot.sh --kernel 6.12 -- tests/vm/guest-lifecycle.sh
set -euo pipefail
tests/vm/guest-setup.sh "$VW_RWDIR/devices.env"
build/vm/vw-selftest --lifecycle "$VW_RWDIR/devices.env"
