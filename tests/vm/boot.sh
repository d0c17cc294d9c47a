#!/usr/bin/env bash
# Boots a virtme-ng guest with an IOMMU and the PCI devices the VFIO selftests use, runs
# one command inside it from the repository root, and exits with that command's status.
#
#   tests/vm/boot.sh [--kernel SERIES] [--rwdir DIR] [--timeout SECS] [--verbose] -- COMMAND...
#
#   --kernel SERIES  6.12 (default), 6.1 or 7.3; see scripts/kernel-path.sh
#   --rwdir DIR      host directory shared read-write with the guest (at $VW_RWDIR inside);
#                    default: a fresh build/vm-runs/run.XXXXXX, removed after a pass
#   --timeout SECS   wall-clock limit for the whole VM (default 2400: two boots at once on a busy host took 1430 s)
#   --verbose        also stream the guest console to stderr while the VM runs
#   --tcg MODE       single (default) or multi: one host thread per vCPU, so the guest's two
#                    vCPUs run truly in parallel (the FEATURE header race test, guest-race.sh);
#                    see the -accel note below for why the rest stays single-threaded
#
# Environment: VW_QEMU_OPTS (more QEMU arguments), VW_APPEND (more kernel arguments),
# VW_T and VW_REVERSE (passed to the guest: which selftests, in reverse order).
#
# COMMAND is run as an argument vector (use `-- bash -c '...'` for a shell line). Inside the
# guest it sees VW_RWDIR (the shared directory), VW_KERNEL (the series) and VW_IN_VM=1.
#
# Where the guest finds things: virtme-ng shares the host's root read-only, but hides parts
# of it (a fresh tmpfs on /var/tmp, /var/log, /var/cache, ...) and lays overlays on /etc,
# /home, /opt, /srv, /usr, /var and /tmp in the background, which can cover a directory
# mounted beneath them. So the repository (read-only) and RWDIR are mounted explicitly at
# fixed paths under /run, a tmpfs the guest mounts before any shared directory and never
# overlays: $guest_repo and $guest_rw below. Guest commands use relative paths and
# $VW_RWDIR, so the clone can live anywhere on the host.
# Its stdout+stderr go to $RWDIR/output.log, printed here after the VM exits; the guest
# console (kernel log) goes to $RWDIR/console.log; its exit status to $RWDIR/rc.
#
# Kernel command line: intel_iommu=on no_timer_check (TCG under host load can fail the
# IO-APIC timer check through interrupt remapping and panic at boot) nohz=off highres=off
# (periodic tick: see below).
# Guest devices (single-threaded TCG, q35, 2 vCPUs, 1 GiB): intel-iommu; e1000e 8086:10d3 twice
# (MAC 52:54:00:12:34:56 and :57); igb 8086:10c9 (:58); nvme 1b36:0010 (serial vwtest)
# backed by a sparse raw file in RWDIR; a CXL type 3 memory device 8086:0d93 behind a CXL
# host bridge and root port (its DOE and DVSEC capabilities are ones vfio-pci hides; the
# guest's cxl drivers are kept off it: they only slow the boot). Find them by vendor:device
# (tests/vm/guest-setup.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

series=6.12
rwdir=
timeout_s=2400
verbose=0
tcg=single
usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) series=${2:?--kernel needs a value}; shift 2 ;;
	--kernel=*) series=${1#*=}; shift ;;
	--rwdir) rwdir=${2:?--rwdir needs a value}; shift 2 ;;
	--rwdir=*) rwdir=${1#*=}; shift ;;
	--timeout) timeout_s=${2:?--timeout needs a value}; shift 2 ;;
	--timeout=*) timeout_s=${1#*=}; shift ;;
	-v|--verbose) verbose=1; shift ;;
	--tcg) tcg=${2:?--tcg needs a value}; shift 2 ;;
	--tcg=*) tcg=${1#*=}; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	*) echo "boot.sh: unknown option '$1' (the command goes after --)" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || { echo "boot.sh: no command given" >&2; usage; }
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || { echo "boot.sh: bad --timeout '$timeout_s'" >&2; exit 2; }
[[ "$tcg" =~ ^(single|multi)$ ]] || { echo "boot.sh: --tcg takes single or multi, not '$tcg'" >&2; exit 2; }

# virtme-ng passes shared paths through a command line and QEMU options: it accepts only
# these characters (its _SAFE_PATH_PATTERN, without the space it then splits on).
safe_path() { [[ "$1" =~ ^[A-Za-z0-9_+/.-]+$ ]]; }
safe_path "$repo" || { echo "boot.sh: the repository path '$repo' has characters virtme-ng cannot" \
	"share with the guest (it takes only A-Z a-z 0-9 _ + - . /): clone it to such a path" >&2; exit 1; }

kernel=$("$repo/scripts/kernel-path.sh" "$series") || exit 1
for tool in vng qemu-system-x86_64 timeout; do
	command -v "$tool" >/dev/null || { echo "boot.sh: '$tool' not found (make deps)" >&2; exit 1; }
done

own_rwdir=0
if [ -z "$rwdir" ]; then
	# Inside the build tree, so `make clean` takes failed runs' leftovers too.
	mkdir -p "$repo/build/vm-runs"
	rwdir=$(mktemp -d "$repo/build/vm-runs/run.XXXXXX")
	own_rwdir=1
fi
mkdir -p "$rwdir"
rwdir=$(cd "$rwdir" && pwd)
safe_path "$rwdir" || { echo "boot.sh: --rwdir '$rwdir' has characters virtme-ng cannot share" \
	"(it takes only A-Z a-z 0-9 _ + - . /)" >&2; exit 1; }
# The guest-side mount points. virtme-ng wants them to exist on the host too (empty
# directories; each guest mounts its own shares there, so concurrent boots do not clash).
guest_base=/run/vfio-warden-vm
guest_repo=$guest_base/repo
guest_rw=$guest_base/rw
mkdir -p "$guest_repo" "$guest_rw" ||
	{ echo "boot.sh: cannot create the guest mount points under $guest_base" >&2; exit 1; }
rm -f "$rwdir/rc" "$rwdir/output.log" "$rwdir/console.log" "$rwdir/guest.sh" "$rwdir/nvme.img"

# The guest side: run COMMAND from the repo root, output and status into the shared dir.
# The status file is written last and renamed into place, so its presence means "finished".
# A repository the guest cannot see is said as such (status 125), not as a failed test.
{
	echo '#!/bin/bash'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	printf 'export VW_RWDIR=%q VW_KERNEL=%q VW_IN_VM=1 VW_REPO=%q\n' "$guest_rw" "$series" "$guest_repo"
	# which selftests (tests/vm/guest-run.sh): make vmtest T=..., and their order
	printf 'export VW_T=%q VW_REVERSE=%q VW_TCG=%q\n' "${VW_T:-}" "${VW_REVERSE:-}" "$tcg"
	echo 'if ! cd "$VW_REPO" || [ ! -f tests/vm/boot.sh ]; then'
	printf '\techo "guest: the repository (host %s) is not visible at $VW_REPO" > "$VW_RWDIR/output.log"\n' "$repo"
	echo '	echo 125 > "$VW_RWDIR/rc"; exit 125'
	echo 'fi'
	printf '%q ' "$@"
	echo '> "$VW_RWDIR/output.log" 2>&1 < /dev/null'
	echo 'rc=$?'
	echo 'echo "$rc" > "$VW_RWDIR/rc.tmp" && mv "$VW_RWDIR/rc.tmp" "$VW_RWDIR/rc"'
	echo 'sync'
	echo 'exit "$rc"'
} > "$rwdir/guest.sh"
chmod +x "$rwdir/guest.sh"

truncate -s 64M "$rwdir/nvme.img"

# virtme-init (the bash init of Debian's virtme-ng) finds the script's I/O ports through the
# /dev/virtio-ports/ links that udev makes; without udev on the host it powers off at once
# ("cannot find script I/O ports"). Then lend it a stand-in: a directory mounted over the
# guest's /usr/local/bin (the one PATH entry it searches for "udevd") whose udevd makes the
# links from sysfs and unmounts itself, giving the guest back the host's /usr/local/bin.
extra=()
if ! [ -x /usr/lib/systemd/systemd-udevd ] && ! [ -x /lib/systemd/systemd-udevd ] &&
   ! command -v udevd >/dev/null; then
	mkdir -p "$rwdir/udev-shim"
	cat > "$rwdir/udev-shim/udevd" <<'SHIM'
#!/bin/bash
# Written by tests/vm/boot.sh: stands in for udevd inside the virtme-ng guest.
mkdir -p /dev/virtio-ports
for port in /sys/class/virtio-ports/*; do
	name=$(cat "$port/name" 2>/dev/null) || continue
	[ -n "$name" ] && ln -sfn "../${port##*/}" "/dev/virtio-ports/$name"
done
umount -l /usr/local/bin 2>/dev/null
exit 0
SHIM
	chmod +x "$rwdir/udev-shim/udevd"
	extra+=(--rodir="/usr/local/bin=$rwdir/udev-shim")
fi

# -accel tcg,thread=single: both vCPUs in one host thread (the guest still has 2 CPUs and
# runs threads concurrently). With multi-threaded TCG (QEMU 10's default) guests hung in 5 of
# 11 stress boots under host load: a vCPU halted for good with the LAPIC timer vector stuck
# in service (ISR 236, IRR 41 236) or its one-shot timer expired and never re-armed ("rcu:
# ... timer wakeup didn't happen"). Single-threaded TCG: 0 hangs in 56 probe rounds, and no
# slower on this 2-core host.
# event_idx=off on virtio-9p (the guest's root, rwdir) and virtio-serial (script I/O): under
# multi-threaded TCG a 9p request was seen stranded (guest avail idx one past QEMU's
# last_avail_idx, nothing in flight: a lost kick, as the event_idx publish/re-check race
# would give), its writer blocked for good. Without event_idx the guest kicks every request.
# shellcheck disable=SC2054,SC2206 # commas are QEMU's; VW_QEMU_OPTS is split on purpose
qemu_opts=(
	-accel "tcg,thread=$tcg"
	-global virtio-9p-device.event_idx=off
	-global virtio-serial-device.event_idx=off
	-device intel-iommu
	-device e1000e,mac=52:54:00:12:34:56
	-device e1000e,mac=52:54:00:12:34:57
	-device igb,mac=52:54:00:12:34:58
	-drive "file=$rwdir/nvme.img,if=none,id=nvm,format=raw"
	-device nvme,serial=vwtest,drive=nvm
	-M q35,cxl=on -object memory-backend-ram,id=cxlmem0,size=256M
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
	-device cxl-rp,port=0,bus=cxl.1,id=cxlrp0,chassis=0,slot=2
	-device cxl-type3,bus=cxlrp0,volatile-memdev=cxlmem0,id=cxl-vmem0
	-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G
	${VW_QEMU_OPTS:-}
)

echo "boot.sh: kernel $kernel, rwdir $rwdir, timeout ${timeout_s}s, tcg $tcg" >&2
start=$(date +%s)
set +e
# --rwdir uses the GUEST=HOST form: virtme-ng 1.35 rejects a plain absolute path unless the
# cwd is /. --cwd: virtme-init cds into the host's working directory unless told otherwise,
# and exits (kernel panic: "Attempted to kill init") when the guest cannot see it (a clone
# under /var/tmp); the shared repository is always there. --verbose makes the kernel log go to the console file (script output is separate).
# nohz=off highres=off: a periodic guest tick, which QEMU re-arms by itself, against the
# expired-and-never-re-armed one-shot LAPIC timer seen under multi-threaded TCG (above);
# defensive now, part of the configuration the stress runs passed with.
append="intel_iommu=on no_timer_check nohz=off highres=off module_blacklist=cxl_pci,cxl_acpi,cxl_mem,cxl_port"
append="$append ${VW_APPEND:-}"
vng_cmd=(timeout -k 15 "$timeout_s"
	vng --run "$kernel" --disable-kvm --disable-microvm --cpus 2 --memory 1G
	--rwdir="$guest_rw=$rwdir" --rodir="$guest_repo=$repo" --cwd "$guest_repo" "${extra[@]}" --append "$append"
	--qemu-opts="${qemu_opts[*]}" --verbose
	--exec "bash $guest_rw/guest.sh")
# In the background, so that a signal to this script stops the VM too: `timeout` runs in a
# process group of its own, which a caller's kill of our group would not reach.
if [ "$verbose" = 1 ]; then
	"${vng_cmd[@]}" < /dev/null > >(tee "$rwdir/console.log" >&2) 2>&1 &
else
	"${vng_cmd[@]}" < /dev/null > "$rwdir/console.log" 2>&1 &
fi
vm_pid=$!
trap 'kill -TERM "$vm_pid" 2>/dev/null; wait "$vm_pid"; echo "boot.sh: interrupted; VM stopped" >&2; exit 130' INT TERM HUP
wait "$vm_pid"
vng_rc=$?
trap - INT TERM HUP
set -e
elapsed=$(( $(date +%s) - start ))

if [ -f "$rwdir/output.log" ]; then
	cat "$rwdir/output.log"
fi
if [ ! -f "$rwdir/rc" ]; then
	if [ "$vng_rc" = 124 ] || [ "$vng_rc" = 137 ]; then
		echo "boot.sh: VM timed out after ${timeout_s}s; the command did not finish" >&2
	else
		echo "boot.sh: VM exited (vng status $vng_rc) after ${elapsed}s without the command's" \
		     "status: it crashed or failed to start" >&2
	fi
	echo "boot.sh: last console lines ($rwdir/console.log):" >&2
	tail -n 40 "$rwdir/console.log" >&2
	exit 1
fi
rc=$(cat "$rwdir/rc")
[[ "$rc" =~ ^[0-9]+$ ]] || rc=1
echo "boot.sh: command exited $rc; VM ran ${elapsed}s" >&2
if [ "$own_rwdir" = 1 ] && [ "$rc" = 0 ]; then
	rm -rf "$rwdir"
fi
exit "$rc"
