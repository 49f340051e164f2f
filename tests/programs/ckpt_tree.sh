#!/bin/bash
# Process trees: threads, a fork tree with a zombie, CLONE_VM, a uts
# namespace, credentials.  Each image is read back through libckpt
# (imgfacts, ckptdump) and compared with /proc; afterwards every task runs
# on, untraced.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

# checkpoint NAME PID: writes $tmp/NAME.ckpt and $tmp/NAME.facts
checkpoint() {
	run "$tmp/$1.out" "$tmp/$1.err" "$CKPT" -o "$tmp/$1.ckpt" "$2"
	check_eq "$1: ckpt exit status 0" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/$1.err"
	check_eq "$1: image mode 0600" 600 "$(stat -c %a "$tmp/$1.ckpt" 2>/dev/null)"
	run "$tmp/$1.facts" "$tmp/$1.ferr" "$IMGFACTS" "$tmp/$1.ckpt"
	check_eq "$1: image reads back to its TAIL" 0 "$rc"
	run "$tmp/$1.dump" "$tmp/$1.derr" "$CKPTDUMP" "$tmp/$1.ckpt"
	check_eq "$1: ckptdump reads it (exit 0)" 0 "$rc"
}

# task_field FACTS PID KEY: KEY=value of pid's task line
task_field() {
	awk -v p="pid=$2" -v k="$3" '$1 == "task" && $2 == p {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$1"
}

proc_comm() { cat "/proc/$1/task/$2/comm"; }

# --- threads ---------------------------------------------------------------
start_workload thr threads
checkpoint threads "$thr_pid"
want=$(ls /proc/"$thr_pid"/task | sort -n | tr '\n' ' ')
got=$(awk -v t="tgid=$thr_pid" '$1 == "task" && $3 == t { sub("pid=", "", $2); print $2 }' "$tmp/threads.facts" | sort -n | tr '\n' ' ')
check_eq "threads: one task per thread, tids as /proc has them" "$want" "$got"
check_eq "threads: the leader comes first" "task pid=$thr_pid" "$(grep -m1 '^task' "$tmp/threads.facts" | cut -d' ' -f1-2)"
bad=""
for t in $(ls /proc/"$thr_pid"/task); do
	[ "$(task_field "$tmp/threads.facts" "$t" comm)" = "$(proc_comm "$thr_pid" "$t")" ] || bad="$bad $t"
	[ "$(task_field "$tmp/threads.facts" "$t" cpu)" = 1 ] || bad="$bad $t:no-cpu"
done
check_eq "threads: comm and registers of every thread" "" "$bad"
check_eq "threads: all threads share one mm" 1 "$(awk '$1 == "task" { print $NF, $(NF-1) }' "$tmp/threads.facts" | sort -u | wc -l)"
check_eq "threads: one MM record" 1 "$(grep -c '^mm ' "$tmp/threads.facts")"
check_eq "threads: one CRED (equal creds written once)" 1 "$(grep -c '^cred ' "$tmp/threads.facts")"
check_eq "threads: exit_signal 17 for the leader" 17 "$(task_field "$tmp/threads.facts" "$thr_pid" exit_signal)"
mm=$(task_field "$tmp/threads.facts" "$thr_pid" mm)
check_eq "threads: the vmas are /proc/PID/maps" "$(maps_of "$thr_pid")" "$(image_vmas "$tmp/threads.facts" "$mm")"
check_eq "threads: MM map_count is the number of VMA records" \
	"$(image_vmas "$tmp/threads.facts" "$mm" | wc -l)" \
	"$(awk -v r="ref=$mm" '$1 == "mm" && $2 == r { sub(/map_count=/, "", $3); print $3 }' "$tmp/threads.facts")"
check_eq "threads: no VMA for the [vsyscall] gate area" "" "$(image_vmas "$tmp/threads.facts" "$mm" | grep '^ffffffffff600000-')"

status=/proc/$thr_pid/status
read -r _ ru eu su fu < <(grep '^Uid:' "$status")
read -r _ rg eg sg fg < <(grep '^Gid:' "$status")
check_grep "threads: the cred's uids and gids are /proc's" "^cred .* uid=$ru,$eu,$su,$fu gid=$rg,$eg,$sg,$fg " "$tmp/threads.facts"
check_released "threads: every thread runs on, untraced" "$thr_pid"

# --- fields ckpt cannot see ---------------------------------------------------
# ckpt-image(5) lists them under FIELDS CKPT WRITES AS ZERO: each is named
# there and is zero in every record of its type of the threads image.
unseen="TASK:pdeath_signal TASK:set_child_tid TASK:clear_child_tid
TASK:compat_robust_futex_head_len
TASK:compat_robust_futex_list TASK_OBJS:sem_undo_objref THREAD:sysenter_return
THREAD:thread_info_flags CRED:sec_ref CRED:securebits MM:def_flags
VMA:ino_objref VMA:hugetlb_shift FILE:f_version FILE:f_secref
SIGNAL:tty_objref SIGNAL:tty_old_pgrp"
section=$(sed -n '/^\.SH FIELDS CKPT WRITES AS ZERO/,/^\.SH NOTES/p' "$top_srcdir/man/ckpt-image.5")
missing=""
for tf in $unseen; do
	grep -qw -- "${tf#*:}" <<<"$section" || missing="$missing $tf"
done
check_eq "unseen fields: each is listed in ckpt-image(5)" "" "$missing"
nonzero=$(awk -v list="$unseen" '
	BEGIN { n = split(list, l, /[ \n]+/); for (i = 1; i <= n; i++) want[l[i]] = 1 }
	/^\[[0-9]+\] / { type = $2; next }
	/^    [a-z_]+ / && ((type ":" $1) in want) {
		seen[type ":" $1]++
		if ($2 !~ /^(0|0x0+)$/) print type ":" $1 "=" $2
	}
	END { for (k in want) if (!seen[k]) print k ":absent" }' "$tmp/threads.dump" | sort -u | tr '\n' ' ')
check_eq "unseen fields: zero in every record of the threads image" "" "$nonzero"

# --- a zombie thread-group leader with live threads --------------------------
# The leader has called pthread_exit: its /proc/TGID/maps, smaps, pagemap
# and mem are empty, so the mm must come through a live thread.
start_workload zl zombieleader
zaddr=$(ready_value zl addr)
zsize=$(ready_value zl size)
leader_state() { awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$zl_pid/task/$zl_pid/stat"; }
check_eq "zombie leader: the leader is a zombie before ckpt" Z "$(leader_state)"
check_eq "zombie leader: /proc/TGID/maps of it is empty" "" "$(cat "/proc/$zl_pid/maps")"
checkpoint zleader "$zl_pid"
run "$tmp/zleader.pat" "$tmp/zleader.perr" "$IMGFACTS" "$tmp/zleader.ckpt" "$zaddr" "$zsize"
check_grep "zombie leader: the threads' memory byte for byte" "^pattern ok pages=$((zsize / 4096))$" "$tmp/zleader.pat"
want=$(ls /proc/"$zl_pid"/task | sort -n | tr '\n' ' ')
got=$(awk -v t="tgid=$zl_pid" '$1 == "task" && $3 == t { sub("pid=", "", $2); print $2 }' "$tmp/zleader.facts" | sort -n | tr '\n' ' ')
check_eq "zombie leader: one task per thread, the leader too" "$want" "$got"
check_eq "zombie leader: the leader comes first" "task pid=$zl_pid" "$(grep -m1 '^task' "$tmp/zleader.facts" | cut -d' ' -f1-2)"
check_eq "zombie leader: the leader is EXIT_ZOMBIE" 0x10 "$(task_field "$tmp/zleader.facts" "$zl_pid" exit_state)"
check_eq "zombie leader: the leader has no registers and no mm" "0 0" \
	"$(task_field "$tmp/zleader.facts" "$zl_pid" cpu) $(task_field "$tmp/zleader.facts" "$zl_pid" mm)"
zmm=""
bad=""
for t in $(ls /proc/"$zl_pid"/task); do
	[ "$t" = "$zl_pid" ] && continue
	ztid=$t
	m=$(task_field "$tmp/zleader.facts" "$t" mm)
	[ "$(task_field "$tmp/zleader.facts" "$t" cpu)" = 1 ] || bad="$bad $t:no-cpu"
	[ "$(task_field "$tmp/zleader.facts" "$t" exit_state)" = 0 ] || bad="$bad $t:exit_state"
	[ "$(task_field "$tmp/zleader.facts" "$t" ppid)" = 0 ] || bad="$bad $t:ppid"
	case $m in 0|"") bad="$bad $t:no-mm" ;; esac
	[ -z "$zmm" ] || [ "$m" = "$zmm" ] || bad="$bad $t:other-mm"
	zmm=$m
done
check_eq "zombie leader: every live thread has registers and the one mm" "" "$bad"
check_eq "zombie leader: one MM record" 1 "$(grep -c '^mm ' "$tmp/zleader.facts")"
nlive=$(( $(ls /proc/"$zl_pid"/task | wc -l) - 1 ))
bad=""
for o in mm:MM sighand:SIGHAND signal:SIGNAL; do
	ref=$(task_field "$tmp/zleader.facts" "$ztid" "${o%%:*}")
	grep -Eq "objref=$ref objtype=[0-9]+ \\(${o#*:}\\) observed=$nlive method=" "$tmp/zleader.dump" || bad="$bad ${o#*:}"
done
check_eq "zombie leader: EXT_USERS counts the live threads as users of mm, sighand, signal" "" "$bad"
check_eq "zombie leader: the vmas are a live thread's /proc/TID/maps" "$(maps_of "$ztid")" \
	"$(image_vmas "$tmp/zleader.facts" "$zmm")"
if [ -x "${CKPTCHECK:-}" ]; then
	# Whole and consistent; ckptrestore cannot rebuild a zombie leader (restorable rules).
	run "$tmp/zleader.chk" "$tmp/zleader.cerr" "$CKPTCHECK" --skip "$(restorable_rules)" "$tmp/zleader.ckpt"
	check_eq "zombie leader: ckptcheck says go (exit 0)" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/zleader.chk" "$tmp/zleader.cerr" | head -20
fi
check_eq "zombie leader: still a zombie afterwards" Z "$(leader_state)"
check_released "zombie leader: every thread runs on, untraced" "$zl_pid"

# --- fork tree with a zombie -------------------------------------------------
start_workload ft forktree
child=$(ready_value ft child)
grandchild=$(ready_value ft grandchild)
zombie=$(ready_value ft zombie)
checkpoint forktree "$ft_pid"
check_eq "forktree: four tasks" 4 "$(grep -c '^task' "$tmp/forktree.facts")"
check_eq "forktree: root first, then depth first" "$ft_pid $child $grandchild $zombie" \
	"$(awk '$1 == "task" { sub("pid=", "", $2); print $2 }' "$tmp/forktree.facts" | tr '\n' ' ' | sed 's/ $//')"
check_eq "forktree: child's parent" "$ft_pid" "$(task_field "$tmp/forktree.facts" "$child" ppid)"
check_eq "forktree: grandchild's parent" "$child" "$(task_field "$tmp/forktree.facts" "$grandchild" ppid)"
check_eq "forktree: the root's parent is outside the tree" 0 "$(task_field "$tmp/forktree.facts" "$ft_pid" ppid)"
for p in "$ft_pid" "$child" "$grandchild" "$zombie"; do
	read -r pgid sid < <(awk '{ sub(/.*\) /, ""); print $3, $4 }' "/proc/$p/stat")
	check_eq "forktree: pid $p pgid and sid as /proc" "$pgid $sid" \
		"$(task_field "$tmp/forktree.facts" "$p" pgid) $(task_field "$tmp/forktree.facts" "$p" sid)"
done
check_eq "forktree: the zombie is EXIT_ZOMBIE" 0x10 "$(task_field "$tmp/forktree.facts" "$zombie" exit_state)"
check_eq "forktree: the zombie has no registers and no mm" "0 0" \
	"$(task_field "$tmp/forktree.facts" "$zombie" cpu) $(task_field "$tmp/forktree.facts" "$zombie" mm)"
check_eq "forktree: three address spaces" 3 "$(grep -c '^mm ' "$tmp/forktree.facts")"
check_eq "forktree: the grandchild's vmas are /proc/PID/maps" "$(maps_of "$grandchild")" \
	"$(image_vmas "$tmp/forktree.facts" "$(task_field "$tmp/forktree.facts" "$grandchild" mm)")"
check_eq "forktree: the zombie is still a zombie" Z "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$zombie/stat")"
check_released "forktree: every task runs on, untraced" "$ft_pid" "$child" "$grandchild"

# --- CLONE_VM ----------------------------------------------------------------
start_workload cv clonevm
cvchild=$(ready_value cv child)
checkpoint clonevm "$cv_pid"
check_eq "clonevm: two tasks" 2 "$(grep -c '^task' "$tmp/clonevm.facts")"
check_eq "clonevm: they share one mm object" "$(task_field "$tmp/clonevm.facts" "$cv_pid" mm)" \
	"$(task_field "$tmp/clonevm.facts" "$cvchild" mm)"
check_eq "clonevm: one MM record" 1 "$(grep -c '^mm ' "$tmp/clonevm.facts")"
check_eq "clonevm: two thread groups" "$cv_pid $cvchild" \
	"$(task_field "$tmp/clonevm.facts" "$cv_pid" tgid) $(task_field "$tmp/clonevm.facts" "$cvchild" tgid)"
check_eq "clonevm: the vmas are /proc/PID/maps" "$(maps_of "$cvchild")" \
	"$(image_vmas "$tmp/clonevm.facts" "$(task_field "$tmp/clonevm.facts" "$cvchild" mm)")"
check_released "clonevm: both run on, untraced" "$cv_pid" "$cvchild"

# --- uts namespace -----------------------------------------------------------
start_workload uts utsns
if [ "$(ready_value uts skip)" = 1 ]; then
	pass "# SKIP utsns: cannot unshare the uts namespace here (needs root)"
else
	checkpoint utsns "$uts_pid"
	check_grep "utsns: the hostname inside the namespace" '^uts ref=[0-9]+ nodename=ckpt-uts-test ' "$tmp/utsns.facts"
	check_no_grep "utsns: not the host's" "^uts ref=[0-9]+ nodename=$(uname -n) " "$tmp/utsns.facts"
	check_eq "utsns: ckpt's own hostname unchanged" "$(cat /proc/sys/kernel/hostname)" "$(uname -n)"
	check_released "utsns: runs on, untraced" "$uts_pid"
	# Two trees in the host namespace plus this one: the host's nodename
	# shows up only for the host's tasks.
	check_grep "threads: the host's hostname" "^uts ref=[0-9]+ nodename=$(uname -n) " "$tmp/threads.facts"
fi

# --- credentials -------------------------------------------------------------
start_workload cr creds
if [ "$(ready_value cr skip)" = 1 ]; then
	pass "# SKIP creds: needs root"
else
	checkpoint creds "$cr_pid"
	status=/proc/$cr_pid/status
	read -r _ ru eu su fu < <(grep '^Uid:' "$status")
	read -r _ rg eg sg fg < <(grep '^Gid:' "$status")
	check_eq "creds: the workload has distinct uids" "2001 2002 2003" "$ru $eu $su"
	caps() { printf '%#x' "0x$(sed -n "s/^$1:[[:space:]]*//p" "$status")"; }
	check_grep "creds: uids, gids and the four capability sets as /proc" \
		"^cred .* uid=$ru,$eu,$su,$fu gid=$rg,$eg,$sg,$fg inh=$(caps CapInh) prm=$(caps CapPrm) eff=$(caps CapEff) bnd=$(caps CapBnd) " \
		"$tmp/creds.facts"
	gref=$(sed -n 's/^cred .* groups=\([0-9]*\)$/\1/p' "$tmp/creds.facts")
	check_grep "creds: the supplementary groups" "^groupinfo ref=$gref groups=1234,5678$" "$tmp/creds.facts"
	check_released "creds: runs on, untraced" "$cr_pid"
fi

# --- 10,000 threads: more pid objects than one EXT_DIGEST covers ------------
# Every pid object is an OBJREF before the TREE: with 10,001 of them an
# EXT_DIGEST must stand among them, and the image must still say go.
# (--no-pages: the records are what this is about.)
start_workload many manythreads 10000
check_eq "10,000 threads: the workload has them" 10001 "$(ls /proc/"$many_pid"/task | wc -l)"
run "$tmp/many.out" "$tmp/many.err" "$CKPT" -v --no-pages -o "$tmp/many.ckpt" "$many_pid"
check_eq "10,000 threads: ckpt exit status 0" 0 "$rc"
check_grep "10,000 threads: all frozen" '^ckpt: froze 1 process\(es\), 10001 thread\(s\)$' "$tmp/many.err"
# The restorable family judges what a restore could rebuild (threads,
# pages: not these); every other rule must pass.
restorable=$("$CKPTCHECK" --list-rules | awk '$3 == "restorable" { printf "%s%s", sep, $1; sep = "," }')
run "$tmp/many.chk" "$tmp/many.cerr" "$CKPTCHECK" ${restorable:+--skip "$restorable"} "$tmp/many.ckpt"
check_eq "10,000 threads: ckptcheck says go (restorability aside)" 0 "$rc"
[ "$rc" = 0 ] || grep -v '^info' "$tmp/many.chk" | head -5 | sed 's/^/# /'
check_no_grep "10,000 threads: no prefix-order finding" 'prefix-order' "$tmp/many.chk"
check_eq "10,000 threads: one task per thread" 10001 "$("$IMGFACTS" "$tmp/many.ckpt" | grep -c '^task ')"
rm -f "$tmp/many.ckpt"
# (check_released forks twice per thread: one awk reads them all)
check_eq "10,000 threads: all run on, untraced" "" \
	"$(awk '/^State:/ && $2 ~ /^[tT]/ { print FILENAME ": " $2 } /^TracerPid:/ && $2 != 0 { print FILENAME ": traced" }' \
		/proc/"$many_pid"/task/*/status 2>/dev/null | head -3)"
kill -KILL "$many_pid"

# --- unprivileged: the users of shared objects are partial ------------------
# Run as nobody, ckpt cannot look at root's processes: EXT_USERS is flagged
# PARTIAL, and ckptcheck says the counts prove nothing about outside users.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
	chmod o+x "$tmp"
	mkdir "$tmp/nobody" && chmod 777 "$tmp/nobody"
	as_nobody setsid "$CKPT_WORKLOADS/threads" "$tmp/nobody/ready" </dev/null >/dev/null 2>&1 &
	for i in $(seq 200); do grep -q '^ready=1' "$tmp/nobody/ready" 2>/dev/null && break; sleep 0.05; done
	nb_pid=$(sed -n 's/^pid=//p' "$tmp/nobody/ready")
	workload_pids="$workload_pids $nb_pid"
	run "$tmp/o" "$tmp/e" as_nobody "$CKPT" -o "$tmp/nobody/nb.ckpt" "$nb_pid"
	check_eq "unprivileged: ckpt exit status 0" 0 "$rc"
	run "$tmp/o" "$tmp/e" "$CKPTDUMP" "$tmp/nobody/nb.ckpt"
	check_grep "unprivileged: EXT_USERS flagged PARTIAL" '^    flags +0x00000001 \(PARTIAL\)$' "$tmp/o"
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/nobody/nb.ckpt"
	check_grep "unprivileged: ckptcheck says the users are partial" '^info users-partial ' "$tmp/o"
	check_released "unprivileged: runs on, untraced" "$nb_pid"
else
	pass "# SKIP partial users: needs root, setpriv and a nobody user"
fi
done_testing
