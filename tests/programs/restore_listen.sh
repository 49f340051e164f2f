#!/bin/bash
# Listening sockets (EXT_SOCKET_LISTEN): a server listening on a Unix path,
# a TCP port, an abstract Unix name (seqpacket) and a TCP6 port is
# checkpointed, killed and restored, and answers again
# with its count going on from the image's; what cannot listen again
# (connections waiting, an address in use now, a file that is not a socket
# at the path) is refused by ckptcheck and ckptrestore alike, before any
# task is made.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "ckptrestore needs root (clone3 with a chosen pid, PR_SET_MM)"
require_ptrace

listener=$CKPT_WORKLOADS/listener

# ask unix PATH | tcp PORT: the server's answer, one line.
ask() {
	timeout 5 "$listener" --connect "$1" "$2" 2>/dev/null | tr -d '\n'
}

# listen_facts IMAGE: one line per EXT_SOCKET_LISTEN record, "family type
# protocol valid backlog pending options path_mode".
listen_facts() {
	"$CKPTDUMP" "$1" | awk '
		/^\[[0-9]*\] / { if (p) print line; p = ($2 == "EXT_SOCKET_LISTEN"); line = ""; next }
		p && $1 ~ /^(family|sock_type|protocol|valid|backlog|pending|options|path_mode)$/ {
			v = $2; if ($3 != "") v = v $3; line = line (line == "" ? "" : " ") v }
		END { if (p) print line }'
}

# tcp_fd PID PORT: the descriptor of PID listening on PORT.
tcp_fd() {
	ss -Hltnp "sport = :$2" 2>/dev/null | sed -n "s/.*pid=$1,fd=\([0-9]*\).*/\1/p" | head -1
}

# restore IMAGE: ckptrestore -d; rc; a pid another process took is a skip.
taken=""
restore() {
	run "$tmp/o" "$tmp/restore.err" "$CKPTRESTORE" -d "$1"
	taken=""
	grep -q "pid [0-9]* is taken on this system" "$tmp/restore.err" && taken=yes
	return 0
}

mkdir -p "$tmp/srv" "$tmp/wait"
start_workload srv listener "$tmp/srv"
pid=$srv_pid
port=$(ready_value srv tcp)
path=$(ready_value srv unix)
abstract=$(ready_value srv abstract)
port6=$(ready_value srv tcp6)
# ask_all: the answers on the Unix path, the TCP port, the abstract name,
# the TCP6 port, in turn.
ask_all() {
	echo "$(ask unix "$path") $(ask tcp "$port") $(ask abstract "$abstract") $(ask tcp6 "$port6")"
}
# The workload itself, not what is tested: a failure here only.
before=$(ask_all)
[ "$before" = "1 2 3 4" ] || fail "server: answers 1, 2, 3, 4 on its four sockets in turn" "answers: '$before'"
owner=$(stat -c '%a %u %g' "$path")

run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/srv.ckpt" "$pid"
listen_facts "$tmp/srv.ckpt" >"$tmp/srv.facts"
check_eq "ckpt, ckptdump: one EXT_SOCKET_LISTEN record per listening socket" "0 4" "$rc $(wc -l <"$tmp/srv.facts")"
check_eq "the Unix one: stream, every fact read, backlog 7, none waiting, its file 0640" \
	"1 1 0 0x0000000f(ADDR|OPTIONS|QUEUE|PATH) 7 0 0x00000000 0140640" "$(sed -n 1p "$tmp/srv.facts")"
check_eq "the TCP one: TCP, backlog 9, none waiting, SO_REUSEADDR" \
	"2 1 6 0x00000007(ADDR|OPTIONS|QUEUE) 9 0 0x00000001(SO_REUSEADDR) 0000" "$(sed -n 2p "$tmp/srv.facts")"
check_eq "the abstract one: seqpacket, backlog 3, no file" \
	"1 5 0 0x00000007(ADDR|OPTIONS|QUEUE) 3 0 0x00000000 0000" "$(sed -n 3p "$tmp/srv.facts")"
check_eq "the TCP6 one: backlog 4, SO_REUSEADDR and IPV6_V6ONLY" \
	"10 1 6 0x00000007(ADDR|OPTIONS|QUEUE) 4 0 0x00000005(SO_REUSEADDR|IPV6_V6ONLY) 0000" "$(sed -n 4p "$tmp/srv.facts")"
tfd=$(tcp_fd "$pid" "$port")
tflags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$pid/fdinfo/$tfd" 2>/dev/null)

# The server still runs: both addresses are in use.
run "$tmp/o" "$tmp/check.err" "$CKPTCHECK" "$tmp/srv.ckpt"
check_grep "server running: its Unix path is in use (restore-listen-socket)" \
	"^error restore-listen-socket .*listens on .*/srv/sock, which is not restored: it is in use" "$tmp/o"
check_grep "server running: its TCP port is in use (restore-listen-socket)" \
	"^error restore-listen-socket .*listens on 127.0.0.1:$port, which is not restored: it is in use" "$tmp/o"
check_grep "server running: its abstract name is in use (restore-listen-socket)" \
	"^error restore-listen-socket .*listens on @$abstract, which is not restored: it is in use" "$tmp/o"
check_grep "server running: its TCP6 port is in use (restore-listen-socket)" \
	"^error restore-listen-socket .*listens on \\[::1\\]:$port6, which is not restored: it is in use" "$tmp/o"

killed "$pid"
stale=$(stat -c %z "$path" 2>/dev/null)
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/srv.ckpt"
check_eq "killed: ckptcheck says go, the socket file it left there stale" "0 socket" \
	"$rc $(stat -c %F "$path" 2>/dev/null | cut -d' ' -f1)"
restore "$tmp/srv.ckpt"
if [ -n "$taken" ]; then
	pass "restore # SKIP $(grep -o 'pid [0-9]* is taken' "$tmp/restore.err" | head -1) by another process"
	done_testing
	exit
fi
check_eq "ckptrestore: exit 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/restore.err"
workload_pids="$workload_pids $pid"
check_released "restored: running, untraced" "$pid"
check_eq "restored: the count goes on from the image's, on each of the four in turn" "5 6 7 8" "$(ask_all)"
new=$(stat -c %z "$path" 2>/dev/null)
[ -n "$new" ] && [ "$new" != "$stale" ] && new=new
check_eq "restored: a new socket file in place of the stale one, its mode and owner again" "$owner new" \
	"$(stat -c '%a %u %g' "$path" 2>/dev/null) $new"
check_eq "restored: the TCP listener at its number, non-blocking as before" "$tfd $tflags" \
	"$(tcp_fd "$pid" "$port") $(sed -n 's/^flags:[[:space:]]*//p' "/proc/$pid/fdinfo/$tfd" 2>/dev/null)"
# The workload's own setting, not what is tested: a failure here only.
[ $((0$tflags & 04000)) != 0 ] || fail "the TCP listener was non-blocking" "flags: '$tflags'"

# Round trip: the same sockets, options and addresses.
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/srv.2.ckpt" "$pid"
run "$tmp/d" "$tmp/e" "$CKPTDIFF" --ignore \
	'header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,pages,ext_peers.ino,ext_peers.peer_ino,ext_peers.scanned,file.path' \
	"$tmp/srv.ckpt" "$tmp/srv.2.ckpt"
check_eq "round trip: ckpt of the restored server, ckptdiff: same" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
check_eq "round trip: the same four EXT_SOCKET_LISTEN records" "4 $(tr '\n' ';' <"$tmp/srv.facts")" \
	"$(listen_facts "$tmp/srv.2.ckpt" | wc -l) $(listen_facts "$tmp/srv.2.ckpt" | tr '\n' ';')"
killed "$pid"

# Another socket holds the TCP port now: refused, nothing made.
"$listener" --hold "$port" </dev/null >/dev/null 2>&1 &
holder=$!
disown "$holder"
workload_pids="$workload_pids $holder"
for _ in $(seq 100); do
	[ -n "$(tcp_fd "$holder" "$port")" ] && break
	sleep 0.05
done
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/srv.ckpt"
check_eq "port taken: ckptcheck says no-go, naming the address and the rule" "1 1" "$rc $(grep -c \
	"^error restore-listen-socket .*listens on 127.0.0.1:$port, which is not restored: it is in use on this host now" "$tmp/o")"
restore "$tmp/srv.ckpt"
check_eq "port taken: ckptrestore refuses naming the rule, no task made" "1 1 " "$rc $(grep -c \
	"cannot restore: .*127.0.0.1:$port.*[(]restore-listen-socket[)]$" "$tmp/restore.err") $(ls -d /proc/"$pid" 2>/dev/null)"
killed "$holder"

# A file that is not a socket at the path: refused, and left alone.
rm -f "$path"
echo mine >"$path"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/srv.ckpt"
check_grep "a plain file at the path: ckptcheck refuses" \
	"^error restore-listen-socket .*/srv/sock, which is not restored: a file that is not a socket is at its path" "$tmp/o"
restore "$tmp/srv.ckpt"
check_eq "a plain file at the path: ckptrestore refuses naming the rule, no task made, the file left alone" \
	"1 1 mine" "$rc $(grep -c 'not a socket is at its path [(]restore-listen-socket[)]$' "$tmp/restore.err") $(ls -d \
	/proc/"$pid" 2>/dev/null)$(cat "$path" 2>/dev/null)"

# Nothing at the path: made there again.
rm -f "$path"
restore "$tmp/srv.ckpt"
if [ -n "$taken" ]; then
	pass "nothing at the path # SKIP the pid is taken by another process"
else
	check_eq "nothing at the path: restored" 0 "$rc"
	[ "$rc" = 0 ] && workload_pids="$workload_pids $pid"
	check_eq "nothing at the path: a socket again, the count from the image's" "socket 5" \
		"$(stat -c %F "$path" 2>/dev/null | cut -d' ' -f1) $(ask unix "$path")"
	killed "$pid"
fi

# Facts ckpt could not read, and a Unix socket bound to a relative path
# (an image edited so): refused, not guessed.
if command -v python3 >/dev/null; then
	"$CKPTDUMP" --json --pages "$tmp/srv.ckpt" >"$tmp/edit.json"
	python3 - "$tmp/edit.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = [r["fields"] for r in d["records"] if r["type"] == "EXT_SOCKET_LISTEN"]
l[0]["addr"] = ("0100" + b"sock".hex() + "00").ljust(len(l[0]["addr"]), "0")
l[0]["addr_len"] = 7
l[1]["valid"] = ["ADDR", "OPTIONS"]
json.dump(d, open(sys.argv[1], "w"))
PY
	"$CKPTENCODE" -o "$tmp/edit.raw" "$tmp/edit.json" && "$REDIGEST" recompute "$tmp/edit.raw" "$tmp/edit.ckpt"
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/edit.ckpt"
	check_eq "edited: ckptcheck refuses a relative path and a socket without its queue facts" "1 1 1" "$rc $(grep -c \
		'^error restore-listen-socket .*listens on sock, which is not restored: it is bound to a relative path' \
		"$tmp/o") $(grep -c "^error restore-listen-socket .*listens on 127.0.0.1:$port, which is not restored: ckpt could \
not read its backlog and waiting connections" "$tmp/o")"
	restore "$tmp/edit.ckpt"
	check_eq "edited: ckptrestore refuses both, naming the rule, no task made" "1 2 " "$rc $(grep -c \
		'[(]restore-listen-socket[)]$' "$tmp/restore.err") $(ls -d /proc/"$pid" 2>/dev/null)"
else
	pass "edited images # SKIP python3 is not installed"
fi

# A prefork server: the child serves on the sockets it shares with its
# parent (one open file description each): made once, taken by both.
mkdir -p "$tmp/fork"
start_workload fork listener "$tmp/fork" fork
fpid=$fork_pid
fchild=$(ready_value fork child)
path=$(ready_value fork unix) port=$(ready_value fork tcp)
abstract=$(ready_value fork abstract) port6=$(ready_value fork tcp6)
before=$(ask_all)
[ "$before" = "1 2 3 4" ] || fail "prefork: the child answers 1, 2, 3, 4" "answers: '$before'"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/fork.ckpt" "$fpid"
killed "$fchild"
killed "$fpid"
restore "$tmp/fork.ckpt"
if [ -n "$taken" ]; then
	pass "prefork # SKIP a pid is taken by another process"
else
	workload_pids="$workload_pids $fpid $fchild"
	check_eq "prefork: restored, the child's count goes on" "0 5 6 7 8" "$rc $(ask_all)"
	check_eq "prefork: parent and child hold one TCP listener again" "$(readlink "/proc/$fpid/fd/5" 2>/dev/null) socket" \
		"$(readlink "/proc/$fchild/fd/5" 2>/dev/null) $(readlink "/proc/$fchild/fd/5" 2>/dev/null | cut -d: -f1)"
	killed "$fchild"
	killed "$fpid"
fi

# Connections waiting to be accepted: a restore would lose them.
start_workload wait listener "$tmp/wait" waiting
wpid=$wait_pid
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/wait.ckpt" "$wpid"
check_eq "waiting: ckpt, one connection waits on each of the first two sockets (pending)" "0 1/1/0/0" \
	"$rc $(listen_facts "$tmp/wait.ckpt" | awk '{ print $6 }' | paste -sd/ -)"
killed "$wpid"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/wait.ckpt"
check_eq "waiting: ckptcheck says no-go, both sockets named, the connections counted" "1 2" "$rc $(grep -c \
	'^error restore-listen-socket .*which is not restored: 1 connection(s) wait to be accepted' "$tmp/o")"
restore "$tmp/wait.ckpt"
check_eq "waiting: ckptrestore refuses naming the rule for both, no task made" "1 2 " "$rc $(grep -c \
	'wait to be accepted, which a restore would lose [(]restore-listen-socket[)]$' "$tmp/restore.err") $(ls -d \
	/proc/"$wpid" 2>/dev/null)"

done_testing
