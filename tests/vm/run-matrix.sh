#!/usr/bin/env bash
# Runs the VM selftests once per kernel given (default 6.12), one boot each, and
# prints a combined "N passed, N failed" line. Exit non-zero on any failure.
# A kernel is a series, optionally with boot parameters: 6.12:preempt=full.
# VW_GUEST picks the guest script (default the selftests), VW_LABEL the last line's name.
set -uo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- 6.12
pass=0 fail=0
for k in "$@"; do
	echo "=== ${VW_LABEL:-vmtest} on kernel $k"
	log=$(mktemp)
	VW_APPEND="$( [ "${k#*:}" != "$k" ] && echo "${k#*:}" )" \
		tests/vm/boot.sh --kernel "${k%%:*}" -- ${VW_GUEST:-tests/vm/guest-run.sh} 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "kernel $k: no result line (rc=$rc): the VM did not boot, or the guest command failed" \
			"before the selftests reported (boot.sh's and the guest's messages are above)"
		fail=$((fail + 1)); continue
	fi
	p=${line#vm: }; p=${p%% passed*}; f=${line#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" = 0 ] || [ "$f" != 0 ] || fail=$((fail + 1))
	echo "kernel $k: $p passed, $f failed"
done
echo "${VW_LABEL:-vmtest}: $pass passed, $fail failed"
[ "$fail" = 0 ]
