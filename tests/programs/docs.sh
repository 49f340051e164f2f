#!/bin/bash
# The generated parts of the man pages and completions (tools/mkdocs.c)
# match the tables they are written from; and the generator notices when
# they do not.
. "$top_srcdir/tests/programs/lib.sh"

run "$tmp/out" "$tmp/err" "$MKDOCS" --check "$top_srcdir"
check_eq "the generated docs match the tables (else: run make docs)" "0" "$rc"
[ "$rc" = 0 ] || cat "$tmp/err" | sed 's/^/# /'

# A stale copy is caught, named, and the message says what to do.
mkdir -p "$tmp/src/man" "$tmp/src/completion"
for f in man/ckpt-image.5 man/ckptcheck.1 completion/ckptdump completion/ckptcheck; do
	cp "$top_srcdir/$f" "$tmp/src/$f"
done
# (the first IGNORE is the generated object type list)
sed -i '0,/^0\\ IGNORE/s//0\\ STALE/' "$tmp/src/man/ckpt-image.5"
sed -i '/BEGIN GENERATED rule-ids/{n;s/framing/frmaing/}' "$tmp/src/completion/ckptcheck"
run "$tmp/out" "$tmp/err" "$MKDOCS" --check "$tmp/src"
check_eq "a stale page fails the check" "1" "$rc"
check_grep "the message names the page and make docs" 'ckpt-image\.5 differs.*make docs' "$tmp/err"
check_grep "the message names the completion" 'completion/ckptcheck differs' "$tmp/err"
check_no_grep "the unchanged ones are not named" 'ckptcheck\.1|completion/ckptdump' "$tmp/err"

# Regenerating repairs them, leaving the hand-written text alone.
run "$tmp/out" "$tmp/err" "$MKDOCS" "$tmp/src"
check_eq "make docs rewrites the stale ones" "0" "$rc"
check_eq "and they then match" "" "$(diff "$top_srcdir/man/ckpt-image.5" "$tmp/src/man/ckpt-image.5")"

# Missing markers are an error, not a silent skip.
sed -i '/BEGIN GENERATED catalogue/d' "$tmp/src/man/ckpt-image.5"
run "$tmp/out" "$tmp/err" "$MKDOCS" --check "$tmp/src"
check_eq "a page without its markers fails" "2" "$rc"
check_grep "naming the block" 'GENERATED catalogue' "$tmp/err"

# Every rule id and record type name reaches the completions.
for id in $("$CKPTCHECK" --list-rules | awk '/^[a-z]/ { print $1 }'); do
	grep -qw -- "$id" "$top_srcdir/completion/ckptcheck" || fail "rule $id completes"
done
pass "every rule of --list-rules is in the ckptcheck completion"
for name in $("$CKPTDUMP" --list-types | awk '/^[[:space:]]/ && NF >= 2 { print $2 }' | sort -u); do
	grep -qw -- "$name" "$top_srcdir/completion/ckptdump" || fail "type $name completes"
done
pass "every type of --list-types is in the ckptdump completion"

# Every man page's SEE ALSO names every other page of the toolkit.
pages=$(cd "$top_srcdir/man" && ls)
for page in $pages; do
	missing=""
	see=$(sed -n '/^\.SH SEE ALSO/,/^\.SH /p' "$top_srcdir/man/$page")
	for other in $pages; do
		[ "$other" = "$page" ] && continue
		name=${other%.*} sect=${other##*.}
		grep -qF -- ".BR ${name//-/\\-} ($sect)" <<<"$see" || missing="$missing $other"
	done
	check_eq "$page: SEE ALSO names the whole toolkit" "" "$missing"
done
done_testing
