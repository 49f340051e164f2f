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
	# In a subshell that reports the status itself: bash would print
	# "Killed" for its own child.
	(
		CKPT_TEST_KILL_AFTER_REMOTE_CALLS=$1 CKPT_TEST_KILL_AT=$2 \
			"$CKPT" -q -o "$tmp/k.ckpt" "$3" 2>"$tmp/k.err"
		exit $?
	) 2>/dev/null
	rc=$?
}

# alive NAME PROGRAM: starts the workload again if the last case killed it,
# so that each case is judged on its own.
alive() {
	local pid
	pid=$(eval echo "\$${1}_pid")
	[ -d "/proc/$pid" ] || start_workload "$1" "$2" "$tmp/$1.out"
}

# masks_ok WHAT ALLOWED PID: no thread of PID blocks a signal beyond ALLOWED
# (a hex mask: the signals its handlers block while they run).
masks_ok() {
	local t blk bad=""
	for t in /proc/"$3"/task/*; do
		blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "$t/status" 2>/dev/null)
		[ $((16#${blk:-0} & ~$2)) = 0 ] || bad="$bad ${t##*/}:$blk"
	done
	check_eq "$1" "" "$bad"
}

# cpu_ticks PID: user and system time so far.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# after_a_while COMMAND...: waits until the output of COMMAND changes (at
# most 5 s: the machine may be busy), for a before/after comparison.
after_a_while() {
	local first i
	first=$("$@")
	for i in $(seq 50); do
		sleep 0.1
		[ "$("$@")" != "$first" ] && break
	done
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
		after_a_while last_line "$tmp/ctr.out" '^[0-9]* [0-9]*$'
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
		after_a_while last_line "$tmp/regs.out" '^PROGRESS '
		sleep 0.1
		b=$(last_line "$tmp/regs.out" '^PROGRESS ')
		check_eq "$what: sleeps, alarms and signals go on" "yes" \
			"$(echo "$a $b" | awk '{ print ($6 > $2 && $7 > $3 && $8 > $4) ? "yes" : "no: " $0 }')"
		check_no_grep "$what: every register as it was" "BAD" "$tmp/regs.out"
		masks_ok "$what: no signal left blocked" 0x2200 "$regs_pid"
	done
done
"$CKPT" -q -o "$tmp/ok.ckpt" "$regs_pid"
check_eq "regcheck: a whole ckpt still runs after all that" 0 "$?"

# --- two processes sharing one address space (clone(CLONE_VM)) ------------
# One vdso, one stub place for both: each session writes and clears it.
start_workload cv clonevm
cv_child=$(ready_value cv child)
for nth in 1 5 9 12; do
	what="clonevm, killed at call $nth"
	killed_at "$nth" regs "$cv_pid"
	check_eq "$what: ckpt died of SIGKILL" 137 "$rc"
	sleep 0.1
	check_released "$what: both processes run on, untraced" "$cv_pid" "$cv_child"
done
"$CKPT" -q -o "$tmp/cv.ckpt" "$cv_pid"
check_eq "clonevm: a whole ckpt still runs after all that" 0 "$?"
killed "$cv_pid"

# --- a vdso whose padding is not zero: no stub, nothing written there -------
# (The calls then run from a 0f 05 found in the vdso, as before the stub:
# ckpt(1) says a SIGKILL during one of them is not covered.)
start_workload dirty regcheck "$tmp/dirty.out" dirty-vdso
before=$(vdso_bytes "$dirty_pid")
check_eq "dirty vdso: its vdso differs from this shell's" yes \
	"$([ "$before" != "$(vdso_bytes $$)" ] && echo yes || echo no)"
"$CKPT" -q -o "$tmp/dirty.ckpt" "$dirty_pid"
check_eq "dirty vdso: ckpt runs its calls all the same" 0 "$?"
check_eq "dirty vdso: not a byte of the vdso changed" "$before" "$(vdso_bytes "$dirty_pid")"
check_released "dirty vdso: it runs on, untraced" "$dirty_pid"
check_no_grep "dirty vdso: every register as it was" "BAD" "$tmp/dirty.out"
killed "$dirty_pid"

# --- a thread taking a signal all the time: ckpt queues signals again -----
# 8 calls at least: the scratch's mmap, 6 queries, its munmap; when the
# freeze found the thread about to take its signal, then getpid, gettid,
# rt_tgsigqueueinfo for each signal taken out of the way, munmap, with
# every signal blocked from the first rt_tgsigqueueinfo on: the stub must
# give the thread its own mask back.
start_workload storm sigstorm
for point in regs entry exit; do
	for nth in 1 4 7 8; do
		what="sigstorm, killed at call $nth ($point)"
		alive storm sigstorm
		killed_at "$nth" "$point" "$storm_pid"
		check_eq "$what: ckpt died of SIGKILL" 137 "$rc"
		sleep 0.1
		check_released "$what: it runs on, untraced" "$storm_pid"
		masks_ok "$what: no signal left blocked (but SIGUSR1 in its handler)" 0x200 "$storm_pid"
		a=$(cpu_ticks "$storm_pid")
		after_a_while cpu_ticks "$storm_pid"
		check_eq "$what: it keeps running" yes "$([ "$(cpu_ticks "$storm_pid")" -gt "$a" ] && echo yes || echo no)"
	done
done

# Killed while requeue blocks every signal (the hook's "masked" point):
# only when the freeze found the storm about to take its signal, so tried
# until ckpt dies there.
for try in $(seq 20); do
	alive storm sigstorm
	killed_at 1 masked "$storm_pid"
	[ "$rc" = 137 ] && break
done
what="sigstorm, killed with every signal blocked"
check_eq "$what: ckpt died of SIGKILL" 137 "$rc"
sleep 0.1
check_released "$what: it runs on, untraced" "$storm_pid"
masks_ok "$what: its own mask is back (SIGUSR1 at most, in its handler)" 0x200 "$storm_pid"

done_testing
