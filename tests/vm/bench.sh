#!/usr/bin/env bash
# make bench: one VM boot, three configurations, ratios to the baseline. Not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tests/vm/boot.sh --kernel "${VW_KERNEL:-6.12}" -- tests/vm/guest-bench.sh
