#!/bin/bash
# A SIGKILL of ckpt while it runs a system call inside a task (to read the
# task's handlers, timers, altstack, securebits) must leave the task running
# correctly: the kernel detaches it with the call's registers, and the
# resume stub in its vdso makes the call and puts every register back.
# ckpt kills itself at a chosen call through its test hook
# (CKPT_TEST_KILL_AFTER_REMOTE_CALLS, src/core/ptrace/remote.c): right
# after the registers are set, at the syscall-enter-stop, at the exit-stop.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

# killed_at N POINT PID: ckpt, killed by its hook at remote call N.
killed_at() {
	CKPT_TEST_KILL_AFTER_REMOTE_CALLS=$1 CKPT_TEST_KILL_AT=$2 \
		"$CKPT" -q -o "$tmp/k.ckpt" "$3" 2>"$tmp/k.err" &
	wait $!
	rc=$?
}

# alive NAME PROGRAM: starts the workload again if the last case killed it,
# so that each case is judged on its own.
alive() {
	local pid
	pid=$(eval echo "\$${1}_pid")
	[ -d "/proc/$pid" ] || start_workload "$1" "$2" "$tmp/$1.out"
}

# last_line FILE: the last complete line.
last_line() { tail -n 2 "$1" | grep -a "$2" | tail -n 1; }

# vdso_bytes PID: the bytes of its [vdso] mapping, as hex.
vdso_bytes() {
	local range start end
	range=$(awk '$6 == "[vdso]" { print $1 }' "/proc/$1/maps")
	start=$((16#${range%-*}))
	end=$((16#${range#*-}))
	dd if="/proc/$1/mem" iflag=skip_bytes,count_bytes skip="$start" count=$((end - start)) 2>/dev/null | od -An -tx1 | tr -d ' \n'
}

# --- a single-threaded counter: every call of its one session --------------
start_workload ctr counter "$tmp/ctr.out"
before=$(vdso_bytes "$ctr_pid")
"$CKPT" -q -o "$tmp/ok.ckpt" "$ctr_pid"
check_eq "counter: a whole ckpt runs" 0 "$?"
check_eq "counter: its vdso bytes are as before after a whole ckpt" "$before" "$(vdso_bytes "$ctr_pid")"
for point in regs entry exit; do
	for nth in 1 2 4 6 7; do
		what="counter, killed at call $nth ($point)"
		alive ctr counter
		killed_at "$nth" "$point" "$ctr_pid"
		check_eq "$what: ckpt died of SIGKILL" 137 "$rc"
		sleep 0.1
		check_released "$what: the counter runs on, untraced" "$ctr_pid"
		a=$(last_line "$tmp/ctr.out" '^[0-9]* [0-9]*$')
		sleep 0.2
		b=$(last_line "$tmp/ctr.out" '^[0-9]* [0-9]*$')
		check_eq "$what: it counts on, heap value twice the count" "yes" \
			"$(echo "$a $b" | awk '{ print ($3 > $1 && $4 == 2 * $3) ? "yes" : "no: " $0 }')"
	done
done
"$CKPT" -q -o "$tmp/ok.ckpt" "$ctr_pid"
check_eq "counter: a whole ckpt still runs after all that" 0 "$?"
killed "$ctr_pid"

# --- threads, handlers, signals arriving all the time ---------------------
# Calls: about 10 in the first thread (handlers, itimers), 4 in each other
# (5 threads), more when signals had to be queued again.
start_workload regs regcheck "$tmp/regs.out"
for point in regs entry exit; do
	for nth in 2 5 9 11 14 19; do
		what="regcheck, killed at call $nth ($point)"
		alive regs regcheck
		killed_at "$nth" "$point" "$regs_pid"
		check_eq "$what: ckpt died of SIGKILL" 137 "$rc"
		sleep 0.1
		check_released "$what: every thread runs on, untraced" "$regs_pid"
		a=$(last_line "$tmp/regs.out" '^PROGRESS ')
		sleep 0.2
		b=$(last_line "$tmp/regs.out" '^PROGRESS ')
		check_eq "$what: sleeps, alarms and signals go on" "yes" \
			"$(echo "$a $b" | awk '{ print ($6 > $2 && $7 > $3 && $8 > $4) ? "yes" : "no: " $0 }')"
		check_no_grep "$what: every register as it was" "BAD" "$tmp/regs.out"
	done
done
"$CKPT" -q -o "$tmp/ok.ckpt" "$regs_pid"
check_eq "regcheck: a whole ckpt still runs after all that" 0 "$?"

done_testing
