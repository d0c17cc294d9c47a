#!/usr/bin/env bash
# The machine `make deps` set up (scripts/install-deps.sh) still upgrades as a plain
# host of its own release: an ordinary `apt-get upgrade` takes no package from a newer
# Debian release. The newer suites' packages the project needs (virtme-ng, promtool,
# kernel 7.3) are taken by exact name; every pin of ours on a newer suite is below 100,
# so apt never picks from it on its own. Ends with "N passed, N failed".
set -u
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if ! command -v apt-get >/dev/null; then
	echo "test_apt_upgrade: no apt-get on this host: nothing of ours to check"
	echo "1 passed, 0 failed"; exit 0
fi
# 1. every preference file of ours pins a suite below 100
for f in /etc/apt/preferences.d/vfio-warden*; do
	[ -e "$f" ] || continue
	prio=$(awk '/^Pin-Priority:/ {print $2}' "$f")
	if [ -n "$prio" ] && [ "$prio" -lt 100 ]; then ok; else bad "$f pins at '${prio:-none}' (want < 100)"; fi
done
# 2. what an upgrade would install: only from this host's own release (or its backports)
sim=$(apt-get -s -o Debug::NoLocking=1 upgrade 2>&1); rc=$?
if [ "$rc" = 0 ]; then ok; else bad "apt-get -s upgrade exited $rc: $(tail -n 3 <<<"$sim")"; fi
newer=$(grep '^Inst ' <<<"$sim" | grep -E 'Debian:1[3-9]|trixie|forky|/(stable|testing|unstable)[] ]' || true)
if [ -z "$newer" ]; then ok; else bad "apt-get upgrade would take from a newer release:"; echo "$newer" | head -n 20; fi
# 3. the packages we take from a newer suite are held to it by name, not by a pin that
#    would move the rest of the host: apt's candidate for libc6 and systemd is this release's
for p in libc6 systemd; do
	cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
	inst=$(apt-cache policy "$p" 2>/dev/null | awk '/Installed:/ {print $2}')
	if [[ "$cand" != *deb1[3-9]* ]] || [ "$cand" = "$inst" ]; then ok
	else bad "$p: apt's candidate $cand (installed $inst) is a newer release's"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
