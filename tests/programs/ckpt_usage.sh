#!/bin/bash
# ckpt's command line and its refusals: help, version, bad pids, an
# unwritable output, a task that is already traced.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

run "$tmp/o" "$tmp/e" "$CKPT" --help
check_eq "--help: exit status 0" 0 "$rc"
for o in --output --no-pages --freeze-timeout --file-data-limit --quiet --verbose --version; do
	check_grep "--help mentions $o" "$o" "$tmp/o"
done
run "$tmp/o" "$tmp/e" "$CKPT" --version
check_eq "--version: exit status 0" 0 "$rc"
check_grep "--version names the program and version" '^ckpt \(ckpttools\) [0-9]+\.[0-9]+' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPT"
check_eq "no pid: exit status 2" 2 "$rc"
check_grep "no pid: says so" 'no PID given' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPT" --bogus 1
check_eq "unknown option: exit status 2" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPT" 12x
check_eq "not a number: exit status 2" 2 "$rc"
check_grep "not a number: says so" '12x: not a process id' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/x.ckpt" 999999999
check_eq "pid out of range: exit status 2" 2 "$rc"
# A pid that is not in use: the highest pid + 1 is not a safe guess, but a
# process that has just been reaped is.
sh -c 'exit 0' & gone=$!
wait "$gone"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/x.ckpt" "$gone"
check_eq "no such process: exit status 2" 2 "$rc"
check_eq "no such process: one line naming the pid" "ckpt: pid $gone: no such process" "$(cat "$tmp/e")"
check_eq "no such process: no image, no temporary file" "" "$(ls -A "$tmp" | grep -v '^[oe]$')"
for t in 0 -1 abc 1x; do
	run "$tmp/o" "$tmp/e" "$CKPT" --freeze-timeout "$t" -o "$tmp/x.ckpt" 1
	check_eq "--freeze-timeout $t: exit status 2" 2 "$rc"
	check_grep "--freeze-timeout $t: says why" "freeze-timeout $t: not a number of seconds" "$tmp/e"
done

# Kernel threads: PF_KTHREAD (0x200000) in the flags field of their stat.
kthread=""
for p in 2 $(ls /proc | grep -E '^[0-9]+$' | head -200); do
	f=$(awk '{ sub(/.*\) /, ""); print $7 }' "/proc/$p/stat" 2>/dev/null)
	[ -n "$f" ] && [ $((f & 0x200000)) != 0 ] && { kthread=$p; break; }
done
if [ -n "$kthread" ]; then
	run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/x.ckpt" "$kthread"
	check_eq "a kernel thread: exit status 2" 2 "$rc"
	check_grep "a kernel thread: says so, naming the pid" "^ckpt: pid $kthread is a kernel thread " "$tmp/e"
	check_eq "a kernel thread: no image" "" "$(ls -A "$tmp" | grep -v '^[oe]$')"
else
	pass "# SKIP no kernel thread visible in this pid namespace"
fi

# The tree would hold ckpt itself: the shell running this test is one of
# its ancestors, and so is the shell's parent.
for p in $$ $PPID; do
	run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/x.ckpt" "$p"
	check_eq "an ancestor of ckpt ($p): exit status 2" 2 "$rc"
	check_grep "an ancestor of ckpt ($p): says the tree holds ckpt" \
		"^ckpt: cannot checkpoint a tree that holds ckpt itself: pid $p is an ancestor of ckpt" "$tmp/e"
	check_eq "an ancestor of ckpt ($p): no image" "" "$(ls -A "$tmp" | grep -v '^[oe]$')"
done
check_released "an ancestor of ckpt: the test's shell is not left traced" $$

require_ptrace
start_workload w threads
# A thread id that is not a thread-group id: refused, naming the tgid.
tid=$(ls /proc/"$w_pid"/task | sort -n | tail -1)
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/x.ckpt" "$tid"
check_eq "a thread id: exit status 2" 2 "$rc"
check_eq "a thread id: one line naming the tgid to use" \
	"ckpt: pid $tid is a thread of process $w_pid, not a process: give its thread group id $w_pid" \
	"$(cat "$tmp/e")"
check_eq "a thread id: no image" "" "$(ls -A "$tmp" | grep x.ckpt)"
check_released "a thread id: the workload is untouched" "$w_pid"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/no/such/dir/x.ckpt" "$w_pid"
check_eq "output in a missing directory: exit status 2" 2 "$rc"
check_grep "output in a missing directory: says why" 'cannot create a file next to' "$tmp/e"
check_released "output in a missing directory: workload untouched" "$w_pid"

# -o naming something that is not a regular file: ckpt writes into it and
# leaves it what it was (a temporary file renamed over /dev/null would
# replace the device node).  A private null device and a fifo stand in.
if [ "$(id -u)" = 0 ] && mknod -m 666 "$tmp/null" c 1 3 2>/dev/null; then
	run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/null" "$w_pid"
	check_eq "-o a character device: exit status 0" 0 "$rc"
	check_eq "-o a character device: still the null device" "character special file 1,3" \
		"$(stat -c '%F %t,%T' "$tmp/null")"
	check_eq "-o a character device: no temporary file beside it" "" "$(ls -A "$tmp" | grep '^\.null')"
	rm -f "$tmp/null"
else
	pass "# SKIP cannot create a device node: -o on a device is not tested"
fi
mkfifo "$tmp/fifo"
# Bounded: were the fifo replaced, no writer would ever open it.
timeout 30 cat "$tmp/fifo" >"$tmp/from-fifo.ckpt" &
reader=$!
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/fifo" "$w_pid"
wait "$reader"
check_eq "-o a fifo: exit status 0" 0 "$rc"
check_eq "-o a fifo: still a fifo" "fifo" "$(stat -c %F "$tmp/fifo")"
run "$tmp/o2" "$tmp/e2" "$CKPTDUMP" "$tmp/from-fifo.ckpt"
check_eq "-o a fifo: the reader got an image ckptdump reads whole" 0 "$rc"
rm -f "$tmp/fifo" "$tmp/from-fifo.ckpt"
mkdir "$tmp/adir"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/adir" "$w_pid"
check_eq "-o a directory: exit status 2" 2 "$rc"
check_grep "-o a directory: says so" 'adir: is a directory' "$tmp/e"
check_released "-o a device, fifo or directory: workload untouched" "$w_pid"
rmdir "$tmp/adir"

# Already traced: gdb holds the process while ckpt tries.
if command -v gdb >/dev/null; then
	gdb -nx -q -batch -p "$w_pid" -ex 'shell sleep 4' >/dev/null 2>&1 &
	gdb_pid=$!
	for i in $(seq 100); do
		tracer=$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/"$w_pid"/status)
		[ "$tracer" != 0 ] && break
		sleep 0.05
	done
	run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/traced.ckpt" "$w_pid"
	check_eq "already traced: exit status 2" 2 "$rc"
	check_eq "already traced: one line naming the pid once and the tracer" \
		"ckpt: cannot trace pid $w_pid: already traced by pid $tracer (TracerPid)" "$(cat "$tmp/e")"
	check_eq "already traced: no image left" "" "$(ls -A "$tmp" | grep traced)"
	wait "$gdb_pid"
	check_released "already traced: the workload runs on after the other tracer left" "$w_pid"
else
	pass "# SKIP gdb not installed: the already-traced case is not tested"
fi
done_testing
