#!/usr/bin/env bash
# Inside the guest: bind the devices, run the long adversarial campaign.
set -euo pipefail
env_file="$VW_RWDIR/devices.env"
tests/vm/guest-setup.sh --leave-second "$env_file"
build/vm/vw-selftest --attack "$env_file"
