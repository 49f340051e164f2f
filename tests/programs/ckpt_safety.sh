#!/bin/bash
# Whatever happens to ckpt, the tree runs on: SIGKILL or SIGTERM mid-dump,
# a full file system.  And never a partial image under the final name.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace
start_workload pat pattern 256
addr=$(ready_value pat addr)

# A pipe nobody reads: ckpt blocks mid-dump, with the tree frozen.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
# blocked_ckpt: starts ckpt into the fifo, waits until it is stuck in a
# write with the tree frozen, sets ckpt_pid.
blocked_ckpt() {
	"$CKPT" "$pat_pid" >"$tmp/fifo" 2>"$tmp/ckpt.err" &
	ckpt_pid=$!
	for i in $(seq 200); do
		[ "$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/"$pat_pid"/status)" = "$ckpt_pid" ] &&
			[ "$(awk '{ sub(/.*\) /, ""); print $1 }' /proc/"$ckpt_pid"/stat 2>/dev/null)" = S ] && break
		sleep 0.05
	done
}
blocked_ckpt
check_eq "SIGKILL: ckpt is tracing, blocked on the pipe" "$ckpt_pid" \
	"$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/"$pat_pid"/status)"
kill -KILL "$ckpt_pid"
wait "$ckpt_pid" 2>/dev/null
check_released "SIGKILL mid-dump: the kernel released the tree" "$pat_pid"
# Drain what the killed ckpt wrote into the pipe.
timeout 2 cat <&3 >/dev/null 2>&1 || true
exec 3>&-
exec 3<>"$tmp/fifo"

# signal_ckpt SIG: sends SIG to ckpt and collects its exit status in rc; a
# ckpt that does not exit within 10 s is a failure, and is killed so that
# the kernel releases the tree and the suite does not hang.
signal_ckpt() {
	kill "-$1" "$ckpt_pid"
	for i in $(seq 200); do
		kill -0 "$ckpt_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$ckpt_pid" 2>/dev/null; then
		fail "ckpt exits within 10 s of SIG$1" "still running: killed"
		kill -KILL "$ckpt_pid"
	fi
	wait "$ckpt_pid"
	rc=$?
}
blocked_ckpt
signal_ckpt TERM
check_eq "SIGTERM mid-dump (pipe): ckpt dies of SIGTERM" 143 "$rc"
check_grep "SIGTERM mid-dump (pipe): says so" 'interrupted by signal 15' "$tmp/ckpt.err"
check_released "SIGTERM mid-dump (pipe): the tree runs on" "$pat_pid"
exec 3>&-

# SIGTERM while writing a file: no image, no temporary file.
mkdir "$tmp/out"
"$CKPT" -o "$tmp/out/img.ckpt" "$pat_pid" 2>"$tmp/term.err" &
ckpt_pid=$!
for i in $(seq 2000); do
	f=$(ls -A "$tmp/out")
	[ -n "$f" ] && [ "$(stat -c %s "$tmp/out/$f" 2>/dev/null || echo 0)" -gt 1048576 ] && break
done
signal_ckpt TERM
if [ "$rc" = 0 ]; then
	pass "# SKIP SIGTERM mid-file: ckpt finished before the signal arrived"
else
	check_eq "SIGTERM mid-file: ckpt dies of SIGTERM" 143 "$rc"
	check_eq "SIGTERM mid-file: no image and no temporary file" "" "$(ls -A "$tmp/out")"
fi
check_released "SIGTERM mid-file: the tree runs on" "$pat_pid"

# A full file system: ENOSPC removes the temporary file, exit 2.
# enospc_case SIZE WHAT: ckpt into a fresh tmpfs of SIZE.
enospc_case() {
	mount -t tmpfs -o "size=$1" ckpt-test "$tmp/small" || { fail "$2: mounting a $1 tmpfs"; return; }
	small_mount=$tmp/small
	run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/small/img.ckpt" "$pat_pid"
	check_eq "$2: exit status 2" 2 "$rc"
	# The output's name and the reason, once: no pid prefix, nor twice.
	check_eq "$2: one exact line names the output and why" \
		"ckpt: error writing $tmp/small/img.ckpt: No space left on device" "$(cat "$tmp/e")"
	check_eq "$2: no image and no temporary file" "" "$(ls -A "$tmp/small")"
	check_released "$2: the tree runs on" "$pat_pid"
	umount "$tmp/small"
	small_mount=""
}
if [ "$(id -u)" = 0 ] && mkdir "$tmp/small" && mount -t tmpfs -o size=1m ckpt-test "$tmp/small" 2>/dev/null; then
	umount "$tmp/small"
	enospc_case 1m "ENOSPC"
	# 24 MiB: the disk fills after a few 4 MiB batches, while the page
	# writer threads hold them.
	enospc_case 24m "ENOSPC in the page writers"
else
	pass "# SKIP ENOSPC: mounting a tmpfs needs root"
fi

# Still the same memory after all that.
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/final.ckpt" "$pat_pid"
check_eq "afterwards: a clean checkpoint" 0 "$rc"
run "$tmp/f" "$tmp/fe" "$IMGFACTS" "$tmp/final.ckpt" "$addr" $((256 << 20))
check_grep "afterwards: the pattern is intact" '^pattern ok pages=65536$' "$tmp/f"
done_testing
