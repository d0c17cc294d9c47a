#!/usr/bin/env bash
# Inside the guest (make bench calls it; alone: tests/vm/boot.sh --kernel 6.12 -- tests/vm/guest-flood.sh):
# audit everything, `run -o FILE` draining, 4 threads issuing config accesses as fast as
# they can for 10 s. Prints accesses issued, records, sum of counts, audit+deny counters,
# lost and the drain rate (tests/vm/flood.c). VW_FLOOD_CHECK=1 also asserts them.
set -euo pipefail
vw=build/vfio-warden
env_file="$VW_RWDIR/devices.env"
tests/vm/guest-setup.sh "$env_file" >/dev/null
. "$env_file"
audit_all="$VW_RWDIR/audit-all.yaml"
printf 'version: 1\ndefault:\n  header: audit\n  capabilities: audit\n  unassigned: audit\n' > "$audit_all"
# guest-local: the shared rwdir is 9p under TCG
ev=/tmp/vw-flood-events.jsonl
rm -f "$ev"
wait_attached() { for _ in $(seq 600); do $vw status >/dev/null 2>&1 && return; sleep 0.1; done; exit 1; }

$vw run -q -p "$audit_all" -o "$ev" &
run_pid=$!
wait_attached
rc=0
build/vm/vw-selftest --flood "$env_file" "$ev" "$run_pid" "${VW_FLOOD_SECONDS:-10}" "${VW_FLOOD_THREADS:-4}" \
	${VW_FLOOD_CHECK:+check} || rc=$?
kill -TERM "$run_pid"; wait "$run_pid" || true
echo "flood log: $(wc -l < "$ev") lines; schema: $(python3 tests/validate-events.py user/lib/events.schema.json "$ev" | tail -n 1)"
exit $rc
