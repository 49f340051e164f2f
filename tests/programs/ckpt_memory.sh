#!/bin/bash
# Memory: 64 MiB of anonymous memory with a known pattern must be in the
# image byte for byte, each page once, and pages never touched not at all;
# --no-pages writes none; an image streams through a pipe.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace
start_workload pat pattern
addr=$(ready_value pat addr)
size=$(ready_value pat size)

run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/pat.ckpt" "$pat_pid"
check_eq "pattern: ckpt exit status 0" 0 "$rc"
check_eq "pattern: quiet on success" "" "$(cat "$tmp/e")"
run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/pat.ckpt" "$addr" "$size"
check_eq "pattern: image reads back to its TAIL" 0 "$rc"
check_grep "pattern: 64 MiB byte for byte, every page once" "^pattern ok pages=$((size / 4096))$" "$tmp/facts"
# The 4 MiB after the pattern were mapped (same vma) but never touched.
untouched=$(printf '%x' $((addr + size)))
check_no_grep "pattern: untouched pages are not written" "^pages .* first=0x$untouched$" "$tmp/facts"
check_eq "pattern: image size close to the touched memory" 1 \
	"$(( $(stat -c %s "$tmp/pat.ckpt") < size + 8 * 1024 * 1024 ))"
run "$tmp/d" "$tmp/de" "$CKPTDUMP" "$tmp/pat.ckpt"
check_eq "pattern: ckptdump reads it (exit 0)" 0 "$rc"
if [ -x "${CKPTCHECK:-}" ]; then
	# Whole and consistent; restorable only once ckpt saves relocated read-only pages.
	run "$tmp/c" "$tmp/ce" "$CKPTCHECK" --skip "$(restorable_rules)" "$tmp/pat.ckpt"
	check_eq "pattern: ckptcheck says go (exit 0)" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/c" "$tmp/ce" | head -20
fi
check_released "pattern: runs on, untraced" "$pat_pid"

run "$tmp/o" "$tmp/e" "$CKPT" --no-pages -o "$tmp/meta.ckpt" "$pat_pid"
check_eq "--no-pages: exit status 0" 0 "$rc"
run "$tmp/mfacts" "$tmp/mferr" "$IMGFACTS" "$tmp/meta.ckpt"
check_eq "--no-pages: reads back" 0 "$rc"
check_no_grep "--no-pages: no page data" '^pages ' "$tmp/mfacts"
check_eq "--no-pages: the same vmas" "$(grep '^vma' "$tmp/facts")" "$(grep '^vma' "$tmp/mfacts")"
check_eq "--no-pages: small" 1 "$(( $(stat -c %s "$tmp/meta.ckpt") < 1024 * 1024 ))"

# Streaming: no seeking, the reader takes it from a pipe.
"$CKPT" "$pat_pid" 2>"$tmp/se" | "$IMGFACTS" - "$addr" "$size" >"$tmp/sfacts" 2>"$tmp/sferr"
check_eq "stdout: ckpt and the reader succeed" "0 0" "${PIPESTATUS[*]}"
check_grep "stdout: the pattern arrives whole" "^pattern ok pages=$((size / 4096))$" "$tmp/sfacts"
check_released "stdout: runs on, untraced" "$pat_pid"

# Verbose says what it did.
run "$tmp/o" "$tmp/e" "$CKPT" -v -o "$tmp/v.ckpt" "$pat_pid"
check_grep "-v: names what was frozen" '^ckpt: froze 1 process\(es\), 1 thread\(s\)$' "$tmp/e"
check_grep "-v: names what was written" '^ckpt: wrote [0-9]+ records, [0-9]+ pages, [0-9]+ bytes to ' "$tmp/e"
done_testing
