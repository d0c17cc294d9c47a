#!/usr/bin/env bash
# Inside the guest booted by tests/vm/boot.sh: binds the test devices to vfio-pci and records
# where they are. Devices are found by vendor:device, never by a fixed address.
#
#   tests/vm/guest-setup.sh [--leave-second] [ENVFILE]
#       Load vfio-pci, bind the first e1000e, the igb and the nvme to vfio-pci (and the second
#       e1000e too, unless --leave-second: then it stays on its own driver, e1000e, so a test
#       can bind it "after attach"). Idempotent. Writes ENVFILE (default: stdout):
#           E1000E_BDF=0000:00:0b.0   E1000E_GROUP=3
#           E1000E2_BDF=0000:00:0c.0  E1000E2_GROUP=4   E1000E2_VFIO=0|1
#           IGB_BDF=0000:00:0d.0      IGB_GROUP=5
#           NVME_BDF=0000:00:0e.0     NVME_GROUP=6
#           CXL_BDF=0000:0d:00.0      CXL_GROUP=18      (only when the VM has one)
#       one KEY=value per line (source it from sh, or parse it from C).
#   tests/vm/guest-setup.sh bind BDF      bind one device to vfio-pci; prints its IOMMU group
#   tests/vm/guest-setup.sh release BDF   give one device back to its own driver
#
# Sourcing this file defines vw_find, vw_bind, vw_release and vw_group without doing anything.

VW_E1000E_ID=8086:10d3
VW_IGB_ID=8086:10c9
VW_NVME_ID=1b36:0010
VW_CXL_ID=8086:0d93

vw_die() { echo "guest-setup: $*" >&2; return 1; }

# vw_find VENDOR:DEVICE -> the BDFs of the matching PCI functions, sorted, one per line
vw_find() {
	local want=$1 d vendor device
	for d in /sys/bus/pci/devices/*; do
		vendor=$(<"$d/vendor") device=$(<"$d/device")
		[ "${vendor#0x}:${device#0x}" = "$want" ] && echo "${d##*/}"
	done | sort
}

# vw_group BDF -> its IOMMU group number
vw_group() {
	local link
	link=$(readlink "/sys/bus/pci/devices/$1/iommu_group") ||
		vw_die "$1 has no IOMMU group (is intel_iommu=on and -device intel-iommu set?)" || return
	echo "${link##*/}"
}

vw_driver() { # BDF -> bound driver name, or nothing
	local link
	link=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) && echo "${link##*/}"
	return 0
}

vw_modules() {
	modprobe vfio-pci && modprobe vfio_iommu_type1 || vw_die "cannot load vfio-pci" || return
	[ -e /dev/vfio/vfio ] || vw_die "/dev/vfio/vfio missing after modprobe vfio-pci"
}

# vw_bind BDF: bind one device to vfio-pci (a no-op if it already is) and wait, bounded, for
# its /dev/vfio/GROUP node. Prints the group.
vw_bind() {
	local bdf=$1 d=/sys/bus/pci/devices/$1 group i
	[ -d "$d" ] || vw_die "no PCI device $bdf" || return
	[ -e /dev/vfio/vfio ] || vw_modules || return
	if [ "$(vw_driver "$bdf")" != vfio-pci ]; then
		echo vfio-pci > "$d/driver_override" || vw_die "driver_override $bdf" || return
		if [ -e "$d/driver" ]; then
			echo "$bdf" > "$d/driver/unbind" || vw_die "unbind $bdf" || return
		fi
		echo "$bdf" > /sys/bus/pci/drivers_probe 2>/dev/null
		[ "$(vw_driver "$bdf")" = vfio-pci ] ||
			vw_die "$bdf did not bind to vfio-pci (driver: $(vw_driver "$bdf"))" || return
	fi
	group=$(vw_group "$bdf") || return
	for ((i = 0; i < 100; i++)); do # up to ~10 s; devtmpfs normally has it at once
		[ -c "/dev/vfio/$group" ] && { echo "$group"; return 0; }
		sleep 0.1
	done
	vw_die "/dev/vfio/$group did not appear for $bdf"
}

# vw_release BDF: unbind from vfio-pci and let its own driver (if loaded) take it again.
vw_release() {
	local bdf=$1 d=/sys/bus/pci/devices/$1
	[ -d "$d" ] || vw_die "no PCI device $bdf" || return
	echo > "$d/driver_override"
	if [ "$(vw_driver "$bdf")" = vfio-pci ]; then
		echo "$bdf" > "$d/driver/unbind" || vw_die "unbind $bdf" || return
	fi
	[ -n "$(vw_driver "$bdf")" ] || echo "$bdf" > /sys/bus/pci/drivers_probe 2>/dev/null
	return 0
}

vw_setup_main() {
	local leave_second=0 envfile='' e1000e igb nvme cxl out
	while [ $# -gt 0 ]; do
		case "$1" in
		--leave-second) leave_second=1; shift ;;
		-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; return 0 ;;
		-*) vw_die "unknown option $1"; return 2 ;;
		*) envfile=$1; shift ;;
		esac
	done
	[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] ||
		vw_die "no IOMMU groups: boot with intel_iommu=on and QEMU -device intel-iommu" || return
	vw_modules || return
	# The guest has no udev to load drivers by modalias: load the devices' own drivers so
	# they start where a host's would (the second e1000e stays on e1000e with --leave-second).
	modprobe -q -a e1000e igb nvme 2>/dev/null

	mapfile -t e1000e < <(vw_find $VW_E1000E_ID)
	mapfile -t igb < <(vw_find $VW_IGB_ID)
	mapfile -t nvme < <(vw_find $VW_NVME_ID)
	mapfile -t cxl < <(vw_find $VW_CXL_ID)
	[ ${#e1000e[@]} -ge 2 ] || vw_die "want two e1000e ($VW_E1000E_ID), found ${#e1000e[@]}" || return
	[ ${#igb[@]} -ge 1 ] || vw_die "no igb ($VW_IGB_ID)" || return
	[ ${#nvme[@]} -ge 1 ] || vw_die "no nvme ($VW_NVME_ID)" || return

	# (set -e does not work inside a command that is part of an "||" list: check each step.)
	out=$(
		g=$(vw_bind "${e1000e[0]}") || exit 1
		echo "E1000E_BDF=${e1000e[0]}"; echo "E1000E_GROUP=$g"
		if [ $leave_second = 1 ]; then
			vw_release "${e1000e[1]}" && g=$(vw_group "${e1000e[1]}") || exit 1
			v=0
		else
			g=$(vw_bind "${e1000e[1]}") || exit 1
			v=1
		fi
		echo "E1000E2_BDF=${e1000e[1]}"; echo "E1000E2_GROUP=$g"; echo "E1000E2_VFIO=$v"
		g=$(vw_bind "${igb[0]}") || exit 1
		echo "IGB_BDF=${igb[0]}"; echo "IGB_GROUP=$g"
		g=$(vw_bind "${nvme[0]}") || exit 1
		echo "NVME_BDF=${nvme[0]}"; echo "NVME_GROUP=$g"
		if [ ${#cxl[@]} -ge 1 ]; then
			g=$(vw_bind "${cxl[0]}") || exit 1
			echo "CXL_BDF=${cxl[0]}"; echo "CXL_GROUP=$g"
		fi
	) || return
	if [ -n "$envfile" ]; then
		printf '%s\n' "$out" > "$envfile.tmp" && mv "$envfile.tmp" "$envfile"
	else
		printf '%s\n' "$out"
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	bind)
		[ $# = 2 ] || { echo "usage: $0 bind BDF" >&2; exit 2; }
		vw_bind "$2" ;;
	release)
		[ $# = 2 ] || { echo "usage: $0 release BDF" >&2; exit 2; }
		vw_release "$2" ;;
	*)
		vw_setup_main "$@" ;;
	esac
fi
