#!/bin/bash
# `ckpt --no-pages` on a tree of small processes, against reading the /proc
# files it cannot do without.
#
#   bench/ckpt-tree.sh [ROUNDS [PROCESSES]]      (default 7 rounds, 100 processes)
#
# Starts a bash that forks PROCESSES - 1 sleep(1) children, then times,
# interleaved after one warm-up run of each:
#   ckpt      ckpt --no-pages -q -o FILE ROOT
#   reference one cat(1) of the stat, status, smaps and limits of every
#             process and the fdinfo of every descriptor: the /proc text a
#             metadata checkpoint has to read, with nothing frozen or written
# and prints the medians and the ratio.  Needs a built tree and ptrace
# rights.  Not part of `make check`.
set -eu

rounds=${1:-7}
nproc=${2:-100}
top=$(cd "$(dirname "$0")/.." && pwd)
CKPT=${CKPT:-$top/src/ckpt/ckpt}
[ -x "$CKPT" ] || { echo "bench: $CKPT is missing: build first (./build.sh)" >&2; exit 2; }

dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ckpttree.XXXXXX")
root=""
cleanup() {
	[ -n "$root" ] && kill -KILL -- "-$root" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

setsid bash -c 'for i in $(seq '"$((nproc - 1))"'); do sleep 100000 & done; echo ready >'"$dir/ready"'; wait' \
	</dev/null >/dev/null 2>&1 &
root=$!
disown "$root" 2>/dev/null || true
for _ in $(seq 300); do
	[ -s "$dir/ready" ] && break
	sleep 0.1
done
kids=$(cat "/proc/$root/task/$root/children")
[ "$(echo $kids | wc -w)" = $((nproc - 1)) ] || { echo "bench: tree not ready" >&2; exit 2; }

now() { date +%s.%N; }
time_ckpt() {
	local t0 t1
	t0=$(now)
	"$CKPT" --no-pages -q -o "$dir/tree.ckpt" "$root" || { echo "bench: ckpt failed" >&2; exit 2; }
	t1=$(now)
	bytes=$(stat -c %s "$dir/tree.ckpt")
	rm -f "$dir/tree.ckpt"
	took=$(echo "$t1 - $t0" | bc -l)
}
time_reference() {
	local t0 t1 p files=()
	t0=$(now)
	for p in $root $kids; do
		files+=("/proc/$p/stat" "/proc/$p/status" "/proc/$p/smaps" "/proc/$p/limits" /proc/"$p"/fdinfo/*)
	done
	cat "${files[@]}" >/dev/null
	t1=$(now)
	took=$(echo "$t1 - $t0" | bc -l)
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "bench: ckpt --no-pages on $nproc processes (root $root), $rounds rounds"
time_ckpt
time_reference
: >"$dir/ckpt.t"
: >"$dir/ref.t"
for r in $(seq "$rounds"); do
	time_ckpt
	echo "$took" >>"$dir/ckpt.t"
	c=$took
	time_reference
	echo "$took" >>"$dir/ref.t"
	printf 'round %d: ckpt %.3f s (%d bytes), reference %.3f s\n' "$r" "$c" "$bytes" "$took"
done
mc=$(median <"$dir/ckpt.t")
mr=$(median <"$dir/ref.t")
printf 'median: ckpt %.3f s, reference %.3f s, ratio ckpt/reference %.2f\n' "$mc" "$mr" "$(echo "$mc / $mr" | bc -l)"
