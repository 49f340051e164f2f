#!/bin/bash
# The gate and the restorer agree: for an image of each workload, ckptcheck
# says go exactly when ckptrestore restores it (and the refusal names the
# restorable rule the workload is there to trigger).  What is restored is
# then checked from outside: hostname, ids, groups, capabilities.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "ckptrestore needs root (clone3 with a chosen pid, PR_SET_MM)"
require_ptrace



# tree PID: PID and its descendants, depth first.
tree() {
	local c
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree "$c"
	done
}

# tree_facts PID...: "pid ppid pgid sid" of each (from /proc/PID/stat,
# after the command name, which may hold spaces).
tree_facts() {
	local p
	for p in "$@"; do
		sed -n 's/^\([0-9]*\) (.*) . \([0-9]*\) \([0-9]*\) \([0-9]*\) .*/\1 \2 \3 \4/p' "/proc/$p/stat" 2>/dev/null
	done | tr '\n' ';'
}

# inode_sums PID NAME: the bytes of the workload's memfd and unlinked file
# mappings (addresses from its ready file), as checksums.
inode_sums() {
	local a m
	for a in $(sed -n 's/^\(gone\|memfd\)=0x//p' "$tmp/$2.ready"); do
		m=$(grep -m1 "^0*$a-" "/proc/$1/maps" | cut -d' ' -f1)
		[ -n "$m" ] && md5sum <"/proc/$1/map_files/$m" | cut -d' ' -f1
	done | tr '\n' ' '
}

# resumes NAME LAST: the first count NAME wrote after the restore (the
# line after the first one counting LAST: ckpt lets the workload run on
# after the image is written, the restored one goes back to the image's
# count) is the image's, at most LAST + 2, and not a fresh start.
resumes() {
	local first
	sleep 0.3
	first=$(awk -v last="$2" 'f { print $1; exit } $1 == last { f = 1 }' "$tmp/$1.out")
	[ -n "$first" ] && [ "$first" -gt 1 ] && [ "$first" -le $(($2 + 2)) ] &&
		pass "$1: the count goes on from the image's value ($first after $2)" ||
		fail "$1: the count goes on from the image's value" "next: '$first' after $2"
	resumed=${first:-0}
}

# peek PID ADDR: the byte at ADDR in PID's memory; poke PID ADDR CHAR.
peek() {
	dd if="/proc/$1/mem" bs=1 count=1 iflag=skip_bytes skip="$2" 2>/dev/null
}
poke() {
	printf %s "$3" | dd of="/proc/$1/mem" bs=1 count=1 oflag=seek_bytes seek="$2" conv=notrunc 2>/dev/null
}

status_line() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' ' | sed 's/ $//'
}

mkdir -p "$tmp/listener" "$tmp/listener_waiting"
mkdir -p "$tmp/files" "$tmp/fdsock" "$tmp/fdfifo" "$tmp/fdstate" "$tmp/fdepoll" "$tmp/fdtree" "$tmp/fddgram" "$tmp/sharedfd"

# fd_line NAME KEY: the value the fdkinds workload wrote for KEY.
fd_line() {
	sed -n "s/^$2 //p" "$tmp/$1.out"
}

# epoll_items IMAGE: the image's epoll items, "fd events data" sorted (the
# kernel lists them in the order of its file addresses).
epoll_items() {
	"$CKPTDUMP" "$1" | sed -n 's/^ *\[[0-9]*\] data=\(0x[0-9a-f]*\) fd=\([0-9]*\) file_objref=[0-9]* events=\(0x[0-9a-f]*\).*/\2 \3 \1/p' | sort
}
# ckptrestore(1), ROUND TRIP: the keys a round trip must change.
round_trip_ignore='header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,file.f_pos,pages'

# NAME PROGRAM ARGS | the rules its image must trigger (none: go; ?: either
# verdict, as long as the gate and the restorer agree)
corpus=(
	"counter counter $tmp/counter.out|"
	"static_utsns static_utsns|"
	"static_creds static_creds|"
	"static_threads static_threads|"
	"threads threads|"
	"pattern pattern|"
	"forktree forktree|"
	"proctree proctree $tmp/proctree.out|"
	"proctree_pipe proctree $tmp/proctree_pipe.out pipe|"
	"files files $tmp/files|"
	"zombieleader zombieleader|"
	"zombies zombies $tmp/zombies.out|"
	"kstate kstate $tmp/files|"
	"fdsock fdkinds $tmp/fdsock.out $tmp/fdsock sock|"
	"fdfifo fdkinds $tmp/fdfifo.out $tmp/fdfifo fifo|"
	"fdstate fdkinds $tmp/fdstate.out $tmp/fdstate fd,inotify|"
	"fdepoll fdkinds $tmp/fdepoll.out $tmp/fdepoll all|"
	"fdtree fdkinds $tmp/fdtree.out $tmp/fdtree sock,fifo,fork|"
	"cowfork cowfork|"
	"privfile privfile|"
	"shmanon shmanon|"
	"shmpair shmpair $tmp/shmpair.out $tmp/files|"
	"filedata filedata|"
	"inodes inodes $tmp/inodes.out|"
	"sharedfd sharedfd $tmp/sharedfd.out $tmp/sharedfd|"
	"sigstorm sigstorm|"
	"fddgram fdkinds $tmp/fddgram.out $tmp/fddgram dgram|"
	"sockq sockq|"
	"sockq_inflight sockq inflight|restore-fd-in-flight restore-file-type"
	"itimer itimer $tmp/itimer.out|"
	"filtered filtered $tmp/filtered.out|"
	"strict filtered $tmp/strict.out strict|"
	"filtered_fork filtered $tmp/filtered_fork.out fork|"
	"python pycounter.py $tmp/python.out|"
	"clonevm clonevm|"
	"clonevm_files clonevm files|"
	"clonevm_fileschain clonevm fileschain|"
	"clonevm_filessiblings clonevm filessiblings|restore-shared-task-object"
	"clonevm_fs clonevm fs|"
	"clonevm_sighand clonevm sighand|"
	"pidns_container pidns $tmp/pidns_container.out container|"
	"pidns_nested pidns $tmp/pidns_nested.out nested|"
	"pidns_joined pidns $tmp/pidns_joined.out joined|"
	"pidns_crossgroup pidns $tmp/pidns_crossgroup.out crossgroup|restore-tree"
	"listener listener $tmp/listener|"
	"listener_waiting listener $tmp/listener_waiting waiting|restore-listen-socket"
	"ttyjob ttyjob|restore-tty"
	"ptypair ptypair $tmp/ptypair.out|"
)
for entry in "${corpus[@]}"; do
	spec=${entry%%|*} rule=${entry#*|}
	read -r name prog args <<<"$spec"
	# The pidns workload makes pid namespaces (CAP_SYS_ADMIN).
	if [[ $name == pidns_* ]] && ! unshare --pid --fork true 2>/dev/null; then
		pass "$name # SKIP cannot make a pid namespace here"
		continue
	fi
	# A script runs from the source tree, by the python3 in PATH.
	if { [[ $prog == *.py ]] || [ "$prog" = ttyjob ]; } && ! command -v python3 >/dev/null; then
		pass "$name # SKIP python3 is not installed"
		continue
	fi
	# shellcheck disable=SC2086
	if [[ $prog == *.py ]]; then
		CKPT_WORKLOADS="$top_srcdir/tests/workloads" start_workload "$name" "$prog" $args
	elif [ "$prog" = ttyjob ]; then
		# A job of a terminal (restore_tty.sh restores it with --shell-job).
		start_in_pty "$name" "$prog" $args
	else
		start_workload "$name" "$prog" $args
	fi
	pid=$(eval echo "\$${name}_pid")
	# A container: its init, by its pid here (the launcher stays out).
	[ "$name" = pidns_container ] && pid=$(ready_value "$name" init)
	run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.ckpt" "$pid"
	if [ "$rc" != 0 ]; then
		fail "$name: ckpt" "$(head -1 "$tmp/e")"
		continue
	fi
	# Facts of the live process, for the restored one.
	tids=$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')
	host=$(nsenter -t "$pid" -u hostname 2>/dev/null)
	ids="$(status_line "$pid" Uid) / $(status_line "$pid" Gid) / $(status_line "$pid" Groups)"
	sums=$(inode_sums "$pid" "$name")
	lines=$( (wc -l <"$tmp/$name.out") 2>/dev/null)
	caps="$(status_line "$pid" CapEff) $(status_line "$pid" CapPrm) $(status_line "$pid" CapInh) $(status_line "$pid" CapBnd)"
	all=$(tree "$pid" | tr '\n' ' ')
	facts=$(tree_facts $all)
	# Each one's pid in its own namespace, and in every namespace of the
	# tree (the levels from the root's down).
	inner=$(for p in $all; do awk '$1 == "NSpid:" { print $NF }' "/proc/$p/status"; done | tr '\n' ' ')
	levels=$(for p in $all; do awk '$1 == "NSpid:" { print NF - 1 }' "/proc/$p/status"; done | tr '\n' ' ')
	last=$(tail -1 "$tmp/$name.out" 2>/dev/null)
	kill -KILL -- "-$pid" 2>/dev/null
	for p in $all; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $all; do
		killed "$p"
	done
	# An absolute timer must fire at its time, not later by the time the
	# tree was down: let that time be long enough to tell.
	case $name in fd*) sleep 1 ;; esac
	run "$tmp/$name.check" "$tmp/e" "$CKPTCHECK" "$tmp/$name.ckpt"
	verdict=$rc
	rm -f "$tmp/$name.pid"
	run "$tmp/o" "$tmp/$name.restore" "$CKPTRESTORE" -d --pidfile "$tmp/$name.pid" "$tmp/$name.ckpt"
	restored=$rc
	# Another process of this host took a pid of the tree meanwhile
	# (other test runs fork fast): nothing to judge, and that process is
	# not ours to look at or kill.
	if [ "$restored" = 2 ] && grep -q "pid [0-9]* is taken on this system" "$tmp/$name.restore"; then
		pass "$name # SKIP $(grep -o 'pid [0-9]* is taken' "$tmp/$name.restore" | head -1) by another process"
		continue
	fi
	[ "$restored" = 0 ] && workload_pids="$workload_pids $pid"
	if [ "$verdict" = 0 ]; then
		check_eq "$name: ckptcheck says go and ckptrestore restores it" 0 "$restored"
	else
		check_eq "$name: ckptcheck says no-go and ckptrestore refuses it (exit 1)" "1 1" "$verdict $restored"
	fi
	[ "$restored" = 0 ] || [ "$restored" = 1 ] || sed 's/^/# /' "$tmp/$name.restore"
	if [ "$rule" = "?" ] && [ "$verdict" != 0 ]; then
		check_grep "$name: the refusal names a restorable rule" "cannot restore: .*[(]restore-[a-z-]*[)]\$" \
			"$tmp/$name.restore"
		continue
	fi
	if [ -n "$rule" ] && [ "$rule" != "?" ]; then
		for r in $rule; do
			check_grep "$name: ckptcheck names $r" "^error $r " "$tmp/$name.check"
			check_grep "$name: ckptrestore names $r" "cannot restore: .*[(]$r[)]\$" "$tmp/$name.restore"
		done
		check_eq "$name: refused: nothing created" "" "$(ls -d /proc/"$pid" 2>/dev/null)"
		continue
	fi
	sleep 0.2
	# A container comes back in a new pid namespace: another pid here.
	if [ "$name" = pidns_container ] && [ "$restored" = 0 ]; then
		pid=$(cat "$tmp/$name.pid")
		workload_pids="$workload_pids $pid"
		all=$(tree "$pid" | tr '\n' ' ')
	fi
	check_released "$name: restored, running" "$pid"
	case $name in
	pidns_container | pidns_nested | pidns_joined)
		check_eq "$name: every process has its pid inside its namespace" "$inner" \
			"$(for p in $(tree "$pid"); do awk '$1 == "NSpid:" { print $NF }' "/proc/$p/status"; done | tr '\n' ' ')"
		check_eq "$name: as many levels (a container: a new namespace here)" "$levels" \
			"$(for p in $(tree "$pid"); do awk '$1 == "NSpid:" { print NF - 1 }' "/proc/$p/status"; done | tr '\n' ' ')"
		check_released "$name: every process running" $all
		;;
	static_utsns)
		check_eq "$name: its hostname, in its own uts namespace" "$host" \
			"$(nsenter -t "$pid" -u hostname 2>/dev/null)"
		[ "$(readlink /proc/$pid/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] &&
			pass "$name: not this host's uts namespace" ||
			fail "$name: not this host's uts namespace"
		;;
	static_threads | threads)
		check_eq "$name: its five threads, with their tids" "$tids" "$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')"
		check_released "$name: every thread running" $(ls "/proc/$pid/task")
		;;
	proctree | proctree_pipe)
		[ "$name" = proctree ] && proctree_all=$all
		# The parent of the root is ckptrestore's, now gone: not compared.
		check_eq "$name: every process, with its pid, parent, group and session" \
			"$(echo "$facts" | sed 's/^[0-9]* [0-9]* /X /')" \
			"$(tree_facts $all | sed 's/^[0-9]* [0-9]* /X /')"
		check_released "$name: every process running" $all
		sleep 0.2
		# ckpt lets the tree run on after the image is written: the
		# restored counter goes back to the image's value, at most
		# $last, and not to zero.
		first=$(awk -v last="$last" 'f { print; exit } $1 == last { f = 1 }' "$tmp/$name.out")
		[ -n "$first" ] && [ "$first" -gt 1 ] && [ "$first" -le $((last + 2)) ] &&
			pass "$name: the child's counter goes on from the image's value ($first after $last)" ||
			fail "$name: the child's counter goes on from the image's value" \
				"next: '$first' in $(tr '\n' ' ' <"$tmp/$name.out")"
		;;
	zombieleader)
		# The leader a zombie again, its threads running with their tids.
		check_eq "$name: the leader is a zombie again" Z \
			"$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/task/$pid/status" 2>/dev/null)"
		check_eq "$name: its threads (and the leader), with their tids" "$tids" \
			"$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')"
		check_released "$name: every thread running" $(ls "/proc/$pid/task")
		;;
	zombies | forktree)
		# Zombies again, with their pids, until their parent waits:
		# then it finds their statuses (exit 42, SIGTERM).
		z=$(ready_value "$name" zombie)$(ready_value "$name" exited)
		check_eq "$name: its zombie child is a zombie again" Z \
			"$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$z/status" 2>/dev/null)"
		if [ "$name" = zombies ]; then
			k=$(ready_value "$name" killed)
			check_eq "$name: the child killed by SIGTERM is a zombie again" Z \
				"$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$k/status" 2>/dev/null)"
			kill -USR1 "$pid"
			for i in $(seq 100); do
				[ "$( (wc -l <"$tmp/zombies.out") 2>/dev/null)" = 3 ] && break
				sleep 0.05
			done
			# Its SIGCHLD handler ran before the checkpoint only: the
			# zombies' new exits notify nobody.
			check_eq "$name: the parent's wait finds both with their statuses, no new SIGCHLD" \
				"exited $((42 << 8));killed 15;sigchld $(ready_value "$name" sigchld);" \
				"$(tr '\n' ';' <"$tmp/zombies.out" 2>/dev/null)"
			gone "$z" && gone "$k" && pass "$name: reaped by their parent, gone" ||
				fail "$name: reaped by their parent, gone"
		fi
		;;
	static_creds)
		check_eq "$name: uids, gids and groups" "$ids" \
			"$(status_line "$pid" Uid) / $(status_line "$pid" Gid) / $(status_line "$pid" Groups)"
		check_eq "$name: capability sets (effective, permitted, inheritable, bounding)" "$caps" \
			"$(status_line "$pid" CapEff) $(status_line "$pid" CapPrm) $(status_line "$pid" CapInh) $(status_line "$pid" CapBnd)"
		;;
	filedata)
		check_eq "$name: both objects read before the checkpoint" 2 "$(echo "$sums" | wc -w)"
		check_eq "$name: its memfd and unlinked file hold the saved bytes" "$sums" \
			"$(inode_sums "$pid" "$name")"
		grep -q '/memfd:ckptdata (deleted)' "/proc/$pid/maps" &&
			pass "$name: its memfd keeps its name" || fail "$name: its memfd keeps its name"
		;;
	shmanon)
		# Shared anonymous memory of the parent and its first child
		# (the second unmapped it): one object again.
		addr=$(($(ready_value "$name" addr)))
		child=$(ready_value "$name" first)
		check_eq "$name: pages 5, 7 and 9 (9 mapped by no task any more) as written" "EGI" \
			"$(peek "$pid" $((addr + 5 * 4096)))$(peek "$pid" $((addr + 7 * 4096)))$(peek "$pid" $((addr + 9 * 4096)))"
		poke "$child" $((addr + 11 * 4096 + 7)) X
		check_eq "$name: a byte the child writes after the restore, the parent reads" X \
			"$(peek "$pid" $((addr + 11 * 4096 + 7)))"
		poke "$pid" $((addr + 11 * 4096 + 8)) Y
		check_eq "$name: and one the parent writes, the child reads" Y \
			"$(peek "$child" $((addr + 11 * 4096 + 8)))"
		;;
	shmpair)
		# The child counts in shared anonymous memory, a memfd and an
		# unlinked file; the parent writes what it reads.
		resumes "$name" "$(echo "$last" | cut -d' ' -f1)"
		set -- $(tail -1 "$tmp/$name.out")
		[ "${1:-0}" -gt $((resumed + 5)) ] && [ "${2:-0}" -gt $((resumed + 5)) ] && [ "${3:-0}" -gt $((resumed + 5)) ] &&
			pass "$name: the parent sees the child's counts in all three objects ($resumed, then $*)" ||
			fail "$name: the parent sees the child's counts in all three objects" "$resumed, then $*"
		child=$(ready_value "$name" child)
		shm=$(($(ready_value "$name" shm)))
		poke "$child" $((shm + 100)) Z
		check_eq "$name: from outside: the child's write, the parent's read" Z "$(peek "$pid" $((shm + 100)))"
		check_eq "$name: one object: the same inode in both" \
			"$(stat -L -c %i "/proc/$pid/map_files/$(printf %x "$shm")-$(printf %x $((shm + 4096)))")" \
			"$(stat -L -c %i "/proc/$child/map_files/$(printf %x "$shm")-$(printf %x $((shm + 4096)))")"
		;;
	clonevm)
		# One address space again: the child's count goes on in the
		# parent's memory, and a ckpt of the restored tree has one MM.
		count=$(($(ready_value "$name" count)))
		a=$(peek "$pid" "$count" | od -An -tu1)
		sleep 0.2
		b=$(peek "$pid" "$count" | od -An -tu1)
		[ -n "$a" ] && [ "$a" != "$b" ] && pass "$name: the parent sees the child count ($a, then $b)" ||
			fail "$name: the parent sees the child count" "'$a', then '$b'"
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		check_eq "$name: the restored tree has one MM" "0 1" \
			"$rc $("$CKPTDUMP" "$tmp/$name.2.ckpt" | grep -c '^\[[0-9]*\] MM ')"
		;;
	clonevm_files | clonevm_fileschain)
		# The child (files) or the grandchild (fileschain, each process
		# with its own address space) opens and closes descriptor 100 in
		# turn: one table again, the parent's shows it come and go at that
		# number, and a ckpt of the restored tree has one FILE_TABLE.
		seen=$(for i in $(seq 20); do readlink "/proc/$pid/fd/100" 2>/dev/null || echo closed; sleep 0.03; done | sort -u | tr '\n' ' ')
		check_eq "$name: the descriptor the child opens after the restore is the parent's descriptor 100" \
			"/dev/null closed " "$seen"
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		[ "$name" = clonevm_files ] && procs=2 || procs=3
		check_eq "$name: the restored tree has one FILE_TABLE for its $procs processes" "0 1 $procs" \
			"$rc $("$CKPTDUMP" "$tmp/$name.2.ckpt" | grep -c '^\[[0-9]*\] FILE_TABLE ') $("$CKPTDUMP" "$tmp/$name.2.ckpt" | grep -c '^\[[0-9]*\] TASK_OBJS ')"
		;;
	listener)
		# Listening again on its Unix path and its TCP port
		# (restore_listen.sh checks the rest).
		check_eq "$name: answers on its Unix path and its TCP port" "1 2" \
			"$(timeout 5 "$CKPT_WORKLOADS/listener" --connect unix "$(ready_value "$name" unix)" | tr -d '\n') $(timeout 5 \
			"$CKPT_WORKLOADS/listener" --connect tcp "$(ready_value "$name" tcp)" | tr -d '\n')"
		;;
	clonevm_fs | clonevm_sighand)
		# The child flips its umask (fs) or its SIGUSR1 disposition
		# (sighand): shared again, the parent's flips too.
		[ "$name" = clonevm_fs ] && key=Umask || key=SigIgn
		seen=$(for i in $(seq 20); do status_line "$pid" "$key"; sleep 0.03; done | sort -u | wc -l)
		check_eq "$name: the child's changes show in the parent's $key" 2 "$seen"
		;;
	filtered_fork)
		# The child's two oldest filters are its parent's
		# (EXT_SECCOMP_SHARED), the third its own.
		resumes "$name" "$(echo "$last" | cut -d' ' -f1)"
		child=$(ready_value "$name" child)
		check_eq "$name: the child's filters still answer" "42 38" \
			"$(tail -n +"$((lines + 1))" "$tmp/$name.out" | cut -d' ' -f2,3 | sort -u | tr '\n' ' ' | sed 's/ $//')"
		check_eq "$name: two filters in the parent, three in the child" "2 3" \
			"$(status_line "$pid" Seccomp_filters) $(status_line "$child" Seccomp_filters)"
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		run "$tmp/d" "$tmp/e" "$CKPTDIFF" --ignore "$round_trip_ignore" "$tmp/$name.ckpt" "$tmp/$name.2.ckpt"
		check_eq "$name: ckpt of the restored tree, ckptdiff: same chains, shared as before" 0 "$rc"
		[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
		;;
	strict)
		# Strict seccomp mode: any call but read, write, _exit and
		# sigreturn kills it, so running on is the proof.
		resumes "$name" "$(echo "$last" | cut -d' ' -f1)"
		now=$(tail -1 "$tmp/$name.out")
		[ "$now" -gt $((resumed + 2)) ] && check_released "$name: counts on in strict mode ($resumed, then $now)" "$pid" ||
			fail "$name: counts on in strict mode" "$resumed, then $now"
		check_eq "$name: seccomp mode 1" 1 "$(status_line "$pid" Seccomp)"
		;;
	python)
		# The interpreter's own state: a thread, the count in a Python
		# object, the file it appends to.
		check_eq "$name: its two threads, with their tids" "$tids" "$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')"
		check_released "$name: every thread running" $(ls "/proc/$pid/task")
		resumes "$name" "$(echo "$last" | cut -d' ' -f1)"
		now=$(tail -1 "$tmp/$name.out")
		[ "$now" -gt $((resumed + 5)) ] &&
			pass "$name: the thread counts on ($resumed, then $now)" ||
			fail "$name: the thread counts on" "$resumed, then $now"
		;;
	itimer)
		# Only SIGALRM moves the count: a timer not re-armed stops it.
		resumes "$name" "$(echo "$last" | cut -d' ' -f1)"
		now=$(tail -1 "$tmp/$name.out")
		[ "$now" -gt $((resumed + 5)) ] &&
			pass "$name: ITIMER_REAL ticks on after the restore ($resumed, then $now)" ||
			fail "$name: ITIMER_REAL ticks on after the restore" "$resumed, then $now"
		# Frozen after the timer fired and before its SIGALRM was taken:
		# no time left, an interval.  The kernel re-arms such a timer
		# when the signal is dequeued, and only if the timer has an
		# interval: the restore must arm it, or it never fires again.
		killed "$pid"
		"$CKPTDUMP" --json --pages "$tmp/$name.ckpt" >"$tmp/$name.json"
		python3 - "$tmp/$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
[r for r in d["records"] if r["type"] == "SIGNAL"][0]["fields"]["it_real_value"] = 0
json.dump(d, open(sys.argv[1], "w"))
PY
		"$CKPTENCODE" -o "$tmp/$name.fired.raw" "$tmp/$name.json" &&
			"$REDIGEST" recompute "$tmp/$name.fired.raw" "$tmp/$name.fired.ckpt"
		run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/$name.fired.ckpt"
		check_eq "$name: fired, its signal not taken: restored" 0 "$rc"
		[ "$rc" = 0 ] && workload_pids="$workload_pids $pid"
		sleep 0.3
		resumed=$(tail -1 "$tmp/$name.out")
		sleep 0.3
		now=$(tail -1 "$tmp/$name.out")
		[ "$now" -gt $((resumed + 5)) ] &&
			pass "$name: fired, its signal not taken: ITIMER_REAL ticks on ($resumed, then $now)" ||
			fail "$name: fired, its signal not taken: ITIMER_REAL ticks on" "$resumed, then $now"
		;;
	filtered)
		resumes "$name" "$(echo "$last" | cut -d' ' -f1)"
		check_eq "$name: getppid fails with 42 and getuid (SECCOMP_RET_TRACE, no tracer) with ENOSYS" \
			"42 38" "$(tail -n +"$((lines + 1))" "$tmp/$name.out" | cut -d' ' -f2,3 | sort -u | tr '\n' ' ' | sed 's/ $//')"
		check_eq "$name: its three filters" 3 "$(status_line "$pid" Seccomp_filters)"
		# Round trip: the same programs in the same order.
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		run "$tmp/d" "$tmp/e" "$CKPTDIFF" --ignore "$round_trip_ignore" "$tmp/$name.ckpt" "$tmp/$name.2.ckpt"
		check_eq "$name: ckpt of the restored process, ckptdiff: same filters, in order" 0 "$rc"
		[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
		;;
	inodes)
		# The workload checks its memfd (bytes, seals, position), its
		# unlinked file and its shared anonymous counter on every count.
		sleep 0.3
		after=$(tail -n +"$((lines + 1))" "$tmp/$name.out")
		first=$(echo "$after" | head -1 | cut -d' ' -f1)
		[ -n "$first" ] && [ "$first" -gt 5 ] && [ "$first" -le "$((lines + 1))" ] &&
			pass "$name: the shared counter resumes from its saved value ($first)" ||
			fail "$name: the shared counter resumes from its saved value" "first count after: '$first', $lines before"
		check_eq "$name: memfd bytes, seals and position, unlinked file, as saved" "ok" \
			"$(echo "$after" | cut -d' ' -f2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
		check_grep "$name: the memfd keeps its name" '/memfd:ckptinodes [(]deleted[)]' "/proc/$pid/maps"
		check_grep "$name: shared anonymous memory again" '/dev/zero [(]deleted[)]' "/proc/$pid/maps"
		# Round trip: what must change is the identity of the objects,
		# the unlinked file's name (an O_TMPFILE has none) and the counter.
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		run "$tmp/d" "$tmp/e" "$CKPTDIFF" --ignore \
			'header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,file.f_pos,pages,ext_inode.ino,ext_inode.path,ext_inode_pages.contents,file.path' \
			"$tmp/$name.ckpt" "$tmp/$name.2.ckpt"
		check_eq "$name: ckpt of the restored process, ckptdiff: same" 0 "$rc"
		[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
		;;
	sharedfd)
		# A memfd and an unlinked file whose descriptions a parent and
		# its child share: the child's seeks move the parent's position.
		touch "$tmp/sharedfd/go"
		for _ in $(seq 50); do
			grep -q '^done$' "$tmp/$name.out" 2>/dev/null && break
			sleep 0.1
		done
		check_eq "$name: the child's seeks move the parent's memfd and unlinked file positions" \
			"1010 57" "$(fd_line "$name" memfd-pos) $(fd_line "$name" unlinked-pos)"
		;;
	sockq)
		# A datagram and a seqpacket socketpair with messages of varied
		# sizes, a stream one with bytes: each read whole, in order.
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		run "$tmp/d" "$tmp/e" "$CKPTDIFF" --ignore \
			'header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,pages,ext_peers.ino,ext_peers.peer_ino,ext_peers.scanned,file.path' \
			"$tmp/$name.ckpt" "$tmp/$name.2.ckpt"
		check_eq "$name: ckpt of the restored tree, ckptdiff: same" 0 "$rc"
		[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
		kill -USR1 "$pid"
		for i in $(seq 50); do
			grep -q '^done=1' "$tmp/$name.ready.after" 2>/dev/null && break
			sleep 0.1
		done
		check_eq "$name: every message back, whole and in order, each socket's SO_PEEK_OFF off" \
			"dgram_peek_off=-1 dgram=5,1,300,4096,70000,12,999,2 seqp_peek_off=-1 seqp=3,100,7,2000 stream_peek_off=-1 stream=6" \
			"$(grep -v '^done' "$tmp/$name.ready.after" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
		;;
	fdsock | fdfifo | fdstate | fdepoll | fdtree | fddgram)
		# Round trip first, before the workload reads anything: what must
		# change is the identity of the objects (socket inodes), the
		# timers' time left, and the order the kernel lists epoll items in
		# (compared as a set below).
		run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/$name.2.ckpt" "$pid"
		run "$tmp/d" "$tmp/e" "$CKPTDIFF" --ignore \
			'header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,pages,ext_peers.ino,ext_peers.peer_ino,ext_peers.scanned,file.path,ext_timerfd.value_sec,ext_timerfd.value_nsec' \
			"$tmp/$name.ckpt" "$tmp/$name.2.ckpt"
		if [ "$name" = fdepoll ]; then
			check_eq "$name: the epoll items of the restored process, as a set" \
				"$(epoll_items "$tmp/$name.ckpt")" "$(epoll_items "$tmp/$name.2.ckpt")"
		else
			check_eq "$name: ckpt of the restored process, ckptdiff: same" 0 "$rc"
			[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
		fi
		# Then it reads every object once: SIGUSR2 for its signalfd
		# (blocked there only), and DIR/go (an IN_CREATE for its inotify
		# watch) to start.
		case $name in fdstate | fdepoll) kill -USR2 "$pid" ;; esac
		touch "$tmp/$name/go"
		for i in $(seq 100); do
			grep -q '^done' "$tmp/$name.out" && break
			sleep 0.1
		done
		check_grep "$name: the workload read every object" '^done$' "$tmp/$name.out"
		case $name in fdsock | fdepoll | fdtree)
			check_eq "$name: socketpair: each end reads what was queued on it, in order" \
				"sock-b1 / sock-a1sock-a2" "$(fd_line "$name" sock0) / $(fd_line "$name" sock1)"
			check_eq "$name: socketpair: still connected, one end non-blocking" "after 1" \
				"$(fd_line "$name" sock0-after) $(fd_line "$name" sock1-nonblock)"
		esac
		case $name in fdfifo | fdepoll)
			check_eq "$name: FIFO: the bytes waiting, then what is written after" "fifo-bytes more" \
				"$(fd_line "$name" fifo) $(fd_line "$name" fifo-after)"
		esac
		[ "$name" = fddgram ] &&
			check_eq "$name: datagram and seqpacket messages, each whole, in order; one sent back" \
				"5,1,300,4096,12 / 3,100,7 / back" \
				"$(fd_line "$name" dgram) / $(fd_line "$name" seqp) / $(fd_line "$name" seqp-back)"
		[ "$name" = fdtree ] &&
			check_eq "$name: FIFO: the child reads the bytes waiting" "fifo-bytes" "$(fd_line "$name" fifo)"
		case $name in fdstate | fdepoll)
			check_eq "$name: eventfd counter 8, semaphore 2 read as 1, 1, then empty" "8 1 1 EAGAIN" \
				"$(fd_line "$name" eventfd) $(fd_line "$name" sem1) $(fd_line "$name" sem2) $(fd_line "$name" sem3)"
			check_eq "$name: timerfd: the expiration not read before is read after" 1 \
				"$(fd_line "$name" timer-expired)"
			left=$(fd_line "$name" timer-left-ms)
			[ -n "$left" ] && [ "$left" -gt 50000 ] && [ "$left" -le 60000 ] &&
				pass "$name: timerfd: a relative timer goes on with its time left ($left ms)" ||
				fail "$name: timerfd: a relative timer goes on with its time left" "left: '$left' ms"
			# Re-armed relative to the restore it would end a second or
			# more late (the time between ckpt and restore).
			off=$(fd_line "$name" timer-abs-end-off-ms)
			late=$(fd_line "$name" timer-abs-late-ms)
			{ [ "$off" = fired ] || { [ -n "$off" ] && [ "$off" -gt -500 ] && [ "$off" -lt 500 ]; }; } &&
				pass "$name: timerfd: an absolute timer ends at its time (off by $off ms)" ||
				fail "$name: timerfd: an absolute timer ends at its time" "off by '$off' ms"
			[ -n "$late" ] && [ "$late" != never ] && [ "$late" -ge 0 ] &&
				{ [ "$off" = fired ] || [ "$late" -lt 500 ]; } &&
				pass "$name: timerfd: it fires then, not before (${late} ms late)" ||
				fail "$name: timerfd: it fires then, not before" "late: '$late' ms"
			check_eq "$name: signalfd reads the signal sent after restore" 12 "$(fd_line "$name" signal)"
			check_eq "$name: inotify: the watch of DIR, as wd 1, reports the file made" "1 create go" \
				"$(fd_line "$name" inotify)"
		esac
		[ "$name" = fdepoll ] &&
			check_eq "$name: epoll reports the ready files with their data, not the idle timer" \
				"beef f1f0 feed" "$(fd_line "$name" epoll)"
		;;
	esac
	for p in ${all:-$pid}; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in ${all:-$pid}; do
		killed "$p"
	done
done

# A FIFO gone from its path: the gate cannot know, the restore fails
# before any task is made, naming the path (exit 2), and leaves nothing.
# (The workload was killed above; its pid, when another process has it
# now, is not ours to judge.)
fifo_pid=$(sed -n 's/^pid=//p' "$tmp/fdfifo.ready")
rm -f "$tmp/fdfifo/fifo"
if [ -d "/proc/$fifo_pid" ]; then
	pass "FIFO missing # SKIP pid $fifo_pid is taken by another process"
else
	run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/fdfifo.ckpt"
	check_eq "FIFO missing: exit 2" 2 "$rc"
	check_grep "FIFO missing: the message names it" "fdfifo/fifo [(]FIFO[)]: open: No such file" "$tmp/e"
	check_eq "FIFO missing: no task made" "" "$(ls -d /proc/"$fifo_pid" 2>/dev/null)"
fi

# A failure midway: the last child's pid is taken (the tasks before it
# are made by then): every task made is killed and reaped, none is left
# stopped or traced.
set -- $proctree_all
if [ $# = 4 ] && [ -w /proc/sys/kernel/ns_last_pid ]; then
	taken=$4
	for i in $(seq 20); do
		echo $((taken - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 30 </dev/null >/dev/null 2>&1 &
		[ "$!" = "$taken" ] && break
		kill -KILL "$!"
	done
	if [ "$!" = "$taken" ]; then
		run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/proctree.ckpt"
		check_eq "pid taken midway: exit 2" 2 "$rc"
		check_grep "pid taken midway: names the pid" "pid $taken is taken" "$tmp/e"
		left=""
		for p in $1 $2 $3; do
			gone "$p" || left="$left $p($(sed -n 's/^State:[[:space:]]*//p' /proc/$p/status 2>/dev/null))"
		done
		check_eq "pid taken midway: every task made is gone" "" "$left"
		kill -KILL "$taken"
		wait "$taken" 2>/dev/null
	else
		pass "pid taken midway # SKIP could not take pid $taken"
	fi
fi

done_testing
