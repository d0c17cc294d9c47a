#!/usr/bin/env bash
# make demo: boot a VM, bind e1000e, igb and nvme to vfio-pci, attach the default
# policy, drive real config traffic and show the audit log.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tests/vm/boot.sh --kernel "${VW_KERNEL:-6.12}" -- tests/vm/guest-demo.sh
