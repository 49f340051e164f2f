#!/bin/bash
# libckpt.so exports its documented API and nothing else: exactly the
# functions and objects the public headers declare.
. "$top_srcdir/tests/programs/lib.sh"

so=$(ls "$top_builddir"/src/core/.libs/libckpt.so.[0-9]* 2>/dev/null | head -1)
[ -n "$so" ] || skip_all "no shared libckpt built (--disable-shared)"
command -v nm >/dev/null || skip_all "no nm"

nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' | sort -u >"$tmp/exported"
sh "$top_srcdir/tools/exports.sh" "$top_srcdir/include" "${CC:-cc}" >"$tmp/declared"

check_eq "every exported name is declared in include/ckpt/" "" \
	"$(comm -23 "$tmp/exported" "$tmp/declared" | tr '\n' ' ')"
check_eq "every declared name is exported" "" \
	"$(comm -13 "$tmp/exported" "$tmp/declared" | tr '\n' ' ')"
# Internals the library used to leak, by layer.
for name in emit idx_push compare_pages check_report source_peek view_json_ops \
	ckpt_emit_set ckpt_proc_read ckpt_push ckpt_names_signal; do
	check_no_grep "$name is not exported" "^$name\$" "$tmp/exported"
done
check_grep "the reader is exported" '^ckpt_image_open$' "$tmp/exported"
done_testing
