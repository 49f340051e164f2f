#!/bin/bash
# Benchmark: ckptdump over a 1 GiB image against reference readers of the
# same file, interleaved in one run, page cache warm; peak memory from
# /usr/bin/time.  Usage: bench/ckptdump.sh [ROUNDS] (from a built tree).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
dump="$top/src/ckptdump/ckptdump"
mkbench="$top/tools/mkbench"
[ -x "$dump" ] && [ -x "$mkbench" ] || { echo "build first: ./build.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
img="$work/1g.ckpt"
"$mkbench" pages 262144 "$img"	# 262144 pages of 4 KiB: 1 GiB of page data
size=$(stat -c %s "$img")

# cat to /dev/null may splice without copying; `cat | wc -c` and md5sum
# read every byte into user space, as ckptdump must.
declare -A total peak
run() { # NAME CMD...
	local name=$1 t
	shift
	t=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null; } 2>&1 | tail -1)
	total[$name]=$(echo "${total[$name]:-0} + ${t% *}" | bc)
	peak[$name]=${t#* }
}
for _ in 1 2; do cat "$img" >/dev/null; "$dump" "$img" >/dev/null; done	# warm up
for _ in $(seq "$rounds"); do
	run cat cat "$img"
	run cat-wc sh -c "cat '$img' | wc -c"
	run md5sum md5sum "$img"
	run ckptdump "$dump" "$img"
	run ckptdump-json "$dump" --json "$img"
	run ckptdump-stdin sh -c "cat '$img' | '$dump' -"
done
printf '%-16s %10s %10s %12s %10s\n' command "mean s" "GB/s" "vs cat|wc" "peak KB"
for k in cat cat-wc md5sum ckptdump ckptdump-json ckptdump-stdin; do
	mean=$(echo "scale=3; ${total[$k]} / $rounds" | bc)
	rate=$(echo "scale=2; $size / 1000000000 / $mean" | bc 2>/dev/null || echo inf)
	ratio=$(echo "scale=2; ${total[$k]} / ${total[cat-wc]}" | bc)
	printf '%-16s %10s %10s %12s %10s\n' "$k" "$mean" "$rate" "${ratio}x" "${peak[$k]}"
done
