#!/bin/bash
# --type, --index and --offset select records; roles still follow parents.
. "$top_srcdir/tests/programs/lib.sh"

img="$CKPT_SAMPLES/rev6-tasks.ckpt"
count() { grep -c '^\[[0-9]*\] ' "$1"; }

"$CKPTDUMP" --type VMA "$img" >"$tmp/o"
check_eq "--type VMA: two records" 2 "$(count "$tmp/o")"
check_eq "--type VMA: only VMAs" 0 "$(grep '^\[' "$tmp/o" | grep -vc ' VMA ')"
"$CKPTDUMP" -t vma,pgarr "$img" >"$tmp/o"
check_eq "-t vma,pgarr (any case): six records" 6 "$(count "$tmp/o")"
"$CKPTDUMP" --type 402 "$img" >"$tmp/o"
check_eq "--type 402 (a number) selects VMAs" 2 "$(count "$tmp/o")"
"$CKPTDUMP" --type BUFFER "$img" >"$tmp/o"
check_grep "a filtered BUFFER keeps its role" '^\[36\] BUFFER pages \(of PGARR \[35\]\)' "$tmp/o"

"$CKPTDUMP" --index 14 "$img" >"$tmp/o"
check_eq "--index 14: one record" 1 "$(count "$tmp/o")"
check_grep "--index 14 is the first TASK" '^\[14\] TASK ' "$tmp/o"
"$CKPTDUMP" --index 1-3 "$img" >"$tmp/o"
check_eq "--index 1-3: three records" 3 "$(count "$tmp/o")"

# Byte 100 lies inside record 1 (the release BUFFER at 72, 73 bytes long).
"$CKPTDUMP" --offset 100 "$img" >"$tmp/o"
check_grep "--offset 100 finds the record holding that byte" '^\[1\] BUFFER release ' "$tmp/o"
check_eq "--offset selects one record" 1 "$(count "$tmp/o")"
"$CKPTDUMP" --offset 0x48 "$img" >"$tmp/o"
check_grep "--offset takes hex" '^\[1\] BUFFER ' "$tmp/o"

"$CKPTDUMP" --json --type TAIL "$img" >"$tmp/o"
check_grep "--json honours filters" '"type": ?"TAIL"' "$tmp/o"
check_no_grep "--json filtered: no TASK" '"type": ?"TASK"' "$tmp/o"

run "$tmp/o" "$tmp/e" "$CKPTDUMP" --type NOSUCH "$img"
check_eq "--type NOSUCH: exit status 2" 2 "$rc"
check_grep "--type NOSUCH: says why" 'no dialect has a record type of that name' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" --index 5-2 "$img"
check_eq "--index 5-2: exit status 2" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" --offset x "$img"
check_eq "--offset x: exit status 2" 2 "$rc"
done_testing
