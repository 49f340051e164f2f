#!/bin/bash
# ckptdiff never says "same" when it could not compare something: a
# reference to no object, a tree value naming no pid, pages outside their
# VMA or of no VMA, a page count the buffer cannot hold.  Each is exit 2
# naming the image (A or B) and the record; what can be compared but
# differs (a TREE depth) is a difference.
. "$top_srcdir/tests/programs/lib.sh"

base=$CKPT_SAMPLES/rev6-tasks.ckpt
"$CKPTDUMP" --json --pages "$base" >"$tmp/base.json"
# line of a record in the JSON dump (records start on line 3)
line_of() { echo $(($1 + 3)); }

edit() { # NAME SED-EXPRESSION: writes $tmp/NAME.ckpt from the sample
	sed "$2" "$tmp/base.json" | "$CKPTENCODE" -o "$tmp/$1.ckpt" ||
		fail "encoding $1"
}

# cannot_compare DESCRIPTION A B IMAGE-NAMED RECORD-PATTERN
cannot_compare() {
	run "$tmp/out" "$tmp/err" "$CKPTDIFF" "$2" "$3"
	if [ "$rc" = 2 ] && grep -Fq "ckptdiff: $4: " "$tmp/err" && grep -Eq -- "$5" "$tmp/err"; then
		pass "$1"
	else
		fail "$1" "rc=$rc (expected 2, naming $4)" "stderr: $(cat "$tmp/err")" "stdout: $(head -5 "$tmp/out")"
	fi
}

# A TASK_OBJS whose mm_objref names nothing, in B then in A.
objs=$(line_of 58)
edit mm "${objs}s/\"mm_objref\":10,/\"mm_objref\":999,/"
cannot_compare "an mm objref naming nothing in B: exit 2 naming B" "$base" "$tmp/mm.ckpt" "$tmp/mm.ckpt" \
	'record 58 \(TASK_OBJS\): mm_objref 999 names no object'
cannot_compare "the same in A: exit 2 naming A" "$tmp/mm.ckpt" "$base" "$tmp/mm.ckpt" \
	'record 58 \(TASK_OBJS\): mm_objref 999 names no object'

# An object renumbered without its references: the UTS_NS's OBJREF.
edit uts 's/"objtype":"UTS_NS","objref":7}/"objtype":"UTS_NS","objref":77}/'
cannot_compare "a namespace renumbered, its reference left dangling: exit 2" "$base" "$tmp/uts.ckpt" \
	"$tmp/uts.ckpt" 'record 27 \(NS\): uts_objref 7 names no object'
# Renumbered with its references: nothing to report.
edit uts2 's/"objtype":"UTS_NS","objref":7}/"objtype":"UTS_NS","objref":77}/; s/"uts_objref":7,/"uts_objref":77,/'
run "$tmp/out" "$tmp/err" "$CKPTDIFF" "$base" "$tmp/uts2.ckpt"
check_eq "a namespace renumbered with its references is the same" 0 "$rc"

# An IPC_NS (as ckpt writes them: an OBJREF and an empty record), defined
# before the NS's OBJREF and named by the NS, then renumbered alone.
awk '{ line[NR] = $0 } END {
	for (i = 1; i <= NR; i++) {
		l = line[i]
		if (i < NR && line[i + 1] ~ /"type":"NS"/) {
			print "{\"index\":0,\"offset\":0,\"type\":\"OBJREF\",\"type_id\":6,\"length\":16,\"fields\":{\"objtype\":\"IPC_NS\",\"objref\":50}},"
			print "{\"index\":0,\"offset\":0,\"type\":\"IPC_NS\",\"type_id\":111,\"length\":8,\"fields\":{}},"
		}
		if (l ~ /"type":"NS"/)
			sub(/"ipc_objref":0/, "\"ipc_objref\":50", l)
		print l
	} }' "$tmp/base.json" >"$tmp/ipc.json"
"$CKPTENCODE" -o "$tmp/ipc.ckpt" "$tmp/ipc.json"
sed 's/"objtype":"IPC_NS","objref":50}/"objtype":"IPC_NS","objref":51}/' "$tmp/ipc.json" |
	"$CKPTENCODE" -o "$tmp/ipc-renumbered.ckpt"
run "$tmp/out" "$tmp/err" "$CKPTDIFF" "$tmp/ipc.ckpt" "$tmp/ipc.ckpt"
check_eq "an image with an IPC_NS is the same as itself" 0 "$rc"
cannot_compare "an IPC_NS renumbered: exit 2 naming B" "$tmp/ipc.ckpt" "$tmp/ipc-renumbered.ckpt" \
	"$tmp/ipc-renumbered.ckpt" '\(NS\): ipc_objref 50 names no object'

# A changed TREE depth is a difference.
tree=$(line_of 13)
edit depth "${tree}s/\"vsid\":1,\"depth\":0}\]/\"vsid\":1,\"depth\":1}]/"
run "$tmp/out" "$tmp/err" "$CKPTDIFF" "$base" "$tmp/depth.ckpt"
check_eq "a changed TREE depth: exit 1" 1 "$rc"
check_grep "the depth is named" 'tree\.depth|depth: 0 -> 1' "$tmp/out"

# A tree value naming no PID object.
edit vppid "${tree}s/\"vpid\":2,\"vppid\":-4097/\"vpid\":2,\"vppid\":555/"
cannot_compare "a TREE vppid naming no PID object: exit 2" "$base" "$tmp/vppid.ckpt" "$tmp/vppid.ckpt" \
	'TREE entry: vppid 555 names no PID object'

# A page outside its VMA (0x400000-0x401000).
pages=$(line_of 36)
edit stray "${pages}s/\"start\":\"0x0000000000400000\"/\"start\":\"0x0000000000300000\"/"
cannot_compare "a page outside its VMA: exit 2" "$base" "$tmp/stray.ckpt" "$tmp/stray.ckpt" \
	'record 36 \(BUFFER\): 1 pages lie outside their VMA 0x400000-0x401000'

# Pages of no VMA: a PGARR and its pages before the MM's first VMA.
vma=$(line_of 34) pgarr=$(line_of 35)
awk -v v="$vma" -v p="$pgarr" 'NR == p || NR == p + 1 { held = held $0 "\n" } { line[NR] = $0 }
	END { for (i = 1; i <= NR; i++) { if (i == v) printf "%s", held; print line[i] } }' \
	"$tmp/base.json" | "$CKPTENCODE" -o "$tmp/novma.ckpt"
cannot_compare "pages of no VMA: exit 2" "$base" "$tmp/novma.ckpt" "$tmp/novma.ckpt" \
	'pages belong to no VMA'

# A page count of 2^64-1: nothing is read as page data, nothing shown.
cp "$base" "$tmp/huge.ckpt"
printf '\377\377\377\377\377\377\377\377' | dd of="$tmp/huge.ckpt" bs=1 seek=$((1625 + 8)) conv=notrunc 2>/dev/null
cannot_compare "a page count of 2^64-1: exit 2" "$base" "$tmp/huge.ckpt" "$tmp/huge.ckpt" \
	'record 36 \(BUFFER\): 18446744073709551615 pages .* not in the buffer'
run "$tmp/out" "$tmp/err" "$CKPTDIFF" -p "$base" "$tmp/huge.ckpt"
check_no_grep "ckptdiff -p shows no record frame as page bytes" '04 00 00 00 10 10' "$tmp/out"
run "$tmp/out" "$tmp/err" "$CKPTDUMP" -i -c 'x 1 0x400000 64' "$tmp/huge.ckpt"
check_no_grep "the browser's x shows no record frame as page bytes" '04 00 00 00 10 10' "$tmp/out"
cat "$tmp/err" >>"$tmp/out"
check_grep "the browser's x says the page was not dumped" 'not dumped|no byte' "$tmp/out"

done_testing
