#!/bin/bash
# Text, JSON and YAML views of every sample against reviewed golden files.
# After a deliberate change: CKPT_REGEN=1 make check, then review the diff.
. "$top_srcdir/tests/programs/lib.sh"

golden="$top_srcdir/tests/golden"
cd "$CKPT_SAMPLES" || exit 1
for s in $SAMPLE_NAMES; do
	for fmt in txt json yaml; do
		case $fmt in
		txt) opt= ;;
		json) opt=--json ;;
		yaml) opt=--yaml ;;
		esac
		# shellcheck disable=SC2086
		"$CKPTDUMP" $opt "$s.ckpt" >"$tmp/out" 2>&1
		if [ "${CKPT_REGEN:-}" = 1 ]; then
			cp "$tmp/out" "$golden/$s.$fmt"
		fi
		if diff -u "$golden/$s.$fmt" "$tmp/out" >"$tmp/diff"; then
			pass "$s.$fmt matches the golden file"
		else
			fail "$s.$fmt differs from the golden file" "$(head -40 "$tmp/diff")"
		fi
	done
done
# --pages: the hexdump of one page run is golden too.
"$CKPTDUMP" --pages --index 35-36 rev6-tasks.ckpt >"$tmp/out" 2>&1
[ "${CKPT_REGEN:-}" = 1 ] && cp "$tmp/out" "$golden/rev6-tasks-pages.txt"
if diff -u "$golden/rev6-tasks-pages.txt" "$tmp/out" >"$tmp/diff"; then
	pass "--pages hexdump matches the golden file"
else
	fail "--pages hexdump differs from the golden file" "$(head -40 "$tmp/diff")"
fi
done_testing
