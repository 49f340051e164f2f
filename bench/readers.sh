#!/bin/bash
# Benchmark: the readers on one million records against ckptdump over the
# same image.  Two images from tools/mkbench: `threads 250000` (a process
# of 250 000 threads: about a million records, a quarter of them TASKs)
# and `records 1000000` (one task and a million small objects).  On each,
# interleaved ROUNDS times: ckptdump (text, to /dev/null, the reference),
# ckptcheck -q, ckptdiff -q of the image against a copy of itself, and the
# browser opening it and running `ps` (threads) or `info` (records).
# Prints every run's wall time, the medians, the ratios to ckptdump and
# the peak RSS.  Targets: each within 3x of ckptdump, peak RSS < 256 MiB.
# Usage: bench/readers.sh [ROUNDS] (from a built tree); BENCH_DIR chooses
# where the images go (default /var/tmp).  A run longer than TIMEOUT
# seconds (default 300) is stopped and shown as such.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
dump="$top/src/ckptdump/ckptdump" check="$top/src/ckptcheck/ckptcheck"
diff="$top/src/ckptdiff/ckptdiff" mkbench="$top/tools/mkbench"
profile="$top/tests/profiles/linux-2.6.37-ckpt-v23.json"
for p in "$dump" "$check" "$diff" "$mkbench"; do
	[ -x "$p" ] || { echo "build first: ./build.sh" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/readers-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$mkbench" threads 250000 "$work/threads.ckpt"
"$mkbench" records 1000000 "$work/records.ckpt"
cp "$work/threads.ckpt" "$work/threads-copy.ckpt"
cp "$work/records.ckpt" "$work/records-copy.ckpt"

timeout=${TIMEOUT:-300}
declare -A all peak
run() { # NAME CMD...: wall seconds and peak RSS (KiB); exit 0 or 1 is fine
	local name=$1 t
	shift
	/usr/bin/time -o "$work/time" -f '%e %M %x' timeout "$timeout" "$@" >/dev/null 2>&1 || true
	t=$(tail -1 "$work/time")
	read -r e m x <<<"$t"
	[ "$x" = 124 ] && e="timeout"
	[ "$x" = 0 ] || [ "$x" = 1 ] || [ "$x" = 124 ] || { echo "$name: exit status $x" >&2; exit 1; }
	all[$name]="${all[$name]:-} $e"
	[ "${peak[$name]:-0}" -ge "$m" ] || peak[$name]=$m
}
median() {
	case "${all[$1]}" in *timeout*) echo "timeout"; return ;; esac
	tr ' ' '\n' <<<"${all[$1]}" | sed '/^$/d' | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for img in threads records; do
	cmd=ps
	[ "$img" = records ] && cmd=info
	for _ in 1 2; do cat "$work/$img.ckpt" "$work/$img-copy.ckpt" >/dev/null; done
	for i in $(seq "$rounds"); do
		run "$img dump" "$dump" "$work/$img.ckpt"
		run "$img check" "$check" -q --target "$profile" "$work/$img.ckpt"
		run "$img diff" "$diff" -q "$work/$img.ckpt" "$work/$img-copy.ckpt"
		run "$img browse" "$dump" -i -c "$cmd" "$work/$img.ckpt"
		echo "round $i ($img):$(for t in dump check diff browse; do printf ' %s %s' "$t" "${all[$img $t]##* }"; done)"
	done
done
echo
printf '| image | tool | median (s) | x ckptdump | peak RSS (MiB) |\n|---|---|---|---|---|\n'
for img in threads records; do
	ref=$(median "$img dump")
	for t in dump check diff browse; do
		m=$(median "$img $t")
		if [ "$m" = timeout ]; then
			printf '| %s | %s | > %s | - | - |\n' "$img" "$t" "$timeout"
			continue
		fi
		printf '| %s | %s | %s | %.2f | %d |\n' "$img" "$t" "$m" "$(echo "$m / $ref" | bc -l)" \
			$((peak[$img $t] / 1024))
	done
done
