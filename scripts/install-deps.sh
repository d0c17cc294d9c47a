#!/usr/bin/env bash
# Installs everything vfio-warden needs to build, test and demo on a fresh Debian 12 host.
# Idempotent: a second run only checks. The recipe (README "Two commands"):
# bookworm-backports for kernel 6.12, QEMU, bpftool and a newer libbpf; trixie (pinned low)
# only for virtme-ng, which is Architecture: all. Kernel 7.3 (only when asked for) comes
# from trixie-backports (pinned lower still) and is unpacked, never installed with apt: its
# post-install script fails on bookworm (run-parts).
set -euo pipefail

KERNELS=${VW_KERNELS:-"6.12"}   # which guest kernels the VM tests need ("6.12 6.1 7.3")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
want() { [[ " $KERNELS " == *" $1 "* ]]; }

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi

# The unpacked 7.3 kernel counts only with its modules indexed (depmod ran), so an
# interrupted unpack is redone on the next run.
have_73() {
	local img
	img=$("$here/kernel-path.sh" 7.3 2>/dev/null) && [ -f "${img%/vmlinuz}/modules.dep" ]
}
have_all() {
	command -v clang >/dev/null && command -v bpftool >/dev/null &&
	command -v vng >/dev/null && command -v qemu-system-x86_64 >/dev/null &&
	[ -f /usr/include/yaml.h ] && [ -f /usr/include/json-c/json.h ] &&
	[ -f /usr/include/liburing.h ] && [ -f /usr/include/gelf.h ] &&
	grep -q VFIO_DEVICE_FEATURE_BUS_MASTER /usr/include/linux/vfio.h &&
	[ -f /usr/include/microhttpd.h ] && [ -f /usr/include/libaudit.h ] &&
	[ -f /usr/include/systemd/sd-journal.h ] && command -v promtool >/dev/null &&
	[ -x /lib/systemd/systemd-journald ] && python3 -c 'import jsonschema' 2>/dev/null &&
	pkg-config --atleast-version=1.4 libbpf 2>/dev/null &&
	ls /boot/vmlinuz-6.12.*+deb12-amd64 >/dev/null 2>&1 &&
	{ ! want 6.1 || ls /boot/vmlinuz-6.1.0-*-amd64 >/dev/null 2>&1; } &&
	{ ! want 7.3 || have_73; }
}
# trixie below 100: apt takes nothing from it on its own, not even as an upgrade of a
# package installed from bookworm-backports (whose own priority is 100: at an equal
# priority the higher trixie version would win, and pull trixie's libc after it).
# Only the packages named with /trixie below come from it. Rewritten on every run,
# before the early exit too, so a machine set up by an older version of this script
# (which pinned trixie at 100) is mended.
pin_trixie() {
	local pin=/etc/apt/preferences.d/vfio-warden-trixie
	local text=$'Package: *\nPin: release n=trixie\nPin-Priority: 50'
	[ "$(cat "$pin" 2>/dev/null)" = "$text" ] || printf '%s\n' "$text" > "$pin"
}
[ ! -f /etc/apt/sources.list.d/vfio-warden.sources ] || pin_trixie
if have_all; then
	echo "install-deps: everything present"
	exit 0
fi

# The mirror this machine already uses; never a hard-coded host.
src=/etc/apt/sources.list.d/debian.sources
uri=$(awk '/^URIs:/ {print $2; exit}' "$src" 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || { echo "install-deps: cannot find the Debian mirror URI" >&2; exit 1; }

pin_trixie
if [ ! -f /etc/apt/sources.list.d/vfio-warden.sources ]; then
	cat > /etc/apt/sources.list.d/vfio-warden.sources <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
# trixie-backports only for kernel 7.3, pinned below 100 so that apt never installs or
# upgrades anything from it on its own; the kernel packages are fetched by exact name.
# Pin first, then the suite: never a moment with the suite unpinned.
if want 7.3; then
	pin73=/etc/apt/preferences.d/vfio-warden-trixie-backports
	pin73_text=$'Package: *\nPin: release n=trixie-backports\nPin-Priority: 50'
	[ "$(cat "$pin73" 2>/dev/null)" = "$pin73_text" ] || printf '%s\n' "$pin73_text" > "$pin73"
	grep -Eq '^Suites:.*[[:space:]]trixie-backports([[:space:]]|$)' \
		/etc/apt/sources.list.d/vfio-warden.sources ||
		sed -i '/^Suites:/ s/[[:space:]]*$/ trixie-backports/' \
			/etc/apt/sources.list.d/vfio-warden.sources
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	make gcc clang llvm libelf-dev zlib1g-dev pkg-config pciutils \
	libyaml-dev libjson-c-dev liburing-dev kmod busybox-static \
	libmicrohttpd-dev libaudit-dev systemd python3-jsonschema
# Only virtme-ng and promtool (Prometheus' checker, a static Go binary: bookworm's
# prometheus package would also start a server) from trixie: "-t trixie" would let
# trixie's libc and friends win too.
apt-get install -y -qq --no-install-recommends virtme-ng/trixie promtool/trixie
# Exactly one kernel per series: the newest plain (not cloud, not rt) bookworm build.
newest_kernel() { # $1: regex for the package name
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}
k612=$(newest_kernel '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$')
[ -n "$k612" ] || { echo "install-deps: no 6.12 kernel package found" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	"$k612" qemu-system-x86 bpftool libbpf-dev linux-libc-dev
# linux-libc-dev from backports: the VFIO uAPI the ioctl judge is checked against
# (bookworm's 6.1 headers lack the newer VFIO_DEVICE_FEATUREs).
# The journal's headers at the version of the libsystemd0 now installed (backports'
# QEMU may have moved it past bookworm's libsystemd-dev).
apt-get install -y -qq --no-install-recommends "libsystemd-dev=$(dpkg-query -W -f='${Version}' libsystemd0)"
if [[ " $KERNELS " == *" 6.1 "* ]]; then
	k61=$(newest_kernel '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$')
	[ -n "$k61" ] || { echo "install-deps: no 6.1 kernel package found" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends "$k61"
fi
# Kernel 7.3: the newest version with both linux-image and linux-modules packages, unpacked
# into / (everything lands in /usr/lib/modules/<version>/), then indexed by depmod. Those two
# are not enough on their own: linux-image is a shell that depends on same-version packages,
# linux-binary (the vmlinuz) and linux-base (modules.builtin, modules.order, config), so
# also take every same-version linux-* package that linux-image depends on, transitively.
if want 7.3 && ! have_73; then
	versions() { # $1: package name prefix; prints the 7.3 kernel versions on offer
		apt-cache search --names-only "^$1-7\.3\.[0-9]+\+deb13-amd64\$" |
			awk -v p="$1-" '{sub("^" p, "", $1); print $1}' | sort -u
	}
	v73=$(comm -12 <(versions linux-image) <(versions linux-modules) | sort -V | tail -n 1)
	[ -n "$v73" ] || { echo "install-deps: no 7.3 kernel packages found (trixie-backports)" >&2; exit 1; }
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	# Writable by _apt, so that apt-get download runs sandboxed (no warning).
	chown _apt "$dl" 2>/dev/null || true
	pkgs=("linux-image-$v73" "linux-modules-$v73")
	for ((i = 0; i < ${#pkgs[@]}; i++)); do
		for dep in $(apt-cache depends "${pkgs[i]}" |
			awk -v s="-$v73" '/^ *(Pre)?Depends: linux-/ &&
				substr($2, length($2) - length(s) + 1) == s {print $2}'); do
			[[ " ${pkgs[*]} " == *" $dep "* ]] || pkgs+=("$dep")
		done
	done
	echo "install-deps: unpacking kernel $v73: ${pkgs[*]}"
	(cd "$dl" && apt-get download -qq "${pkgs[@]}")
	for deb in "$dl"/*.deb; do
		dpkg -x "$deb" /
	done
	depmod -a "$v73"
	[ -f "/usr/lib/modules/$v73/vmlinuz" ] ||
		{ echo "install-deps: /usr/lib/modules/$v73/vmlinuz missing after unpacking" >&2; exit 1; }
	echo "install-deps: kernel $v73 unpacked (not registered with dpkg)"
fi
have_all || { echo "install-deps: something is still missing after install" >&2; exit 1; }
echo "install-deps: done"
