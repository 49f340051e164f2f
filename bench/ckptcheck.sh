#!/bin/bash
# Benchmark: ckptcheck on a 1 GiB image against a reference reader of the
# same file, interleaved in one run, page cache warm; on an image of one
# million small records, records per second; peak memory from
# /usr/bin/time.  Usage: bench/ckptcheck.sh [ROUNDS] (from a built tree).
#
# The reference is `cat IMAGE | wc -c`: every byte crosses into user space
# once, as ckptcheck must read (and hash) every byte.  `cat IMAGE >/dev/null`
# is no reference: cat(1) splices a file to /dev/null without copying and
# runs at page-cache speed (about 15 GB/s here).  Both images are whole and
# pass against the kernel they claim (tests/profiles), so every rule runs to
# the end, digests included.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
check="$top/src/ckptcheck/ckptcheck"
mkbench="$top/tools/mkbench"
profile="$top/tests/profiles/linux-2.6.37-ckpt-v23.json"
[ -x "$check" ] && [ -x "$mkbench" ] || { echo "build first: ./build.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big="$work/1g.ckpt" many="$work/1m.ckpt"
"$mkbench" pages 262144 "$big"		# 262144 pages of 4 KiB: 1 GiB of page data
"$mkbench" records 1000000 "$many"	# 1 000 000 OBJREF + USER_NS records
size=$(stat -c %s "$big")
nrec=$("$check" --target "$profile" "$many" | sed -n 's/.* in \([0-9]*\) records.*/\1/p')

declare -A total cpu peak
run() { # NAME CMD...: wall and CPU seconds, peak RSS
	local name=$1 t
	shift
	t=$( { /usr/bin/time -f '%e %U %S %M' "$@" >/dev/null; } 2>&1 | tail -1)
	read -r e u s m <<<"$t"
	total[$name]=$(echo "${total[$name]:-0} + $e" | bc)
	cpu[$name]=$(echo "${cpu[$name]:-0} + $u + $s" | bc)
	peak[$name]=$m
}
for _ in 1 2; do cat "$big" | wc -c >/dev/null; "$check" -q --target "$profile" "$big" || true; done
for _ in $(seq "$rounds"); do
	run cat-wc sh -c "cat '$big' | wc -c"
	run ckptcheck-1g "$check" -q --target "$profile" "$big"
	run ckptcheck-stdin sh -c "cat '$big' | '$check' -q --target '$profile' -"
	run ckptcheck-1m "$check" -q --target "$profile" "$many"
done
printf '%-16s %8s %8s %10s %10s %10s\n' command "wall s" "cpu s" "vs cat|wc" "rate" "peak KB"
for k in cat-wc ckptcheck-1g ckptcheck-stdin ckptcheck-1m; do
	mean=$(echo "scale=3; ${total[$k]} / $rounds" | bc)
	c=$(echo "scale=3; ${cpu[$k]} / $rounds" | bc)
	if [ "$k" = ckptcheck-1m ]; then
		ratio=-
		rate="$(echo "scale=2; $nrec / 1000000 / $mean" | bc)M rec/s"
	else
		ratio="$(echo "scale=2; ${total[$k]} / ${total[cat-wc]}" | bc)x"
		rate="$(echo "scale=2; $size / 1000000000 / $mean" | bc) GB/s"
	fi
	printf '%-16s %8s %8s %10s %10s %10s\n' "$k" "$mean" "$c" "$ratio" "$rate" "${peak[$k]}"
done
echo "records in the 1M image: $nrec; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
