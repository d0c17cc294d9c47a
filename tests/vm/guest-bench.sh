#!/usr/bin/env bash
# Inside the guest (make bench): the cost of vfio-warden, in one boot, as ratios.
# Configurations, interleaved round by round (TCG timing drifts; medians of the rounds):
#   bare       no BPF program
#   empty-lsm  one empty BPF LSM program on file_permission: what any veto costs
#   floor      empty programs on every hook vfio-warden uses (tests/bpf/bench.bpf.c)
#   default    vfio-warden, default policy
#   audit-all  vfio-warden, every access audited, events drained by `run -o FILE`
# Workloads (tests/vm/bench.c): 4-byte config read and write through VFIO, and
# the host's other I/O: 1-byte tmpfs pread, 1-byte pipe write+read.
# Then where the time goes (per program), and the flood (tests/vm/guest-flood.sh).
set -euo pipefail
vw=build/vfio-warden
sel=build/vm/vw-selftest
env_file="$VW_RWDIR/devices.env"
rounds=${VW_BENCH_ROUNDS:-5}
tests/vm/guest-setup.sh "$env_file" >/dev/null
. "$env_file"
work=$(mktemp -d /dev/shm/vw-bench.XXXXXX)
audit_all="$work/audit-all.yaml"
printf 'version: 1\ndefault:\n  header: audit\n  capabilities: audit\n  unassigned: audit\n' > "$audit_all"
results="$work/results"
: > "$results"

# `status` exits 0 once attached (5 before)
wait_attached() { for _ in $(seq 600); do $vw status >/dev/null 2>&1 && return; sleep 0.1; done; exit 1; }
wait_detached() { for _ in $(seq 600); do $vw status >/dev/null 2>&1 || return 0; sleep 0.1; done; exit 1; }

holder=""
start_empty() {	# $1: lsm|all; returns once the programs are attached
	coproc EMPTY { exec $sel --bench-empty "$1"; }
	holder=$EMPTY_PID
	read -r line <&"${EMPTY[0]}"
	[ "$line" = ready ] || { echo "bench: empty programs failed to attach" >&2; exit 1; }
}
stop_empty() { kill -TERM "$holder"; wait "$holder" || true; holder=""; }

run_pid=""
setup() {
	case $1 in
	bare) ;;
	empty-lsm) start_empty lsm ;;
	floor) start_empty all ;;
	default) $vw attach -q ;;
	audit-all) $vw run -q -p "$audit_all" -o "$work/audit.log" & run_pid=$!; wait_attached ;;
	esac
}
teardown() {
	case $1 in
	empty-lsm|floor) stop_empty ;;
	default) $vw detach -q ;;
	audit-all) kill -TERM "$run_pid"; wait "$run_pid" || true; run_pid=""; wait_detached ;;
	esac
}

configs="bare empty-lsm floor default audit-all"
for r in $(seq "$rounds"); do
	for c in $configs; do
		setup "$c"
		echo "$c $($sel --bench "$env_file")" >> "$results"
		teardown "$c"
	done
done

# where the time goes: run time per program (excludes trampoline entry/exit), default policy
prog_stats() {
	bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("run_cnt") and (p.get("name", "").startswith("vw_") or p.get("name", "").startswith("empty_")):
        print("  %-24s %9d runs %7.0f ns/run" % (p["name"], p["run_cnt"], p["run_time_ns"] / p["run_cnt"]))'
}
sysctl -q kernel.bpf_stats_enabled=1
$vw attach -q
VW_BENCH_N=500 $sel --bench "$env_file" >/dev/null
stats_default=$(prog_stats)
$vw detach -q
start_empty all
VW_BENCH_N=500 $sel --bench "$env_file" >/dev/null
stats_floor=$(prog_stats)
stop_empty
sysctl -q kernel.bpf_stats_enabled=0

echo "make bench: kernel $(uname -r), TCG, e1000e $E1000E_BDF; medians of $rounds interleaved rounds"
python3 tests/vm/bench-report.py "$results"
echo
echo "BPF program run time per run, default policy (kernel.bpf_stats_enabled; trampolines excluded):"
echo "$stats_default"
echo "the same for the empty programs (floor):"
echo "$stats_floor"
if [ -x tests/vm/guest-flood.sh ]; then
	echo
	tests/vm/guest-flood.sh
fi
rm -rf "$work"
