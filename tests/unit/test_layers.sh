#!/usr/bin/env bash
# The user/ layers (README: Layout) hold: lib/ includes only lib/ and include/ headers and
# no libbpf; loader/ includes no cli/ header. Each file is one check.
set -u
cd "$(dirname "$0")/../.." || exit 2
pass=0 fail=0
check() { # $1: file, $2: the directories its quoted includes may come from, $3: 1 if libbpf is allowed
	local f=$1 dirs=$2 bpf_ok=$3 h d ok bad=""
	for h in $(grep -o '#include "[A-Za-z0-9_.]*"' "$f" | sed 's/#include "//; s/"$//'); do
		ok=0
		for d in $dirs; do [ -f "$d/$h" ] && ok=1; done
		[ "$h" = warden.skel.h ] && [ "$bpf_ok" = 1 ] && ok=1
		[ "$ok" = 1 ] || bad="$bad $h"
	done
	if [ "$bpf_ok" = 0 ] && grep -q '#include <bpf/' "$f"; then bad="$bad <bpf/...>"; fi
	if [ -z "$bad" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $f includes:$bad"; fi
}
for f in user/lib/*.[ch]; do check "$f" "user/lib include" 0; done
for f in user/loader/*.[ch]; do check "$f" "user/lib user/loader include" 1; done
for f in user/cli/*.[ch]; do check "$f" "user/lib user/loader user/cli include" 1; done
[ -z "$(find user -maxdepth 1 -type f)" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL files directly in user/: $(find user -maxdepth 1 -type f)"; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
