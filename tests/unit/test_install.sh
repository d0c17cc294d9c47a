#!/usr/bin/env bash
# `make install` / `make uninstall` into a temporary DESTDIR: every file where the
# README says, with its mode; the unit starts the installed binary; an operator's
# policy.yaml survives a reinstall and an uninstall. Ends with "N passed, N failed"
# (tests/unit/run.sh adds it up). Needs the binary built (`make unit` does that).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a make of our own, not the jobserver or overrides of the make that runs us
unset MAKEFLAGS MFLAGS MAKELEVEL
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description, command...
	local what=$1; shift
	if "$@"; then ok; else bad "$what"; fi
}
mode_is() { # file, octal mode
	if [ ! -f "$1" ] || [ -L "$1" ]; then bad "$1: missing or not a regular file"; return; fi
	local m u
	m=$(stat -c %a "$1"); u=$(stat -c %u "$1")
	if [ "$m" = "$2" ]; then ok; else bad "$1: mode $m, want $2"; fi
	# root-owned when installed as root; owned by whoever installs otherwise
	if [ "$u" = "$(id -u)" ]; then ok; else bad "$1: owner uid $u, want $(id -u)"; fi
}
mk() { # DESTDIR, make arguments...
	local d=$1; shift
	make -C "$root" --no-print-directory DESTDIR="$d" "$@" > "$tmp/make.log" 2>&1 ||
		{ cat "$tmp/make.log"; return 1; }
}

d=$tmp/root
etc=$d/etc/vfio-warden
unit=$d/usr/lib/systemd/system/vfio-warden.service
bin=$d/usr/sbin/vfio-warden
policies=$(cd "$root/policies" && printf '%s\n' *.yaml)

check "make install DESTDIR PREFIX=/usr" mk "$d" PREFIX=/usr install
mode_is "$bin" 755
for f in $policies README.md policy.yaml; do
	mode_is "$etc/$f" 644
done
mode_is "$unit" 644
mode_is "$d/etc/logrotate.d/vfio-warden" 644
check "policy.yaml is a copy of default.yaml" cmp -s "$etc/policy.yaml" "$root/policies/default.yaml"
check "installed binary is the built one" cmp -s "$bin" "$root/build/vfio-warden"

# the unit runs the installed binary (its path without DESTDIR), on the installed policy
check "ExecStart" grep -qx 'ExecStart=/usr/sbin/vfio-warden run --keep -p /etc/vfio-warden/policy.yaml -o /var/log/vfio-warden/events.jsonl' "$unit"
check "ExecReload reload" grep -qx 'ExecReload=/usr/sbin/vfio-warden reload -p /etc/vfio-warden/policy.yaml' "$unit"
check "ExecReload SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
for k in Type=simple Restart=on-failure RestartSec=1 LogsDirectory=vfio-warden After=local-fs.target \
	 WantedBy=multi-user.target; do
	check "unit has $k" grep -qx "$k" "$unit"
done
check "unit has no placeholder left" bash -c '! grep -q @ "$1"' _ "$unit"
check "logrotate: HUP through systemd" grep -q 'systemctl kill .*-s HUP vfio-warden.service' "$d/etc/logrotate.d/vfio-warden"
check "logrotate: no copytruncate" bash -c '! grep -v "^[[:space:]]*#" "$1" | grep -q copytruncate' _ "$d/etc/logrotate.d/vfio-warden"

# The installed binary accepts every installed policy, the live one first.
for f in policy.yaml $policies; do
	if out=$("$bin" check "$etc/$f" 2>&1); then ok; else bad "vfio-warden check $etc/$f: $out"; fi
done

# systemd-analyze verify resolves ExecStart= on this machine, where /usr/sbin/vfio-warden
# need not exist: verify a copy whose binary path points into DESTDIR (the paths
# themselves are checked above). Any message counts as a failure: verify exits 0 on
# unknown keys and bad values, and only prints them.
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$tmp/verify"
	sed "s|=/usr/sbin/vfio-warden |=$bin |" "$unit" > "$tmp/verify/vfio-warden.service"
	if out=$(systemd-analyze verify "$tmp/verify/vfio-warden.service" 2>&1) && [ -z "$out" ]; then
		ok
	else
		bad "systemd-analyze verify: $out"
	fi
else
	echo "note: systemd-analyze not found; unit not verified (not counted)"
fi

# A second install keeps the operator's policy, and updates the rest.
printf '# the operator was here\n' > "$etc/policy.yaml"
cat "$root/policies/strict.yaml" >> "$etc/policy.yaml"
cp "$etc/policy.yaml" "$tmp/operator.yaml"
echo garbage > "$etc/default.yaml"
check "make install again" mk "$d" PREFIX=/usr install
check "operator's policy.yaml kept" cmp -s "$etc/policy.yaml" "$tmp/operator.yaml"
check "shipped policies refreshed" cmp -s "$etc/default.yaml" "$root/policies/default.yaml"
check "make install again: says it kept policy.yaml" grep -q "keeping the existing .*policy.yaml" "$tmp/make.log"

# uninstall removes everything but the operator's policy
check "make uninstall" mk "$d" PREFIX=/usr uninstall
for f in "$bin" "$unit" "$d/etc/logrotate.d/vfio-warden" "$etc/README.md"; do
	check "uninstall removed $f" test ! -e "$f"
done
for f in $policies; do
	check "uninstall removed $etc/$f" test ! -e "$etc/$f"
done
check "uninstall kept policy.yaml" cmp -s "$etc/policy.yaml" "$tmp/operator.yaml"
check "uninstall left only policy.yaml" test "$(ls -A "$etc")" = policy.yaml

# default PREFIX: /usr/local, and the unit follows it
d2=$tmp/local
check "make install, default PREFIX" mk "$d2" install
mode_is "$d2/usr/local/sbin/vfio-warden" 755
check "unit under /usr/local/lib/systemd/system runs /usr/local/sbin/vfio-warden" \
	grep -q '^ExecStart=/usr/local/sbin/vfio-warden run --keep ' "$d2/usr/local/lib/systemd/system/vfio-warden.service"
mode_is "$d2/etc/vfio-warden/policy.yaml" 644
check "make uninstall, default PREFIX" mk "$d2" uninstall
check "uninstall with no operator changes keeps only policy.yaml" \
	test "$(ls -A "$d2/etc/vfio-warden")" = policy.yaml
check "nothing else left behind" test -z "$(find "$d2" -type f ! -path '*/etc/vfio-warden/policy.yaml')"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
