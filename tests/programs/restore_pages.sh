#!/bin/bash
# ckptrestore's page copier (src/core/restore/pages.c): the pages of a
# private anonymous area go in by UFFDIO_COPY, and the restored process
# holds exactly the saved bytes; where the task cannot make a userfaultfd
# (a seccomp filter, tests/tools/nouffd) they go through /proc/PID/mem,
# with the same result.  Each restore is checked by a ckpt of the restored
# process: the pattern byte for byte, and the rest compared with the first
# image (its other pages aside: pause() returning EINTR to a ckpt writes
# errno into the thread's TLS page).
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "ckptrestore needs root (clone3 with a chosen pid, PR_SET_MM)"
require_ptrace

# Keys a restore changes (ckptrestore(1), ROUND TRIP).
ignore='header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,pages'

start_workload p pattern 16
addr=$(ready_value p addr)
size=$(ready_value p size)
pages=$((size / 4096))
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/p.ckpt" "$p_pid"
check_eq "pattern: ckpt exit status 0" 0 "$rc"
killed "$p_pid"

# restore_round NAME IGNORE [WRAPPER...]: restores p.ckpt (under WRAPPER),
# checks it, checkpoints the restored process to NAME.ckpt (compared with
# --ignore IGNORE) and kills it.
restore_round() {
	local name=$1 keys=$2
	shift 2
	run "$tmp/$name.o" "$tmp/$name.e" "$@" "$CKPTRESTORE" -v -d "$tmp/p.ckpt"
	check_eq "$name: restored (exit status 0)" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/$name.e" | head -5
	workload_pids="$workload_pids $p_pid"
	run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/$name.ckpt" "$p_pid"
	check_eq "$name: ckpt of the restored process" 0 "$rc"
	run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/$name.ckpt" "$addr" "$size"
	check_grep "$name: the 16 MiB pattern back, byte for byte" "^pattern ok pages=$pages$" "$tmp/facts"
	run "$tmp/d" "$tmp/de" "$CKPTDIFF" --ignore "$keys" "$tmp/p.ckpt" "$tmp/$name.ckpt"
	check_eq "$name: the same process otherwise (ckptdiff)" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -10
	check_released "$name: runs on, untraced" "$p_pid"
	killed "$p_pid"
}

restore_round uffd "$ignore"
uffd=$(sed -n 's/.* pages (\([0-9]*\) by UFFDIO_COPY).*/\1/p' "$tmp/uffd.e")
if [ ! -e /proc/sys/vm/unprivileged_userfaultfd ]; then
	# A kernel built without userfaultfd: every page goes the other way.
	pass "uffd: the pattern pages went in by UFFDIO_COPY # SKIP no userfaultfd in this kernel"
elif [ -n "$uffd" ] && [ "$uffd" -ge "$pages" ]; then
	pass "uffd: the $pages pattern pages went in by UFFDIO_COPY ($uffd)"
else
	fail "uffd: the $pages pattern pages went in by UFFDIO_COPY" "log: $(grep UFFDIO "$tmp/uffd.e")"
fi

# The restored task inherits the wrapper's filter (its only difference).
restore_round nouffd "$ignore,ext_task_security.seccomp_mode,ext_task_security.seccomp_filters,ext_seccomp_filter" \
	"$NOUFFD"
check_grep "nouffd: every page through /proc/PID/mem" " pages \(0 by UFFDIO_COPY\)" "$tmp/nouffd.e"

done_testing
