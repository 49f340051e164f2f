#!/bin/bash
# Each restorable rule (ckptcheck's restore-* family, what ckptrestore
# cannot rebuild) on an image of the counter with one fact changed through
# ckptdump --json and ckptencode: ckptcheck names the rule and says no-go,
# ckptrestore refuses with the same rule, and the unchanged image passes.
# Rules that real workloads trigger are also checked in restore_corpus.sh.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to edit the JSON"
require_ptrace

start_workload c counter "$tmp/c.out"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/c.ckpt" "$c_pid"
check_eq "counter: ckpt" 0 "$rc"
kill -KILL "$c_pid"
"$CKPTDUMP" --json --pages "$tmp/c.ckpt" >"$tmp/c.json"

# edit NAME PYTHON: the image with records edited by PYTHON (recs: the
# record list; rec(type): the first record of a type), re-encoded.
edit() { edit_image "${src:-$tmp/c.json}" "$1" "$2"; }

# expect RULE NAME: the edited image is refused for RULE by both.
expect() {
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/$2.ckpt"
	check_grep "$1: ckptcheck names it" "^error $1 " "$tmp/o"
	run "$tmp/o" "$tmp/e" "$CKPTRESTORE" --dry-run "$tmp/$2.ckpt"
	check_eq "$1: ckptrestore refuses (exit 1)" 1 "$rc"
	check_grep "$1: ckptrestore names it" "cannot restore: .*[(]$1[)]\$" "$tmp/e"
}

run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/c.ckpt"
check_eq "the counter's image: go" 0 "$rc"
check_no_grep "the counter's image: no restorable finding" "restore-" "$tmp/o"

edit zombie 'rec("TASK")["fields"]["exit_state"] = ["EXIT_ZOMBIE"]'
expect restore-zombie zombie
edit cpu 'recs[:] = [r for r in recs if r["type"] != "CPU_FPU"]'
expect restore-cpu cpu
edit handler 'rec("SIGHAND")["fields"]["action"][0]["handler"] = "0xffffffffffffffff"'
expect restore-handler handler
# Armed timers are re-armed; timers ckpt could not read are refused.
edit itimer 'rec("SIGNAL")["fields"]["it_real_value"] = 5000000000'
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/itimer.ckpt"
check_no_grep "an armed ITIMER_REAL: no restorable finding" "restore-" "$tmp/o"
edit itimerunread 'rec("EXT_TASK_SECURITY")["fields"]["valid"] = "0x0000001b"'
expect restore-itimer itimerunread
edit tty 'rec("SIGNAL")["fields"]["tty_objref"] = 7'
expect restore-tty tty
edit semundo 'rec("TASK_OBJS")["fields"]["sem_undo_objref"] = 7'
expect restore-sem-undo semundo
edit vmatype 'rec("VMA", 4)["fields"]["vma_type"] = "SHM_ANON"'
expect restore-vma-type vmatype
edit vmapages 'rec("VMA", 0)["fields"]["vm_flags"].append("VM_ACCOUNT")'
expect restore-vma-pages vmapages
edit unnamed 'f = [r for r in recs if r["type"] == "FILE_NAME" and r["fields"]["text"].endswith("c.out")][0]; f["fields"]["text"] += " (deleted)"; f["length"] = 8 + len(f["fields"]["text"]) + 1'
expect restore-file-unnamed unnamed
edit filetype 'f = [r for r in recs if r["type"] == "FILE" and r["fields"]["f_pos"] != 0][-1]; f["fields"]["f_type"] = "PIPE"'
expect restore-file-type filetype
# Strict mode and filters the image holds are installed; a filter mode
# without its programs (ckpt without CAP_SYS_ADMIN) or a mode not known
# is refused.
edit strict 'rec("EXT_TASK_SECURITY")["fields"]["seccomp_mode"] = "SECCOMP_MODE_STRICT"'
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/strict.ckpt"
check_no_grep "seccomp strict mode: no restorable finding" "restore-" "$tmp/o"
edit seccomp 's = rec("EXT_TASK_SECURITY")["fields"]; s["seccomp_mode"] = "SECCOMP_MODE_FILTER"; s["seccomp_filters"] = 1; s["valid"] = "0x0000000f"'
expect restore-seccomp seccomp
edit seccompmode 'rec("EXT_TASK_SECURITY")["fields"]["seccomp_mode"] = 3'
expect restore-seccomp seccompmode

# Seccomp filters: restored; one that answers through a listener
# (SECCOMP_RET_USER_NOTIF) or filters ckpt could not read are refused.
start_workload s filtered "$tmp/s.out"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/s.ckpt" "$s_pid"
check_eq "filtered: ckpt" 0 "$rc"
kill -KILL "$s_pid"
"$CKPTDUMP" --json --pages "$tmp/s.ckpt" >"$tmp/s.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/s.ckpt"
check_eq "the filtered image (three filters): go" 0 "$rc"
src=$tmp/s.json edit usernotif 'rec("EXT_SECCOMP_FILTER", 1)["fields"]["insns"][2]["k"] = "0x7fc00000"'
expect restore-seccomp usernotif
src=$tmp/s.json edit unread 'rec("EXT_TASK_SECURITY")["fields"]["valid"] = "0x0000000f"; recs[:] = [r for r in recs if r["type"] != "EXT_SECCOMP_FILTER"]'
expect restore-seccomp unread
# A child's oldest filters are its parent's (EXT_SECCOMP_SHARED): a share
# naming no task before it is refused.
start_workload sf filtered "$tmp/sf.out" fork
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/sf.ckpt" "$sf_pid"
check_eq "filtered fork: ckpt" 0 "$rc"
kill -KILL "$(ready_value sf child)" "$sf_pid"
"$CKPTDUMP" --json --pages "$tmp/sf.ckpt" >"$tmp/sf.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/sf.ckpt"
check_eq "the filtered fork image (two filters shared): go" 0 "$rc"
src=$tmp/sf.json edit sharednone 'rec("EXT_SECCOMP_SHARED")["fields"]["same_pid"] = 4'
expect restore-seccomp sharednone

# INODE objects (memfd, unlinked file, shared anonymous memory) are
# restored, unless their contents are missing.
start_workload i inodes "$tmp/i.out"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/i.ckpt" "$i_pid"
check_eq "inodes: ckpt" 0 "$rc"
kill -KILL "$i_pid"
"$CKPTDUMP" --json --pages "$tmp/i.ckpt" >"$tmp/i.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/i.ckpt"
check_eq "the inodes image (memfd, unlinked, shared anonymous): go" 0 "$rc"
src=$tmp/i.json edit partial 'ms = [r for r in recs if r["type"] == "EXT_INODE" and r["fields"]["kind"] == "MEMFD"]; ms[0]["fields"]["flags"] = ["PARTIAL"]'
expect restore-file-unnamed partial
src=$tmp/i.json edit nocontents 'ms = [r for r in recs if r["type"] == "EXT_INODE" and r["fields"]["kind"] == "UNLINKED"]; ms[0]["fields"]["flags"] = ["NO_CONTENTS"]'
expect restore-file-unnamed nocontents
src=$tmp/i.json edit shmpartial 'ms = [r for r in recs if r["type"] == "EXT_INODE" and r["fields"]["kind"] == "SHM_ANON"]; ms[0]["fields"]["flags"] = ["PARTIAL"]'
expect restore-vma-type shmpartial

# A tree with a pipe between two of its processes: it passes; a process
# whose parent is outside the image, or a pipe end without its other end,
# does not.
start_workload t proctree "$tmp/t.out" pipe
tree_pids="$t_pid $(ready_value t child) $(ready_value t grandchild) $(ready_value t session)"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/t.ckpt" "$t_pid"
check_eq "proctree: ckpt" 0 "$rc"
kill -KILL $tree_pids
"$CKPTDUMP" --json --pages "$tmp/t.ckpt" >"$tmp/t.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/t.ckpt"
check_no_grep "proctree (pipe): no restorable finding" "restore-" "$tmp/o"
src=$tmp/t.json edit orphan 'rec("BUFFER", [i for i, r in enumerate([r for r in recs if r["type"] == "BUFFER"]) if r.get("role") == "tasks"][0])["fields"]["tasks"][2]["vppid"] = -4097'
expect restore-tree orphan
src=$tmp/t.json edit othersession 'rec("BUFFER", [i for i, r in enumerate([r for r in recs if r["type"] == "BUFFER"]) if r.get("role") == "tasks"][0])["fields"]["tasks"][2]["vsid"] = 4'
expect restore-tree othersession
src=$tmp/t.json edit lonepipe 'f = [r for r in recs if r["type"] == "FILE_NAME" and r["fields"]["text"].startswith("pipe:")][0]; f["fields"]["text"] = "pipe:[1]"; f["length"] = 8 + len(f["fields"]["text"]) + 1'
expect restore-file-type lonepipe

# Descriptors rebuilt from more than a path (a socketpair, a FIFO, eventfds,
# timerfds, a signalfd, inotify, epoll): the image passes; each without
# what its rebuild needs is refused.
mkdir -p "$tmp/k"
start_workload k fdkinds "$tmp/k.out" "$tmp/k" all
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/k.ckpt" "$k_pid"
check_eq "fdkinds: ckpt" 0 "$rc"
kill -KILL "$k_pid"
"$CKPTDUMP" --json --pages "$tmp/k.ckpt" >"$tmp/k.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/k.ckpt"
check_eq "fdkinds: go" 0 "$rc"
check_no_grep "fdkinds: no restorable finding" "restore-" "$tmp/o"
src=$tmp/k.json edit nopeer '[r for r in recs if r["type"] == "EXT_PEERS" and r["fields"]["peer_ino"]][0]["fields"]["peer_ino"] = 0'
expect restore-file-type nopeer
src=$tmp/k.json edit otherpeer '[r for r in recs if r["type"] == "EXT_PEERS" and r["fields"]["peer_ino"]][0]["fields"]["peer_ino"] = 1'
expect restore-file-type otherpeer
src=$tmp/k.json edit dgram 'rec("EXT_SOCKET_QUEUE")["fields"]["sock_type"] = 2'
expect restore-file-type dgram
src=$tmp/k.json edit noqueue 'recs[:] = [r for r in recs if r["type"] != "EXT_SOCKET_QUEUE" and r.get("role") != "data"]'
expect restore-file-type noqueue
src=$tmp/k.json edit noeventfd 'recs[:] = [r for r in recs if r["type"] != "EXT_EVENTFD"]'
expect restore-file-type noeventfd
src=$tmp/k.json edit notimerfd 'recs[:] = [r for r in recs if r["type"] != "EXT_TIMERFD"]'
expect restore-file-type notimerfd
src=$tmp/k.json edit timerclock 'rec("EXT_TIMERFD")["fields"]["clockid"] = 5'
expect restore-file-type timerclock
src=$tmp/k.json edit timerfar 'rec("EXT_TIMERFD")["fields"]["value_sec"] = 1 << 40'
expect restore-file-type timerfar
src=$tmp/k.json edit nohandle 'w = rec("EXT_INOTIFY")["fields"]["watches"][0]; w["handle_bytes"] = 0'
expect restore-file-type nohandle
src=$tmp/k.json edit nosignalfd 'recs[:] = [r for r in recs if r["type"] != "EXT_SIGNALFD"]'
expect restore-file-type nosignalfd
src=$tmp/k.json edit noinotify 'recs[:] = [r for r in recs if r["type"] != "EXT_INOTIFY"]'
expect restore-file-type noinotify
src=$tmp/k.json edit noepoll 'recs[:] = [r for r in recs if r["type"] != "EXT_EPOLL"]'
expect restore-file-type noepoll
src=$tmp/k.json edit epollmoved 'rec("EXT_EPOLL")["fields"]["items"][0]["fd"] = 0'
expect restore-file-type epollmoved
src=$tmp/k.json edit fifogone 'f = [r for r in recs if r["type"] == "FILE_NAME" and r["fields"]["text"].endswith("/fifo")][0]; f["fields"]["text"] += " (deleted)"; f["length"] = 8 + len(f["fields"]["text"]) + 1'
expect restore-file-type fifogone

# Datagram and seqpacket socketpairs with their messages: the image
# passes; a queue not read to its end, or a message with a sender address
# (not sent from again), does not.
mkdir -p "$tmp/q"
start_workload q fdkinds "$tmp/q.out" "$tmp/q" dgram
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/q.ckpt" "$q_pid"
check_eq "fdkinds dgram: ckpt" 0 "$rc"
kill -KILL "$q_pid"
"$CKPTDUMP" --json --pages "$tmp/q.ckpt" >"$tmp/q.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/q.ckpt"
check_eq "fdkinds dgram: go" 0 "$rc"
src=$tmp/q.json edit incomplete '[r for r in recs if r["type"] == "EXT_SOCKET_MSGS" and r["fields"]["nr_msgs"]][0]["fields"]["flags"] = "0x00000001"'
expect restore-file-type incomplete
src=$tmp/q.json edit named 'm = rec("EXT_SOCKET_MSG")["fields"]; m["addr_len"] = 3; m["addr"] = "010078" + "00" * 107'
expect restore-file-type named
src=$tmp/q.json edit dgramnomsgs 'recs[:] = [r for r in recs if r["type"] not in ("EXT_SOCKET_MSGS", "EXT_SOCKET_MSG") and not (r["type"] == "BUFFER" and r.get("role") == "data")]'
expect restore-file-type dgramnomsgs

done_testing
