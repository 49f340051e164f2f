#!/bin/bash
# Tasks that cannot be frozen: a vfork parent waits in the kernel for its
# child (state D) and reaches no ptrace stop.  ckpt must never wait for it
# without a bound: it refuses, names the pid, its state and why, lets the
# rest of the tree go, and SIGTERM or --freeze-timeout end any wait.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

# ckpt_bounded SECONDS ARGS...: runs ckpt in the background, killing it
# after SECONDS (a hang must fail the test, not the suite); sets rc and
# elapsed (whole seconds).
ckpt_bounded() {
	local limit=$1 start
	shift
	start=$(date +%s)
	"$CKPT" "$@" >"$tmp/o" 2>"$tmp/e" &
	ckpt_pid=$!
	for i in $(seq $((limit * 20))); do
		kill -0 "$ckpt_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$ckpt_pid" 2>/dev/null; then
		echo "ckpt still running after $limit s: killed" >>"$tmp/e"
		kill -KILL "$ckpt_pid"
	fi
	wait "$ckpt_pid"
	rc=$?
	ckpt_pid=""
	elapsed=$(($(date +%s) - start))
}

# proc_state PID: the state letter of a task
proc_state() { awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat"; }
# not_traced DESCRIPTION PID...: TracerPid 0 (a vfork parent stays in D)
not_traced() {
	local what=$1 p bad=""
	shift
	for p in "$@"; do
		[ "$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$p/status")" = 0 ] || bad="$bad $p"
	done
	check_eq "$what" "" "$bad"
}

# --- a real vfork: the child shares the parent's memory -------------------
start_workload vf vforkwait vfork
child=$(ready_value vf child)
for i in $(seq 100); do [ "$(proc_state "$vf_pid")" = D ] && break; sleep 0.05; done
check_eq "vfork: the parent waits in state D" D "$(proc_state "$vf_pid")"
ckpt_bounded 30 -o "$tmp/vf.ckpt" "$vf_pid"
check_eq "vfork parent: exit status 2" 2 "$rc"
check_grep "vfork parent: names the pid, its state and the child it waits for" \
	"^ckpt: cannot freeze pid $vf_pid \\(state D\\): it is a vfork parent waiting in the kernel for its child $child to exec or exit" "$tmp/e"
check_eq "vfork parent: refused at once, not after a timeout" 1 "$([ "$elapsed" -le 3 ] && echo 1 || echo "$elapsed s")"
check_eq "vfork parent: no image" "" "$(ls -A "$tmp" | grep vf.ckpt)"
not_traced "vfork parent: the parent is not left traced" "$vf_pid"
check_released "vfork parent: the child runs on" "$child"

# The child alone can be checkpointed: it is an ordinary running task.
ckpt_bounded 30 -o "$tmp/vfchild.ckpt" "$child"
check_eq "vfork child alone: exit status 0" 0 "$rc"
check_released "vfork child alone: released" "$child"

# --- clone(CLONE_VFORK) without CLONE_VM: nothing to recognise it by --------
# The bound is what ends the wait: the default of 10 s per thread.
start_workload cv vforkwait clone-vfork
cchild=$(ready_value cv child)
for i in $(seq 100); do [ "$(proc_state "$cv_pid")" = D ] && break; sleep 0.05; done
ckpt_bounded 40 -o "$tmp/cv.ckpt" "$cv_pid"
check_eq "unstoppable task: exit status 2" 2 "$rc"
check_grep "unstoppable task: names the pid, the bound and its state" \
	"^ckpt: cannot freeze pid $cv_pid: it did not stop within 10000 ms \\(state D" "$tmp/e"
check_eq "unstoppable task: gave up after the bound, not before or much after" 1 \
	"$([ "$elapsed" -ge 9 ] && [ "$elapsed" -le 14 ] && echo 1 || echo "$elapsed s")"
check_eq "unstoppable task: no image" "" "$(ls -A "$tmp" | grep cv.ckpt)"
not_traced "unstoppable task: not left traced" "$cv_pid"
check_released "unstoppable task: the child runs on" "$cchild"

# --freeze-timeout ends the same wait sooner, naming what it waited for.
ckpt_bounded 30 --freeze-timeout 1 -o "$tmp/cv.ckpt" "$cv_pid"
check_eq "--freeze-timeout while stopping: exit status 2" 2 "$rc"
check_grep "--freeze-timeout while stopping: says so and names the task" \
	"^ckpt: the tree stayed frozen longer than --freeze-timeout 1 s \\(interrupted while stopping pid $cv_pid \\(state D\\)\\); pid $cv_pid released" "$tmp/e"
check_eq "--freeze-timeout while stopping: within 3 s" 1 "$([ "$elapsed" -le 3 ] && echo 1 || echo "$elapsed s")"
not_traced "--freeze-timeout while stopping: not left traced" "$cv_pid"

# SIGTERM inside the wait: ckpt dies of it at once, and lets go.
"$CKPT" -o "$tmp/cv.ckpt" "$cv_pid" 2>"$tmp/e" &
ckpt_pid=$!
for i in $(seq 100); do
	[ "$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$cv_pid/status")" = "$ckpt_pid" ] && break
	sleep 0.02
done
check_eq "SIGTERM inside the wait: ckpt is waiting on the task" "$ckpt_pid" \
	"$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$cv_pid/status")"
start=$(date +%s%N)
kill -TERM "$ckpt_pid"
for i in $(seq 100); do kill -0 "$ckpt_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$ckpt_pid" 2>/dev/null && kill -KILL "$ckpt_pid"
wait "$ckpt_pid"
rc=$?
ckpt_pid=""
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "SIGTERM inside the wait: ckpt dies of SIGTERM" 143 "$rc"
check_eq "SIGTERM inside the wait: within 2 s" 1 "$([ "$ms" -le 2000 ] && echo 1 || echo "$ms ms")"
check_grep "SIGTERM inside the wait: says so" 'interrupted by signal 15' "$tmp/e"
not_traced "SIGTERM inside the wait: not left traced" "$cv_pid"
check_released "SIGTERM inside the wait: the child runs on" "$cchild"
done_testing
