#!/usr/bin/env bash
# The VFIO_DEVICE_FEATURE header race alone (tests/vm/race.c), on parallel vCPUs: boot with
# tests/vm/boot.sh --tcg multi (the guest sees VW_TCG=multi). Every race the racing threads
# win must be reported, and a process racing under on_race: kill must die by SIGKILL.
set -euo pipefail
env_file="$VW_RWDIR/devices.env"
tests/vm/guest-setup.sh --leave-second "$env_file"
echo "guest: $(nproc) CPUs, tcg ${VW_TCG:-single}"
build/vm/vw-selftest -t race "$env_file"
