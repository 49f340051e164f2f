#!/bin/bash
# ckptdump -i: scripts of commands against the samples with reviewed
# expected output (tests/golden/browse/NAME.cmds -> NAME.out), the ways
# commands reach the browser, and a real terminal session through tmux
# (prompt, completion, pager, history).
# After a deliberate change: CKPT_REGEN=1 make check, then review the diff.
. "$top_srcdir/tests/programs/lib.sh"

golden="$top_srcdir/tests/golden/browse"
cd "$CKPT_SAMPLES" || exit 1

# A truncated image: rev6-tasks.ckpt cut inside the second VMA's pages.
head -c 9000 rev6-tasks.ckpt >"$tmp/truncated.ckpt"

# golden NAME IMAGE [DIR]: runs NAME.cmds as a script on stdin, in DIR (so
# the image name shown is short); stdout, stderr and the exit status must
# match NAME.out.
golden() {
	local name=$1 image=$2 dir=${3:-.} rc=0
	(cd "$dir" && exec "$CKPTDUMP" -i "$image") <"$golden/$name.cmds" >"$tmp/out" 2>&1 || rc=$?
	echo "# exit $rc" >>"$tmp/out"
	[ "${CKPT_REGEN:-}" = 1 ] && cp "$tmp/out" "$golden/$name.out"
	if diff -u "$golden/$name.out" "$tmp/out" >"$tmp/diff"; then
		pass "$name: output matches $name.out"
	else
		fail "$name: output differs from $name.out" "$(head -40 "$tmp/diff")"
	fi
	check_no_grep "$name: no sanitizer report" "$sanitizer_pattern" "$tmp/out"
}

golden rev6-records rev6-tasks.ckpt
golden rev6-tasks rev6-tasks.ckpt
golden rev6-memory rev6-tasks.ckpt
golden errors rev6-tasks.ckpt
golden v17-task v17-task.ckpt
golden linuxcr-creds linuxcr-creds.ckpt
golden overview rev6-tasks.ckpt
golden truncated truncated.ckpt "$tmp"

# -c: `;`-separated commands, exit status 0 when all succeed, else 1.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i rev6-tasks.ckpt -c 'ps; maps 1'
check_eq "-c: exit status 0" 0 "$rc"
check_grep "-c: ps ran" 'init-worker' "$tmp/out"
check_grep "-c: maps ran" '^0000000000400000-0000000000401000 r-xp' "$tmp/out"
check_eq "-c: nothing on stderr" "" "$(cat "$tmp/err")"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i rev6-tasks.ckpt -c 'ps; nosuch; info'
check_eq "-c: a failed command makes the status 1" 1 "$rc"
check_grep "-c: the commands after it still ran" '^records +71' "$tmp/out"
check_eq "-c: one line on stderr" 1 "$(wc -l <"$tmp/err")"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i rev6-tasks.ckpt -c 'ps; quit; info'
check_no_grep "-c: quit stops" '^records' "$tmp/out"
check_eq "-c: quit after success is status 0" 0 "$rc"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -c ps rev6-tasks.ckpt
check_eq "-c without -i is a usage error" 2 "$rc"

# The image on standard input is spooled to a temporary file.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i - -c 'info; x 0x400000 16' <rev6-tasks.ckpt
check_eq "-i -: exit status 0" 0 "$rc"
check_grep "-i -: the image is read" '^records +71' "$tmp/out"
check_grep "-i -: pages are read by offset" '\|page 0x400000 \+0\|' "$tmp/out"
cat rev6-tasks.ckpt | "$CKPTDUMP" -i - -c 'ps' >"$tmp/out" 2>"$tmp/err"
check_grep "-i - from a pipe" 'init-worker' "$tmp/out"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i - <rev6-tasks.ckpt
check_eq "-i - without -c is refused" 2 "$rc"
check_grep "-i - without -c: says why" 'give the commands with -c' "$tmp/err"

# Images that cannot be browsed at all.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i "$tmp/nonexistent" -c info
check_eq "a missing image: status 2" 2 "$rc"
printf 'not an image at all, not at all\n' >"$tmp/junk"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i "$tmp/junk" -c info
check_eq "an unknown format: status 2" 2 "$rc"
check_grep "an unknown format: says so" 'unknown image format' "$tmp/err"

# A truncated image opens with the error shown and the rest browsable.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i "$tmp/truncated.ckpt" -c 'ls'
check_eq "truncated: ls succeeds" 0 "$rc"
check_grep "truncated: the error is shown on opening" 'runs past the end of the image.*40 records before it' "$tmp/err"
check_grep "truncated: ls lists the readable records" '^\[39\] PGARR' "$tmp/out"
check_grep "truncated: ls ends with the error" '^# error: byte 5865' "$tmp/out"

# check: ckptcheck's image rules, over a second reading of the image.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i rev6-tasks.ckpt -c 'check'
check_eq "check: status 0" 0 "$rc"
check_grep "check: a clean sample is a go" '^go: 0 errors, 0 warnings' "$tmp/out"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i - -c 'check' <"$tmp/truncated.ckpt"
check_grep "check: the truncation is a framing error" '^error framing record 40 \(BUFFER\) @5865' "$tmp/out"
check_grep "check: a truncated image is a no-go" '^no-go: 1 errors' "$tmp/out"

# Every command with hostile arguments: one line on stderr, no crash.
for c in 'show -1' 'show 18446744073709551615' 'x 0xffffffffffffffff 16' \
	'x 1 0xfffffffffffff000 0x100000' 'goto -5' 'search ""' 'search //' \
	'search 0' 'search zz' "search \"$(head -c 300 /dev/zero | tr '\0' a)\"" \
	'objref -3' 'objref 99999999999' 'task 99999999999999999999' \
	'ls 1 2' 'show 32 nosuchfield' 'x 1 2 3 4'; do
	run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i rev6-tasks.ckpt -c "$c"
	check_eq "'${c:0:40}': status 1" 1 "$rc"
	check_eq "'${c:0:40}': one line on stderr" 1 "$(wc -l <"$tmp/err")"
	check_no_grep "'${c:0:40}': no sanitizer report" "$sanitizer_pattern" "$tmp/err"
done

# --- a real terminal ----------------------------------------------------------
if ! command -v tmux >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null 2>&1
fi
if ! command -v tmux >/dev/null; then
	n=$((n + 1))
	echo "ok $n # SKIP tmux is not installed (and cannot be installed here)"
	done_testing
	exit
fi

sock="$tmp/tmux.sock"
screen="$tmp/screen"
# screen_has PATTERN: waits up to 30 s (a loaded CI machine) for the pane to
# show PATTERN (ERE).
screen_has() {
	for _ in $(seq 300); do
		tmux -S "$sock" capture-pane -p -N -S -200 >"$screen" 2>/dev/null
		grep -Eq -- "$1" "$screen" && return 0
		sleep 0.1
	done
	return 1
}
check_screen() {
	if screen_has "$2"; then pass "$1"; else fail "$1" "screen:" "$(tail -20 "$screen")"; fi
}

cat >"$tmp/pager" <<EOF
#!/bin/sh
echo called >"$tmp/pager-called"
exec cat
EOF
chmod +x "$tmp/pager"
mkdir -p "$tmp/home"
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	"env HOME='$tmp/home' XDG_STATE_HOME='$tmp/state' PAGER='$tmp/pager' TERM=xterm INPUTRC=/dev/null \
	'$CKPTDUMP' -i rev6-tasks.ckpt; echo browser-exited-\$?; sleep 30"
check_screen "tty: the prompt appears" '^ckptdump> $'
tmux -S "$sock" send-keys 'ps' Enter
check_screen "tty: ps shows the tasks" '2 +1 +- +2 +\[62\] +init-worker'
tmux -S "$sock" send-keys 'sh' Tab
check_screen "tty: sh<Tab> completes to 'show '" '^ckptdump> show $'
tmux -S "$sock" send-keys '32 map' Tab
check_screen "tty: show 32 map<Tab> completes the field" '^ckptdump> show 32 map_count $'
tmux -S "$sock" send-keys Enter
check_screen "tty: show 32 map_count runs" '^    map_count +2$'
[ ! -e "$tmp/pager-called" ]
check_eq "tty: short output does not use the pager" 0 $?
tmux -S "$sock" send-keys 'task 1' Enter
check_screen "tty: long output went through the pager" '== mm 10: MM \[32\], 2 VMAs'
check_eq "tty: \$PAGER was called" called "$(cat "$tmp/pager-called" 2>/dev/null)"
tmux -S "$sock" send-keys 'quit' Enter
check_screen "tty: quit ends the browser with status 0" 'browser-exited-0'
check_no_grep "tty: no sanitizer report" "$sanitizer_pattern" "$screen"
tmux -S "$sock" kill-server 2>/dev/null
check_grep "tty: history saved in \$XDG_STATE_HOME/ckpttools/history" '^show 32 map_count' "$tmp/state/ckpttools/history"
check_eq "tty: the history directory is private" 700 "$(stat -c %a "$tmp/state/ckpttools")"

# A second session recalls the first one's lines.
# (A fresh server socket per session: a killed server may still be going away.)
sock="$tmp/tmux2.sock"
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	"env HOME='$tmp/home' XDG_STATE_HOME='$tmp/state' TERM=xterm INPUTRC=/dev/null \
	'$CKPTDUMP' -i rev6-tasks.ckpt; echo browser-exited-\$?; sleep 30"
check_screen "tty: second session prompt" '^ckptdump> $'
tmux -S "$sock" send-keys Up Up
check_screen "tty: Up recalls the previous session's history" '^ckptdump> task 1$'
tmux -S "$sock" send-keys C-u 'quit' Enter
check_screen "tty: second session ends" 'browser-exited-0'
tmux -S "$sock" kill-server 2>/dev/null

# Ctrl-C at the prompt drops the line typed so far, as in bash; Ctrl-C during
# a command stops that command only.  The search below takes minutes on 64
# MiB of pages (the regex backtracks at every byte), so seeing it end within
# screen_has's 30 s means the Ctrl-C stopped it.
"$MKBENCH" pages 16384 "$tmp/64m.ckpt"
sock="$tmp/tmux4.sock"
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	"env HOME='$tmp/home' XDG_STATE_HOME='$tmp/state' TERM=xterm INPUTRC=/dev/null \
	'$CKPTDUMP' -i '$tmp/64m.ckpt'; echo browser-exited-\$?; sleep 30"
check_screen "tty: Ctrl-C session prompt" '^ckptdump> $'
tmux -S "$sock" send-keys 'info half-typed'
check_screen "tty: a half-typed line" '^ckptdump> info half-typed$'
tmux -S "$sock" send-keys C-c
check_screen "tty: Ctrl-C at the prompt gives a fresh prompt" '^ckptdump> info half-typed\^C$'
tmux -S "$sock" send-keys 'ps' Enter
check_screen "tty: the fresh prompt runs the next line alone" '^ckptdump> ps$'
check_screen "tty: ... and its output" '^ +1 +1 +- +1 +\[13\] +bench +'
tmux -S "$sock" send-keys 'search /(.|..)*QQQQ/' Enter
sleep 1
tmux -S "$sock" send-keys C-c
check_screen "tty: Ctrl-C stops a long search" '^ckptdump: interrupted$'
tmux -S "$sock" send-keys 'info' Enter
check_screen "tty: the session goes on after an interrupted command" '^records +85$'
check_no_grep "tty: the interrupted search printed no verdict" 'not found|matches' "$screen"
tmux -S "$sock" send-keys 'quit' Enter
check_screen "tty: Ctrl-C session ends with status 0" 'browser-exited-0'
tmux -S "$sock" kill-server 2>/dev/null
rm -f "$tmp/64m.ckpt"

# A history that cannot be written does not get in the way.
sock="$tmp/tmux3.sock"
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	"env HOME=/nonexistent XDG_STATE_HOME=/dev/null/state TERM=xterm INPUTRC=/dev/null \
	'$CKPTDUMP' -i rev6-tasks.ckpt; echo browser-exited-\$?; sleep 30"
check_screen "tty: no writable history: prompt" '^ckptdump> $'
tmux -S "$sock" send-keys 'info' Enter 'quit' Enter
check_screen "tty: no writable history: commands run" '^records +71$'
check_screen "tty: no writable history: status 0" 'browser-exited-0'
tmux -S "$sock" kill-server 2>/dev/null

done_testing
