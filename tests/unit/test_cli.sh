#!/usr/bin/env bash
# The command line without a kernel: global and per-command help, options that do not apply
# to a command, argument counts, unknown commands. Exit codes as the README lists them.
set -u
cd "$(dirname "$0")/../.." || exit 2
vw=build/vfio-warden
pass=0 fail=0
expect() { # $1: exit code, $2: grep -E pattern of the output ("" for none), $3...: arguments
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$vw" "$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$pat" ] || grep -Eq -- "$pat" <<<"$out"; }; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL vfio-warden $*: rc=$rc (want $want), output: ${out:0:400}"
	fi
}
refuse() { # $1: pattern that must NOT be in the output, $2...: arguments
	local pat=$1 out
	shift
	out=$("$vw" "$@" 2>&1)
	if grep -Eq -- "$pat" <<<"$out"; then fail=$((fail + 1)); echo "FAIL vfio-warden $*: shows $pat"
	else pass=$((pass + 1)); fi
}
expect 0 "^  metrics +counters in the Prometheus" --help
expect 0 "^  dsn get\|set\|clear BDF \[SERIAL\]" --help
expect 2 "Commands" 			# no command: the help, as an error
expect 0 "^vfio-warden 0\." --version
expect 0 "--keep" run --help
refuse "--json|--device" run --help
expect 0 "--json" status --help
refuse "--policy|--keep" status --help
expect 0 "--lockdown" map --help
expect 0 "Usage: vfio-warden dsn .*get\|set\|clear BDF" dsn --help
expect 0 "--metrics-listen" --help run	# --help before the command
expect 2 "--policy does not apply to status" status -p x
expect 2 "--keep does not apply to attach" attach --keep
expect 2 "--json does not apply to log" log --json
expect 2 "--output does not apply to map" map -o x policies/default.yaml
expect 2 "expected 1 argument, got 0" check
expect 2 "expected 2 to 3 arguments, got 1" dsn get
expect 2 "unknown command 'bogus'" bogus
expect 2 "--ringbuf-size must be a power of two" attach --ringbuf-size 5000
expect 2 "--linux-audit takes deny or all" log --linux-audit sometimes
expect 2 "unknown format" log -f xml
expect 2 "unrecognized option" status --frobnicate
expect 0 "ok" check policies/default.yaml
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
