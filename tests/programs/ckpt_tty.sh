#!/bin/bash
# ckpt collects the terminal of a job of a terminal: one TTY object
# (EXT_TTY: kind, pty index, session, foreground group, termios, window
# size) for its three descriptors, which name it (EXT_FILE_TTY), and the
# controlling terminal of its session (SIGNAL.tty_objref); its /dev/tty
# descriptor is an ALIAS object standing for it.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed (tests/tools/ptyrun.py makes the terminals)"
require_ptrace

# stat_field PID N: field N of /proc/PID/stat (after the command name).
stat_field() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f$(($2 - 2))
}

# field IMAGE TYPE NAME: the values of field NAME in records TYPE, one a line.
field() {
	"$CKPTDUMP" -t "$2" "$1" | sed -n "s/^ *$3  *\([^ ]*\).*/\1/p"
}

PTYRUN_OPTS="--winsize 33x101" start_in_pty job ttyjob
pid=$job_pid
leader=$(stat_field "$pid" 4)
index=$(ready_value job tty | sed -n 's|^/dev/pts/||p')
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/job.ckpt" "$pid"
check_eq "ckpt of a job of a terminal" 0 "$rc"
check_released "the job runs on after ckpt" "$pid"
check_eq "one terminal object for its three descriptors, a pty slave (kind 2), and /dev/tty (3)" "2 3" \
	"$(field "$tmp/job.ckpt" EXT_TTY kind | tr '\n' ' ' | sed 's/ $//')"
check_eq "the terminal's pty index is its /dev/pts number" "$index -1" \
	"$(field "$tmp/job.ckpt" EXT_TTY index | tr '\n' ' ' | sed 's/ $//')"
check_eq "/dev/tty stands for it (real_rdev), as its own device (rdev 5:0)" "0x0000000000000500 $(field "$tmp/job.ckpt" EXT_TTY rdev | head -1)" \
	"$(field "$tmp/job.ckpt" EXT_TTY rdev | tail -1) $(field "$tmp/job.ckpt" EXT_TTY real_rdev | tail -1)"
check_eq "its session and foreground group (the job's)" "$leader $pid" \
	"$(field "$tmp/job.ckpt" EXT_TTY sid | head -1) $(field "$tmp/job.ckpt" EXT_TTY pgrp | head -1)"
check_eq "its window size" "33 101" \
	"$(field "$tmp/job.ckpt" EXT_TTY ws_row | head -1) $(field "$tmp/job.ckpt" EXT_TTY ws_col | head -1)"
"$CKPTDUMP" -t EXT_TTY "$tmp/job.ckpt" >"$tmp/ttyrec"
check_grep "its state was read (termios by TCGETS2, queues counted)" "^ *flags .*[(]STATE.TERMIOS2.QUEUES[)]" \
	"$tmp/ttyrec"
check_grep "its termios: canonical mode, echo (c_lflag ICANON|ECHO)" "^ *c_lflag  *0x0000.a3b" "$tmp/ttyrec"
# The TTY object's objref, as its OBJREF gives it.
ttyref=$("$CKPTDUMP" -t OBJREF "$tmp/job.ckpt" | awk '/objtype *18 /{ f = 1; next } f && /objref/ { print $2; exit }')
check_eq "descriptors 0-2 are one FILE naming it (EXT_FILE_TTY)" "$ttyref" \
	"$(field "$tmp/job.ckpt" EXT_FILE_TTY tty_objref | head -1)"
check_eq "SIGNAL.tty_objref names it: the controlling terminal" "$ttyref" "$(field "$tmp/job.ckpt" SIGNAL tty_objref)"
check_eq "SIGNAL.tty_pgrp is the job's group" "$pid" "$(field "$tmp/job.ckpt" SIGNAL tty_pgrp)"

"$CKPTCHECK" "$tmp/job.ckpt" >"$tmp/check" 2>&1
check_eq "objref rules: the EXT_TTY stands for the TTY object's record" "" \
	"$(grep '^error objref' "$tmp/check")"

done_testing
