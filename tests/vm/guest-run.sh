#!/usr/bin/env bash
# Inside the guest: bind the test devices (the second e1000e stays unbound so a
# test can bind it after attach) and run the selftests: all of them, or those
# VW_T names (tests or features, comma-separated: `make vmtest T=learn`).
set -euo pipefail
env_file="$VW_RWDIR/devices.env"
tests/vm/guest-setup.sh --leave-second "$env_file"
cat "$env_file"
build/vm/vw-selftest ${VW_T:+-t "$VW_T"} ${VW_REVERSE:+--reverse} "$env_file"
