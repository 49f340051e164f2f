#!/bin/bash
# ckptencode: ckptdump --json --pages | ckptencode gives the image back byte
# for byte; hand-edited JSON with a bad value is refused naming its path.
. "$top_srcdir/tests/programs/lib.sh"

roundtrip() { # IMAGE DESCRIPTION
	"$CKPTDUMP" --json --pages "$1" >"$tmp/rt.json"
	rc=0
	"$CKPTENCODE" -o "$tmp/rt.ckpt" "$tmp/rt.json" 2>"$tmp/rt.err" || rc=$?
	if [ "$rc" = 0 ] && cmp -s "$1" "$tmp/rt.ckpt"; then
		pass "$2: byte-identical round trip"
	else
		fail "$2: round trip differs" "rc=$rc $(cat "$tmp/rt.err")" "$(cmp "$1" "$tmp/rt.ckpt" 2>&1)"
	fi
}

for s in $SAMPLE_NAMES; do
	roundtrip "$CKPT_SAMPLES/$s.ckpt" "$s"
done

# Page buffers longer than the reader's 1 MiB inline limit.
"$MKBENCH" pages 700 "$tmp/big.ckpt"
roundtrip "$tmp/big.ckpt" "700-page image"

# An unknown record type and odd padding survive a round trip too.
"$CKPTDUMP" --json "$CKPT_SAMPLES/v17-task.ckpt" |
	sed 's/^\({"index":6,.*\)$/{"index":6,"offset":0,"type":"unknown","type_id":7777,"length":13,"fields":{"bytes":"01ff00ee05"}},\n\1/' >"$tmp/unk.json"
"$CKPTENCODE" -o "$tmp/unk.ckpt" "$tmp/unk.json"
"$CKPTDUMP" "$tmp/unk.ckpt" >"$tmp/unk.txt"
check_grep "an added unknown record is written" '^\[6\] unknown type 7777 @339 \(0x153\) len 13$' "$tmp/unk.txt"
roundtrip "$tmp/unk.ckpt" "image with an unknown record"

# stdin to stdout; the image file is created 0600.
"$CKPTDUMP" --json --pages "$CKPT_SAMPLES/rev6-tasks.ckpt" | "$CKPTENCODE" >"$tmp/pipe.ckpt"
cmp -s "$CKPT_SAMPLES/rev6-tasks.ckpt" "$tmp/pipe.ckpt" && pass "stdin to stdout" || fail "stdin to stdout"
check_eq "-o creates the image mode 0600" 600 "$(stat -c %a "$tmp/rt.ckpt")"

# Hand edits: each is refused with the JSON path of the bad value.
refuse() { # DESCRIPTION SED-EXPRESSION EXPECTED-MESSAGE [IMAGE]
	local img=${4:-$CKPT_SAMPLES/rev6-tasks.ckpt}
	"$CKPTDUMP" --json --pages "$img" | sed "$2" >"$tmp/bad.json"
	rc=0
	"$CKPTENCODE" -o "$tmp/bad.ckpt" "$tmp/bad.json" 2>"$tmp/bad.err" || rc=$?
	if [ "$rc" = 2 ] && grep -Fq -- "$3" "$tmp/bad.err" && [ ! -e "$tmp/bad.ckpt" ]; then
		pass "$1"
	else
		fail "$1" "rc=$rc" "stderr: $(cat "$tmp/bad.err")" "expected: $3"
	fi
}
vma=$("$CKPTDUMP" --json "$CKPT_SAMPLES/rev6-tasks.ckpt" | grep -n '"type":"VMA"' | head -1 | cut -d: -f1)
vma_index=$((vma - 3))
refuse "a string where hex is due" "${vma}s/\"vm_start\":\"[^\"]*\"/\"vm_start\":\"hello\"/" \
	"ckptencode: records[$vma_index].fields.vm_start: expected a \"0x...\" hexadecimal string"
refuse "a value too wide for its field" "${vma}s/\"hugetlb_shift\":0/\"hugetlb_shift\":70000/" \
	"records[$vma_index].fields.hugetlb_shift: value does not fit in 2 bytes"
refuse "an unknown flag name" "${vma}s/\"vm_flags\":\\[\"VM_READ\"/\"vm_flags\":[\"VM_READ\",\"VM_NOPE\"/" \
	"records[$vma_index].fields.vm_flags[1]: expected a vm_flags name"
refuse "an unknown enum name" '3s/"arch_id":"X86_64"/"arch_id":"X86_99"/' \
	"records[0].fields.arch_id: expected one of the arch names or an integer"
refuse "a misspelt field" "${vma}s/\"vm_start\"/\"vm_stat\"/" \
	"records[$vma_index].fields: VMA has no field named \"vm_stat\""
refuse "a wrong length for a fixed record" "${vma}s/\"length\":80/\"length\":72/" \
	"records[$vma_index].length: 72 is not a valid length for VMA (80 to 80)"
refuse "an array that disagrees with its count" 's/"ngroups":2,"groups":\[0,4\]/"ngroups":2,"groups":[0,4,5]/' \
	"fields.groups: 3 entries, but ngroups is 2"
refuse "a role that the records do not give" '5s/"role":"version"/"role":"machine"/' \
	"records[2].role: the record is the version follower here, not \"machine\""
"$CKPTDUMP" --json "$CKPT_SAMPLES/rev6-tasks.ckpt" >"$tmp/nopages.json"
rc=0; "$CKPTENCODE" -o "$tmp/np.ckpt" "$tmp/nopages.json" 2>"$tmp/np.err" || rc=$?
check_eq "JSON without page data: exit status 2" 2 "$rc"
check_grep "JSON without page data: says how to get it" 'no page data: produce the JSON with ckptdump --json --pages' "$tmp/np.err"
printf '{"dialect": "linux-cr-rev6", "records": [' >"$tmp/broken.json"
rc=0; "$CKPTENCODE" -o "$tmp/b.ckpt" "$tmp/broken.json" 2>"$tmp/b.err" || rc=$?
check_eq "truncated JSON: exit status 2" 2 "$rc"
check_grep "truncated JSON: names line and column" '^ckptencode: .*broken.json: line 1 column [0-9]+: ' "$tmp/b.err"
done_testing
