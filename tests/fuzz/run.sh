#!/usr/bin/env bash
# Fuzz the dump parser and capability walker for SECONDS (default 60):
#   tests/fuzz/run.sh 300
# Builds build/fuzz/fuzz_walk with libFuzzer + ASan + UBSan, seeds it with
# the lspci dumps in tests/data and raw binary versions of them, and runs it.
# Exits non-zero on a crash, leak, timeout or invariant failure; the input
# that did it is left in build/fuzz/artifacts/.
set -u
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/fuzz
cd "$root" || exit 2
mkdir -p "$out/corpus" "$out/seeds" "$out/artifacts"

${CLANG:-clang} -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude -Iuser/lib tests/fuzz/fuzz_walk.c user/lib/*.c -lyaml -ljson-c -laudit -lsystemd -lpthread \
	-o "$out/fuzz_walk" || { echo "fuzz: build failed"; exit 2; }

# Seeds: every dump as text, and its bytes as a raw 4096-byte dump.
for f in tests/data/*.lspci; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .lspci)
	cp "$f" "$out/seeds/$name.lspci"
	hex=$(grep -E '^[0-9a-f]{2,3}: ' "$f" | head -n 256 | cut -d' ' -f2- | tr -d '\n' |
		sed 's/ *\([0-9a-f][0-9a-f]\)/\\x\1/g')
	printf "$hex" > "$out/seeds/$name.bin"
done

"$out/fuzz_walk" "$out/corpus" "$out/seeds" -max_total_time="$secs" -timeout=10 \
	-max_len=32768 -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
	> "$out/log" 2>&1
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' "$out/log"
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$out/log"
	echo "fuzz: FAILED (exit $rc); reproducer in $out/artifacts/"
	exit 1
fi
echo "fuzz: no crash in ${secs}s ($(ls "$out/corpus" | wc -l) corpus inputs)"
