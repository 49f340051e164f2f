#!/bin/bash
# JSON and YAML output parse with real parsers (jansson, libyaml), for good
# images, with --pages, and for malformed images (the error is in-band).
. "$top_srcdir/tests/programs/lib.sh"

validate() { # FORMAT FILE DESCRIPTION
	if "$VALIDATE" "$1" "$2" 2>"$tmp/verr"; then pass "$3"; else fail "$3" "$(cat "$tmp/verr")"; fi
}

for s in $SAMPLE_NAMES; do
	"$CKPTDUMP" --json "$CKPT_SAMPLES/$s.ckpt" >"$tmp/$s.json"
	validate json "$tmp/$s.json" "$s: JSON parses"
	"$CKPTDUMP" --yaml "$CKPT_SAMPLES/$s.ckpt" >"$tmp/$s.yaml"
	validate yaml "$tmp/$s.yaml" "$s: YAML parses"
	"$CKPTDUMP" --json --pages "$CKPT_SAMPLES/$s.ckpt" >"$tmp/$s.p.json"
	validate json "$tmp/$s.p.json" "$s: JSON with --pages parses"
	"$CKPTDUMP" --yaml --pages "$CKPT_SAMPLES/$s.ckpt" >"$tmp/$s.p.yaml"
	validate yaml "$tmp/$s.p.yaml" "$s: YAML with --pages parses"
done

# A cut image: still a valid document, with the error inside it.
head -c 1000 "$CKPT_SAMPLES/rev6-tasks.ckpt" >"$tmp/cut.ckpt"
rc=0; "$CKPTDUMP" --json "$tmp/cut.ckpt" >"$tmp/cut.json" 2>/dev/null || rc=$?
check_eq "cut image: exit status 2" 2 "$rc"
validate json "$tmp/cut.json" "cut image: JSON still parses"
check_grep "cut image: JSON carries the error" '"error": \{"offset": ?[0-9]+, ?"index": ?[0-9]+' "$tmp/cut.json"
rc=0; "$CKPTDUMP" --yaml "$tmp/cut.ckpt" >"$tmp/cut.yaml" 2>/dev/null || rc=$?
check_eq "cut image: YAML exit status 2" 2 "$rc"
validate yaml "$tmp/cut.yaml" "cut image: YAML still parses"
check_grep "cut image: YAML carries the reason" '^  reason: ".*runs past the end' "$tmp/cut.yaml"

# Not an image at all: a document with no records and the error.
printf 'hello, world, this is not an image' >"$tmp/junk"
"$CKPTDUMP" --json "$tmp/junk" >"$tmp/junk.json" 2>/dev/null
validate json "$tmp/junk.json" "not an image: JSON still parses"
check_grep "not an image: dialect is null" '"dialect": ?null' "$tmp/junk.json"

# Values that YAML 1.1 would misread stay strings.
check_grep "YAML quotes hex strings" '^ *magic: "0x00feed0cc0a2d200"' "$tmp/rev6-tasks.yaml"
done_testing
