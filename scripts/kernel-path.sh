#!/usr/bin/env bash
# Prints the guest kernel image (vmlinuz) for a kernel series used by the VM tests.
#   scripts/kernel-path.sh 6.12   newest /boot/vmlinuz-6.12.*+deb12-amd64 (never -cloud/-rt)
#   scripts/kernel-path.sh 6.1    newest /boot/vmlinuz-6.1.0-*-amd64
#   scripts/kernel-path.sh 7.3    newest /usr/lib/modules/7.3.*/vmlinuz (unpacked, see VM.md)
# Exits 1 with a message on stderr when that kernel is not installed.
set -euo pipefail

series=${1:-}
case "$series" in
6.12) pattern='/boot/vmlinuz-6.12.*+deb12-amd64' ;;
6.1)  pattern='/boot/vmlinuz-6.1.0-*-amd64' ;;
7.3)  pattern='/usr/lib/modules/7.3.*/vmlinuz' ;;
*)
	echo "usage: $0 6.12|6.1|7.3" >&2
	exit 2 ;;
esac

# Globs with no match stay literal; -f filters them out. Flavoured images never match:
# the 6.12/6.1 patterns end in "-amd64" right after the version, and 7.3 excludes them below.
newest=$(for f in $pattern; do [ -f "$f" ] && echo "$f"; done |
	grep -Ev -- '-(cloud|rt)-amd64' | sort -V | tail -n 1 || true)
if [ -z "$newest" ]; then
	# install-deps unpacks 7.3 from trixie-backports rather than installing it (its post-install fails on bookworm).
	how="install it: VW_KERNELS=\"$series\" scripts/install-deps.sh"
	echo "kernel-path: no $series kernel installed (looked for $pattern); $how" >&2
	exit 1
fi
echo "$newest"
