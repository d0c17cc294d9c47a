#!/usr/bin/env bash
# `make attack`: one VM boot per kernel, the long adversarial campaign in each
# (tests/vm/attack.c), its summary table, and a combined "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- 6.12
pass=0 fail=0
for k in "$@"; do
	echo "=== attack campaign on kernel $k"
	log=$(mktemp)
	VW_APPEND="$( [ "${k#*:}" != "$k" ] && echo "${k#*:}" )" \
		tests/vm/boot.sh --kernel "${k%%:*}" -- tests/vm/guest-attack.sh 2>&1 | tee "$log"
	line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then echo "kernel $k: no result"; fail=$((fail + 1)); continue; fi
	p=${line#vm: }; p=${p%% passed*}; f=${line#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
done
echo "attack: $pass passed, $fail failed"
[ "$fail" = 0 ]
