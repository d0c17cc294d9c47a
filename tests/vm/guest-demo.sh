#!/usr/bin/env bash
# Inside the guest (make demo): bind the devices, attach the default policy,
# drive real config traffic, and show what vfio-warden saw and did.
set -euo pipefail
vw=build/vfio-warden
env_file="$VW_RWDIR/devices.env"
log="$VW_RWDIR/audit.log"

echo "### 1. Devices bound to vfio-pci"
tests/vm/guest-setup.sh "$env_file"
cat "$env_file"
. "$env_file"

echo; echo "### 2. What the default policy will do to the e1000e (vfio-warden map $E1000E_BDF)"
$vw map "$E1000E_BDF"

echo; echo "### 3. Attach the default policy and stream the audit log (text) to a file"
$vw run -f text -o "$log" &
run_pid=$!
# `status` exits 0 once attached (5 before)
for _ in $(seq 600); do $vw status >/dev/null 2>&1 && break; sleep 0.1; done
$vw status >/dev/null 2>&1 || { echo "vfio-warden did not attach" >&2; exit 1; }

echo; echo "### 4. Config traffic through the VFIO device files (what a VMM and a guest do)"
build/vm/vw-selftest --demo "$env_file"

echo; echo "### 5. vfio-warden status"
$vw status

kill -TERM "$run_pid"; wait "$run_pid" || true
echo; echo "### 6. The audit log (vfio-warden run -f text)"
cat "$log"
echo; echo "### 7. The same events as JSON Lines (first 3; vfio-warden run -f json is the default)"
$vw attach -q
$vw log -q -o "$VW_RWDIR/audit.jsonl" &
log_pid=$!
build/vm/vw-selftest --demo "$env_file" >/dev/null
for _ in $(seq 600); do [ "$(wc -l < "$VW_RWDIR/audit.jsonl" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$log_pid"; wait "$log_pid" || true
$vw detach -q
head -n 3 "$VW_RWDIR/audit.jsonl"
