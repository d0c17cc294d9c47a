#!/usr/bin/env bash
# Runs the VM selftests once per kernel given (default 6.12), one boot each, and
# prints a combined "N passed, N failed" line. Exit non-zero on any failure.
# A kernel is a series, optionally with boot parameters: 6.12:preempt=full.
# VW_GUEST picks the guest script (default the selftests), VW_LABEL the last line's name.
# With the default guest, each kernel also gets a short boot on parallel vCPUs
# (multi-threaded TCG: boot.sh --tcg multi) for the FEATURE header race alone
# (tests/vm/guest-race.sh), listed as race@KERNEL, once per kernel series (the full
# suite runs the race test on every entry too); VW_RACE=0 leaves it out.
#
# Boots run VW_JOBS at a time (default: one per core): each TCG guest is one host
# thread (tests/vm/boot.sh), so two guests on the 2-core machine take the time of
# one. Each boot's output is printed whole when it ends, never interleaved. Last, a
# timing table: each boot's wall time and, from the guest's "timing: TEST SECONDS"
# lines, each test's; VW_TIMING_FILE (if set) gets the table's rows too.
set -uo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- 6.12
jobs=${VW_JOBS:-$(nproc)}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "run-matrix: bad VW_JOBS '$jobs'" >&2; exit 2; }
label=${VW_LABEL:-vmtest}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP

boot() { # $1: index, $2: kernel entry; output to $dir/$1.log, status and seconds beside it
	local k=$2 start=$SECONDS guest=${VW_GUEST:-tests/vm/guest-run.sh} opts=()
	if [ "${k#race@}" != "$k" ]; then
		k=${k#race@} guest=tests/vm/guest-race.sh opts=(--tcg multi --timeout 480)
	fi
	VW_APPEND="$( [ "${k#*:}" != "$k" ] && echo "${k#*:}" )" \
		tests/vm/boot.sh --kernel "${k%%:*}" "${opts[@]}" -- $guest > "$dir/$1.log" 2>&1
	echo $? > "$dir/$1.rc.tmp"
	echo $((SECONDS - start)) > "$dir/$1.secs"
	mv "$dir/$1.rc.tmp" "$dir/$1.rc"
}

report() { # $1: index, $2: kernel entry; prints the boot's log and result, adds it up
	local k=$2 rc line p f
	echo "=== $label on kernel $k ($(cat "$dir/$1.secs") s)"
	cat "$dir/$1.log"
	rc=$(cat "$dir/$1.rc")
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$dir/$1.log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "kernel $k: no result line (rc=$rc): the VM did not boot, or the guest command failed" \
			"before the selftests reported (boot.sh's and the guest's messages are above)"
		fail=$((fail + 1)); return
	fi
	p=${line#*: }; p=${p%% passed*}; f=${line#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" = 0 ] || [ "$f" != 0 ] || fail=$((fail + 1))
	echo "kernel $k: $p passed, $f failed"
}

pass=0 fail=0
kernels=("$@")
# once per kernel series: boot parameters (preempt=full, lockdown) do not change the
# FEATURE path, and every multi-threaded TCG boot risks the hang boot.sh describes
if [ -z "${VW_GUEST:-}" ] && [ "${VW_RACE:-1}" != 0 ]; then
	for k in "$@"; do [ "${k#*:}" != "$k" ] || kernels+=("race@$k"); done
fi
declare -A reported=()
next=0 running=0 wall_start=$SECONDS
# Start boots while slots are free; report each one as it finishes.
while [ ${#reported[@]} -lt ${#kernels[@]} ]; do
	while [ $running -lt "$jobs" ] && [ $next -lt ${#kernels[@]} ]; do
		boot "$next" "${kernels[next]}" &
		next=$((next + 1)) running=$((running + 1))
	done
	wait -n 2>/dev/null || true
	for i in "${!kernels[@]}"; do
		if [ -f "$dir/$i.rc" ] && [ -z "${reported[$i]:-}" ]; then
			reported[$i]=1 running=$((running - 1))
			report "$i" "${kernels[i]}"
		fi
	done
done

{
	printf '%-32s %8s\n' "stage" "seconds"
	for i in "${!kernels[@]}"; do
		printf '%-32s %8s\n' "boot ${kernels[i]}" "$(cat "$dir/$i.secs")"
		awk '/^timing: [A-Za-z0-9_]+ [0-9.]+$/ { printf "  %-30s %8.0f\n", $2, $3 }' "$dir/$i.log"
	done
	printf '%-32s %8s\n' "$label wall ($jobs at a time)" $((SECONDS - wall_start))
} > "$dir/timing"
echo "--- timing ($label)"
cat "$dir/timing"
[ -z "${VW_TIMING_FILE:-}" ] || cat "$dir/timing" >> "$VW_TIMING_FILE"
echo "$label: $pass passed, $fail failed"
[ "$fail" = 0 ]
