#!/usr/bin/env bash
# Everything `make check` runs: host unit tests (ASan/UBSan), a bounded fuzz run,
# the VM selftests on each kernel; one combined "N passed, N failed" line last.
set -uo pipefail
cd "$(dirname "$0")/.."
kernels=${1:-6.12}
pass=0 fail=0
tally() { # $1: log file; adds its last "...: N passed, N failed" line
	local line p f
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
	if [ -z "$line" ]; then fail=$((fail + 1)); return; fi
	p=${line#*: }; p=${p%% passed*}; f=${line#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
}
log=$(mktemp -d)
make --no-print-directory unit 2>&1 | tee "$log/unit"; rc_unit=${PIPESTATUS[0]}
tally "$log/unit"; [ "$rc_unit" = 0 ] || fail=$((fail + 1))
if tests/fuzz/run.sh "${VW_FUZZ_SECONDS:-30}" > "$log/fuzz" 2>&1; then
	echo "fuzz: 1 passed, 0 failed"; pass=$((pass + 1))
else
	tail -n 30 "$log/fuzz"; echo "fuzz: 0 passed, 1 failed"; fail=$((fail + 1))
fi
# shellcheck disable=SC2086
tests/vm/run-matrix.sh $kernels 2>&1 | tee "$log/vm"; rc_vm=${PIPESTATUS[0]}
tally "$log/vm"; [ "$rc_vm" = 0 ] || fail=$((fail + 1))
rm -rf "$log"
echo "check: $pass passed, $fail failed"
[ "$fail" = 0 ]
