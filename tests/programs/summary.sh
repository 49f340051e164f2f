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
done_testing
