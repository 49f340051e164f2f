#!/bin/bash
# Benchmark: ckptdiff on two 1 GiB images that differ in 1% of their pages,
# against `cmp -l` on the same two files, interleaved in one run, page cache
# warm; peak memory from /usr/bin/time.  Targets: ckptdiff within 4x of
# cmp's time, peak RSS below 64 MiB.
# Usage: bench/ckptdiff.sh [ROUNDS] (from a built tree); BENCH_DIR chooses
# where the 2 GiB of images go (default /var/tmp).
#
# cmp stops at the first difference, a few pages in; `cmp -l` lists every
# differing byte, so it reads both files whole, as ckptdiff must (into a
# file: GNU cmp writing to /dev/null stops at the first difference too).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
diff="$top/src/ckptdiff/ckptdiff"
mkbench="$top/tools/mkbench"
[ -x "$diff" ] && [ -x "$mkbench" ] || { echo "build first: ./build.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ckptdiff-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
a="$work/a.ckpt" b="$work/b.ckpt"
"$mkbench" pages 262144 "$a"		# 1 GiB of page data
"$mkbench" pages 262144 "$b" 1		# the same, 1% of the pages changed
size=$(stat -c %s "$a")

times() { # NAME: the sorted times of NAME
	tr ' ' '\n' <<<"${all[$1]}" | sed '/^$/d' | sort -n
}
median() {
	times "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
declare -A all peak
run() { # NAME EXPECTED-STATUS CMD...
	local name=$1 want=$2 t rc
	shift 2
	t=$( { /usr/bin/time -f '%e %M %x' "$@" >/dev/null; } 2>&1 | tail -1) || true
	rc=${t##* }
	[ "$rc" = "$want" ] || { echo "$name: exit status $rc, expected $want" >&2; exit 1; }
	t=${t% *}
	all[$name]="${all[$name]:-} ${t% *}"
	[ "${peak[$name]:-0}" -ge "${t#* }" ] || peak[$name]=${t#* }
}
for _ in 1 2; do cat "$a" "$b" >/dev/null; done	# warm the page cache
for i in $(seq "$rounds"); do
	run cmp 1 sh -c 'cmp -l "$1" "$2" >"$3"' cmp "$a" "$b" "$work/cmp.out"
	run ckptdiff 1 "$diff" "$a" "$b"
	printf 'round %d: cmp -l %s s, ckptdiff %s s\n' "$i" "$(awk '{ print $NF }' <<<"${all[cmp]}")" \
		"$(awk '{ print $NF }' <<<"${all[ckptdiff]}")"
done
"$diff" --stat "$a" "$b" | tail -2
mc=$(median cmp) md=$(median ckptdiff)
printf '%-10s %10s %10s %10s\n' command "median s" "GB/s" "peak KB"
for k in cmp ckptdiff; do
	m=$(median "$k")
	printf '%-10s %10s %10s %10s\n' "$k" "$m" "$(echo "scale=2; 2 * $size / 1000000000 / $m" | bc)" "${peak[$k]}"
done
echo "ratio ckptdiff/cmp: $(echo "scale=2; $md / $mc" | bc) (target <= 4); peak RSS ${peak[ckptdiff]} KB (target < 65536)"
