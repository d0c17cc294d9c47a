#!/usr/bin/env bash
# Inside the guest: the learn tests alone (QEMU as the VFIO client, the read flood,
# --diff, import pciback), attached for them. For iterating; `make vmtest` runs them too.
set -euo pipefail
tests/vm/guest-setup.sh "$VW_RWDIR/devices.env"
build/vm/vw-selftest --learn "$VW_RWDIR/devices.env"
