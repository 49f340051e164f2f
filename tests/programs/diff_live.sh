#!/bin/bash
# ckptdiff on images ckpt takes of live workloads: the same idle tree twice,
# a tree before and after four changes, and the same program under two
# address-space layouts.  Needs ptrace (root in CI); skips otherwise.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

# --- the same idle tree twice: only the header time differs -----------------
# Every thread must have reached its pause() first: the workload reports
# ready as the last one starts, and under load a thread may still be on its
# way (pause is system call 34 on x86_64).  And without rseq: the kernel
# writes the CPU a thread last ran on into its rseq area (in the thread's
# TCB) when it moves, a real change of memory between two checkpoints.
GLIBC_TUNABLES=glibc.pthread.rseq=0 start_workload idle threads
for i in $(seq 200); do
	settled=1
	for t in /proc/"$idle_pid"/task/*; do
		read -r nr _ <"$t/syscall" 2>/dev/null || nr=
		[ "$nr" = 34 ] || settled=
	done
	[ -n "$settled" ] && break
	sleep 0.05
done
"$CKPT" -q -o "$tmp/idle1.ckpt" "$idle_pid" || fail "checkpointing the idle workload"
sleep 1.1	# a different second in the header
"$CKPT" -q -o "$tmp/idle3.ckpt" "$idle_pid"
run "$tmp/out" "$tmp/err" "$CKPTDIFF" "$tmp/idle1.ckpt" "$tmp/idle3.ckpt"
check_eq "idle twice: exit 1" 1 "$rc"
check_eq "idle twice: only the header time differs" "header.time" \
	"$(sed -n 's/^  \([a-z_]*\.[a-z_]*\):.*/\1/p' "$tmp/out" | sort -u | tr '\n' ' ' | sed 's/ $//')"
check_eq "idle twice: nothing added or removed" 0 "$(grep -c '^[-+] ' "$tmp/out")"
run "$tmp/out" "$tmp/err" "$CKPTDIFF" --ignore header.time "$tmp/idle1.ckpt" "$tmp/idle3.ckpt"
check_eq "idle twice, --ignore header.time: exit 0" "0:" "$rc:$(cat "$tmp/out" "$tmp/err")"

# --- four changes -------------------------------------------------------------
start_workload mut mutate "$tmp/mut.after"
if [ "$(ready_value mut skip)" = 1 ]; then
	pass "# SKIP the mutate workload needs root and a uts namespace"
else
	"$CKPT" -q -o "$tmp/before.ckpt" "$mut_pid" || fail "checkpoint before"
	kill -USR1 "$mut_pid"
	for i in $(seq 200); do
		grep -q '^ready=1' "$tmp/mut.after" 2>/dev/null && break
		sleep 0.05
	done
	"$CKPT" -q -o "$tmp/after.ckpt" "$mut_pid" || fail "checkpoint after"
	page=$(sed -n 's/^changed_page=//p' "$tmp/mut.after")
	run "$tmp/out" "$tmp/err" "$CKPTDIFF" --ignore header.time "$tmp/before.ckpt" "$tmp/after.ckpt"
	check_eq "four changes: exit 1" 1 "$rc"
	task="task $mut_pid (mutate)"
	# the new thread, once, and no task gone
	check_eq "one task added, none removed" 1 "$(grep -c '^[-+] task [0-9]* ([^)]*)$' "$tmp/out")"
	check_grep "the added task is a thread of the workload" "^\\+ task [0-9]+ \\(mutate\\)$" "$tmp/out"
	tid=$(sed -n 's/^+ task \([0-9]*\) (mutate)$/\1/p' "$tmp/out")
	check_eq "the new thread is in the workload's thread group" "$mut_pid" \
		"$(awk '/^Tgid:/ { print $2 }' "/proc/$tid/status" 2>/dev/null)"
	# the hostname, once, at the task's uts namespace
	check_eq "hostname change reported once" 1 "$(grep -c '^  uts_ns\.nodename: "before" -> "after"$' "$tmp/out")"
	check_eq "hostname change at the task's uts namespace" "$task ns uts_ns" \
		"$(grep -B1 '^  uts_ns\.nodename' "$tmp/out" | head -1)"
	# the capability, once, at the task's cred
	check_eq "capability drop reported once" 1 "$(grep -c '^    cleared CAP_SYS_ADMIN$' "$tmp/out")"
	check_eq "the only cred field that changed is cap_effective" "cred.cap_effective" \
		"$(grep -o '^  cred\.[a-z_]*' "$tmp/out" | sed 's/^  //' | tr '\n' ' ' | sed 's/ $//')"
	check_eq "capability drop at the task's cred" "$task cred" \
		"$(grep -B1 '^  cred\.cap_effective' "$tmp/out" | head -1)"
	# the page, once
	end=$(printf '0x%x' $((page + 4096)))
	check_eq "the changed page reported once, as one page" 1 \
		"$(grep -c "^    changed $page-$end (1 page)$" "$tmp/out")"
	# Nothing else but what running code leaves behind (registers, stack,
	# libc data, the new thread's stack mappings, and the handler glibc
	# installs for its SIGSETXID when the first thread starts): no other
	# object type.
	run "$tmp/stat" "$tmp/err" "$CKPTDIFF" --stat --ignore header.time \
		--ignore 'cpu,mm,vma,pages,sighand.action.*' "$tmp/before.ckpt" "$tmp/after.ckpt"
	check_eq "no other type of object differs" "cred 1 0 0|uts_ns 1 0 0|task 0 1 0" \
		"$(awk 'NR > 3 && $1 ~ /^[a-z_]+$/ && NF == 4 { print $1, $2, $3, $4 }' "$tmp/stat" | tr '\n' '|' | sed 's/|$//')"
fi

# --- the same program under two layouts: VMAs matched by file ------------------
start_workload one threads
start_workload two threads
"$CKPT" -q -o "$tmp/one.ckpt" "$one_pid" && "$CKPT" -q -o "$tmp/two.ckpt" "$two_pid" ||
	fail "checkpointing two runs of one program"
run "$tmp/out" "$tmp/err" "$CKPTDIFF" --match-by tree --ignore header.time "$tmp/one.ckpt" "$tmp/two.ckpt"
check_eq "two runs, by tree place: no task added or removed" 0 "$(grep -c '^[-+] task [0-9]* ([^)]*)$' "$tmp/out")"
check_no_grep "two runs, by tree place: the producer's root pid is no difference" 'root_pid' "$tmp/out"
run "$tmp/out2" "$tmp/err2" "$CKPTDIFF" --ignore header.time "$tmp/one.ckpt" "$tmp/two.ckpt"
check_grep "two runs, by pid: the producer's root pid differs" 'root_pid' "$tmp/out2"
check_eq "two runs: no file mapping added or removed" 0 "$(grep -c '^[-+] .* vma .* /' "$tmp/out")"
if [ "$(cat /proc/sys/kernel/randomize_va_space 2>/dev/null)" != 0 ]; then
	check_grep "two runs: a file mapping that moved is matched by file" \
		' vma 0x[0-9a-f]+-0x[0-9a-f]+ -> 0x[0-9a-f]+-0x[0-9a-f]+ /.*threads$' "$tmp/out"
	check_no_grep "two runs: the moved code did not change" '/threads$' \
		<(grep -A1 ' vma .*/threads$' "$tmp/out" | grep '^  pages:' ; true)
fi
done_testing
