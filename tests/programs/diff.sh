#!/bin/bash
# ckptdiff on pairs built from the samples: ckptdump --json --pages, a sed
# edit of chosen records (one record per line), ckptencode.  Golden text
# and JSON for the main pair; after a deliberate change:
# CKPT_REGEN=1 make check, then review the diff.
. "$top_srcdir/tests/programs/lib.sh"

golden="$top_srcdir/tests/golden/diff"
cd "$tmp" || exit 1
cp "$CKPT_SAMPLES"/*.ckpt .
"$CKPTDUMP" --json --pages rev6-tasks.ckpt >r6.json

# edit OUT SED-SCRIPT: rev6-tasks with the script applied to its JSON
edit() {
	sed -E "$2" r6.json >"$1.json" && "$CKPTENCODE" "$1.json" >"$1.ckpt" ||
		{ fail "building $1"; done_testing; exit 1; }
}

golden_check() {
	[ "${CKPT_REGEN:-}" = 1 ] && cp "$2" "$golden/$1"
	if diff -u "$golden/$1" "$2" >diff.out; then
		pass "$1 matches the golden file"
	else
		fail "$1 differs from the golden file" "$(head -40 diff.out)"
	fi
}

# --- the same image: nothing, exit 0 ---------------------------------------
for s in $SAMPLE_NAMES; do
	run out err "$CKPTDIFF" "$s.ckpt" "$s.ckpt"
	check_eq "$s against itself: exit 0" 0 "$rc"
	check_eq "$s against itself: no output" "" "$(cat out err)"
done

# --- one change of each kind -----------------------------------------------
# header time +60 s; CAP_KILL dropped from the effective set; the hostname;
# one byte of the page at 0x400000; close-on-exec of fd 0; the comm of task
# 2; the stack VMA and the /sbin/init VMA moved (ASLR), contents unchanged
# but for that one byte.
edit changed '/"index":0,/s/"time":1298851200/"time":1298851260/
/"index":23,/s/("cap_effective":\[[^]]*)"CAP_KILL",/\1/
/"index":25,/s/sample-container/other-host/
/"index":36,/s/"data":"70/"data":"50/
/"index":47,/s/"fd_close_on_exec":0/"fd_close_on_exec":1/
/"index":63,/s/init-worker/init-helper/
/"index":(38|40),/s/7fff5a3/7fff6a3/g
/"index":(34|36),/s/0000000000400000/0000000000500000/g
/"index":34,/s/0000000000401000/0000000000501000/'

NO_COLOR= run out err "$CKPTDIFF" rev6-tasks.ckpt changed.ckpt
check_eq "changed pair: exit 1" 1 "$rc"
check_eq "changed pair: nothing on stderr" "" "$(cat err)"
golden_check changed.txt out
for key in header.time cred.cap_effective uts_ns.nodename file_desc.fd_close_on_exec task.comm; do
	check_eq "$key reported exactly once" 1 "$(grep -c "^  $key: " out)"
done
check_grep "the capability drop is named" '^    cleared CAP_KILL$' out
check_eq "the hostname change sits under task 1 ns uts_ns" "task 1 (init) ns uts_ns" \
	"$(grep -B1 '^  uts_ns.nodename' out | head -1)"
check_eq "one page changed, in the /sbin/init VMA matched by file" \
	"task 1 (init) mm vma 0x400000-0x401000 -> 0x500000-0x501000 /sbin/init" \
	"$(grep -B3 '^  pages: 1 changed, 0 added, 0 removed$' out | head -1)"
check_eq "the moved stack VMA is matched, not added and removed" 0 "$(grep -c '^[-+] .* vma ' out)"
check_eq "exactly one pages line" 1 "$(grep -c '^  pages:' out)"

run out err "$CKPTDIFF" --json rev6-tasks.ckpt changed.ckpt
check_eq "--json: exit 1" 1 "$rc"
golden_check changed.json out
check_grep "--json: cap_effective values as ckptdump --json gives them" '"CAP_KILL",' out

# --ignore silences each of them: exit 0
run out err "$CKPTDIFF" --ignore 'header.time,cred.cap_*,uts_ns' --ignore 'file_desc.*,vma.vm_*,pages,task.comm' \
	rev6-tasks.ckpt changed.ckpt
check_eq "--ignore of every change: exit 0" 0 "$rc"
check_eq "--ignore of every change: no output" "" "$(cat out)"
run out err "$CKPTDIFF" --ignore header.time rev6-tasks.ckpt changed.ckpt
check_no_grep "--ignore header.time drops it" 'header.time' out
check_grep "--ignore header.time keeps the rest" 'uts_ns.nodename' out

run out err "$CKPTDIFF" --only cred,uts_ns rev6-tasks.ckpt changed.ckpt
check_eq "--only cred,uts_ns: exit 1" 1 "$rc"
check_eq "--only cred,uts_ns: just those" "cred.cap_effective uts_ns.nodename" \
	"$(sed -n 's/^  \([a-z_]*\.[a-z_]*\):.*/\1/p' out | tr '\n' ' ' | sed 's/ $//')"
run out err "$CKPTDIFF" --only tree rev6-tasks.ckpt changed.ckpt
check_eq "--only a type without differences: exit 0" 0 "$rc"

run out err "$CKPTDIFF" --stat rev6-tasks.ckpt changed.ckpt
golden_check changed-stat.txt out

run out err "$CKPTDIFF" --pages --only pages rev6-tasks.ckpt changed.ckpt
check_grep "--pages: the first differing byte" '^      first difference at 0x400000$' out
check_grep "--pages: A's bytes" '^      - 0000000000400000  70 61 67 65' out
check_grep "--pages: B's bytes" '^      \+ 0000000000400000  50 61 67 65' out

run out err "$CKPTDIFF" -q rev6-tasks.ckpt changed.ckpt
check_eq "--quiet: exit 1, no output" "1:" "$rc:$(cat out err)"

# colour: never unless asked (not a terminal here), NO_COLOR honoured by auto
run out err "$CKPTDIFF" rev6-tasks.ckpt changed.ckpt
check_no_grep "no colour on a pipe" $'\033' out
run out err "$CKPTDIFF" --color=always rev6-tasks.ckpt changed.ckpt
check_grep "--color=always colours" $'\033\\[1m' out
NO_COLOR=1 run out err "$CKPTDIFF" --color=auto rev6-tasks.ckpt changed.ckpt
check_no_grep "NO_COLOR: no colour" $'\033' out

# standard input
"$CKPTDIFF" rev6-tasks.ckpt changed.ckpt >want
run out err "$CKPTDIFF" rev6-tasks.ckpt - <changed.ckpt
check_eq "B from standard input: exit 1" 1 "$rc"
check_eq "B from standard input: same report but the name" "$(sed 1,2d want)" "$(sed 1,2d out)"

# --- descriptors by number --------------------------------------------------
edit fds '/"index":47,/s/"fd_descriptor":0/"fd_descriptor":3/'
run out err "$CKPTDIFF" rev6-tasks.ckpt fds.ckpt
check_eq "fd renumbered: fd 0 removed, fd 3 added, each with its file" \
	"- task 1 (init) file_table fd 0 -> /dev/console (rw, pos 42)|+ task 1 (init) file_table fd 3 -> /dev/console (rw, pos 42)" \
	"$(grep '^[-+] ' out | tr '\n' '|' | sed 's/|$//')"
run out err "$CKPTDIFF" --json rev6-tasks.ckpt fds.ckpt
check_grep "fd renumbered, JSON: the added fd's number" '^      "fd": 3,$' out
check_grep "fd renumbered, JSON: its path" '^      "path": "/dev/console",$' out
check_grep "fd renumbered, JSON: its position, a number" '^      "pos": 42$' out
# A VMA that only one side has: its range, protection and file.
edit novma '/"index":34,/s/0000000000400000/0000000000410000/g
/"index":34,/s/0000000000401000/0000000000411000/
/"index":34,/s/"vm_pgoff":"0x0+"/"vm_pgoff":"0x0000000000000010"/
/"index":36,/s/0000000000400000/0000000000410000/g'
run out err "$CKPTDIFF" --only vma rev6-tasks.ckpt novma.ckpt
check_grep "a VMA removed: range, protection, file" '^- task 1 \(init\) mm vma 0x400000-0x401000 r-xp /sbin/init$' out
check_grep "a VMA added: range, protection, file" '^\+ task 1 \(init\) mm vma 0x410000-0x411000 r-xp /sbin/init$' out
run out err "$CKPTDIFF" --json --only vma rev6-tasks.ckpt novma.ckpt
check_grep "a VMA in JSON: start as hex" '"start": "0x410000",' out
check_grep "a VMA in JSON: length as a number" '"length": 4096,' out
# --only and --ignore refuse what can match nothing: a typo is not "same".
run out err "$CKPTDIFF" --only creds rev6-tasks.ckpt changed.ckpt
check_eq "--only creds (a typo): usage error" 2 "$rc"
check_grep "--only creds: says so" '^ckptdiff: --only creds: no such type; the types are:$' err
check_grep "--only creds: lists the types" '^  .*\bcred\b' err
check_eq "--only creds: no output" "" "$(cat out)"
run out err "$CKPTDIFF" --ignore cred.cap_efective rev6-tasks.ckpt changed.ckpt
check_eq "--ignore with a misspelt field: usage error" 2 "$rc"
check_grep "--ignore with a misspelt field: says so" '^ckptdiff: --ignore cred.cap_efective: no field of that name' err
run out err "$CKPTDIFF" --ignore 'nosuch*' rev6-tasks.ckpt changed.ckpt
check_eq "--ignore glob matching no type: usage error" 2 "$rc"
run out err "$CKPTDIFF" --ignore 'cred.cap_*,task.comm,buffer.saved_auxv,signal.rlim[RLIMIT_NOFILE].cur,mm.sharing,tree.vpid' \
	--only 'cred,task,pages,tree,file_*' rev6-tasks.ckpt changed.ckpt
check_eq "valid keys, globs, roles and pseudo-fields are taken" 1 "$rc"
# The memory line per task: pages and bytes.
run out err "$CKPTDIFF" rev6-tasks.ckpt changed.ckpt
check_grep "per-task memory line" '^memory task 1 \(init\): 1 page changed \(4K\), 0 added \(0B\), 0 removed \(0B\)$' out

# --- sharing: task 2 gets a cred of its own (a copy of task 1's) ------------
awk '/"index":64,/ {
	print "{\"index\":900,\"type\":\"OBJREF\",\"type_id\":6,\"length\":16,\"fields\":{\"objtype\":\"CRED\",\"objref\":20}},"
	while ((getline l < "r6.json") > 0) if (l ~ /"index":23,/) print l
	sub(/"cred_ref":6,"ecred_ref":6/, "\"cred_ref\":20,\"ecred_ref\":20")
}
{ print }' r6.json >own.json && "$CKPTENCODE" own.json >own.ckpt || fail "building own.ckpt"
run out err "$CKPTDIFF" rev6-tasks.ckpt own.ckpt
check_eq "a cred no longer shared: exit 1" 1 "$rc"
check_eq "a cred no longer shared: said once, at task 2's cred" \
	"task 2 (init-worker) cred|  cred.sharing: shared with task 1 (init) cred -> its own" \
	"$(sed 1,2d out | tr '\n' '|' | sed 's/|$//')"
run out err "$CKPTDIFF" own.ckpt rev6-tasks.ckpt
check_grep "and the other way round" '^  cred.sharing: its own -> shared with task 1 \(init\) cred$' out

# --- extension records (rev6-ext: EXT_PRODUCER, EXT_USERS, EXT_DIGEST) -----
"$CKPTDUMP" --json --pages rev6-ext.ckpt >ext.json
pages=$(grep -n '"role":"pages"' ext.json | head -1 | cut -d: -f1)
sed -E '/"type":"EXT_PRODUCER"/s/"time_ns":[0-9]+/"time_ns":1298851260000000000/
/"type":"EXT_PRODUCER"/s/"frozen_ns":[0-9]+/"frozen_ns":999/' ext.json >clock.json &&
	"$CKPTENCODE" clock.json >clock.ckpt || fail "building clock.ckpt"
run out err "$CKPTDIFF" rev6-ext.ckpt clock.ckpt
check_eq "the producer's clock only: the same by default" "0:" "$rc:$(cat out)"
run out err "$CKPTDIFF" --all rev6-ext.ckpt clock.ckpt
check_eq "--all: time_ns and frozen_ns" "ext_producer.time_ns ext_producer.frozen_ns" \
	"$(sed -n 's/^  \([a-z_]*\.[a-z_]*\):.*/\1/p' out | tr '\n' ' ' | sed 's/ $//')"
sed -E '/"role":"host"/s/sample-host/other-host/' ext.json >host.json &&
	"$CKPTENCODE" host.json >host.ckpt || fail "building host.ckpt"
run out err "$CKPTDIFF" rev6-ext.ckpt host.ckpt
check_eq "the producer's host: a header difference" 'header|  ext_producer.host: "sample-host" -> "other-host"' \
	"$(sed 1,2d out | tr '\n' '|' | sed 's/|$//')"
# A page edited behind its digest's back: read, so found; --trust-digests
# believes the digest.
sed -E "${pages}s/\"data\":\"70/\"data\":\"50/" ext.json >stale.json &&
	"$CKPTENCODE" stale.json >stale.ckpt || fail "building stale.ckpt"
run out err "$CKPTDIFF" --only pages rev6-ext.ckpt stale.ckpt
check_grep "a page behind a stale digest: found" '^  pages: 1 changed, 0 added, 0 removed$' out
run out err "$CKPTDIFF" --trust-digests rev6-ext.ckpt stale.ckpt
check_eq "--trust-digests: the digest is believed" 0 "$rc"

# --- tasks by tree place ----------------------------------------------------
edit pids '/"index":9,/s/"nr":\[1\]/"nr":[101]/; /"index":9,/s/"nr":\[2\]/"nr":[102]/'
run out err "$CKPTDIFF" rev6-tasks.ckpt pids.ckpt
check_eq "other pids, by pid: tasks removed and added" "4" "$(grep -c '^[-+] task' out)"
run out err "$CKPTDIFF" --match-by tree rev6-tasks.ckpt pids.ckpt
check_eq "other pids, by tree place: the same" "0:" "$rc:$(cat out)"

# --- across dialects ------------------------------------------------------
run out err "$CKPTDIFF" v17-task.ckpt rev6-tasks.ckpt
check_eq "v17 against rev 6: exit 1" 1 "$rc"
golden_check v17-rev6.txt out

# --- trouble: exit 2 --------------------------------------------------------
run out err "$CKPTDIFF" rev6-tasks.ckpt no-such.ckpt
check_eq "missing image: exit 2" 2 "$rc"
check_grep "missing image: named" '^ckptdiff: no-such.ckpt: ' err
head -c 5000 rev6-tasks.ckpt >trunc.ckpt
run out err "$CKPTDIFF" rev6-tasks.ckpt trunc.ckpt
check_eq "truncated image: exit 2" 2 "$rc"
check_grep "truncated image: offset and record" '^ckptdiff: trunc.ckpt: byte [0-9]+ ' err
check_no_grep "truncated image: no crash" "$sanitizer_pattern" err
run out err "$CKPTDIFF" rev6-tasks.ckpt
check_eq "one image: exit 2" 2 "$rc"
run out err "$CKPTDIFF" /dev/null rev6-tasks.ckpt
check_eq "empty input: exit 2" 2 "$rc"
check_eq "empty input: one line on stderr" 1 "$(wc -l <err)"
run out err "$CKPTDIFF" rev6-tasks.ckpt "$tmp"
check_eq "a directory: exit 2" 2 "$rc"
check_eq "a directory: one line on stderr" 1 "$(wc -l <err)"
run out err "$CKPTDIFF" - - </dev/null
check_eq "both from stdin: exit 2" 2 "$rc"
run out err "$CKPTDIFF" --match-by age a b
check_eq "bad --match-by: exit 2" 2 "$rc"
run out err "$CKPTDIFF" --help
check_eq "--help: exit 0" 0 "$rc"
check_grep "--help: usage" '^Usage: ckptdiff ' out
run out err "$CKPTDIFF" --version
check_grep "--version" '^ckptdiff ' out
done_testing
