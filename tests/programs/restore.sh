#!/bin/bash
# ckptrestore: a counter checkpointed, killed and restored goes on from its
# saved value with its pid, name, descriptors and file position; the
# failure paths (pid taken, file missing, truncated image on stdin, SIGINT)
# say one line, exit 2 and leave nothing running, stopped or traced.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "ckptrestore needs root (clone3 with a chosen pid, PR_SET_MM)"
require_ptrace



# file_pos IMAGE PATH: the position the image saved for the file at PATH.
file_pos() {
	"$IMGFACTS" "$1" | awk -v p="path=$2" '$1 == "file" && $NF == p { sub("pos=", "", $6); print $6 }'
}

# line_at FILE OFFSET: the line that starts at OFFSET.
line_at() {
	tail -c +"$(($2 + 1))" "$1" | head -1
}

# checkpoint NAME: a counter checkpointed to $tmp/NAME.ckpt and killed;
# sets pid, pos (the saved file position) and saved (the count written last).
checkpoint() {
	start_workload "$1" counter "$tmp/$1.out"
	pid=$(eval echo "\$${1}_pid")
	run "$tmp/$1.cko" "$tmp/$1.cke" "$CKPT" -o "$tmp/$1.ckpt" "$pid"
	killed "$pid"
	pos=$(file_pos "$tmp/$1.ckpt" "$tmp/$1.out")
	saved=$(head -c "$pos" "$tmp/$1.out" | tail -1 | cut -d' ' -f1)
}

# -- the gate and the plan --------------------------------------------------------
checkpoint c1
check_eq "counter: ckpt exit status 0" 0 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/c1.ckpt"
check_eq "counter: ckptcheck says go" 0 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" --dry-run "$tmp/c1.ckpt"
check_eq "--dry-run: exit status 0" 0 "$rc"
check_grep "--dry-run: one line for the task" "^task $pid .counter.: parent" "$tmp/o"
check_grep "--dry-run: the descriptor and its position" "fd 4: $tmp/c1.out at $pos\$" "$tmp/o"
check_grep "--dry-run: the verdict" "go: 1 task would be restored" "$tmp/o"
check_eq "--dry-run: creates nothing" "" "$(ls -d /proc/"$pid" 2>/dev/null)"

# -- restore, detached --------------------------------------------------------------
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pidfile "$tmp/c1.pid" "$tmp/c1.ckpt"
check_eq "restore -d: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
[ "$rc" = 0 ] && workload_pids="$workload_pids $pid"
check_eq "--pidfile: the old pid" "$pid" "$(cat "$tmp/c1.pid" 2>/dev/null)"
sleep 0.3
check_released "restored: running, not stopped, not traced" "$pid"
check_eq "restored: its name" counter "$(cat "/proc/$pid/comm" 2>/dev/null)"
check_eq "restored: its executable" "$CKPT_WORKLOADS/counter" "$(readlink "/proc/$pid/exe")"
check_eq "restored: its cwd" "$(pwd -P)" "$(readlink "/proc/$pid/cwd")"
check_eq "restored: descriptor 4 is the output file" "$tmp/c1.out" "$(readlink "/proc/$pid/fd/4")"
check_eq "restored: descriptor 0 is /dev/null" /dev/null "$(readlink "/proc/$pid/fd/0")"
check_eq "restored: no other descriptor" "0 1 2 4" "$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "restored: the count goes on from the saved one, at the saved position" \
	"$((saved + 1)) $((2 * (saved + 1)))" "$(line_at "$tmp/c1.out" "$pos")"
after=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$pid/fdinfo/4")
[ "${after:-0}" -gt "$pos" ] && pass "restored: the file position moves on from $pos" ||
	fail "restored: the file position moves on from $pos" "now ${after:-none}"
check_eq "restored: the anonymous counter and the heap agree" "" \
	"$(tail -c +"$((pos + 1))" "$tmp/c1.out" | awk '$2 != 2 * $1 { print }' | head -3)"
maps=$(awk '{ print $1 }' "/proc/$pid/maps" | grep -c .)
check_eq "restored: the image's areas and nothing else" "$(($("$IMGFACTS" "$tmp/c1.ckpt" | grep -c '^vma') + 1))" "$maps"

# -- round trip: ckpt of the restored process against the first image -------------
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/c1b.ckpt" "$pid"
check_eq "round trip: ckpt of the restored process" 0 "$rc"
# Keys that must change (ckptrestore(1), ROUND TRIP): the time, the parent
# outside the image, the flags of a task forked by a restorer and not
# exec'd since, what the counter did since (its registers, state, sleep,
# pages and file position).
ignore='header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,file.f_pos,pages'
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --ignore "$ignore" "$tmp/c1.ckpt" "$tmp/c1b.ckpt"
check_eq "round trip: no difference beyond the documented keys" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
run "$tmp/d" "$tmp/de" "$CKPTDIFF" "$tmp/c1.ckpt" "$tmp/c1b.ckpt"
check_eq "round trip: without the list, the counter's pages differ" 1 "$rc"
killed "$pid"

# -- round trip of a tree ------------------------------------------------------------
# proctree: a session leader, a child leading its group with a grandchild
# in it, a child leading its own session; descriptors 0-2 are one
# description the whole tree shares.  With "pipe", the child's counts go
# to the root through a pipe.  Beyond the keys above, a tree with a pipe
# changes (ckptrestore(1), ROUND TRIP): the pipe's inode (ext_peers.ino,
# and its number in the name "pipe:[N]"), how many processes of the
# system ckpt looked at for peers (ext_peers.scanned), and the bytes
# waiting in the pipe at the freeze (ext_pipe.nr_bytes, ext_pipe.data: their
# BUFFER, or "[-+] header data" when only one image has some).
tree_ignore="$ignore,ext_peers.ino,ext_peers.scanned,ext_pipe.nr_bytes,ext_pipe.data"
for variant in plain pipe; do
	start_workload "t$variant" proctree "$tmp/t$variant.out" $([ $variant = pipe ] && echo pipe)
	pid=$(eval echo "\$t${variant}_pid")
	procs="$pid $(ready_value "t$variant" child) $(ready_value "t$variant" grandchild) $(ready_value "t$variant" session)"
	run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/t$variant.ckpt" "$pid"
	for p in $procs; do killed "$p"; done
	run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/t$variant.ckpt"
	check_eq "tree ($variant): restored" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
	workload_pids="$workload_pids $procs"
	sleep 0.2
	run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/t${variant}2.ckpt" "$pid"
	check_eq "tree ($variant): ckpt of the restored tree" 0 "$rc"
	run "$tmp/d" "$tmp/de" "$CKPTDIFF" --ignore "$tree_ignore" "$tmp/t$variant.ckpt" "$tmp/t${variant}2.ckpt"
	# What is left may only be the pipe's name and its waiting bytes.
	check_eq "tree ($variant): ckptdiff, no difference beyond the documented keys" "" \
		"$(sed -e '1,2d' -e '/^header$/d' -e '/^header file$/d' -e '/^  file.path: "pipe:\[[0-9]*\]" -> "pipe:\[[0-9]*\]"$/d' \
			-e '/^[-+] header data$/d' "$tmp/d")"
	[ $variant = plain ] && check_eq "tree (plain): ckptdiff says same" 0 "$rc"
	for p in $procs; do killed "$p"; done
done

# -- the root's status, waited for ---------------------------------------------------
checkpoint c2
rm -f "$tmp/c2.pid"
"$CKPTRESTORE" --pidfile "$tmp/c2.pid" "$tmp/c2.ckpt" >"$tmp/o" 2>"$tmp/e" &
rpid=$!
# The pid file appears once the tree runs: a signal before would meet a
# restore in progress (which it aborts), not the root.
for i in $(seq 400); do [ -s "$tmp/c2.pid" ] && break; sleep 0.05; done
kill -TERM "$pid"
wait "$rpid"
check_eq "wait: ckptrestore exits with the root's status (SIGTERM: 143)" 143 "$?"

# -- --external: a pipe to the outside becomes ckptrestore's own descriptor ----------
rm -f "$tmp/ext.ready"
setsid "$CKPT_WORKLOADS/static_threads" "$tmp/ext.ready" </dev/null 2>/dev/null | cat >/dev/null &
for i in $(seq 100); do grep -q '^ready=1' "$tmp/ext.ready" 2>/dev/null && break; sleep 0.05; done
pid=$(sed -n 's/^pid=//p' "$tmp/ext.ready")
workload_pids="$workload_pids $pid"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/ext.ckpt" "$pid"
killed "$pid"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/ext.ckpt"
check_grep "--external: without it, stdout's pipe is a finding" "^error file-peer-outside .* fd 1: pipe" "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/ext.ckpt"
check_eq "--external: without it, refused" 1 "$rc"
check_eq "--external: refused, nothing created" "" "$(ls -d /proc/"$pid" 2>/dev/null)"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --external "fd:$pid:1" "$tmp/ext.ckpt"
check_eq "--external fd:PID:1: ckptcheck says go" 0 "$rc"
rc=0
"$CKPTRESTORE" -d --external "fd:$pid:1" "$tmp/ext.ckpt" >"$tmp/ext.out" 2>"$tmp/e" || rc=$?
check_eq "--external fd:PID:1: restored" 0 "$rc"
[ "$rc" = 0 ] && workload_pids="$workload_pids $pid"
check_eq "--external fd:PID:1: its stdout is ckptrestore's" "$tmp/ext.out" "$(readlink "/proc/$pid/fd/1")"
check_released "--external: all its threads running" $(ls "/proc/$pid/task" 2>/dev/null)
killed "$pid"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --external "fd:$pid:77" "$tmp/ext.ckpt"
check_eq "--external of a descriptor ckptrestore lacks: exit 2" 2 "$rc"
check_grep "--external of a descriptor ckptrestore lacks: says so" "has no descriptor 77" "$tmp/e"

# -- failure paths --------------------------------------------------------------------
checkpoint c3
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/c3.ckpt"
check_eq "free pid: restore works" 0 "$rc"
[ "$rc" = 0 ] && workload_pids="$workload_pids $pid"
t0=$(date +%s%N)
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/c3.ckpt"
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "pid taken: exit status 2" 2 "$rc"
[ "$ms" -lt 1000 ] && pass "pid taken by a live process: fails at once (${ms} ms)" ||
	fail "pid taken by a live process: fails at once" "${ms} ms"
check_grep "pid taken: names the pid and --pid-ns" "pid $pid is taken.*--pid-ns" "$tmp/e"
check_eq "pid taken: one line" 1 "$(wc -l <"$tmp/e")"
check_released "pid taken: the running process is left alone" "$pid"
killed "$pid"

# A pid held by a zombie about to be reaped (the user killed the tree and
# restores at once): the counter's parent, a perl helper that never reaps
# on its own, reaps it 0.5 s after it died; the restore waits for the pid.
rm -f "$tmp/late.ready"
setsid perl -e '
	my $late = fork() // die "fork: $!";
	if ($late == 0) { exec @ARGV or die "exec: $!" }
	for (;;) {
		open(my $f, "<", "/proc/$late/stat") or last;
		my $st = <$f>;
		close $f;
		last if $st =~ /\) Z /;
		select(undef, undef, undef, 0.01);
	}
	select(undef, undef, undef, 0.5);
	waitpid($late, 0);' "$CKPT_WORKLOADS/counter" "$tmp/late.ready" "$tmp/late.out" </dev/null >/dev/null 2>&1 &
helper=$!
for i in $(seq 200); do
	grep -q '^ready=1' "$tmp/late.ready" 2>/dev/null && break
	sleep 0.05
done
late=$(sed -n 's/^pid=//p' "$tmp/late.ready")
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/late.ckpt" "$late"
check_eq "pid held by a dying process: ckpt" 0 "$rc"
kill -KILL "$late"
for i in $(seq 100); do grep -q ') Z ' "/proc/$late/stat" 2>/dev/null && break; sleep 0.001; done
state=$(sed -n 's/^.*) \(.\) .*/\1/p' "/proc/$late/stat" 2>/dev/null)
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/late.ckpt"
check_eq "pid held by a zombie about to be reaped (state '$state' at the start): restored" 0 "$rc"
[ "$rc" = 0 ] && workload_pids="$workload_pids $late"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
check_eq "pid held by a zombie: the race happened (a zombie when ckptrestore began)" Z "$state"
check_released "pid held by a zombie: restored, running" "$late"
killed "$late"
wait "$helper" 2>/dev/null

mv "$tmp/c3.out" "$tmp/c3.moved"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/c3.ckpt"
check_eq "file missing: exit status 2" 2 "$rc"
check_grep "file missing: names the file" "cannot open $tmp/c3.out: No such file or directory" "$tmp/e"
check_eq "file missing: one line" 1 "$(wc -l <"$tmp/e")"
check_eq "file missing: nothing left with the pid" "" "$(ls -d /proc/"$pid" 2>/dev/null)"
mv "$tmp/c3.moved" "$tmp/c3.out"

size=$(stat -c %s "$tmp/c3.ckpt")
rc=0
head -c "$((size / 2))" "$tmp/c3.ckpt" | "$CKPTRESTORE" -d - >"$tmp/o" 2>"$tmp/e" || rc=$?
check_eq "truncated image on stdin: exit status 2" 2 "$rc"
check_grep "truncated image on stdin: names stdin and the byte" '^ckptrestore: .stdin.: byte [0-9]' "$tmp/e"
check_eq "truncated image on stdin: one line" 1 "$(wc -l <"$tmp/e")"
check_eq "truncated image on stdin: nothing created" "" "$(ls -d /proc/"$pid" 2>/dev/null)"
rc=0
"$CKPTRESTORE" -d - <"$tmp/c3.ckpt" >"$tmp/o" 2>"$tmp/e" || rc=$?
check_eq "whole image on stdin: restored" 0 "$rc"
[ "$rc" = 0 ] && workload_pids="$workload_pids $pid"
check_released "whole image on stdin: running" "$pid"
killed "$pid"

# SIGINT while the restore runs: a counter with 256 MiB of memory takes
# long enough to write back that the signal lands inside the restore.
start_workload big counter "$tmp/big.out" 256
pid=$big_pid
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/big.ckpt" "$pid"
killed "$pid"
"$CKPTRESTORE" -d -v "$tmp/big.ckpt" >"$tmp/o" 2>"$tmp/e" &
rpid=$!
for i in $(seq 200); do [ -d "/proc/$pid" ] && break; sleep 0.005; done
kill -INT "$rpid"
wait "$rpid"
rc=$?
check_eq "SIGINT during restore: exit status 2" 2 "$rc"
check_grep "SIGINT during restore: says so" "interrupted" "$tmp/e"
gone "$pid" && pass "SIGINT during restore: nothing left" || fail "SIGINT during restore: nothing left" "pid $pid"

done_testing
