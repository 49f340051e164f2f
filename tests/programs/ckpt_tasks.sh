#!/bin/bash
# Per-thread state as the task will have it (taskstate workload): the
# blocked mask of a thread frozen in sigsuspend is the one it returns to,
# not the temporary one /proc's SigBlk shows; a thread's own seccomp filter
# stays its own, and the filters threads share are written once; a thread frozen inside an rseq critical
# section resumes at its abort handler.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (remote calls in a thread under seccomp)"
require_ptrace

start_workload ts taskstate
sigblk() { sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$ts_pid/task/$1/status"; }
before=$(sigblk "$ts_pid")
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/t.ckpt" "$ts_pid"
check_eq "taskstate: ckpt exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
"$CKPTDUMP" -t TASK,SIGNAL_TASK,EXT_TASK_SECURITY,EXT_SECCOMP_FILTER,EXT_SECCOMP_SHARED "$tmp/t.ckpt" >"$tmp/t.dump"
# of_task N FIELD: FIELD's value in the records of the Nth TASK (1: the leader)
of_task() {
	awk -v n="$1" -v f="$2" '/^\[[0-9]+\] TASK / { k++ } k == n && $1 == f { print $2; exit }' "$tmp/t.dump"
}

check_eq "sigsuspend: /proc shows the temporary mask SIGHUP|SIGINT before ckpt" 0000000000000003 "$before"
check_eq "sigsuspend: the image holds the mask the thread returns to, SIGUSR2|SIGTERM" \
	0x0000000000004800 "$(of_task 1 blocked)"
check_eq "sigsuspend: the mask was read by the thread itself (valid bit 0x20)" 32 \
	$(( $(of_task 1 valid) & 0x20 ))
check_eq "sigsuspend: after ckpt the thread waits on in sigsuspend, with its temporary mask" \
	"130 0000000000000003" "$(cut -d' ' -f1 "/proc/$ts_pid/task/$ts_pid/syscall") $(sigblk "$ts_pid")"

# seccomp: the main thread's filter A (getpgid: errno 77) is the
# threads' too, the first thread added B (getsid: errno 78) of its own.
check_eq "seccomp: the main thread has filter A and no_new_privs" "1 2 1" \
	"$(of_task 1 no_new_privs) $(of_task 1 seccomp_mode) $(of_task 1 seccomp_filters)"
check_eq "seccomp: the first thread has A and its own B" "1 2 2" \
	"$(of_task 2 no_new_privs) $(of_task 2 seccomp_mode) $(of_task 2 seccomp_filters)"
check_eq "seccomp: the second thread has A alone" "1 2 1" \
	"$(of_task 3 no_new_privs) $(of_task 3 seccomp_mode) $(of_task 3 seccomp_filters)"
# programs N: "index:k-of-the-error-return ..." of the Nth task's own filters
programs() {
	awk -v n="$1" '/^\[[0-9]+\] / { if ($2 == "TASK") k++; t = $2 }
		k == n && t == "EXT_SECCOMP_FILTER" && $1 == "index" { i = $2 }
		k == n && t == "EXT_SECCOMP_FILTER" && $1 == "[2]" { sub("k=", "", $5); printf "%s:%s ", i, $5 }' "$tmp/t.dump"
}
# shared N: the Nth task's EXT_SECCOMP_SHARED, fields on one line
shared() {
	awk -v n="$1" '/^\[[0-9]+\] / { if ($2 == "TASK") k++; t = $2 }
		k == n && t == "EXT_SECCOMP_SHARED" && NF == 2 { printf "%s=%s ", $1, $2 }' "$tmp/t.dump"
}
check_eq "seccomp: A is written once, under the main thread" "0:0x0005004d |" "$(programs 1)|$(shared 1)"
check_eq "seccomp: the first thread writes B, and names the main thread's A" \
	"1:0x0005004e |count=1 same_pid=$ts_pid " "$(programs 2)|$(shared 2)"
check_eq "seccomp: the second thread writes nothing, and names the main thread's A" \
	"|count=1 same_pid=$ts_pid " "$(programs 3)|$(shared 3)"
check_released "taskstate runs on, untraced" "$ts_pid"

# --- rseq: frozen inside a critical section ------------------------------------------
# rseqcs spins in a 2-byte section ("jmp ."); preempted there, the kernel
# sends it to the abort handler on its way back to user space, which
# counts and enters the section again.  The image must resume it at the
# abort handler; and so must the live thread after ckpt (ckpt's remote
# calls must not make the kernel forget the abort): the second image finds
# it in the section again, re-armed by the handler.
start_workload rs rseqcs
if [ "$(ready_value rs skip)" = 1 ]; then
	pass "# SKIP rseq: glibc registered no rseq area"
else
	ips=""
	for i in 1 2; do
		"$CKPT" --no-pages -q -o "$tmp/r$i.ckpt" "$rs_pid" 2>"$tmp/r.err" || sed 's/^/# /' "$tmp/r.err"
		ips="$ips $("$CKPTDUMP" -t CPU "$tmp/r$i.ckpt" | awk '$1 == "ip" { print $2 }')"
	done
	abort=$(printf '0x%016x' "$(ready_value rs abort_ip)")
	check_eq "rseq: both images resume the thread at the section's abort handler" " $abort $abort" "$ips"
	check_released "rseq: rseqcs runs on, untraced" "$rs_pid"
	killed "$rs_pid"
fi
done_testing
