#!/bin/bash
# Untrusted bytes never reach the terminal raw: a file name or a token with
# ESC or BEL in it is escaped in every program's messages.
. "$top_srcdir/tests/programs/lib.sh"

esc=$(printf '\033')
bel=$(printf '\007')
name="$tmp/x${esc}]0;owned${bel}.ckpt"

# raw_free DESCRIPTION FILE: FILE holds neither ESC nor BEL
raw_free() {
	if grep -q "[$esc$bel]" "$2"; then
		fail "$1" "raw control bytes in: $(od -c "$2" | head -4)"
	else
		pass "$1"
	fi
}

# Names that do not exist: each program says so, escaped.
run "$tmp/o" "$tmp/e" "$CKPTDUMP" "$name"
raw_free "ckptdump escapes a missing file's name" "$tmp/e"
check_grep "ckptdump shows the escape" 'x\\x1b\]0;owned\\x07' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$name"
raw_free "ckptcheck escapes a missing file's name" "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTDIFF" "$name" "$CKPT_SAMPLES/rev6-tasks.ckpt"
raw_free "ckptdiff escapes a missing file's name" "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" -i -c 'ls' "$name"
raw_free "the browser escapes a missing file's name" "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/out.ckpt" "$name"
raw_free "ckptencode escapes a missing file's name" "$tmp/e"
check_eq "ckptencode: exit 2 for a missing document" 2 "$rc"
"$CKPTDUMP" --json --pages "$CKPT_SAMPLES/rev6-tasks.ckpt" >"$tmp/good.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$name/out.ckpt" "$tmp/good.json"
raw_free "ckptencode escapes the output name" "$tmp/e"

# A token with control bytes in a JSON document.
printf '{"records": [ %s%s ]}' "$esc" "$bel" >"$tmp/tok.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/out.ckpt" "$tmp/tok.json"
raw_free "ckptencode escapes a bad token" "$tmp/e"
check_eq "ckptencode: exit 2 for a bad token" 2 "$rc"
# A string value with control bytes where a name is due.
"$CKPTDUMP" --json --pages "$CKPT_SAMPLES/rev6-tasks.ckpt" |
	sed "3s/\"arch_id\":\"X86_64\"/\"arch_id\":\"X86\\\\u001b[31m\\\\u0007\"/" >"$tmp/name.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/out.ckpt" "$tmp/name.json"
check_eq "ckptencode: exit 2 for a bad name" 2 "$rc"
raw_free "ckptencode escapes a bad value" "$tmp/e"
# A misspelt field name with control bytes.
"$CKPTDUMP" --json --pages "$CKPT_SAMPLES/rev6-tasks.ckpt" |
	sed "3s/\"arch_id\"/\"arch\\\\u001b_id\"/" >"$tmp/field.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/out.ckpt" "$tmp/field.json"
check_eq "ckptencode: exit 2 for a bad field name" 2 "$rc"
raw_free "ckptencode escapes a bad field name" "$tmp/e"

# The browser echoes an unknown command escaped.
run "$tmp/o" "$tmp/e" "$CKPTDUMP" -i -c "nope$esc" "$CKPT_SAMPLES/rev6-tasks.ckpt"
raw_free "the browser escapes an unknown command" "$tmp/e"

done_testing
