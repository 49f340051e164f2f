#!/bin/bash
# ckptencode reads its document as a stream (memory bounded by one record,
# not the document), keeps texts over 1 MiB through a round trip, refuses
# integers that would wrap and lengths the document does not give, and
# says where a document stops being JSON.
. "$top_srcdir/tests/programs/lib.sh"

# roundtrip IMAGE DESCRIPTION
roundtrip() {
	"$CKPTDUMP" --json --pages "$1" >"$tmp/rt.json"
	run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/rt.ckpt" "$tmp/rt.json"
	if [ "$rc" = 0 ] && cmp -s "$1" "$tmp/rt.ckpt"; then
		pass "$2: byte-identical round trip"
	else
		fail "$2: round trip differs" "rc=$rc $(cat "$tmp/e")" "$(cmp "$1" "$tmp/rt.ckpt" 2>&1)"
	fi
}

# A document of many small records: the encoder's peak memory stays small.
"$MKBENCH" records 60000 "$tmp/many.ckpt"
"$CKPTDUMP" --json --pages "$tmp/many.ckpt" >"$tmp/many.json"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$tmp/time" "$CKPTENCODE" -o "$tmp/many2.ckpt" "$tmp/many.json"
	peak=$(tail -1 "$tmp/time")
	size=$(($(stat -c %s "$tmp/many.json") / 1024))
	if [ "$peak" -lt 16384 ]; then
		pass "a $size KiB document of 60000 records: peak $peak KiB"
	else
		fail "the document is held whole: peak $peak KiB for $size KiB of JSON"
	fi
	cmp -s "$tmp/many.ckpt" "$tmp/many2.ckpt" && pass "many records: byte-identical" || fail "many records differ"
fi

# A text BUFFER of 2 MiB (the reader holds 1 MiB of a record inline).
"$CKPTDUMP" --json --pages "$CKPT_SAMPLES/rev6-tasks.ckpt" >"$tmp/base.json"
head -c 2097152 /dev/zero | tr '\0' a >"$tmp/big.txt"
awk -v bigfile="$tmp/big.txt" 'NR == 4 { getline big <bigfile; sub(/"length":73,/, "\"length\":" (8 + length(big) + 1) ",");
	sub(/"text":"[^"]*"/, "\"text\":\"" big "\"") } { print }' "$tmp/base.json" >"$tmp/bigtext.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/bigtext.ckpt" "$tmp/bigtext.json"
check_eq "a 2 MiB text is encoded" 0 "$rc"
roundtrip "$tmp/bigtext.ckpt" "a 2 MiB text"
"$CKPTDUMP" "$tmp/bigtext.ckpt" >"$tmp/bigtext.txt"
check_grep "the text is shown" 'aaaaaaaaaaaaaaaa' "$tmp/bigtext.txt"
check_no_grep "the text is shown whole, not cut" 'shown up to its first' "$tmp/bigtext.txt"

refuse() { # DESCRIPTION JSON-FILE EXPECTED-MESSAGE
	run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/bad.ckpt" "$2"
	if [ "$rc" = 2 ] && grep -Fq -- "$3" "$tmp/e" && [ ! -e "$tmp/bad.ckpt" ]; then
		pass "$1"
	else
		fail "$1" "rc=$rc" "stderr: $(cat "$tmp/e")" "expected: $3"
	fi
}

# Integers that would wrap.
sed '61s/"mm_objref":10,/"mm_objref":2147483648,/' "$tmp/base.json" >"$tmp/wrap.json"
refuse "an objref of 2^31 is refused, not wrapped" "$tmp/wrap.json" \
	"records[58].fields.mm_objref: 2147483648 is out of range for a 4-byte signed field"
sed '61s/"mm_objref":10,/"mm_objref":-2147483649,/' "$tmp/base.json" >"$tmp/wrap2.json"
refuse "an objref below -2^31 is refused" "$tmp/wrap2.json" "is out of range for a 4-byte signed field"
sed '12s/"nr":\[1\]/"nr":[4294967297]/' "$tmp/base.json" >"$tmp/wrap3.json"
refuse "a pid of 2^32 + 1 is refused" "$tmp/wrap3.json" "nr[0] is not a 32-bit integer"

# A length the document does not give: 4 GiB of zeros from a short text.
sed '4s/"length":73,/"length":4294967295,/' "$tmp/base.json" >"$tmp/huge.json"
refuse "a 4 GiB text length from a short text is refused" "$tmp/huge.json" \
	"records[1].length: 4294967295 bytes from"

# Where the document stops being JSON, and what it must hold.
printf '{"dialect": "linux-cr-rev6", "records": [\n{"index": 0, "type_id": 1, }' >"$tmp/syntax.json"
refuse "a syntax error in a record names its line" "$tmp/syntax.json" "syntax.json: line 2 column"
printf '{"records": [], "dialect": "linux-cr-rev6"}' >"$tmp/order.json"
run "$tmp/o" "$tmp/e" "$CKPTENCODE" -o "$tmp/order.ckpt" "$tmp/order.json"
check_eq "no records, dialect after them: an empty image" 0 "$rc"
awk 'NR == 1 { sub(/"dialect":"linux-cr-rev6",/, "") } /^"end"/ { print "\"dialect\": \"linux-cr-rev6\"," } { print }' \
	"$tmp/base.json" >"$tmp/late.json"
refuse "a dialect after the records is refused" "$tmp/late.json" "dialect: missing before the records"
{ cat "$tmp/base.json"; echo '{}'; } >"$tmp/trailing.json"
refuse "data after the document is refused" "$tmp/trailing.json" "data after the end of the document"
sed '2s/"records": \[/"records": [], "records": [/' "$tmp/base.json" >"$tmp/dup.json"
refuse "a duplicate top-level key is refused" "$tmp/dup.json" 'duplicate object key "records"'

done_testing
