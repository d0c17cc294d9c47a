#!/usr/bin/env bash
# Everything `make check` runs: host unit tests (ASan/UBSan), a bounded fuzz run,
# the VM selftests on each kernel; a timing table of every stage (each boot, each
# test within it), then one combined "N passed, N failed" line last.
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
timing=$log/timing
stage() { printf '%-32s %8s\n' "$1" "$2" >> "$timing"; }
check_start=$SECONDS

t=$SECONDS
make --no-print-directory unit 2>&1 | tee "$log/unit"; rc_unit=${PIPESTATUS[0]}
tally "$log/unit"; [ "$rc_unit" = 0 ] || fail=$((fail + 1))
stage unit $((SECONDS - t))

t=$SECONDS
if tests/fuzz/run.sh "${VW_FUZZ_SECONDS:-30}" > "$log/fuzz" 2>&1; then
	echo "fuzz: 1 passed, 0 failed"; pass=$((pass + 1))
else
	tail -n 30 "$log/fuzz"; echo "fuzz: 0 passed, 1 failed"; fail=$((fail + 1))
fi
stage fuzz $((SECONDS - t))

# shellcheck disable=SC2086
VW_TIMING_FILE=$timing tests/vm/run-matrix.sh $kernels 2>&1 | tee "$log/vm"; rc_vm=${PIPESTATUS[0]}
tally "$log/vm"; [ "$rc_vm" = 0 ] || fail=$((fail + 1))

stage "make check (after deps and build)" $((SECONDS - check_start))
echo "--- timing (make check)"
cat "$timing"
rm -rf "$log"
echo "check: $pass passed, $fail failed"
[ "$fail" = 0 ]
