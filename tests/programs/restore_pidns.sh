#!/bin/bash
# ckptrestore --pid-ns: a workload checkpointed, killed, its pid taken by
# another process so that a plain restore fails, is restored into a new pid
# namespace where every task has its image pid (NSpid), the tree keeps its
# shape, the counter goes on, --pidfile holds the pid as seen from here,
# the status of the root comes back through the namespace's init, a round
# trip shows only documented differences, and a failure leaves nothing.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "ckptrestore needs root (clone3 with a chosen pid, CLONE_NEWPID)"
require_ptrace
[ -w /proc/sys/kernel/ns_last_pid ] || skip_all "cannot take a chosen pid (kernel.ns_last_pid)"

holders=""
cleanup_pidns() {
	for h in $holders; do kill -KILL "$h" 2>/dev/null; done
	cleanup_ckpt
}
trap cleanup_pidns EXIT

# take PID: a process of ours holds PID (so that a plain restore fails).
take() {
	local i
	for i in $(seq 30); do
		echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 300 </dev/null >/dev/null 2>&1 &
		if [ "$!" = "$1" ]; then
			holders="$holders $!"
			return 0
		fi
		kill -KILL "$!"
		wait "$!" 2>/dev/null
	done
	return 1
}

# inner PID: PID's number in its own (innermost) pid namespace.
inner() {
	awk '$1 == "NSpid:" { print $NF }' "/proc/$1/status" 2>/dev/null
}

# tree PID: PID and its descendants, depth first (pids as seen here).
tree() {
	local c
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree "$c"
	done
}

# inner_facts PID...: "pid ppid pgid sid" of each, every number the one
# its task has inside the namespace (the root's parent: X).
inner_facts() {
	local p f ip pp pg sd
	for p in "$@"; do
		f=$(sed -n 's/^[0-9]* (.*) . \([0-9]*\) \([0-9]*\) \([0-9]*\) .*/\1 \2 \3/p' "/proc/$p/stat")
		read -r pp pg sd <<<"$f"
		ip=$(inner "$p")
		[ "$p" = "$1" ] && pp=X || pp=$(inner "$pp")
		echo "$ip $pp $(inner "$pg") $(inner "$sd")"
	done | tr '\n' ';'
}

# facts PID...: the same of the live workload, numbers as they are.
facts() {
	local p
	for p in "$@"; do
		sed -n 's/^\([0-9]*\) (.*) . \([0-9]*\) \([0-9]*\) \([0-9]*\) .*/\1 \2 \3 \4/p' "/proc/$p/stat"
	done | awk 'NR == 1 { $2 = "X" } { print }' | tr '\n' ';'
}

# image_pids IMAGE: the pids the image records, each as its innermost
# number (the last of its PIDS entry: a task in a child namespace has one
# number per level, ours first).
image_pids() {
	"$CKPTDUMP" -j -t PIDS,BUFFER "$1" | jq -r '.records[] | select(.role == "pids") | .fields.pids[] | .nr[-1]' |
		tr '\n' ' '
}

# nspids DROP PID...: each one's NSpid numbers without the DROP outermost.
nspids() {
	local drop=$1 p
	shift
	for p in "$@"; do
		awk -v d="$drop" '$1 == "NSpid:" { s = ""; for (i = 2 + d; i <= NF; i++) s = s (s == "" ? "" : " ") $i; print s }' \
			"/proc/$p/status" 2>/dev/null
	done | tr '\n' ';'
}

# some DESCRIPTION CHECK PID...: CHECK (check_released or all_gone) of
# the pids, which must be some (a restore that made nothing fails).
some() {
	local what=$1 how=$2
	shift 2
	if [ $# = 0 ]; then fail "$what" "no process"; else "$how" "$what" "$@"; fi
}
all_gone() {
	local what=$1 p left=""
	shift
	for p in "$@"; do gone "$p" || left="$left $p"; done
	check_eq "$what" "" "$left"
}

# image_nspids IMAGE: every PIDS entry's numbers, outermost first, sorted.
image_nspids() {
	"$CKPTDUMP" -j -t PIDS,BUFFER "$1" | jq -r '.records[] | select(.role == "pids") | .fields.pids[] | .nr | map(tostring) | join(" ")' |
		sort | tr '\n' ';'
}

# said FILE FROM: "TAG PID PPID" of the pidns workload's lines from line
# FROM on (what getpid and getppid told each process), sorted, once each.
said() {
	tail -n +"$2" "$1" | awk 'NF == 4 { print $1, $3, $4 }' | sort -u | tr '\n' ';'
}

# goes_on FILE N: "ok" when every process's first count after line N
# goes on from its count up to line N (not from 1, not past it + 1).
goes_on() {
	awk -v n="$2" 'NF != 4 { next } NR <= n { last[$1] = $2; next } !($1 in first) { first[$1] = $2 }
		END { for (t in last) if (!(t in first) || first[t] <= 1 || first[t] > last[t] + 1) bad = bad " " t ":" last[t] "->" first[t]
		      print bad == "" ? "ok" : "not:" bad }' "$1"
}

# file_pos IMAGE PATH / line_at FILE OFFSET: as in restore.sh.
file_pos() {
	"$IMGFACTS" "$1" | awk -v p="path=$2" '$1 == "file" && $NF == p { sub("pos=", "", $6); print $6 }'
}
line_at() {
	tail -c +"$(($2 + 1))" "$1" | head -1
}

# Keys that must change in a round trip (ckptrestore(1), ROUND TRIP), as in
# restore.sh, and with --pid-ns the tasks' namespace depth (1, not 0): the
# tasks are paired by their place in the tree, and their pids compared as
# the innermost numbers of the second image (image_pids).
ignore='header.time,tree.ppid,task.flags,task.state,restart_block,cpu.*,cpu_fpu.*,file.f_pos,pages,tree.depth'

# -- a counter whose pid is taken ----------------------------------------------------
start_workload c counter "$tmp/c.out"
pid=$c_pid
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/c.ckpt" "$pid"
check_eq "counter: ckpt" 0 "$rc"
killed "$pid"
pos=$(file_pos "$tmp/c.ckpt" "$tmp/c.out")
saved=$(head -c "$pos" "$tmp/c.out" | tail -1 | cut -d' ' -f1)
if take "$pid"; then
	pass "pid $pid taken by another process"
else
	fail "pid $pid taken by another process" "ns_last_pid did not give it"
fi
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/c.ckpt"
check_eq "pid taken: a plain restore fails (exit 2)" 2 "$rc"
check_grep "pid taken: names the pid and suggests --pid-ns" "pid $pid is taken.*--pid-ns" "$tmp/e"

run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pid-ns --pidfile "$tmp/c.pid" "$tmp/c.ckpt"
check_eq "--pid-ns -d: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/c.pid" 2>/dev/null)
init=$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)
workload_pids="$workload_pids $hp $init"
[ -n "$hp" ] && [ "$hp" != "$pid" ] && [ -d "/proc/$hp" ] &&
	pass "--pidfile: the root's pid as seen here ($hp), not the taken one" ||
	fail "--pidfile: the root's pid as seen here, not the taken one" "pidfile: '$hp'"
check_eq "--pid-ns: inside its namespace the root has its image pid" "$hp $pid" \
	"$(awk '$1 == "NSpid:" { print $2, $3 }' "/proc/$hp/status" 2>/dev/null)"
check_eq "--pid-ns: not this shell's pid namespace" different \
	"$([ "$(readlink "/proc/$hp/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] && echo different)"
check_eq "--pid-ns: its parent is the namespace's init, pid 1 there" "restore-init 1" \
	"$(cat "/proc/$init/comm" 2>/dev/null) $(inner "$init")"
check_eq "--pid-ns: the init holds no descriptor" "" "$(ls "/proc/$init/fd" 2>/dev/null)"
sleep 0.3
check_released "--pid-ns: the root and the init run, untraced" "$hp" "$init"
check_eq "--pid-ns: its name" counter "$(cat "/proc/$hp/comm" 2>/dev/null)"
check_eq "--pid-ns: the count goes on from the saved one, at the saved position" \
	"$((saved + 1)) $((2 * (saved + 1)))" "$(line_at "$tmp/c.out" "$pos")"

run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/c2.ckpt" "$hp"
check_eq "round trip: ckpt of the restored process by its pid here" 0 "$rc"
check_eq "round trip: the image has the image pids inside the namespace" "$(image_pids "$tmp/c.ckpt")" \
	"$(image_pids "$tmp/c2.ckpt")"
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --match-by tree --ignore "$ignore" "$tmp/c.ckpt" "$tmp/c2.ckpt"
check_eq "round trip: no difference beyond the documented keys" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --match-by tree --ignore "${ignore%,tree.depth}" "$tmp/c.ckpt" "$tmp/c2.ckpt"
check_grep "round trip: the namespace depth is the one difference beyond restore.sh's" \
	"tree.depth: 0 -> 1" "$tmp/d"
kill -KILL "$init"
gone "$hp" && pass "the init killed: the tree goes with it" || fail "the init killed: the tree goes with it" \
	"$(sed -n 's/^State:[[:space:]]*//p' "/proc/$hp/status" 2>/dev/null)"

# -- waited for: the root's status through the init ----------------------------------
rm -f "$tmp/c.pid"
"$CKPTRESTORE" --pid-ns --pidfile "$tmp/c.pid" "$tmp/c.ckpt" >"$tmp/o" 2>"$tmp/e" &
rpid=$!
for i in $(seq 400); do [ -s "$tmp/c.pid" ] && break; sleep 0.05; done
hp=$(cat "$tmp/c.pid" 2>/dev/null)
check_eq "waited for: the root has its image pid inside" "$pid" "$(inner "$hp")"
kill -TERM "$hp"
wait "$rpid"
check_eq "waited for: ckptrestore exits with the root's status (SIGTERM: 143)" 143 "$?"

# -- a failure leaves nothing ----------------------------------------------------------
mv "$tmp/c.out" "$tmp/c.moved"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -v -d --pid-ns "$tmp/c.ckpt"
check_eq "--pid-ns, file missing: exit status 2" 2 "$rc"
check_grep "--pid-ns, file missing: names the file" "cannot open $tmp/c.out: No such file or directory" "$tmp/e"
made=$(sed -n 's/.*pid namespace: init \([0-9]*\) .*/\1/p; s/.*task \([0-9]*\) (counter): created.*/\1/p' "$tmp/e" |
	tr '\n' ' ')
check_eq "--pid-ns, file missing: the init and the root were made" 2 "$(echo "$made" | wc -w)"
left=""
for p in $made; do gone "$p" || left="$left $p"; done
check_eq "--pid-ns, file missing: every task made, the init too, is gone" "" "$left"
mv "$tmp/c.moved" "$tmp/c.out"

# -- a root that is pid 1 (an image taken inside a namespace by another
# producer): the counter's image with its pid made 1, digests recomputed ---
if command -v python3 >/dev/null; then
	"$CKPTDUMP" --json --pages "$tmp/c.ckpt" >"$tmp/c.json"
	python3 - "$tmp/c.json" "$tmp/one.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["records"]:
    if r.get("role") == "pids":
        r["fields"]["pids"][0]["nr"] = [1]
    if r["type"] == "EXT_PRODUCER":
        r["fields"]["root_pid"] = 1
json.dump(d, open(sys.argv[2], "w"))
PY
	"$CKPTENCODE" "$tmp/one.json" >"$tmp/one.raw.ckpt" && "$REDIGEST" recompute "$tmp/one.raw.ckpt" "$tmp/one.ckpt"
	run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/one.ckpt"
	check_grep "root pid 1: a plain restore fails, naming pid 1" "pid 1 is taken.*--pid-ns" "$tmp/e"
	rm -f "$tmp/one.pid"
	"$CKPTRESTORE" --pid-ns --pidfile "$tmp/one.pid" "$tmp/one.ckpt" >"$tmp/o" 2>"$tmp/e" &
	rpid=$!
	for i in $(seq 400); do [ -s "$tmp/one.pid" ] && break; sleep 0.05; done
	hp=$(cat "$tmp/one.pid" 2>/dev/null)
	check_eq "root pid 1 --pid-ns: the root is pid 1 inside" 1 "$(inner "$hp")"
	check_eq "root pid 1 --pid-ns: no init of ours: ckptrestore is its parent" "$rpid" \
		"$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)"
	sleep 0.3
	check_released "root pid 1 --pid-ns: running" "$hp"
	after=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$hp/fdinfo/4" 2>/dev/null)
	[ "${after:-0}" -gt "$pos" ] && pass "root pid 1 --pid-ns: the counter writes on from $pos" ||
		fail "root pid 1 --pid-ns: the counter writes on from $pos" "now ${after:-none}"
	# A pid 1 ignores every signal it has no handler for but SIGKILL
	# and SIGSTOP, from any namespace.
	kill -TERM "$hp"
	sleep 0.2
	check_released "root pid 1: SIGTERM without a handler is ignored" "$hp"
	kill -KILL "$hp"
	wait "$rpid"
	check_eq "root pid 1, waited for: its own status (SIGKILL: 137)" 137 "$?"
else
	pass "root pid 1 # SKIP python3 is needed to edit the JSON"
fi

# -- threads: every tid inside the namespace ------------------------------------------
start_workload th threads
pid=$th_pid
tids=$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/th.ckpt" "$pid"
killed "$pid"
take "$pid"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pid-ns --pidfile "$tmp/th.pid" "$tmp/th.ckpt"
check_eq "threads --pid-ns: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/th.pid" 2>/dev/null)
init=$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)
workload_pids="$workload_pids $hp $init"
check_eq "threads --pid-ns: every thread has its image tid inside" "$tids" \
	"$(for t in $(ls "/proc/$hp/task" 2>/dev/null); do inner "$hp/task/$t"; done | sort -n | tr '\n' ' ')"
sleep 0.2
check_released "threads --pid-ns: every thread running" $(ls "/proc/$hp/task" 2>/dev/null)
kill -KILL "$init"
gone "$hp" || fail "threads: the init killed, the process goes"

# -- objects two processes share (memory, a memfd, a file), which the
# tasks take from the init ----------------------------------------------------------
start_workload sp shmpair "$tmp/sp.out"
pid=$sp_pid
all="$pid $(ready_value sp child)"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/sp.ckpt" "$pid"
last=$(tail -1 "$tmp/sp.out" | cut -d' ' -f1)
for p in $all; do kill -KILL "$p" 2>/dev/null; done
for p in $all; do killed "$p"; done
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pid-ns --pidfile "$tmp/sp.pid" "$tmp/sp.ckpt"
check_eq "shared objects --pid-ns: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/sp.pid" 2>/dev/null)
init=$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)
workload_pids="$workload_pids $hp $init"
sleep 0.5
now=$(tail -1 "$tmp/sp.out")
read -r a b c <<<"$now"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$a" -gt "${last:-0}" ] &&
	pass "shared objects --pid-ns: the child's counts reach the parent through all three ($now after $last)" ||
	fail "shared objects --pid-ns: the child's counts reach the parent through all three" "last: '$now' after $last"
kill -KILL "$init"
gone "$hp" || fail "shared objects: the init killed, the tree goes"

# -- a tree with a pipe, its root's pid and its child's taken ------------------------
start_workload t proctree "$tmp/t.out" pipe
pid=$t_pid
all=$(tree "$pid" | tr '\n' ' ')
facts=$(facts $all)
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/t.ckpt" "$pid"
check_eq "tree: ckpt" 0 "$rc"
last=$(tail -1 "$tmp/t.out")
for p in $all; do kill -KILL "$p" 2>/dev/null; done
for p in $all; do killed "$p"; done
set -- $all
take "$1" && take "$2"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/t.ckpt"
check_eq "tree, pids taken: a plain restore fails" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pid-ns --pidfile "$tmp/t.pid" "$tmp/t.ckpt"
check_eq "tree --pid-ns: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/t.pid" 2>/dev/null)
init=$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)
workload_pids="$workload_pids $hp $init"
rall=$(tree "$hp" | tr '\n' ' ')
check_eq "tree --pid-ns: every process, with its pid, parent, group and session inside" "$facts" \
	"$(inner_facts $rall)"
sleep 0.3
check_released "tree --pid-ns: every process running" $rall
first=$(awk -v last="$last" 'f { print; exit } $1 == last { f = 1 }' "$tmp/t.out")
[ -n "$first" ] && [ "$first" -gt 1 ] && [ "$first" -le $((last + 2)) ] &&
	pass "tree --pid-ns: the child's counter goes on through the pipe ($first after $last)" ||
	fail "tree --pid-ns: the child's counter goes on through the pipe" "next: '$first'"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/t2.ckpt" "$hp"
check_eq "tree round trip: ckpt of the restored tree" 0 "$rc"
check_eq "tree round trip: the image pids inside the namespace" "$(image_pids "$tmp/t.ckpt")" \
	"$(image_pids "$tmp/t2.ckpt")"
# Beyond the list: the pipe is another pipe (its inode; the bytes in it,
# the BUFFER after its EXT_PIPE, depend on the moment).
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --match-by tree \
	--ignore "$ignore,ext_peers.ino,ext_peers.scanned,ext_producer.root_pid,file.path,ext_pipe,buffer" \
	"$tmp/t.ckpt" "$tmp/t2.ckpt"
check_eq "tree round trip: no difference beyond the documented keys" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
kill -KILL "$init"
left=""
for p in $rall; do gone "$p" || left="$left $p"; done
check_eq "tree: the init killed, every process goes" "" "$left"

# -- a container: the init of a pid namespace (pid 1 there) and its two
# children, checkpointed by the init's pid here; restored without --pid-ns
# (implied: the numbers of the levels above the image root's are not
# kept), each with its numbers inside; the children write through a pipe
# the init reads (they take its ends through a pidfd of ours) -----------------
start_workload ct pidns "$tmp/ct.out" container pipe
init=$(ready_value ct init)
all=$(tree "$init" | tr '\n' ' ')
before=$(nspids 1 $all)
check_eq "container: the workload's init is pid 1 of its namespace, its children 2 and 3" "1;2;3;" "$before"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/ct.ckpt" "$init"
check_eq "container: ckpt of the init by its pid here" 0 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" -q "$tmp/ct.ckpt"
check_eq "container: ckptcheck says go" 0 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" --dry-run "$tmp/ct.ckpt"
check_grep "container: --dry-run: the init is pid 1 in a new pid namespace" \
	"^task $init: pids 1, at each level from the root's pid namespace [(]a new one[)] down" "$tmp/o"
for p in $all; do kill -KILL "$p" 2>/dev/null; done
for p in $all; do killed "$p"; done
lines=$(wc -l <"$tmp/ct.out")
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pidfile "$tmp/ct.pid" "$tmp/ct.ckpt"
check_eq "container: ckptrestore without --pid-ns: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/ct.pid" 2>/dev/null)
rall=$(tree "$hp" | tr '\n' ' ')
workload_pids="$workload_pids $hp"
check_eq "container: every process has its numbers inside its namespace again" "$before" "$(nspids 1 $rall)"
check_eq "container: one level below ours, in a namespace of its own" "2 different" \
	"$(awk '$1 == "NSpid:" { print NF - 1 }' "/proc/$hp/status" 2>/dev/null) $([ "$(readlink "/proc/$hp/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] && echo different)"
check_eq "container: no init of ours: the root is the namespace's pid 1" "pidns 1" \
	"$(cat "/proc/$hp/comm" 2>/dev/null) $(inner "$hp")"
sleep 0.4
some "container: every process running" check_released $rall
check_eq "container: getpid() and getppid() say what they said before" "$(said "$tmp/ct.out" 1)" \
	"$(said "$tmp/ct.out" $((lines + 1)))"
check_eq "container: every count goes on from the image's (through the pipe)" ok "$(goes_on "$tmp/ct.out" "$lines")"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/ct2.ckpt" "$hp"
check_eq "container round trip: ckpt of the restored init by its pid here" 0 "$rc"
check_eq "container round trip: the same numbers inside" "$(image_pids "$tmp/ct.ckpt")" "$(image_pids "$tmp/ct2.ckpt")"
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --match-by tree \
	--ignore "${ignore%,tree.depth},ext_peers.ino,ext_peers.scanned,ext_producer.root_pid,file.path,ext_pipe,buffer" \
	"$tmp/ct.ckpt" "$tmp/ct2.ckpt"
check_eq "container round trip: no difference beyond the documented keys (depth included)" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
kill -KILL "$hp"
some "container: its init killed, every process goes" all_gone $rall

# -- a process inside a container, not its init (pid 2 there): restored
# into a new pid namespace with pid 2, made by restore-init (pid 1) ----------
start_workload cc pidns "$tmp/cc.out" container
init=$(ready_value cc init)
set -- $(tree "$init")
a=$2
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/cc.ckpt" "$a"
check_eq "in a container: ckpt of its pid 2 by its pid here" 0 "$rc"
kill -KILL "$a"
gone "$a"
lines=$(wc -l <"$tmp/cc.out")
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pidfile "$tmp/cc.pid" "$tmp/cc.ckpt"
check_eq "in a container: ckptrestore: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/cc.pid" 2>/dev/null)
rinit=$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)
workload_pids="$workload_pids $hp $rinit"
check_eq "in a container: pid 2 again, its parent restore-init, pid 1" "2 restore-init 1" \
	"$(inner "$hp") $(cat "/proc/$rinit/comm" 2>/dev/null) $(inner "$rinit")"
sleep 0.3
some "in a container: running" check_released $hp
check_eq "in a container: getpid() and getppid() say 2 and 1 again" "a 2 1;" \
	"$(tail -n +"$((lines + 1))" "$tmp/cc.out" | awk '$1 == "a" { print $1, $3, $4 }' | sort -u | tr '\n' ';')"
grep '^a ' "$tmp/cc.out" >"$tmp/cc.a"
check_eq "in a container: its count goes on" ok \
	"$(goes_on "$tmp/cc.a" "$(head -n "$lines" "$tmp/cc.out" | grep -c '^a ')")"
kill -KILL "$rinit"
some "in a container: the init killed, the process goes" all_gone $hp
for p in $(tree "$init") $cc_pid; do kill -KILL "$p" 2>/dev/null; done
killed "$cc_pid"

# -- a tree at depth 0 with a child that made a pid namespace, whose child
# made another: NSpid of every process, at every level, as in the image;
# the deepest writes through a pipe the root reads (the tasks below take
# their ends through a pidfd of ours their parents open) ---------------------
start_workload nt pidns "$tmp/nt.out" nested pipe
all=$(tree "$nt_pid" | tr '\n' ' ')
before=$(nspids 0 $all)
check_eq "nested: five processes on three levels" "1 1 2 2 3" \
	"$(for p in $all; do awk '$1 == "NSpid:" { print NF - 1 }' "/proc/$p/status"; done | sort | tr '\n' ' ' | sed 's/ $//')"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/nt.ckpt" "$nt_pid"
check_eq "nested: ckpt" 0 "$rc"
check_eq "nested: the image has every number of every level" \
	"$(echo "$before" | tr ';' '\n' | sed '/^$/d' | sort | tr '\n' ';')" "$(image_nspids "$tmp/nt.ckpt")"
for p in $all; do kill -KILL "$p" 2>/dev/null; done
for p in $all; do killed "$p"; done
lines=$(wc -l <"$tmp/nt.out")
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/nt.ckpt"
check_eq "nested: ckptrestore: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
workload_pids="$workload_pids $nt_pid"
check_eq "nested: every process's NSpid, at every level, is the image's" "$before" "$(nspids 0 $all)"
check_eq "nested: the same tree, process by process" "$all" "$(tree "$nt_pid" | tr '\n' ' ')"
sleep 0.4
some "nested: every process running" check_released $all
# (The root's parent is not the image's: this shell's job, then init.)
check_eq "nested: getpid() and getppid() say what they said before" "$(said "$tmp/nt.out" 1 | sed 's/root [0-9]* [0-9]*;//g')" \
	"$(said "$tmp/nt.out" $((lines + 1)) | sed 's/root [0-9]* [0-9]*;//g')"
check_eq "nested: every count goes on from the image's" ok "$(goes_on "$tmp/nt.out" "$lines")"
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/nt2.ckpt" "$nt_pid"
check_eq "nested round trip: ckpt of the restored tree" 0 "$rc"
pipe_keys=ext_peers.ino,ext_peers.scanned,file.path,ext_pipe,buffer
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --ignore "${ignore%,tree.depth},$pipe_keys" "$tmp/nt.ckpt" "$tmp/nt2.ckpt"
check_eq "nested round trip: by pid, no difference beyond restore.sh's keys (and the pipe's)" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/d" | head -20
run "$tmp/d" "$tmp/de" "$CKPTDIFF" --match-by tree --ignore "${ignore%,tree.depth},$pipe_keys" "$tmp/nt.ckpt" "$tmp/nt2.ckpt"
check_eq "nested round trip: by tree place, the same" 0 "$rc"
for p in $all; do kill -KILL "$p" 2>/dev/null; done
for p in $all; do killed "$p"; done

# -- deeper than the kernel nests (32 levels): the deepest process of that
# image made 33 levels deep, its numbers and its TREE depth edited ------------
if command -v python3 >/dev/null; then
	"$CKPTDUMP" --json --pages "$tmp/nt.ckpt" >"$tmp/deep.json"
	python3 - "$tmp/deep.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["records"]:
    if r.get("role") == "pids":
        e = r["fields"]["pids"][-1]
        e["nr"] = e["nr"][:2] + [5] * 31 + [1]
        e["depth"] = 33
        r["length"] += 31 * 4
    if r.get("role") == "tasks":
        r["fields"]["tasks"][-1]["depth"] = 33
    if r["type"] == "PIDS":
        r["fields"]["nr_vpids"] += 31
json.dump(d, open(sys.argv[1], "w"))
PY
	"$CKPTENCODE" "$tmp/deep.json" >"$tmp/deep.raw.ckpt" && "$REDIGEST" recompute "$tmp/deep.raw.ckpt" "$tmp/deep.ckpt"
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/deep.ckpt"
	check_grep "33 levels deep: ckptcheck names restore-pid-ns" \
		"^error restore-pid-ns .*33 levels below ckpt's and 33 below the image root's [(]the kernel nests 32[)]" "$tmp/o"
else
	pass "33 levels deep # SKIP python3 is needed to edit the JSON"
fi

# -- a failure inside a namespace of the tree: the pid here of the first
# process below depth 0 is taken, so its clone3 with set_tid fails; every
# task made before it is killed and reaped -----------------------------------
set -- $all
if take "$3"; then
	run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -v -d "$tmp/nt.ckpt"
	check_eq "nested, a pid taken: exit status 2" 2 "$rc"
	check_grep "nested, a pid taken: names it" "pid $3 is taken" "$tmp/e"
	made=$(sed -n 's/.*task \([0-9]*\) (pidns): created.*/\1/p' "$tmp/e" | tr '\n' ' ')
	check_eq "nested, a pid taken: the root and its first child were made" "$1 $2 " "$made"
	some "nested, a pid taken: every task made is gone" all_gone $made
	kill -KILL "$3"
	holders=$(echo " $holders " | sed "s/ $3 / /")
	wait "$3" 2>/dev/null
else
	pass "nested, a pid taken # SKIP could not take pid $3"
fi

# -- the same image with --pid-ns: the tree one level lower, every number
# below ours the image's -----------------------------------------------------
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d --pid-ns --pidfile "$tmp/nt.pid" "$tmp/nt.ckpt"
check_eq "nested --pid-ns: exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
hp=$(cat "$tmp/nt.pid" 2>/dev/null)
init=$(awk '$1 == "PPid:" { print $2 }' "/proc/$hp/status" 2>/dev/null)
workload_pids="$workload_pids $hp $init"
rall=$(tree "$hp" | tr '\n' ' ')
check_eq "nested --pid-ns: every process's numbers below ours are the image's" "$before" "$(nspids 1 $rall)"
sleep 0.3
some "nested --pid-ns: every process running" check_released $rall
kill -KILL "$init"
some "nested --pid-ns: the init killed, every process goes" all_gone $rall

# -- a process that joined a namespace it did not start (pid 2 there, its
# parent outside): refused by the gate, and by ckptrestore, nothing made ---
start_workload jn pidns "$tmp/jn.out" joined
all=$(tree "$jn_pid" | tr '\n' ' ')
run "$tmp/o" "$tmp/e" "$CKPT" -q -o "$tmp/jn.ckpt" "$jn_pid"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/jn.ckpt"
check_eq "joined: ckptcheck says no-go" 1 "$rc"
check_grep "joined: names restore-pid-ns and the pid inside" "^error restore-pid-ns .*is pid 2, not 1" "$tmp/o"
for p in $all; do kill -KILL "$p" 2>/dev/null; done
for p in $all; do killed "$p"; done
run "$tmp/o" "$tmp/e" "$CKPTRESTORE" -d "$tmp/jn.ckpt"
check_eq "joined: ckptrestore refuses it (exit 1)" 1 "$rc"
check_grep "joined: ckptrestore names restore-pid-ns" "cannot restore: .*(restore-pid-ns)" "$tmp/e"
check_eq "joined: nothing made" "" "$(for p in $all; do [ -d "/proc/$p" ] && echo "$p"; done)"

done_testing
