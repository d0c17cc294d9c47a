#!/usr/bin/env bash
set -euo pipefail
tests/vm/guest-setup.sh --leave-second "$VW_RWDIR/devices.env"
build/vm/vw-selftest --fleet "$VW_RWDIR/devices.env"
