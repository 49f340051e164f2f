#!/bin/bash
# Images at the edges of what ckpt writes, made synthetically: a TREE of
# more tasks than fit in 1 MiB (43,690 entries of 24 bytes), and EXT_USERS
# counts flagged PARTIAL (ckpt run unprivileged).
. "$top_srcdir/tests/programs/lib.sh"

R6="$CKPT_SAMPLES/rev6-tasks.ckpt"
E="$CKPT_SAMPLES/rev6-ext.ckpt"

# --- a TREE of 45,000 tasks: its BUFFER is 1,080,008 bytes ------------------
# The rev 6 sample with its TREE grown: the first entry, then copies of the
# second (the TASK records stay two: tree-count says how many it read).
ntasks=45000
"$CKPTDUMP" --json --pages "$R6" | awk -v n=$ntasks '
/^\{"index":12,/ { sub(/"nr_tasks":2/, "\"nr_tasks\":" n) }
/^\{"index":13,/ {
	sub(/"length":[0-9]+/, "\"length\":" 8 + 24 * n)
	match($0, /"tasks":\[\{[^}]*\},/); first = substr($0, RSTART, RLENGTH)
	rest = substr($0, RSTART + RLENGTH); match(rest, /^\{[^}]*\}/); second = substr(rest, 1, RLENGTH)
	printf "%s%s", substr($0, 1, index($0, "\"tasks\":[") - 1), first
	for (i = 2; i < n; i++) printf "%s,", second
	printf "%s]}},\n", second
	next
}
{ print }' >"$tmp/big.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/big.ckpt" "$tmp/big.json"
check_eq "45,000-task TREE: encoded" 0 "$rc"
check_eq "45,000-task TREE: its BUFFER is over 1 MiB" 1080008 \
	"$("$CKPTDUMP" "$tmp/big.ckpt" | sed -n 's/^\[13\] BUFFER tasks .* len \([0-9]*\)$/\1/p')"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --skip digest-none "$tmp/big.ckpt"
check_grep "45,000-task TREE: ckptcheck reads every entry" \
	'^error tree-count record 12 \(TREE\) .*nr_tasks is 45000, the TREE buffer has 45000 entries' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --skip digest-none - <"$tmp/big.ckpt"
check_grep "45,000-task TREE from a pipe: every entry too" 'the TREE buffer has 45000 entries' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" "$tmp/big.ckpt"
check_eq "45,000-task TREE: ckptdump shows every entry" $ntasks "$(grep -c '^ *\[[0-9]*\] vpid=' "$tmp/o")"
# Bounded by nr_tasks: a TREE that announces 2 tasks gets no more than
# 1 MiB of its over-long BUFFER read whole.
sed 's/"nr_tasks":45000/"nr_tasks":2/' "$tmp/big.json" >"$tmp/liar.json"
"$CKPTENCODE" -o "$tmp/liar.ckpt" "$tmp/liar.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --skip digest-none "$tmp/liar.ckpt"
check_grep "a TREE announcing 2 tasks: its buffer is read only up to 1 MiB" \
	'nr_tasks is 2, the TREE buffer has 43690 entries' "$tmp/o"

# --- EXT_USERS flagged PARTIAL: ckptcheck says the counts prove nothing ------
"$CKPTDUMP" --json --pages "$E" >"$tmp/ext.json"
check_grep "EXT_USERS has a flags field" '"type":"EXT_USERS".*"flags":\[\]' "$tmp/ext.json"
sed 's/\("type":"EXT_USERS".*\)"flags":\[\]/\1"flags":["PARTIAL"]/' "$tmp/ext.json" >"$tmp/partial.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/partial.ckpt" "$tmp/partial.json"
check_eq "PARTIAL: encoded" 0 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" "$tmp/partial.ckpt"
check_grep "PARTIAL: ckptdump names the flag" '^    flags +0x00000001 \(PARTIAL\)$' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$CKPT_PROFILES/linux-2.6.37-ckpt-v23.json" --skip digest-mismatch "$tmp/partial.ckpt"
check_eq "PARTIAL: still go (an info line)" 0 "$rc"
check_grep "PARTIAL: users-partial says outside users may be unseen" \
	'^info users-partial record [0-9]+ \(EXT_USERS\) @[0-9]+ .*observed users are partial' "$tmp/o"
check_eq "PARTIAL: said once" 1 "$(grep -c 'users-partial' "$tmp/o")"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$CKPT_PROFILES/linux-2.6.37-ckpt-v23.json" "$E"
check_no_grep "no flag: no users-partial" 'users-partial' "$tmp/o"
done_testing
