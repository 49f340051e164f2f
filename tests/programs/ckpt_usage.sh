#!/bin/bash
# ckpt's command line and its refusals: help, version, bad pids, an
# unwritable output, a task that is already traced.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

run "$tmp/o" "$tmp/e" "$CKPT" --help
check_eq "--help: exit status 0" 0 "$rc"
for o in --output --no-pages --quiet --verbose --version; do
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
check_grep "no such process: names the pid" "no process $gone" "$tmp/e"
check_eq "no such process: no image, no temporary file" "" "$(ls -A "$tmp" | grep -v '^[oe]$')"

require_ptrace
start_workload w threads
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/no/such/dir/x.ckpt" "$w_pid"
check_eq "output in a missing directory: exit status 2" 2 "$rc"
check_grep "output in a missing directory: says why" 'cannot create a file next to' "$tmp/e"
check_released "output in a missing directory: workload untouched" "$w_pid"

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
