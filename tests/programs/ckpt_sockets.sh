#!/bin/bash
# Unix socket queues (sockets.c): a datagram and a seqpacket socketpair
# keep every queued message, in order and with its length, in
# EXT_SOCKET_MSG records; the workload still reads all of them after ckpt
# and finds SO_PEEK_OFF as it was.  Socketpairs held inside the tree
# (both ends in one process, or parent and child) are no file-peer-outside
# finding; one end held outside is.  Descriptors in flight (SCM_RIGHTS)
# are counted, and ckptcheck's restore-fd-in-flight refuses them.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to read the JSON"
require_ptrace

start_workload sq sockq
child=$(ready_value sq child)
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/s.ckpt" "$sq_pid"
check_eq "sockq: ckpt exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
"$CKPTDUMP" --json "$tmp/s.ckpt" >"$tmp/s.json"

# queue FD: "type nr_msgs nr_fds flags | len:first-byte ..." of descriptor
# FD's socket in the parent's table (the first FILE_DESC with that number).
queue() {
	python3 - "$tmp/s.json" "$1" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))["records"]
fd = int(sys.argv[2])
ref = [r["fields"]["fd_objref"] for r in recs if r["type"] == "FILE_DESC" and r["fields"]["fd_descriptor"] == fd][0]
out, msgs = "none", []
for i, r in enumerate(recs):
    f = r.get("fields", {})
    if r["type"] == "EXT_SOCKET_MSGS" and f["file_objref"] == ref:
        out = "%s %s %s %s" % (f["sock_type"], f["nr_msgs"], f["nr_fds"], f["flags"])
    if r["type"] == "EXT_SOCKET_MSG" and f["file_objref"] == ref:
        b = recs[i + 1]["fields"]["bytes"] if f["nr_bytes"] else ""
        same = b == b[:2] * (len(b) // 2)
        msgs.append("%d:%s%s%s" % (f["nr_bytes"], b[:2], "" if same else "!", "" if len(b) == 2 * f["nr_bytes"] else "?"))
print(out, "|", " ".join(msgs))
PY
}
check_eq "dgram: the receiving end holds its 8 messages, in order, each whole" \
	"2 8 0 0x00000000 | 5:61 1:62 300:63 4096:64 70000:65 12:66 999:67 2:68" "$(queue "$(ready_value sq dgram_r)")"
check_eq "dgram: the sending end's queue is empty" "2 0 0 0x00000000 | " "$(queue "$(ready_value sq dgram_w)")"
check_eq "seqpacket: the receiving end holds its 4 records" \
	"5 4 0 0x00000000 | 3:61 100:62 7:63 2000:64" "$(queue "$(ready_value sq seqp_r)")"
check_eq "stream: no EXT_SOCKET_MSGS without descriptors in flight" "none | " "$(queue "$(ready_value sq stream_b)")"
# Over --file-data-limit (the 70000-byte datagram): ckpt fails naming the
# socket, and puts SO_PEEK_OFF back on that path too (checked below).
run "$tmp/o" "$tmp/e" "$CKPT" --file-data-limit 64K -o "$tmp/l.ckpt" "$sq_pid"
check_eq "limit: a queue over --file-data-limit fails the checkpoint (exit 2)" 2 "$rc"
check_grep "limit: the error names the socket and the limit" \
	"pid $sq_pid: socket descriptor $(ready_value sq dgram_r): more than --file-data-limit 65536 bytes queued" "$tmp/e"
check_eq "limit: no image" "" "$(ls "$tmp/l.ckpt" 2>/dev/null)"

kill -USR1 "$sq_pid"
for i in $(seq 100); do grep -q '^done=1' "$tmp/sq.ready.after" 2>/dev/null && break; sleep 0.05; done
check_eq "after both ckpt runs, the workload reads every message and byte, and SO_PEEK_OFF is back at -1" \
	"dgram_peek_off=-1 dgram=5,1,300,4096,70000,12,999,2 seqp_peek_off=-1 seqp=3,100,7,2000 stream_peek_off=-1 stream=6 done=1" \
	"$(tr '\n' ' ' <"$tmp/sq.ready.after" | sed 's/ $//')"

# --- peers: socketpairs inside the tree, and one end given away ----------------
run "$tmp/c.out" "$tmp/c.err" "$CKPTCHECK" --rule file-peer-outside "$tmp/s.ckpt"
check_eq "peers: both ends in one process, or parent and child: no file-peer-outside" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/c.out"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/child.ckpt" "$child"
check_eq "peers: ckpt of the child alone" 0 "$rc"
run "$tmp/c.out" "$tmp/c.err" "$CKPTCHECK" --rule file-peer-outside "$tmp/child.ckpt"
check_grep "peers: its socketpair end, whose peer the parent holds outside, is an error" \
	"^error file-peer-outside .*task $child \\(sockq\\) fd $(ready_value sq child_end): socket:" "$tmp/c.out"
check_released "sockq runs on, untraced" "$sq_pid" "$child"

# --- descriptors in flight ---------------------------------------------------------
start_workload fl sockq inflight
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/f.ckpt" "$fl_pid"
check_eq "inflight: ckpt exit status 0 (a stream peek stops after the bytes carrying descriptors)" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
"$CKPTDUMP" --json "$tmp/f.ckpt" >"$tmp/s.json"
check_eq "inflight: the datagram carries 2 descriptors" "2 1 2 0x00000000 | 3:66!" \
	"$(queue "$(ready_value fl flight_r)")"
check_eq "named dgram: the message from a named sender, with its address (abstract: a NUL, then the name)" \
	"$(ready_value fl sender_len) 010000$(printf 'sockq-tx-%d' "$fl_pid" | od -An -tx1 | tr -d ' \n')" \
	"$(python3 -c 'import json, sys
recs = json.load(open(sys.argv[1]))["records"]
ref = [r["fields"]["fd_objref"] for r in recs if r["type"] == "FILE_DESC" and r["fields"]["fd_descriptor"] == int(sys.argv[2])][0]
m = [r["fields"] for r in recs if r["type"] == "EXT_SOCKET_MSG" and r["fields"]["file_objref"] == ref][0]
print(m["addr_len"], m["addr"][:2 * m["addr_len"]])' "$tmp/s.json" "$(ready_value fl named)")"

check_eq "inflight: one of them is a socket" 1 \
	"$(python3 -c 'import json, sys; print([r["fields"]["nr_socket_fds"] for r in json.load(open(sys.argv[1]))["records"] if r["type"] == "EXT_SOCKET_MSG" and r["fields"]["nr_fds"]][0])' "$tmp/s.json")"
check_eq "inflight: the stream queue keeps its 6 bytes and counts 1 descriptor" "1 0 1 0x00000000 | " \
	"$(queue "$(ready_value fl flight_stream)")"
check_eq "inflight: the stream's bytes are all there, in one BUFFER" "6 787879797a7a" \
	"$(python3 -c 'import json, sys
recs = json.load(open(sys.argv[1]))["records"]
ref = [r["fields"]["fd_objref"] for r in recs if r["type"] == "FILE_DESC" and r["fields"]["fd_descriptor"] == int(sys.argv[2])][0]
i = [i for i, r in enumerate(recs) if r["type"] == "EXT_SOCKET_QUEUE" and r["fields"]["file_objref"] == ref][0]
print(recs[i]["fields"]["nr_bytes"], recs[i + 1]["fields"]["bytes"])' "$tmp/s.json" "$(ready_value fl flight_stream)")"
check_eq "zero-length: a zero-length first datagram, the one after it, and the INCOMPLETE flag" \
	"2 2 0 0x00000001 | 0: 5:61!" "$(queue "$(ready_value fl zero_r)")"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/f2.ckpt" "$fl_pid"
"$CKPTDUMP" --json "$tmp/f2.ckpt" >"$tmp/s.json"
check_eq "zero-length: a second ckpt still sees both (the head is peeked with no offset)" \
	"2 2 0 0x00000001 | 0: 5:61!" "$(queue "$(ready_value fl zero_r)")"
"$CKPTDUMP" --json "$tmp/f.ckpt" >"$tmp/s.json"
run "$tmp/c.out" "$tmp/c.err" "$CKPTCHECK" "$tmp/f.ckpt"
check_grep "inflight: ckptcheck restore-fd-in-flight names the socket and the count" \
	"^error restore-fd-in-flight .*task $fl_pid \\(sockq\\): descriptor $(ready_value fl flight_r) \\(socket:\\[[0-9]+\\]\\) has 2 descriptor\\(s\\) in flight" \
	"$tmp/c.out"
run "$tmp/c.out" "$tmp/c.err" "$CKPTCHECK" --rule restore-fd-in-flight "$tmp/s.ckpt"
check_eq "inflight: the image without descriptors in flight has no such finding" 0 "$rc"

# --- socket-msgs: the records of a queue must add up --------------------------------
"$CKPTDUMP" --json --pages "$tmp/f.ckpt" >"$tmp/p.json"
# edit NAME PYTHON: f.ckpt with records edited by PYTHON (recs), re-encoded
edit() {
	python3 - "$tmp/p.json" "$tmp/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["records"]
msgs = [r for r in recs if r["type"] == "EXT_SOCKET_MSGS" and r["fields"]["nr_msgs"] == 8][0]
msg = [r for r in recs if r["type"] == "EXT_SOCKET_MSG" and r["fields"]["index"] == 3][0]
fds = [r for r in recs if r["type"] == "EXT_SOCKET_MSGS" and r["fields"]["sock_type"] == 2 and r["fields"]["nr_fds"]][0]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
	"$CKPTENCODE" "$tmp/$1.json" >"$tmp/$1.ckpt" 2>"$tmp/$1.err" || sed 's/^/# /' "$tmp/$1.err"
	run "$tmp/$1.out" "$tmp/e" "$CKPTCHECK" --rule socket-msgs "$tmp/$1.ckpt"
}
run "$tmp/c.out" "$tmp/c.err" "$CKPTCHECK" --rule socket-msgs "$tmp/f.ckpt"
check_eq "socket-msgs: the image ckpt wrote adds up" 0 "$rc"
edit count 'msgs["fields"]["nr_msgs"] = 7'
check_grep "socket-msgs: one message more than nr_msgs says" \
	"^error socket-msgs .*EXT_SOCKET_MSG\).*message 7 of file objref [0-9]+ is not the next one" "$tmp/count.out"
edit order 'msg["fields"]["index"] = 4'
check_grep "socket-msgs: a message out of order" "^error socket-msgs .*message 4 of file objref" "$tmp/order.out"
edit fds 'fds["fields"]["nr_fds"] = 3'
check_grep "socket-msgs: descriptors that do not add up" \
	"^error socket-msgs .*1 message\(s\) with 2 descriptor\(s\) follow, it says 1 with 3" "$tmp/fds.out"
check_released "sockq inflight runs on, untraced" "$fl_pid"
done_testing
