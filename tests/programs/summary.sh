#!/bin/bash
# ckptdump --summary: the text form of every sample against reviewed golden
# files, the JSON and YAML forms parsed and their numbers checked, -o/--output
# column choice and its errors, and the options that do not combine.
# After a deliberate change: CKPT_REGEN=1 make check, then review the diff.
. "$top_srcdir/tests/programs/lib.sh"

golden="$top_srcdir/tests/golden/summary"
cd "$CKPT_SAMPLES" || exit 1

# compare NAME: $tmp/out against $golden/NAME
compare() {
	[ "${CKPT_REGEN:-}" = 1 ] && cp "$tmp/out" "$golden/$1"
	if diff -u "$golden/$1" "$tmp/out" >"$tmp/diff"; then
		pass "$1 matches the golden file"
	else
		fail "$1 differs from the golden file" "$(head -40 "$tmp/diff")"
	fi
}

for s in $SAMPLE_NAMES; do
	rc=0
	"$CKPTDUMP" --summary "$s.ckpt" >"$tmp/out" 2>&1 || rc=$?
	echo "# exit $rc" >>"$tmp/out"
	compare "$s.txt"
	run "$tmp/$s.json" "$tmp/err" "$CKPTDUMP" --summary --json "$s.ckpt"
	check_eq "$s: --summary --json exit status" 0 "$rc"
	if "$VALIDATE" json "$tmp/$s.json" 2>"$tmp/verr"; then pass "$s: summary JSON parses"; else fail "$s: summary JSON parses" "$(cat "$tmp/verr")"; fi
	run "$tmp/$s.yaml" "$tmp/err" "$CKPTDUMP" --summary --yaml "$s.ckpt"
	if "$VALIDATE" yaml "$tmp/$s.yaml" 2>"$tmp/verr"; then pass "$s: summary YAML parses"; else fail "$s: summary YAML parses" "$(cat "$tmp/verr")"; fi
done
# The JSON of rev6-tasks is golden too: numbers stay numbers.
"$CKPTDUMP" --summary --json rev6-tasks.ckpt >"$tmp/out" 2>&1
compare rev6-tasks.json
check_grep "JSON: sizes are numbers" '^ +"stack": 135168,$' "$tmp/out"
check_grep "JSON: the command line is an array of strings" '^ +"page 0x7fff"$' "$tmp/out"
check_grep "JSON: the uts namespace's node name" '"nodename": "sample-container"' "$tmp/out"

# The process tree: both tasks of rev6-tasks are one process of 2 threads.
"$CKPTDUMP" --summary rev6-tasks.ckpt >"$tmp/out"
check_grep "text: one process with 2 threads" '^ +1 +- +0 +2 R ' "$tmp/out"
check_grep "text: totals count tasks and processes" '^tasks +2 \(1 process\), 1 address space, 2 VMAs, 4 pages saved \(16K\)$' "$tmp/out"
check_grep "text: memory by kind" '^memory +anon 0B \(0B saved\), file 4K \(4K saved\), shared 0B \(0B saved\), stack 132K \(12K saved\)' "$tmp/out"
check_no_grep "text: no verdict without digests" '^check ' "$tmp/out"
# rev6-ext carries digests: the checker's verdict closes the summary.
"$CKPTDUMP" --summary rev6-ext.ckpt >"$tmp/out"
check_grep "text: the verdict of an image with digests" '^check +go: 0 errors' "$tmp/out"
check_grep "text: the producer's record" '^producer +mksamples on sample-host: /sbin/init --sample$' "$tmp/out"

# -o/--output picks the columns, in the order given, any case.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --summary -o comm,PID,args rev6-tasks.ckpt
check_eq "-o: exit status 0" 0 "$rc"
check_grep "-o: header in the order given" '^COMM +PID ARGS$' "$tmp/out"
check_grep "-o: row in the order given" '^init +1 page 0x7fff$' "$tmp/out"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --summary --json --output pid,uid rev6-tasks.ckpt
check_no_grep "-o --json: unchosen columns are left out" '^      "vmas"' "$tmp/out"
check_grep "-o --json: chosen columns are there" '"uid": 0' "$tmp/out"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --summary -o pid,bogus rev6-tasks.ckpt
check_eq "-o: an unknown column is a usage error" 2 "$rc"
check_grep "-o: the error names it" "unknown column 'bogus'" "$tmp/err"
check_grep "-o: and lists the valid ones" 'PID,PPID,TGID,UID' "$tmp/err"
missing=""
for col in $(tail -1 "$tmp/err" | tr , ' '); do
	grep -qw -- "$col" "$top_srcdir/completion/ckptdump" || missing="$missing $col"
	grep -Eq -- "(^\.BR? |\" )$col( |\$)" "$top_srcdir/man/ckptdump.1" || missing="$missing man:$col"
done
check_eq "every column is in the bash completion and the man page" "" "$missing"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --help
check_grep "--help lists the columns" '^  \* COMMAND ' "$tmp/out"

# Options that do not combine are errors, not silently ignored.
for bad in "-i rev6-tasks.ckpt --json" "-i rev6-tasks.ckpt -t TASK" "--summary -t TASK rev6-tasks.ckpt" \
	"--summary --index 3 rev6-tasks.ckpt" "-o pid rev6-tasks.ckpt" "-i --summary rev6-tasks.ckpt"; do
	# shellcheck disable=SC2086
	run "$tmp/out" "$tmp/err" "$CKPTDUMP" $bad
	check_eq "ckptdump $bad: usage error" 2 "$rc"
	check_eq "ckptdump $bad: one line on stderr" 1 "$(wc -l <"$tmp/err")"
done

# Standard input is spooled: the command lines are read by offset.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --summary - <rev6-tasks.ckpt
check_eq "--summary -: exit status 0" 0 "$rc"
check_grep "--summary -: the command line is read" 'page 0x7fff$' "$tmp/out"

# A truncated image: what came before the fault, then the error, status 2.
head -c 9000 rev6-tasks.ckpt >"$tmp/cut.ckpt"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --summary "$tmp/cut.ckpt"
check_eq "truncated: exit status 2" 2 "$rc"
check_grep "truncated: the error is named" 'the summary covers the records before it' "$tmp/err"
check_no_grep "truncated: no sanitizer report" "$sanitizer_pattern" "$tmp/err"
# JSON records: ranges and runs also carry their lengths as numbers.
"$CKPTDUMP" --json -t VMA,BUFFER,MM rev6-tasks.ckpt >"$tmp/out"
check_grep "record JSON: a VMA's vm_length" '"type":"VMA".*"vm_length":4096' "$tmp/out"
check_grep "record JSON: the MM's arg_length" '"type":"MM".*"arg_length":11,"env_length":213' "$tmp/out"
check_grep "record JSON: a run's length" '"pages":2,"length":8192,"xxh3"' "$tmp/out"
check_eq "record JSON: the VMA lengths add up to the summary's mapped bytes" 139264 \
	"$(( $(grep -o '"vm_length":[0-9]*' "$tmp/out" | cut -d: -f2 | paste -sd+) ))"

# --index and --offset beyond the image say so.
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --index 500 rev6-tasks.ckpt
check_eq "--index beyond the image: exit status 2" 2 "$rc"
check_eq "--index beyond the image: says so" "ckptdump: rev6-tasks.ckpt: --index 500: the image has 71 records (0 to 70)" "$(cat "$tmp/err")"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --offset 0x100000 rev6-tasks.ckpt
check_eq "--offset beyond the image: exit status 2" 2 "$rc"
check_eq "--offset beyond the image: says so" "ckptdump: rev6-tasks.ckpt: --offset 1048576: the image is 21526 bytes long" "$(cat "$tmp/err")"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --index 70 rev6-tasks.ckpt
check_eq "--index of the last record: exit status 0" 0 "$rc"

# --pid/--tid: one task's records and the objects they reference.
"$CKPTDUMP" --tid 2 rev6-tasks.ckpt 2>&1 | grep '^\[' >"$tmp/out"
compare rev6-tasks-tid2.txt
check_no_grep "--tid 2: not the other thread's TASK" '^\[14\] TASK' "$tmp/out"
check_grep "--tid 2: its own TASK" '^\[62\] TASK' "$tmp/out"
check_grep "--tid 2: the mm it shares, with its pages" '^\[40\] BUFFER pages' "$tmp/out"
check_grep "--tid 2: a file defined inside the file table" '^\[45\] FILE ' "$tmp/out"
check_no_grep "--tid 2: not the process tree" '^\[[0-9]+\] (TREE|PIDS)' "$tmp/out"
"$CKPTDUMP" --pid 2 rev6-tasks.ckpt 2>&1 | grep '^\[' >"$tmp/out"
check_grep "--pid 2: the whole thread group" '^\[14\] TASK' "$tmp/out"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --pid 1 --json -t TASK - <rev6-tasks.ckpt
check_eq "--pid from standard input, with -t and --json: exit status 0" 0 "$rc"
if "$VALIDATE" json "$tmp/out" 2>/dev/null; then pass "--pid --json parses"; else fail "--pid --json parses"; fi
check_eq "--pid -t TASK: both threads' TASK records" 2 "$(grep -c '"type":"TASK"' "$tmp/out")"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --pid 7 rev6-tasks.ckpt
check_eq "--pid of no task: exit status 2" 2 "$rc"
check_grep "--pid of no task: says so" '^ckptdump: --pid 7: rev6-tasks.ckpt has no task with that pid$' "$tmp/err"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --pid 1 --tid 2 rev6-tasks.ckpt
check_eq "--pid with --tid: usage error" 2 "$rc"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" --pid -3 rev6-tasks.ckpt
check_eq "--pid -3: usage error" 2 "$rc"
done_testing
