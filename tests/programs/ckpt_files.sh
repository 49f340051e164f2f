#!/bin/bash
# Files and signals: descriptors at known offsets, flags and close-on-exec,
# open file descriptions shared after fork, fs (umask, cwd), handlers,
# limits, blocked and queued signals; every fact compared with /proc (or the
# workload's own values), read back through libckpt (imgfacts).
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

mkdir -p "$tmp/files"
start_workload fw files "$tmp/files"
child=$(ready_value fw child)
run "$tmp/f.out" "$tmp/f.err" "$CKPT" -o "$tmp/f.ckpt" "$fw_pid"
check_eq "files: ckpt exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/f.err"
run "$tmp/f.facts" "$tmp/f.ferr" "$IMGFACTS" "$tmp/f.ckpt"
check_eq "files: image reads back to its TAIL" 0 "$rc"
facts=$tmp/f.facts

task_field() {
	awk -v p="pid=$1" -v k="$2" '$1 == "task" && $2 == p {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$facts"
}
# fd_file TABLE FD: the FILE objref of descriptor FD in table TABLE
fd_file() { awk -v t="table=$1" -v f="fd=$2" '$1 == "fd" && $2 == t && $3 == f { sub("file=", "", $4); print $4 }' "$facts"; }
fd_cloexec() { awk -v t="table=$1" -v f="fd=$2" '$1 == "fd" && $2 == t && $3 == f { sub("cloexec=", "", $5); print $5 }' "$facts"; }
# file_line REF: the FILE's facts without its ref
file_line() { awk -v r="ref=$1" '$1 == "file" && $2 == r { $1 = $2 = ""; sub(/^ +/, ""); print }' "$facts"; }

ptab=$(task_field "$fw_pid" files)
ctab=$(task_field "$child" files)
check_eq "files: the image's descriptors of the parent are /proc's" \
	"$(ls /proc/"$fw_pid"/fd | sort -n | tr '\n' ' ')" \
	"$(awk -v t="table=$ptab" '$1 == "fd" && $2 == t { sub("fd=", "", $3); print $3 }' "$facts" | sort -n | tr '\n' ' ')"
check_eq "files: and of the child" \
	"$(ls /proc/"$child"/fd | sort -n | tr '\n' ' ')" \
	"$(awk -v t="table=$ctab" '$1 == "fd" && $2 == t { sub("fd=", "", $3); print $3 }' "$facts" | sort -n | tr '\n' ' ')"
check_eq "files: parent and child have tables of their own (fork, no CLONE_FILES)" 2 \
	"$(grep -c '^fdtable ' "$facts")"
[ "$ptab" != "$ctab" ] && pass "files: two different table objects" || fail "files: two different table objects" "$ptab $ctab"

rw=$(ready_value fw fd_rw)
ro=$(ready_value fw fd_ro)
lg=$(ready_value fw fd_log)
pr=$(ready_value fw pipe_r)
pw=$(ready_value fw pipe_w)
check_eq "files: read-write file at offset 1234, O_RDWR" \
	"type=GENERIC mode=0x1f flags=0100002 pos=1234 path=$tmp/files/data" "$(file_line "$(fd_file "$ptab" "$rw")")"
check_eq "files: read-only reopen at offset 77" \
	"type=GENERIC mode=0x1d flags=0100000 pos=77 path=$tmp/files/data" "$(file_line "$(fd_file "$ptab" "$ro")")"
check_eq "files: append-only log at offset 5" \
	"type=GENERIC mode=0x1e flags=0102001 pos=5 path=$tmp/files/log" "$(file_line "$(fd_file "$ptab" "$lg")")"
pipe=$(readlink "/proc/$fw_pid/fd/$pr")
check_eq "files: pipe read end" "type=PIPE mode=0x1 flags=0 pos=0 path=$pipe" "$(file_line "$(fd_file "$ptab" "$pr")")"
check_eq "files: pipe write end, O_NONBLOCK" "type=PIPE mode=0x2 flags=04001 pos=0 path=$pipe" \
	"$(file_line "$(fd_file "$ptab" "$pw")")"
check_eq "files: the child's own file at offset 999" \
	"type=GENERIC mode=0x1d flags=0100000 pos=999 path=$tmp/files/child" "$(file_line "$(fd_file "$ctab" 60)")"
# Flags and offsets against fdinfo, for every descriptor of both tables.
bad=""
for pair in "$fw_pid:$ptab" "$child:$ctab"; do
	p=${pair%%:*} tab=${pair#*:}
	for fd in $(ls /proc/"$p"/fd); do
		pos=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$p/fdinfo/$fd")
		flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$p/fdinfo/$fd")
		cloexec=$(( (8#$flags & 8#2000000) != 0 ))
		want=$(printf 'flags=%#o pos=%s' $(( 8#$flags & ~8#2000000 )) "$pos")
		[ "$want" = 'flags=00 pos=0' ] && want='flags=0 pos=0'
		line=$(file_line "$(fd_file "$tab" "$fd")")
		case " $line " in *" $want "*) ;; *) bad="$bad $p/$fd:[$line]!=[$want]" ;; esac
		[ "$(fd_cloexec "$tab" "$fd")" = "$cloexec" ] || bad="$bad $p/$fd:cloexec"
	done
done
check_eq "files: every descriptor's flags, offset and close-on-exec are fdinfo's" "" "$bad"
check_eq "files: close-on-exec of the reopen" 1 "$(fd_cloexec "$ptab" "$ro")"
check_eq "files: dup'ed descriptors share one open file" "$(fd_file "$ptab" "$rw")" "$(fd_file "$ptab" 50)"
bad=""
for fd in "$rw" "$ro" "$lg" "$pr" "$pw" 50; do
	[ "$(fd_file "$ptab" "$fd")" = "$(fd_file "$ctab" "$fd")" ] || bad="$bad $fd"
done
check_eq "files: after fork the child's descriptors name the parent's open files" "" "$bad"
check_eq "files: the reopened file is a description of its own" 1 \
	"$( [ "$(fd_file "$ptab" "$rw")" != "$(fd_file "$ptab" "$ro")" ] && echo 1)"

# --- fs ----------------------------------------------------------------------
fsref=$(task_field "$fw_pid" fs)
check_grep "fs: umask 027, root and cwd as /proc" \
	"^fs ref=$fsref umask=0027 root=$(readlink /proc/"$fw_pid"/root) pwd=$(readlink /proc/"$fw_pid"/cwd)\$" "$facts"

# --- signals -------------------------------------------------------------------
status=/proc/$fw_pid/status
hex() { printf '%#x' "0x$(sed -n "s/^$1:[[:space:]]*//p" "$status")"; }
sh=$(task_field "$fw_pid" sighand)
check_grep "signals: ignored and caught signals are SigIgn and SigCgt, every handler known" \
	"^sighand ref=$sh ign=$(hex SigIgn) cgt=$(hex SigCgt) other=0\$" "$facts"
check_grep "signals: RLIMIT_NOFILE 200/300" "^signal ref=$(task_field "$fw_pid" signal) nofile=200,300\$" "$facts"
check_eq "signals: blocked mask is SigBlk" "$(hex SigBlk)" "$(task_field "$fw_pid" blocked)"
rt2=$(( $(kill -l SIGRTMIN) + 2 ))
check_grep "signals: the shared queue holds SIGRTMIN+2 queued with 4242" \
	"^sigpending shared signal=$(hex ShdPnd) nr=1 queued=$rt2:-1:4242\$" "$facts"
check_grep "signals: the private queue holds the raised SIGUSR1 (SI_TKILL)" \
	"^sigpending task signal=$(hex SigPnd) nr=1 queued=10:-6:0\$" "$facts"
check_eq "signals: two thread groups, two SIGNAL and two SIGHAND objects" "2 2" \
	"$(grep -c '^signal ' "$facts") $(grep -c '^sighand ' "$facts")"
check_eq "signals: still pending after ckpt" "$(hex ShdPnd) $(hex SigPnd)" \
	"0x800000000 0x200"

# --- threads share sighand and signal; fds of a threaded process ----------------
start_workload thr threads
run "$tmp/t.out" "$tmp/t.err" "$CKPT" --no-pages -o "$tmp/t.ckpt" "$thr_pid"
run "$tmp/t.facts" "$tmp/t.ferr" "$IMGFACTS" "$tmp/t.ckpt"
check_eq "threads: one table, fs, sighand and signal for all threads" 1 \
	"$(awk '$1 == "task" { print $13, $14, $15, $16 }' "$tmp/t.facts" | sort -u | wc -l)"
check_eq "threads: one FILE_TABLE record" 1 "$(grep -c '^fdtable ' "$tmp/t.facts")"
check_eq "threads: one SIGPENDING per thread plus the group's" \
	$(( $(ls /proc/"$thr_pid"/task | wc -l) + 1 )) "$(grep -c '^sigpending ' "$tmp/t.facts")"

# --- extension records: observed users, producer, digests -----------------------
# The child alone: its open files are shared with its parent, outside the image.
run "$tmp/c.out" "$tmp/c.err" "$CKPT" --no-pages -o "$tmp/c.ckpt" "$child"
"$IMGFACTS" "$tmp/c.ckpt" >"$tmp/c.facts"
"$CKPTDUMP" "$tmp/c.ckpt" >"$tmp/c.dump"
cfile() { awk -v f="fd=$1" '$1 == "fd" && $3 == f { sub("file=", "", $4); print $4 }' "$tmp/c.facts"; }
observed() { sed -n "s/.* objref=$1 objtype=[0-9]* ([A-Z_]*) observed=\([0-9]*\) method=.*/\1/p" "$tmp/c.dump"; }
check_eq "users: the dup'ed file is held by 4 descriptors system-wide, 2 in the image" "4 2" \
	"$(observed "$(cfile "$rw")") $(grep -c " file=$(cfile "$rw") " "$tmp/c.facts")"
check_eq "users: the pipe's read end: 2 observed (parent and child)" 2 "$(observed "$(cfile "$pr")")"
check_eq "users: the child's own file: 1 observed" 1 "$(observed "$(cfile 60)")"
check_eq "users: the child's table, fs, sighand, signal: 1 each" "1 1 1 1" \
	"$(for k in files fs sighand signal; do observed "$(awk -v k="$k" '$1 == "task" { for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$tmp/c.facts")"; done | tr '\n' ' ' | sed 's/ $//')"
check_grep "producer: root pid and cmdline of the root task" "root_pid +$child\$" "$tmp/c.dump"
check_grep "producer: the command line" "text +\"$CKPT_WORKLOADS/files $tmp/fw.ready $tmp/files\"" "$tmp/c.dump"

start_workload cv clonevm
cvchild=$(ready_value cv child)
run "$tmp/v.out" "$tmp/v.err" "$CKPT" --no-pages -o "$tmp/v.ckpt" "$cvchild"
"$CKPTDUMP" "$tmp/v.ckpt" >"$tmp/v.dump"
check_grep "users: a CLONE_VM mm checkpointed without its partner: observed 2" \
	"objtype=5 \(MM\) observed=2 method=2 \(kcmp\)" "$tmp/v.dump"
check_released "clonevm: runs on, untraced" "$cv_pid" "$cvchild"

run "$tmp/d.out" "$tmp/d.err" "$IMGFACTS" --digests "$tmp/f.ckpt"
check_grep "digests: every record of the image matches its digest" "^digests covered=[1-9][0-9]* bad=0\$" "$tmp/d.out"
"$CKPT" "$fw_pid" >"$tmp/s.ckpt" 2>/dev/null
run "$tmp/d.out" "$tmp/d.err" "$IMGFACTS" --digests "$tmp/s.ckpt"
check_grep "digests: written to a pipe too" "^digests covered=[1-9][0-9]* bad=0\$" "$tmp/d.out"
"$CKPTDUMP" "$tmp/f.ckpt" >"$tmp/f.dump"
check_eq "digests: each EXT_DIGEST covers 1 to 1024 records" "" \
	"$(awk '$1 == "count" && ($2 < 1 || $2 > 1024)' "$tmp/f.dump")"
check_eq "digests: the record before TAIL is an EXT_DIGEST" EXT_DIGEST \
	"$(grep '^\[[0-9]*\] ' "$tmp/f.dump" | tail -2 | head -1 | awk '{ print $2 }')"
# One flipped bit inside a page run's data: located to that record.
read -r idx off len < <("$CKPTDUMP" "$tmp/f.ckpt" | sed -n 's/^\[\([0-9]*\)\] BUFFER pages .* @\([0-9]*\) .* len \([0-9]*\)$/\1 \2 \3/p' | sed -n 3p)
cp "$tmp/f.ckpt" "$tmp/flip.ckpt"
at=$(( off + len / 2 ))
byte=$(od -An -tu1 -j "$at" -N1 "$tmp/flip.ckpt" | tr -d ' ')
printf "\\$(printf %o $(( byte ^ 16 )))" | dd of="$tmp/flip.ckpt" bs=1 seek="$at" conv=notrunc 2>/dev/null
run "$tmp/d.out" "$tmp/d.err" "$IMGFACTS" --digests "$tmp/flip.ckpt"
check_eq "digests: a flipped bit in page data is located to its record" \
	"digest mismatch record=$idx type=BUFFER|digests covered=$(sed -n 's/^digests covered=\([0-9]*\).*/\1/p' "$tmp/d.out") bad=1" \
	"$(tr '\n' '|' <"$tmp/d.out" | sed 's/|$//')"

check_released "files: both run on, untraced" "$fw_pid" "$child"
check_released "threads: run on, untraced" "$thr_pid"
done_testing
