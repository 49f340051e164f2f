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

# --freeze-timeout: the same pipe nobody reads, and ckpt gives up in time.
exec 3<>"$tmp/fifo"
start=$(date +%s%N)
"$CKPT" --freeze-timeout 1.5 "$pat_pid" >"$tmp/fifo" 2>"$tmp/ft.err" &
ckpt_pid=$!
for i in $(seq 200); do kill -0 "$ckpt_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$ckpt_pid" 2>/dev/null && { kill -KILL "$ckpt_pid"; echo "still running after 10 s: killed" >>"$tmp/ft.err"; }
wait "$ckpt_pid"
rc=$?
ckpt_pid=""
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "--freeze-timeout, a stalled pipe: exit status 2" 2 "$rc"
check_grep "--freeze-timeout, a stalled pipe: says so, releasing the pid" \
	"^ckpt: the tree stayed frozen longer than --freeze-timeout 1.5 s \\(is the output read\\?\\); pid $pat_pid released, no image written" "$tmp/ft.err"
check_eq "--freeze-timeout, a stalled pipe: gave up between 1.5 and 4 s" 1 \
	"$([ "$ms" -ge 1400 ] && [ "$ms" -le 4000 ] && echo 1 || echo "$ms ms")"
check_released "--freeze-timeout, a stalled pipe: the tree runs on" "$pat_pid"
timeout 2 cat <&3 >/dev/null 2>&1 || true
exec 3>&-

# written_by PID: bytes in the biggest regular file PID has open (the
# unnamed output file has no name to look at).
written_by() {
	local f max=0 s
	for f in /proc/"$1"/fd/*; do
		s=$(stat -L -c '%F %s' "$f" 2>/dev/null) || continue
		case $s in "regular file "*|"regular empty file "*) s=${s##* }; [ "$s" -gt "$max" ] && max=$s ;; esac
	done
	echo "$max"
}

# SIGKILL of ckpt writing a file, at several points: before the first
# record, early, mid-pages, late.  Nothing may be left in the directory
# (an image that was complete before the kill is fine, and is removed).
mkdir "$tmp/kill"
killed_mid=0
for at in 0 1 4096 8388608 67108864 201326592; do
	"$CKPT" -o "$tmp/kill/img.ckpt" "$pat_pid" 2>/dev/null &
	ckpt_pid=$!
	if [ "$at" != 0 ]; then
		for i in $(seq 4000); do
			[ "$(written_by "$ckpt_pid")" -ge "$at" ] && break
			kill -0 "$ckpt_pid" 2>/dev/null || break
		done
	fi
	if kill -KILL "$ckpt_pid" 2>/dev/null; then killed_mid=$((killed_mid + 1)); fi
	wait "$ckpt_pid" 2>/dev/null
	ckpt_pid=""
	left=$(ls -A "$tmp/kill")
	if [ "$left" = img.ckpt ] && "$CKPTDUMP" "$tmp/kill/img.ckpt" >/dev/null 2>&1; then
		left=""	# finished before the signal: a whole image
	fi
	check_eq "SIGKILL after $at bytes: nothing left in the directory" "" "$left"
	rm -f "$tmp/kill/"* "$tmp/kill/".[!.]* 2>/dev/null
	check_released "SIGKILL after $at bytes: the tree runs on" "$pat_pid"
done
check_eq "SIGKILL: most kills landed while ckpt was running" 1 "$([ "$killed_mid" -ge 4 ] && echo 1 || echo "$killed_mid")"

# -v with standard error not a terminal: a progress line every few seconds,
# the last one showing the whole total.  A slow reader stretches the dump.
"$CKPT" -v "$pat_pid" 2>"$tmp/v.err" |
	{ while [ "$(head -c 25165824 | wc -c)" -gt 0 ]; do sleep 0.5; done; }
check_grep "-v, not a tty: progress lines" '^ckpt: memory [0-9]+ / [0-9]+ MiB$' "$tmp/v.err"
check_eq "-v, not a tty: more than one progress line" 1 \
	"$([ "$(grep -c '^ckpt: memory' "$tmp/v.err")" -ge 2 ] && echo 1 || cat "$tmp/v.err")"
check_grep "-v, not a tty: the last progress line is the whole total" \
	'^ckpt: memory ([0-9]+) / \1 MiB$' <(grep '^ckpt: memory' "$tmp/v.err" | tail -1)
check_eq "-v, not a tty: the total covers the pattern (256 MiB)" 1 \
	"$(grep '^ckpt: memory' "$tmp/v.err" | tail -1 | awk '{ print ($3 >= 256) }')"
check_eq "-v, not a tty: no carriage returns" 0 "$(tr -cd '\r' <"$tmp/v.err" | wc -c)"

# SIGTERM while writing a file: no image, no temporary file.
mkdir "$tmp/out"
"$CKPT" -o "$tmp/out/img.ckpt" "$pat_pid" 2>"$tmp/term.err" &
ckpt_pid=$!
for i in $(seq 2000); do
	[ "$(written_by "$ckpt_pid")" -gt 1048576 ] && break
	kill -0 "$ckpt_pid" 2>/dev/null || break
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
