#!/usr/bin/env bash
# Inside the guest (make bench): the same config accesses without vfio-warden,
# with the default policy, and with every access audited (events drained by
# `run -o /dev/null`), in one boot. Prints a table with ratios to the baseline.
set -euo pipefail
vw=build/vfio-warden
env_file="$VW_RWDIR/devices.env"
tests/vm/guest-setup.sh "$env_file" >/dev/null
. "$env_file"
audit_all="$VW_RWDIR/audit-all.yaml"
printf 'version: 1\ndefault:\n  header: audit\n  capabilities: audit\n  unassigned: audit\n' > "$audit_all"
# `status` exits 0 once attached (5 before): no pin names here to keep in step
wait_attached() { for _ in $(seq 600); do build/vfio-warden status >/dev/null 2>&1 && return; sleep 0.1; done; exit 1; }

read -r base_r base_w < <(build/vm/vw-selftest --bench "$env_file")
$vw attach -q
read -r def_r def_w < <(build/vm/vw-selftest --bench "$env_file")
# a separate pass with run-time statistics on (they cost time themselves)
sysctl -q kernel.bpf_stats_enabled=1
VW_BENCH_N=5000 build/vm/vw-selftest --bench "$env_file" >/dev/null
# where the time goes: run time per program, per run (excludes trampoline entry/exit)
prog_stats=$(bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("vw_") and p.get("run_cnt"):
        print("  %-22s %9d runs %7.0f ns/run" % (p["name"], p["run_cnt"], p["run_time_ns"] / p["run_cnt"]))')
sysctl -q kernel.bpf_stats_enabled=0
$vw detach -q
$vw run -q -p "$audit_all" -o /dev/null &
run_pid=$!
wait_attached
t0=$(date +%s.%N)
read -r aud_r aud_w < <(build/vm/vw-selftest --bench "$env_file")
t1=$(date +%s.%N)
status=$($vw status --json)
kill -TERM "$run_pid"; wait "$run_pid" || true
events=$(printf '%s' "$status" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(sum(d["counters"]["events"] for d in s["devices"]))')
lost=$(printf '%s' "$status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lost"])')

echo "4-byte config accesses to $E1000E_BDF (e1000e), kernel $(uname -r), TCG; median of 7 batches"
printf '%-34s %10s %10s %8s %8s\n' "configuration" "read ns" "write ns" "read x" "write x"
row() { printf '%-34s %10s %10s %8s %8s\n' "$1" "$2" "$3" \
	"$(awk -v a="$2" -v b="$base_r" 'BEGIN{printf "%.2f", a/b}')" \
	"$(awk -v a="$3" -v b="$base_w" 'BEGIN{printf "%.2f", a/b}')"; }
row "no vfio-warden" "$base_r" "$base_w"
row "default policy (allowed, counted)" "$def_r" "$def_w"
row "audit everything (run -o /dev/null)" "$aud_r" "$aud_w"
echo "BPF program run time with the default policy (kernel.bpf_stats_enabled):"
echo "$prog_stats"
echo "events drained by run -o /dev/null: $events in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s" \
	"($(awk -v e="$events" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", e/(b-a)}') events/s), lost: $lost"
