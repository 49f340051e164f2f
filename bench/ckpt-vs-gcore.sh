#!/bin/bash
# ckpt against gcore on a process holding touched anonymous memory.
#
#   bench/ckpt-vs-gcore.sh [ROUNDS [MIB]]        (default 5 rounds, 1024 MiB)
#
# Starts tests/workloads/pattern with MIB MiB of written anonymous memory,
# warms up (two untimed runs of each: this VM's memory and page cache are
# slow the first time they are touched), then times `ckpt PID -o FILE`,
# `gcore -o FILE PID` and, as the floor, `dd` of as many bytes from
# /dev/zero to the same filesystem, interleaved, ROUNDS times each, and
# prints each run, the medians (wall, and CPU = user + system from
# /usr/bin/time), the ratios ckpt/gcore and ckpt/floor, the rates and the
# load average before and after.  The output files go to
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
# cpu_of FILE: user + system seconds from /usr/bin/time -f '%U %S'.
cpu_of() { awk '{ printf "%.3f", $1 + $2 }' "$1"; }
time_ckpt() {
	local t0 t1
	settle
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$dir/cpu" "$CKPT" -q -o "$dir/img.ckpt" "$pid" ||
		{ echo "bench: ckpt failed" >&2; exit 2; }
	t1=$(now)
	cpu=$(cpu_of "$dir/cpu")
	ckpt_bytes=$(stat -c %s "$dir/img.ckpt")
	rm -f "$dir/img.ckpt"
	took=$(echo "$t1 - $t0" | bc -l)
}
time_gcore() {
	local t0 t1
	settle
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$dir/cpu" gcore -o "$dir/core" "$pid" >/dev/null 2>&1 ||
		{ echo "bench: gcore failed" >&2; exit 2; }
	# Like with like: ckpt fsyncs its image before the rename; on a disk
	# gcore's core file is synced too (tmpfs has nothing to sync).
	[ "$sync_gcore" = 1 ] && sync "$dir/core.$pid"
	t1=$(now)
	cpu=$(cpu_of "$dir/cpu")
	gcore_bytes=$(stat -c %s "$dir/core.$pid")
	rm -f "$dir/core.$pid"
	took=$(echo "$t1 - $t0" | bc -l)
}
# The floor: the image's bytes written to the same filesystem by dd (4 MiB
# writes, as ckpt's), synced on a disk as the others are.
time_floor() {
	local t0 t1
	settle
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$dir/cpu" dd if=/dev/zero of="$dir/floor" bs=4M \
		count=$(((ckpt_bytes + (4 << 20) - 1) >> 22)) conv=fsync status=none ||
		{ echo "bench: dd failed" >&2; exit 2; }
	t1=$(now)
	cpu=$(cpu_of "$dir/cpu")
	rm -f "$dir/floor"
	took=$(echo "$t1 - $t0" | bc -l)
}
# Threads on the machine: ckpt's census of the users of the tree's shared
# objects (EXT_USERS) looks at every thread there while the tree is frozen,
# so a test that runs thousands of threads beside the bench slows ckpt,
# not gcore.
threads() { ls -d /proc/[0-9]*/task/[0-9]* 2>/dev/null | wc -l; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "bench: $mib MiB touched anonymous memory, pid $pid, output in $dir ($(stat -f -c %T "$dir"), gcore synced: $sync_gcore), $rounds rounds"
echo "bench: before: $(uptime), $(threads) threads"
for w in 1 2; do
	time_ckpt
	time_gcore
	time_floor
done
for f in ckpt gcore floor; do : >"$dir/$f.t"; : >"$dir/$f.cpu"; done
for r in $(seq "$rounds"); do
	time_ckpt
	c=$took cc=$cpu
	time_gcore
	g=$took gc=$cpu
	time_floor
	f=$took fc=$cpu
	echo "$c" >>"$dir/ckpt.t"; echo "$cc" >>"$dir/ckpt.cpu"
	echo "$g" >>"$dir/gcore.t"; echo "$gc" >>"$dir/gcore.cpu"
	echo "$f" >>"$dir/floor.t"; echo "$fc" >>"$dir/floor.cpu"
	printf 'round %d: ckpt %.3f s (%s CPU-s), gcore %.3f s (%s CPU-s), dd %.3f s (%s CPU-s)\n' \
		"$r" "$c" "$cc" "$g" "$gc" "$f" "$fc"
done
echo "bench: after: $(uptime), $(threads) threads"
cm=$(median <"$dir/ckpt.t")
gm=$(median <"$dir/gcore.t")
fm=$(median <"$dir/floor.t")
printf 'median: ckpt %.3f s (%.2f GB/s of image, %d bytes), gcore %.3f s (%.2f GB/s of core, %d bytes)\n' \
	"$cm" "$(echo "$ckpt_bytes / $cm / 1000000000" | bc -l)" "$ckpt_bytes" \
	"$gm" "$(echo "$gcore_bytes / $gm / 1000000000" | bc -l)" "$gcore_bytes"
printf 'median CPU (user + system): ckpt %.3f s, gcore %.3f s, dd %.3f s\n' \
	"$(median <"$dir/ckpt.cpu")" "$(median <"$dir/gcore.cpu")" "$(median <"$dir/floor.cpu")"
printf 'ratio ckpt/gcore: %.2f (target <= 0.60); ckpt/dd (writing the same bytes): %.2f (dd %.3f s)\n' \
	"$(echo "$cm / $gm" | bc -l)" "$(echo "$cm / $fm" | bc -l)" "$fm"
