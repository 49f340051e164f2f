#!/bin/bash
# ckptrestore against ckpt on the same process: restore a 1 GiB
# anonymous-memory image from tmpfs, compared with the time ckpt took to
# write it, in the same run.
#
#   bench/restore.sh [ROUNDS [MIB]]        (default 5 rounds, 1024 MiB)
#
# Each round starts tests/workloads/counter with MIB MiB of written
# anonymous memory, times `ckpt -o IMAGE PID` (IMAGE on /dev/shm), kills the
# process, times `ckptrestore -d IMAGE` (until the process runs again), and
# kills it; the first round is a warm-up, not counted.  Prints each round,
# the medians, the ratio restore/ckpt (target: at most 1.5) in wall time
# and in CPU time (user + system, /usr/bin/time: the ratio a loaded
# machine disturbs least), the CPU seconds ckptrestore used per GiB, and
# the load average before and after.  Root only (ckptrestore); needs a built
# tree (./build.sh check builds the workload).  Not part of `make check`.
set -eu

rounds=${1:-5}
mib=${2:-1024}
top=$(cd "$(dirname "$0")/.." && pwd)
CKPT=${CKPT:-$top/src/ckpt/ckpt}
CKPTRESTORE=${CKPTRESTORE:-$top/src/ckptrestore/ckptrestore}
WORKLOAD=${WORKLOAD:-$top/tests/workloads/counter}
for f in "$CKPT" "$CKPTRESTORE" "$WORKLOAD"; do
	[ -x "$f" ] || { echo "bench: $f is missing: build first (./build.sh check)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench: ckptrestore needs root" >&2; exit 2; }

dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/restorebench.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

now() { date +%s.%N; }
gone() {
	for _ in $(seq 200); do
		[ -d "/proc/$1" ] || return 0
		sleep 0.02
	done
	echo "bench: pid $1 did not go" >&2
	exit 2
}

ckpt_times=() restore_times=() restore_cpu=() ckpt_cpu=()
echo "bench: before: $(uptime)"
for round in $(seq 0 "$rounds"); do
	rm -f "$dir/ready"
	"$WORKLOAD" "$dir/ready" "$dir/out" "$mib" </dev/null >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		grep -q '^ready=1' "$dir/ready" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^ready=1' "$dir/ready" || { echo "bench: workload not ready" >&2; exit 2; }
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$dir/ckcpu" "$CKPT" -q -o "$dir/img" "$pid"
	t1=$(now)
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	gone "$pid"
	sync
	t2=$(now)
	/usr/bin/time -f '%U %S' -o "$dir/cpu" "$CKPTRESTORE" -q -d "$dir/img"
	t3=$(now)
	kill -KILL "$pid"
	gone "$pid"
	c=$(awk '{ printf "%.3f", $1 + $2 }' "$dir/cpu")
	cc=$(awk '{ printf "%.3f", $1 + $2 }' "$dir/ckcpu")
	ck=$(echo "$t1 - $t0" | bc -l)
	rs=$(echo "$t3 - $t2" | bc -l)
	size=$(stat -c %s "$dir/img")
	rm -f "$dir/img"
	if [ "$round" = 0 ]; then
		printf 'warm-up: ckpt %.3f s, ckptrestore %.3f s\n' "$ck" "$rs"
		continue
	fi
	printf 'round %d: ckpt %.3f s (%s CPU-s), ckptrestore %.3f s (%s CPU-s), image %d MiB\n' \
		"$round" "$ck" "$cc" "$rs" "$c" "$((size >> 20))"
	ckpt_times+=("$ck") restore_times+=("$rs") restore_cpu+=("$c") ckpt_cpu+=("$cc")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mc=$(median "${ckpt_times[@]}")
mr=$(median "${restore_times[@]}")
mcpu=$(median "${restore_cpu[@]}")
mccpu=$(median "${ckpt_cpu[@]}")
echo "bench: after: $(uptime)"
printf 'median: ckpt %.3f s, ckptrestore %.3f s, ratio restore/ckpt %.2f (target <= 1.5)\n' \
	"$mc" "$mr" "$(echo "$mr / $mc" | bc -l)"
printf 'median CPU: ckpt %.3f s, ckptrestore %.3f s, ratio %.2f\n' "$mccpu" "$mcpu" "$(echo "$mcpu / $mccpu" | bc -l)"
printf 'ckptrestore CPU: %.3f s for %d MiB = %.2f CPU-s per GiB (CRIU: about 1.4)\n' \
	"$mcpu" "$mib" "$(echo "$mcpu * 1024 / $mib" | bc -l)"
