#!/bin/bash
# ckpt against gcore on a process holding touched anonymous memory.
#
#   bench/ckpt-vs-gcore.sh [ROUNDS [MIB]]        (default 5 rounds, 1024 MiB)
#
# Starts tests/workloads/pattern with MIB MiB of written anonymous memory,
# warms up (two untimed runs of each: this VM's memory and page cache are
# slow the first time they are touched), then times `ckpt PID -o FILE` and
# `gcore -o FILE PID` interleaved, ROUNDS times each, and prints each run,
# the medians, the ratio ckpt/gcore and the rates.  The output files go to
# BENCH_DIR (default: a directory under /var/tmp) and are removed after
# each run.  On a disk (not tmpfs) gcore's time includes a sync(1) of its
# core file, as ckpt fsyncs its image before renaming it.  Needs a built tree (./build.sh check builds the workload) and
# ptrace rights; installs gdb (for gcore) with apt-get when root and it is
# missing.  Not part of `make check`.
set -eu

rounds=${1:-5}
mib=${2:-1024}
top=$(cd "$(dirname "$0")/.." && pwd)
CKPT=${CKPT:-$top/src/ckpt/ckpt}
WORKLOAD=${WORKLOAD:-$top/tests/workloads/pattern}
for f in "$CKPT" "$WORKLOAD"; do
	[ -x "$f" ] || { echo "bench: $f is missing: build first (./build.sh check)" >&2; exit 2; }
done
if ! command -v gcore >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdb >/dev/null
	else
		echo "bench: gcore (package gdb) is missing" >&2
		exit 2
	fi
fi

dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ckptbench.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

"$WORKLOAD" "$dir/ready" "$mib" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q '^ready=1' "$dir/ready" 2>/dev/null && break
	sleep 0.1
done
grep -q '^ready=1' "$dir/ready" || { echo "bench: workload not ready" >&2; exit 2; }

if [ "$(stat -f -c %T "$dir")" = tmpfs ]; then sync_gcore=0; else sync_gcore=1; fi
now() { date +%s.%N; }
# time_ckpt / time_gcore: one run; its seconds go to $took, the output is
# removed after.
# On a disk each timed run starts with nothing left to write back from the
# run before (a sync, untimed), so that neither tool pays for the other.
settle() { [ "$sync_gcore" = 1 ] && sync; return 0; }
time_ckpt() {
	local t0 t1
	settle
	t0=$(now)
	"$CKPT" -q -o "$dir/img.ckpt" "$pid" || { echo "bench: ckpt failed" >&2; exit 2; }
	t1=$(now)
	ckpt_bytes=$(stat -c %s "$dir/img.ckpt")
	rm -f "$dir/img.ckpt"
	took=$(echo "$t1 - $t0" | bc -l)
}
time_gcore() {
	local t0 t1
	settle
	t0=$(now)
	gcore -o "$dir/core" "$pid" >/dev/null 2>&1 || { echo "bench: gcore failed" >&2; exit 2; }
	# Like with like: ckpt fsyncs its image before the rename; on a disk
	# gcore's core file is synced too (tmpfs has nothing to sync).
	[ "$sync_gcore" = 1 ] && sync "$dir/core.$pid"
	t1=$(now)
	gcore_bytes=$(stat -c %s "$dir/core.$pid")
	rm -f "$dir/core.$pid"
	took=$(echo "$t1 - $t0" | bc -l)
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "bench: $mib MiB touched anonymous memory, pid $pid, output in $dir ($(stat -f -c %T "$dir"), gcore synced: $sync_gcore), $rounds rounds"
for w in 1 2; do
	time_ckpt
	time_gcore
done
: >"$dir/ckpt.t"
: >"$dir/gcore.t"
for r in $(seq "$rounds"); do
	time_ckpt
	c=$took
	time_gcore
	g=$took
	echo "$c" >>"$dir/ckpt.t"
	echo "$g" >>"$dir/gcore.t"
	printf 'round %d: ckpt %.3f s, gcore %.3f s\n' "$r" "$c" "$g"
done
cm=$(median <"$dir/ckpt.t")
gm=$(median <"$dir/gcore.t")
printf 'median: ckpt %.3f s (%.2f GB/s of image, %d bytes), gcore %.3f s (%.2f GB/s of core, %d bytes)\n' \
	"$cm" "$(echo "$ckpt_bytes / $cm / 1000000000" | bc -l)" "$ckpt_bytes" \
	"$gm" "$(echo "$gcore_bytes / $gm / 1000000000" | bc -l)" "$gcore_bytes"
printf 'ratio ckpt/gcore: %.2f (target <= 0.60)\n' "$(echo "$cm / $gm" | bc -l)"
