#!/bin/bash
# A job of a terminal: ckpt collects its terminal (EXT_TTY, EXT_FILE_TTY,
# SIGNAL.tty_objref), ckptcheck and ckptrestore refuse it without
# --shell-job and agree with it, and ckptrestore --shell-job makes it a job
# of its own terminal: output goes on from the saved count there, input
# typed there reaches it, it is the foreground job while ckptrestore
# waits, and ckptrestore's group is the foreground again afterwards.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "ckptrestore needs root (clone3 with a chosen pid, PR_SET_MM)"
command -v python3 >/dev/null || skip_all "python3 is not installed (tests/tools/ptyrun.py makes the terminals)"
require_ptrace
PTYRUN="$top_srcdir/tests/tools/ptyrun.py"
# ckptrestore(1), ROUND TRIP, and the terminal's own: the keys a round trip
# of a shell job must change.
round_trip_ignore='header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,file.f_pos,pages'
pty_ignore='ext_tty.index,ext_tty.rdev,ext_tty.real_rdev,ext_tty.inq,ext_tty.outq,file.path'
tty_ignore="$pty_ignore,ext_tty.sid,ext_tty.c_*,ext_tty.ws_*,tree.sid,file.f_flags"

# stat_field PID N: field N of /proc/PID/stat (after the command name).
stat_field() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f$(($2 - 2))
}

# field IMAGE TYPE NAME: the values of field NAME in records TYPE, one a line.
field() {
	"$CKPTDUMP" -t "$2" "$1" | sed -n "s/^ *$3  *\([^ ]*\).*/\1/p"
}

# A job of a terminal, checkpointed (ckpt_tty.sh checks what is collected).
PTYRUN_OPTS="--winsize 33x101" start_in_pty job ttyjob
pid=$job_pid
leader=$(stat_field "$pid" 4)
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/job.ckpt" "$pid"
check_eq "ckpt of a job of a terminal" 0 "$rc"

# --- the gate: refused without --shell-job, go with it -----------------------

run "$tmp/check" "$tmp/e" "$CKPTCHECK" "$tmp/job.ckpt"
check_eq "ckptcheck: no-go without --shell-job" 1 "$rc"
check_grep "ckptcheck: restore-tty for descriptor 0, saying to use --shell-job" \
	"^error restore-tty .*descriptor 0 is on a terminal .*--shell-job" "$tmp/check"
check_grep "ckptcheck: restore-tty for the controlling terminal" \
	"^error restore-tty .*\(SIGNAL\).*its controlling terminal" "$tmp/check"
check_no_grep "ckptcheck: terminals are not restore-file-type's any more" "restore-file-type" "$tmp/check"
run "$tmp/check2" "$tmp/e" "$CKPTCHECK" --shell-job "$tmp/job.ckpt"
check_eq "ckptcheck --shell-job: go" 0 "$rc"
check_grep "ckptcheck --shell-job: the terminal is the restorer's (info)" \
	"^info file-peer-outside .*with --shell-job it is the restorer's terminal" "$tmp/check2"

# Edited images: what --shell-job does not give back is refused by both.
"$CKPTDUMP" --json --pages "$tmp/job.ckpt" >"$tmp/job.json"
# edit NAME PYTHON: job.ckpt with records edited by PYTHON (recs: the
# record list; rec(type, n): the n-th record of a type), re-encoded.
edit() { edit_image "$tmp/job.json" "$1" "$2"; }
# refused NAME WHY: ckptcheck --shell-job and ckptrestore --shell-job
# --dry-run refuse the edited image NAME with restore-tty saying WHY.
refused() {
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" --shell-job "$tmp/$1.ckpt"
	check_grep "$1: ckptcheck --shell-job: restore-tty, $2" "^error restore-tty .*$2" "$tmp/o"
	run "$tmp/o" "$tmp/e" "$CKPTRESTORE" --shell-job --dry-run "$tmp/$1.ckpt"
	check_eq "$1: ckptrestore --shell-job refuses it (exit 1)" 1 "$rc"
}
edit console 'rec("EXT_TTY")["fields"]["kind"] = "CONSOLE"'
refused console "a console or virtual console"
edit serial 'rec("EXT_TTY")["fields"]["kind"] = "OTHER"'
refused serial "a serial line"
edit second 'rec("EXT_TTY", 1)["fields"]["real_rdev"] = "0x0000000000008805"'
refused second "a second terminal outside the image"
edit older 'd["records"] = [r for r in recs if r["type"] != "EXT_FILE_TTY"]'
refused older "no terminal record .EXT_TTY. for it"

# The count the job had written when it was killed.
kill -KILL "$pid"
killed "$pid"
last=$(grep -o 'tick [0-9]*' "$tmp/job.tty" | tail -1 | cut -d' ' -f2)

# Without --shell-job ckptrestore agrees with the gate, on a terminal too.
run "$tmp/o" "$tmp/e" python3 "$PTYRUN" "$tmp/refused.tty" --timeout 60 -- "$CKPTRESTORE" "$tmp/job.ckpt"
check_eq "ckptrestore without --shell-job refuses it (exit 1)" 1 "$rc"
check_grep "ckptrestore names restore-tty and --shell-job" "cannot restore: .*--shell-job.*[(]restore-tty[)]" \
	"$tmp/refused.tty"
check_eq "refused: nothing created" "" "$(ls -d /proc/"$pid" 2>/dev/null)"

# --shell-job without a terminal: a clear error, exit 2, nothing made.
run "$tmp/o" "$tmp/noterm" setsid -w "$CKPTRESTORE" --shell-job "$tmp/job.ckpt" </dev/null
check_eq "--shell-job with no terminal: exit 2" 2 "$rc"
check_grep "--shell-job with no terminal: says so" "^ckptrestore: --shell-job: ckptrestore has no terminal" \
	"$tmp/noterm"
check_eq "--shell-job with no terminal: nothing created" "" "$(ls -d /proc/"$pid" 2>/dev/null)"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" --restore-termios "$tmp/job.ckpt"
check_eq "--restore-termios alone: usage error" 2 "$rc"

# --- ckptrestore --shell-job, on a new terminal ------------------------------

# A shell stand-in runs ckptrestore as its job, then says how it went
# and whose group the terminal's foreground is.
cat >"$tmp/job.sh" <<EOF
"$CKPTRESTORE" --shell-job --pidfile "$tmp/job.pid" "$tmp/job.ckpt"
echo "status=\$? pgrp=\$(cut -d' ' -f5 /proc/\$\$/stat) tpgid=\$(cut -d' ' -f8 /proc/\$\$/stat) sid=\$(cut -d' ' -f6 /proc/\$\$/stat)"
EOF
run "$tmp/o" "$tmp/e" python3 "$PTYRUN" "$tmp/new.tty" --timeout 60 --when 'tick' --send 'where\n' \
	--when 'where fg' --send 'hello\n' --when 'got hello' --send 'quit\n' -- sh "$tmp/job.sh"
check_eq "the restored job ran and ended" 0 "$rc"
first=$(grep -o 'tick [0-9]*' "$tmp/new.tty" | head -1 | cut -d' ' -f2)
[ -n "$first" ] && [ "$first" -gt 5 ] && [ "$first" -le $((last + 1)) ] &&
	pass "its output goes on from the saved count on the new terminal ($first after $last)" ||
	fail "its output goes on from the saved count on the new terminal" "first: '$first', last before: $last" \
		"$(head -c 300 "$tmp/new.tty")"
check_grep "input typed on the new terminal reaches it" "^got hello" "$tmp/new.tty"
where=$(sed -n 's/^where fg=\([0-9-]*\) pgrp=\([0-9]*\) sid=\([0-9]*\) ws=\(.*\)$/\1 \2 \3 \4/p' "$tmp/new.tty" | tr -d '\r')
read -r fg pgrp sid ws <<<"$where"
check_eq "it is its terminal's foreground group while ckptrestore waits" "$pid $pid" "$fg $pgrp"
status=$(sed -n 's/^status=\([0-9]*\) pgrp=\([0-9]*\) tpgid=\([0-9]*\) sid=\([0-9]*\).*/\1 \2 \3 \4/p' "$tmp/new.tty" | tr -d '\r')
read -r st shpgrp tpgid shsid <<<"$status"
check_eq "it joined ckptrestore's session (not its old one, $leader)" "$shsid" "$sid"
check_eq "ckptrestore exits with the job's status (quit: 0)" 0 "$st"
check_eq "ckptrestore's group is the foreground again after it ends" "$shpgrp" "$tpgid"
check_eq "the terminal's settings stay the new terminal's (window 24x80)" 24x80 "$ws"
check_eq "nothing left running" "" "$(ls -d /proc/"$pid" 2>/dev/null)"

# ^Z stops the job and ckptrestore with it, the terminal back to
# ckptrestore's group (its shell's job); continued, ckptrestore gives it
# back to the job and continues it.
rm -f "$tmp/job.pid"
python3 "$PTYRUN" "$tmp/stop.tty" --timeout 60 --when 'tick' --send '\x1a' --when '(?s)\^Z.*tick' --send 'quit\n' -- \
	sh "$tmp/job.sh" </dev/null >/dev/null 2>&1 &
# state PID: its run state letter.
state() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1
}
for i in $(seq 200); do
	[ "$(state "$pid")" = T ] && restorer=$(stat_field "$pid" 4) && [ "$(state "$restorer")" = T ] && break
	sleep 0.05
done
workload_pids="$workload_pids $pid"
check_eq "^Z: the job and ckptrestore stop" "T T" "$(state "$pid") $(state "${restorer:-0}")"
check_eq "^Z: the terminal is ckptrestore's group's again" "$(stat_field "${restorer:-0}" 5)" \
	"$(stat_field "$pid" 8)"
kill -CONT "${restorer:-0}" 2>/dev/null
for i in $(seq 200); do
	grep -q '^status=' "$tmp/stop.tty" 2>/dev/null && break
	sleep 0.05
done
check_grep "continued: the job runs on in the foreground, reads its quit, ends with 0" "^status=0 " "$tmp/stop.tty"
killed "$pid"

# --restore-termios: the image's window size on the new terminal; and a
# round trip of the restored job (ckpt again, ckptdiff against the first).
rm -f "$tmp/job.pid"
python3 "$PTYRUN" "$tmp/rt.tty" --timeout 60 --when 'tick' --send 'where\n' -- \
	"$CKPTRESTORE" --shell-job --restore-termios --pidfile "$tmp/job.pid" "$tmp/job.ckpt" </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do
	grep -q '^where fg' "$tmp/rt.tty" 2>/dev/null && break
	sleep 0.05
done
workload_pids="$workload_pids $pid"
check_grep "--restore-termios: the image's window size (33x101)" "^where .* ws=33x101" "$tmp/rt.tty"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/job2.ckpt" "$pid"
check_eq "ckpt of the restored job" 0 "$rc"
check_eq "the restored job's descriptors are on its controlling terminal again" \
	"$(field "$tmp/job2.ckpt" EXT_FILE_TTY tty_objref | head -1)" "$(field "$tmp/job2.ckpt" SIGNAL tty_objref)"
run "$tmp/diff" "$tmp/e" "$CKPTDIFF" --ignore "$round_trip_ignore,$tty_ignore" "$tmp/job.ckpt" "$tmp/job2.ckpt"
check_eq "round trip: no difference but the documented ones" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/diff" | head -20
run "$tmp/diff" "$tmp/e" "$CKPTDIFF" --ignore "$round_trip_ignore" "$tmp/job.ckpt" "$tmp/job2.ckpt"
check_grep "round trip: the session is ckptrestore's" "tree.sid: $leader -> " "$tmp/diff"
kill -KILL "$pid" 2>/dev/null
killed "$pid"

# --- a session leader on a terminal outside the tree (script(1)'s child) ----

PTYRUN_OPTS="--leader" start_in_pty lead ttyjob
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/lead.ckpt" "$lead_pid"
run "$tmp/lead.check" "$tmp/e" "$CKPTCHECK" --shell-job "$tmp/lead.ckpt"
check_eq "session leader: ckptcheck --shell-job says no-go" 1 "$rc"
check_grep "session leader: restore-tty says why" \
	"^error restore-tty .*leads the session of its controlling terminal" "$tmp/lead.check"
kill -KILL "$lead_pid"
killed "$lead_pid"
run "$tmp/o" "$tmp/e" python3 "$PTYRUN" "$tmp/lead.tty" --timeout 60 -- "$CKPTRESTORE" --shell-job "$tmp/lead.ckpt"
check_eq "session leader: ckptrestore --shell-job refuses it too (exit 1)" 1 "$rc"
check_grep "session leader: ckptrestore names restore-tty" "leads the session.*[(]restore-tty[)]" "$tmp/lead.tty"
check_eq "session leader: nothing created" "" "$(ls -d /proc/"$lead_pid" 2>/dev/null)"

# --- a pty pair inside the tree, the slave a session's controlling terminal --

start_workload pair ptypair "$tmp/pair.out"
pid=$pair_pid
child=$(ready_value pair child)
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/pair.ckpt" "$pid"
check_eq "ckpt of a tree holding both ends of a pty" 0 "$rc"
pairindex=$(field "$tmp/pair.ckpt" EXT_TTY index | head -1)
check_eq "pair: a master and a slave of one index" "1 $pairindex;2 $pairindex;" \
	"$(paste -d' ' <(field "$tmp/pair.ckpt" EXT_TTY kind) <(field "$tmp/pair.ckpt" EXT_TTY index) | tr '\n' ';')"
"$CKPTDUMP" -t EXT_TTY "$tmp/pair.ckpt" >"$tmp/pairrec"
check_grep "pair: the master's lock and packet mode were read (unlocked)" "^ *flags .*LOCK_READ" "$tmp/pairrec"
check_no_grep "pair: not locked, not in packet mode" "^ *flags .*(LOCKED|PACKET)" "$tmp/pairrec"
check_eq "pair: the child's session has the slave as its controlling terminal" \
	"$(field "$tmp/pair.ckpt" EXT_TTY sid | tail -1) $(field "$tmp/pair.ckpt" EXT_FILE_TTY tty_objref | tail -1)" \
	"$child $(field "$tmp/pair.ckpt" SIGNAL tty_objref | grep -v '^0$')"
run "$tmp/pair.check" "$tmp/e" "$CKPTCHECK" "$tmp/pair.ckpt"
check_eq "pair: ckptcheck says go (both ends are in the image)" 0 "$rc"
kill -KILL "$pid" "$child"
killed "$pid"
killed "$child"
last=$(grep -o '^tick [0-9]*' "$tmp/pair.out" | tail -1 | cut -d' ' -f2)
lines=$(wc -l <"$tmp/pair.out")
run "$tmp/o" "$tmp/pair.restore" "$CKPTRESTORE" -d "$tmp/pair.ckpt"
check_eq "pair: ckptrestore restores it" 0 "$rc"
workload_pids="$workload_pids $pid $child"
for i in $(seq 100); do
	[ "$(tail -n +$((lines + 1)) "$tmp/pair.out" | grep -c '^got ping')" -ge 1 ] && break
	sleep 0.05
done
tail -n +$((lines + 1)) "$tmp/pair.out" >"$tmp/pair.after"
first=$(grep -o '^tick [0-9]*' "$tmp/pair.after" | head -1 | cut -d' ' -f2)
[ -n "$first" ] && [ "$first" -gt 5 ] && [ "$first" -le $((last + 1)) ] &&
	pass "pair: the child's count goes on from the image's through the slave to the master ($first after $last)" ||
	fail "pair: the child's count goes on from the image's" "first: '$first', last before: $last"
# (Its ping count is the image's, not the one it reached before the kill.)
check_grep "pair: the master's writes reach the child through the slave (a ping answered)" \
	"^got ping [0-9]+\$" "$tmp/pair.after"
check_grep "pair: the slave is the child's controlling terminal again, its group the foreground" \
	"^tick [0-9]* fg=$child sid=$child\$" "$tmp/pair.after"
check_no_grep "pair: never without a controlling terminal after the restore" "fg=-1" "$tmp/pair.after"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/pair2.ckpt" "$pid"
run "$tmp/diff" "$tmp/e" "$CKPTDIFF" --ignore "$round_trip_ignore,$pty_ignore" "$tmp/pair.ckpt" "$tmp/pair2.ckpt"
check_eq "pair: round trip: no difference but the pty's index" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/diff" | head -20
run "$tmp/diff" "$tmp/e" "$CKPTDIFF" --ignore "$round_trip_ignore" "$tmp/pair.ckpt" "$tmp/pair2.ckpt"
check_eq "pair: round trip: of file.path, only a /dev/pts name" "" \
	"$(grep '^ *file.path:' "$tmp/diff" | grep -v '"/dev/pts/[0-9]*" -> "/dev/pts/[0-9]*"$')"
kill -KILL "$pid" "$child" 2>/dev/null
killed "$pid"
killed "$child"

done_testing
