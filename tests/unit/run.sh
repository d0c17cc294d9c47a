#!/usr/bin/env bash
# Runs every unit-test binary given, sums their "N passed, N failed" lines.
set -u
pass=0 fail=0 broken=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out"; echo "BROKEN $t (rc=$rc, no result line)"; broken=$((broken + 1)); continue
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" != 0 ] || [ "$f" != 0 ]; then printf '%s\n' "$out"; fi
	echo "$(basename "$t"): $line"
done
fail=$((fail + broken))
echo "unit: $pass passed, $fail failed"
[ "$fail" = 0 ]
