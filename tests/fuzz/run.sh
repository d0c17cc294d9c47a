#!/usr/bin/env bash
# Fuzz for SECONDS in total (default 60), split between the targets:
#   tests/fuzz/run.sh 300
#   fuzz_walk: the dump parser and capability walker, seeded with the lspci
#     dumps in tests/data and raw binary versions of them;
#   fuzz_policy_roundtrip: policy parse -> write -> parse must give the same
#     layers, seeded with every shipped and test policy.
# Each is built with libFuzzer + ASan + UBSan. Exits non-zero on a crash, leak,
# timeout or invariant failure; the input that did it is left in
# build/fuzz/artifacts/.
set -u
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/fuzz
cd "$root" || exit 2
mkdir -p "$out/corpus" "$out/seeds" "$out/corpus-policy" "$out/seeds-policy" "$out/artifacts"

build() { # $1: target name
	${CLANG:-clang} -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Iinclude -Iuser/lib "tests/fuzz/$1.c" user/lib/*.c -lyaml -ljson-c -laudit -lsystemd -lpthread \
		-o "$out/$1" || { echo "fuzz: build of $1 failed"; exit 2; }
}
build fuzz_walk
build fuzz_policy_roundtrip

# fuzz_walk seeds: every dump as text, and its bytes as a raw 4096-byte dump.
for f in tests/data/*.lspci; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .lspci)
	cp "$f" "$out/seeds/$name.lspci"
	hex=$(grep -E '^[0-9a-f]{2,3}: ' "$f" | head -n 256 | cut -d' ' -f2- | tr -d '\n' |
		sed 's/ *\([0-9a-f][0-9a-f]\)/\\x\1/g')
	printf "$hex" > "$out/seeds/$name.bin"
done
# fuzz_policy_roundtrip seeds: the policies, good and bad (a bad one is a near miss).
for f in policies/*.yaml tests/data/policies/good/*.yaml tests/data/policies/bad/*.yaml; do
	[ -e "$f" ] && cp "$f" "$out/seeds-policy/$(basename "$(dirname "$f")")-$(basename "$f")"
done

run() { # $1: target, $2: seconds, $3..: corpus dirs and extra flags
	local t=$1 s=$2 rc
	shift 2
	"$out/$t" "$@" -max_total_time="$s" -timeout=10 -artifact_prefix="$out/artifacts/" \
		-print_final_stats=1 > "$out/$t.log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' "$out/$t.log" | sed "s/^/$t: /"
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$out/$t.log"
		echo "fuzz: $t FAILED (exit $rc); reproducer in $out/artifacts/"
		return 1
	fi
	echo "fuzz: $t: no crash in ${s}s ($(ls "$1" | wc -l) corpus inputs)"
}
half=$((secs / 2)); [ "$half" -ge 1 ] || half=1
rest=$((secs - half)); [ "$rest" -ge 1 ] || rest=1
fail=0
run fuzz_walk "$half" "$out/corpus" "$out/seeds" -max_len=32768 || fail=1
run fuzz_policy_roundtrip "$rest" "$out/corpus-policy" "$out/seeds-policy" -max_len=8192 \
	-dict=tests/fuzz/policy.dict || fail=1
[ "$fail" = 0 ]
