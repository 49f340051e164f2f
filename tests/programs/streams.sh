#!/bin/bash
# ckptcheck --json and ckptdiff --json write findings and differences as
# they are found: their peak memory is that of the quiet run, not one that
# grows with the number of items (tens of thousands here).
. "$top_srcdir/tests/programs/lib.sh"

[ -x /usr/bin/time ] || skip_all "needs /usr/bin/time"
threads=50000
slack=16384	# KiB the JSON run may use beyond the quiet one
"$MKBENCH" threads $threads "$tmp/a.ckpt"
"$MKBENCH" findings $threads "$tmp/b.ckpt"
target=$top_srcdir/tests/profiles/linux-2.6.37-ckpt-v23.json

peak() { # OUT CMD...: peak RSS in KiB; the output goes to OUT
	local out=$1
	shift
	/usr/bin/time -f '%M' -o "$tmp/time" "$@" >"$out" 2>/dev/null
	tail -1 "$tmp/time"
}

quiet=$(peak /dev/null "$CKPTCHECK" -q -t "$target" "$tmp/b.ckpt")
json=$(peak "$tmp/check.json" "$CKPTCHECK" --json -t "$target" "$tmp/b.ckpt")
found=$(grep -c '"rule":' "$tmp/check.json")
[ "$found" -gt 10000 ] && pass "ckptcheck --json: $found findings" || fail "ckptcheck --json: $found findings"
if "$VALIDATE" json "$tmp/check.json" 2>"$tmp/e"; then pass "ckptcheck --json: well-formed"; else fail "ckptcheck --json: well-formed" "$(cat "$tmp/e")"; fi
if [ "$json" -le $((quiet + slack)) ]; then
	pass "ckptcheck --json: peak $json KiB, quiet $quiet KiB"
else
	fail "ckptcheck --json holds its findings: peak $json KiB, quiet $quiet KiB"
fi

quiet=$(peak /dev/null "$CKPTDIFF" -q "$tmp/a.ckpt" "$tmp/b.ckpt")
json=$(peak "$tmp/diff.json" "$CKPTDIFF" --json "$tmp/a.ckpt" "$tmp/b.ckpt")
found=$(grep -c '"change":' "$tmp/diff.json")
[ "$found" -gt $threads ] && pass "ckptdiff --json: $found differences" || fail "ckptdiff --json: $found differences"
if "$VALIDATE" json "$tmp/diff.json" 2>"$tmp/e"; then pass "ckptdiff --json: well-formed"; else fail "ckptdiff --json: well-formed" "$(cat "$tmp/e")"; fi
check_grep "ckptdiff --json: identical after the differences" '^  "identical": false,$' "$tmp/diff.json"
if [ "$json" -le $((quiet + slack)) ]; then
	pass "ckptdiff --json: peak $json KiB, quiet $quiet KiB"
else
	fail "ckptdiff --json holds its differences: peak $json KiB, quiet $quiet KiB"
fi

done_testing
