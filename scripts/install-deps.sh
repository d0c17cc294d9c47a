#!/usr/bin/env bash
# Installs everything vfio-warden needs to build, test and demo on a fresh Debian 12 host.
# Idempotent: a second run only checks. Mirrors the verified recipe in shared/VM.md:
# bookworm-backports for kernel 6.12, QEMU, bpftool and a newer libbpf; trixie (pinned low)
# only for virtme-ng, which is Architecture: all.
set -euo pipefail

KERNELS=${VW_KERNELS:-"6.12"}   # which guest kernels the VM tests need ("6.12 6.1")

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi

have_all() {
	command -v clang >/dev/null && command -v bpftool >/dev/null &&
	command -v vng >/dev/null && command -v qemu-system-x86_64 >/dev/null &&
	[ -f /usr/include/yaml.h ] && [ -f /usr/include/json-c/json.h ] &&
	[ -f /usr/include/liburing.h ] && [ -f /usr/include/gelf.h ] &&
	pkg-config --atleast-version=1.4 libbpf 2>/dev/null &&
	ls /boot/vmlinuz-6.12.*+deb12-amd64 >/dev/null 2>&1 &&
	{ [[ " $KERNELS " != *" 6.1 "* ]] || ls /boot/vmlinuz-6.1.0-*-amd64 >/dev/null 2>&1; }
}
if have_all; then
	echo "install-deps: everything present"
	exit 0
fi

# The mirror this machine already uses; never a hard-coded host.
src=/etc/apt/sources.list.d/debian.sources
uri=$(awk '/^URIs:/ {print $2; exit}' "$src" 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || { echo "install-deps: cannot find the Debian mirror URI" >&2; exit 1; }

if [ ! -f /etc/apt/sources.list.d/vfio-warden.sources ]; then
	cat > /etc/apt/sources.list.d/vfio-warden.sources <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	cat > /etc/apt/preferences.d/vfio-warden-trixie <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	make gcc clang llvm libelf-dev zlib1g-dev pkg-config pciutils \
	libyaml-dev libjson-c-dev liburing-dev kmod busybox-static
# Only virtme-ng from trixie: "-t trixie" would let trixie's libc and friends win too.
apt-get install -y -qq --no-install-recommends virtme-ng/trixie
# Exactly one kernel per series: the newest plain (not cloud, not rt) bookworm build.
newest_kernel() { # $1: regex for the package name
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}
k612=$(newest_kernel '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$')
[ -n "$k612" ] || { echo "install-deps: no 6.12 kernel package found" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	"$k612" qemu-system-x86 bpftool libbpf-dev
if [[ " $KERNELS " == *" 6.1 "* ]]; then
	k61=$(newest_kernel '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$')
	[ -n "$k61" ] || { echo "install-deps: no 6.1 kernel package found" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends "$k61"
fi
have_all || { echo "install-deps: something is still missing after install" >&2; exit 1; }
echo "install-deps: done"
