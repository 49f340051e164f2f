#!/bin/bash
# Benchmark: opening a 2 GiB image in the browser (`ckptdump -i IMG -c info`:
# the index pass and nothing else) with the page cache dropped, against `dd`
# reading the same file, cold too, in the same run.  The index pass reads
# record starts and page addresses only; dd reads every byte, which is what
# the pass cost before it skimmed.  Also the warm open.  Needs root (it
# writes /proc/sys/vm/drop_caches).
#   bench/browse-open.sh [ROUNDS] (from a built tree; BENCH_DIR: where the
#   image goes, default /var/tmp)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
dump="$top/src/ckptdump/ckptdump"
mkbench="$top/tools/mkbench"
[ -x "$dump" ] && [ -x "$mkbench" ] || { echo "build first: ./build.sh" >&2; exit 2; }
[ -w /proc/sys/vm/drop_caches ] || { echo "needs root (drops the page cache)" >&2; exit 2; }

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/browse-open.XXXXXX")
trap 'rm -rf "$work"' EXIT
img="$work/2g.ckpt"
"$mkbench" pages 524288 "$img"	# 1024 page arrays of 512 pages: 2 GiB
size=$(stat -c %s "$img")
sync

cold() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}
# seconds and KiB read from disk (getrusage's input blocks are 512 bytes)
timed() {
	/usr/bin/time -f '%e %I' "$@" 2>&1 >/dev/null | tail -1
}
declare -A total kib
add() { # NAME "SECONDS BLOCKS"
	total[$1]=$(echo "${total[$1]:-0} + ${2% *}" | bc)
	kib[$1]=$(( ${2#* } / 2 ))
}
printf '%-6s %12s %12s %12s\n' round "dd cold s" "open cold s" "open warm s"
for r in $(seq "$rounds"); do
	cold
	d=$(timed dd if="$img" of=/dev/null bs=1M)
	add dd "$d"
	cold
	o=$(timed "$dump" -i "$img" -c info)
	add open "$o"
	w=$(timed "$dump" -i "$img" -c info)
	add warm "$w"
	printf '%-6s %12s %12s %12s\n' "$r" "${d% *}" "${o% *}" "${w% *}"
done
printf '%-12s %10s %12s %14s\n' command "mean s" "vs dd cold" "KiB from disk"
for k in dd open warm; do
	mean=$(echo "scale=3; ${total[$k]} / $rounds" | bc)
	ratio=$(echo "scale=3; ${total[$k]} / ${total[dd]}" | bc)
	printf '%-12s %10s %12s %14s\n' "$k" "$mean" "${ratio}x" "${kib[$k]}"
done
echo "image: $size bytes"
