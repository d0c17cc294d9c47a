#!/usr/bin/env bash
# The VFIO device ioctl rules alone (tests/vm/ioctls.c), attached for them.
set -euo pipefail
tests/vm/guest-setup.sh "$VW_RWDIR/devices.env"
build/vm/vw-selftest --ioctls "$VW_RWDIR/devices.env"
