#!/bin/bash
# ckpt of a forked tree whose memory is copy-on-write shared.
#
#   bench/ckpt-cow.sh [ROUNDS [MIB]]        (default 5 rounds, 1024 MiB)
#
# Starts tests/workloads/cowfork: a parent that wrote MIB MiB and forked a
# child, which rewrote every 16th page, so both hold 15/16 of the memory
# shared.  Times `ckpt PID -o FILE` (the whole tree: both copies of the
# memory are written) ROUNDS times, output in BENCH_DIR (default /var/tmp),
# and checks after every run that the sharing is what it was (smaps
# Shared_Dirty of the parent's region): reading pages must not unshare
# them.  Prints each run, the median, the CPU time of ckpt and the verdict.
# Needs a built tree and ptrace rights.  Not part of `make check`.
set -eu

rounds=${1:-5}
mib=${2:-1024}
top=$(cd "$(dirname "$0")/.." && pwd)
CKPT=${CKPT:-$top/src/ckpt/ckpt}
WORKLOAD=${WORKLOAD:-$top/tests/workloads/cowfork}
for f in "$CKPT" "$WORKLOAD"; do
	[ -x "$f" ] || { echo "bench: $f is missing: build first (./build.sh check)" >&2; exit 2; }
done
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ckptcow.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

setsid "$WORKLOAD" "$dir/ready" "$mib" </dev/null >/dev/null 2>&1 &
for _ in $(seq 600); do
	grep -q '^ready=1' "$dir/ready" 2>/dev/null && break
	sleep 0.1
done
grep -q '^ready=1' "$dir/ready" || { echo "bench: workload not ready" >&2; exit 2; }
pid=$(sed -n 's/^pid=//p' "$dir/ready")
addr=$(sed -n 's/^addr=0x//p' "$dir/ready")
shared() {
	awk -v a="$addr-" 'index($0, a) == 1 { f = 1; next } f && /^[0-9a-f]+-[0-9a-f]+ / { f = 0 }
		f && /^Shared_Dirty:/ { print $2 }' "/proc/$pid/smaps"
}
before=$(shared)
echo "bench: $mib MiB written then shared by fork, pid $pid, Shared_Dirty $before kB, output in $dir, $rounds rounds"
"$CKPT" -q -o "$dir/img.ckpt" "$pid"	# warm-up
rm -f "$dir/img.ckpt"
: >"$dir/t"
verdict="sharing kept"
for r in $(seq "$rounds"); do
	/usr/bin/time -f '%e %U %S' -o "$dir/time" "$CKPT" -q -o "$dir/img.ckpt" "$pid"
	read -r wall user sys <"$dir/time"
	rm -f "$dir/img.ckpt"
	now=$(shared)
	[ "$now" = "$before" ] || verdict="UNSHARED: Shared_Dirty $before -> $now kB"
	echo "$wall" >>"$dir/t"
	printf 'round %d: ckpt %.3f s (cpu %.2f s), Shared_Dirty %s kB\n' "$r" "$wall" "$(echo "$user + $sys" | bc -l)" "$now"
done
printf 'median: ckpt %.3f s; %s\n' "$(sort -n "$dir/t" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')" "$verdict"
