#!/bin/bash
# The gate's corpus: real images of the workloads and edited ones, each
# with the verdict ckptcheck must give, with the extension records ckpt
# writes and without any (as a producer without them would write).  Real
# images of ordinary processes pass, --strict included; an inherited file
# shared with the parent shell is an info line; a pipe whose reader runs
# outside (app | logger) is no-go until declared with --external.  The
# restore family (what ckptrestore rebuilds today) has its own corpus and
# is skipped here, so that this table says what the image itself is.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace
have_python=yes
command -v python3 >/dev/null || have_python=no
restore=$("$CKPTCHECK" --list-rules | grep -Eo '^restore-[a-z-]+' | paste -sd, -)
skip=${restore:+--skip $restore}

# verdict IMAGE [OPTIONS...]: go, no-go or trouble; findings in $tmp/o
verdict() {
	local img=$1
	shift
	# shellcheck disable=SC2086
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" $skip "$@" "$img"
	case $rc in 0) echo go ;; 1) echo no-go ;; *) echo "trouble($rc): $(head -1 "$tmp/e")" ;; esac
}

# form IMAGE ext|plain: the image as ckpt wrote it, or without any
# extension record
form() {
	if [ "$2" = plain ]; then
		"$REDIGEST" plain "$1" "$1.plain" && echo "$1.plain"
	else
		echo "$1"
	fi
}

# -- real images -----------------------------------------------------------
mkdir -p "$tmp/fdir"
# An ordinary process of a shell: its stdout a file the shell holds too.
exec 5>"$tmp/shell.log"
rm -f "$tmp/sh.ready"
setsid "$CKPT_WORKLOADS/threads" "$tmp/sh.ready" </dev/null >&5 2>&5 &
disown $! 2>/dev/null
# app | logger: the reader of its stdout runs outside the tree.
rm -f "$tmp/pipe.ready"
{ setsid "$CKPT_WORKLOADS/threads" "$tmp/pipe.ready" </dev/null 2>/dev/null | cat >/dev/null; } &
disown $! 2>/dev/null
for w in sh pipe; do
	for i in $(seq 200); do
		grep -q '^ready=1' "$tmp/$w.ready" 2>/dev/null && break
		sleep 0.05
	done
	p=$(sed -n 's/^pid=//p' "$tmp/$w.ready" 2>/dev/null)
	[ -n "$p" ] || { fail "workload $w started"; done_testing; exit 1; }
	workload_pids="$workload_pids $p"
	eval "${w}_pid=$p"
done
exec 5>&-

images="threads forktree clonevm utsns pattern creds files mutate zombieleader"
for w in $images; do
	case $w in files) start_workload "$w" "$w" "$tmp/fdir" ;; *) start_workload "$w" "$w" ;; esac
done
for w in $images sh pipe; do
	eval "p=\$${w}_pid"
	"$CKPT" -q -o "$tmp/$w.ckpt" "$p" 2>"$tmp/$w.err" || fail "$w: ckpt" "$(cat "$tmp/$w.err")"
done

# IMAGE FORM EXPECTED [RULE SEVERITY] [OPTIONS...]
corpus="
threads ext go
threads plain go
forktree ext go
forktree plain go
clonevm ext go
clonevm plain go
utsns ext go
utsns plain go
pattern ext go
pattern plain go
creds ext go
creds plain go
files ext go
files plain go
mutate ext go
mutate plain go
zombieleader ext go
zombieleader plain go
sh ext go file-reopen info
sh plain go
pipe ext no-go file-peer-outside error
pipe plain go file-peer-unknown warning
"
while read -r img f want rule sev; do
	[ -n "$img" ] || continue
	v=$(verdict "$(form "$tmp/$img.ckpt" "$f")")
	check_eq "$img ($f): $want" "$want" "$v"
	[ -z "$rule" ] || check_grep "... $sev $rule" "^$sev $rule " "$tmp/o"
	# An ordinary image passes --strict too (shared namespaces are info).
	if [ "$want" = go ] && [ "$f" = ext ] && [ -z "$rule" -o "$sev" = info ]; then
		check_eq "... and with --strict" go "$(verdict "$tmp/$img.ckpt" --strict)"
	fi
done <<<"$corpus"

verdict "$tmp/sh.ckpt" >/dev/null
check_grep "sh: the shared stdout is named by task, fd and path" \
	"^info file-reopen .*task $sh_pid \\(threads\\) fd 1: $tmp/shell.log is also open outside" "$tmp/o"
verdict "$tmp/pipe.ckpt" >/dev/null
check_grep "pipe: the finding names task, fd and pipe, and says how to declare it" \
	"^error file-peer-outside .*task $pipe_pid \\(threads\\) fd 1: pipe:\\[[0-9]+\\] \\(pipe\\): 1 descriptor\\(s\\) outside the image read from it; declare it with --external fd:$pipe_pid:1" "$tmp/o"
check_eq "pipe: declared with --external fd:$pipe_pid:1: go" go \
	"$(verdict "$tmp/pipe.ckpt" --external "fd:$pipe_pid:1")"
check_grep "... an info line" '^info file-peer-outside .*declared external' "$tmp/o"
check_eq "... and go with --strict" go "$(verdict "$tmp/pipe.ckpt" --strict --external "fd:$pipe_pid:1")"
"$CKPTDUMP" -t EXT_PEERS "$tmp/pipe.ckpt" >"$tmp/peers.txt"
check_grep "pipe: ckpt recorded the outside reader (EXT_PEERS)" '^    outside_readers +1$' "$tmp/peers.txt"

# -- edited images: the same real image, made wrong ------------------------
if [ $have_python = yes ]; then
	"$CKPTDUMP" --json --pages "$tmp/threads.ckpt" >"$tmp/threads.json"
	# EDIT RULE: no-go in both forms, digests recomputed over the edit
	edits="
no-mm task-refs
no-ecred task-refs
userns-self userns-cycle
brk-below mm-brk
stack-outside mm-stack
no-exe mm-exe
ip-outside cpu-ip
sp-outside cpu-sp
euid-minus-one cred-ids
path-nul path-nul
exit-signal signal-range
"
	while read -r e rule; do
		[ -n "$e" ] || continue
		python3 "$top_srcdir/tests/tools/imgedit.py" "$e" <"$tmp/threads.json" >"$tmp/x.json" &&
			"$CKPTENCODE" -o "$tmp/x.ckpt" "$tmp/x.json" 2>"$tmp/x.err" ||
			{ fail "$e: encodes" "$(cat "$tmp/x.err")"; continue; }
		"$REDIGEST" recompute "$tmp/x.ckpt" "$tmp/$e.ckpt"
		for f in ext plain; do
			check_eq "threads, $e ($f): no-go" no-go "$(verdict "$(form "$tmp/$e.ckpt" "$f")")"
			check_grep "... error $rule" "^error $rule " "$tmp/o"
		done
	done <<<"$edits"
fi

check_released "every workload runs on untraced" $workload_pids
done_testing
