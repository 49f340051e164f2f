#!/bin/bash
# The command line: help, version, bad usage, unreadable files.
. "$top_srcdir/tests/programs/lib.sh"

run "$tmp/o" "$tmp/e" "$CKPTDUMP" --help
check_eq "--help: exit status 0" 0 "$rc"
for o in --json --yaml --type --offset --index --pages --list-types --version; do
	check_grep "--help mentions $o" "$o" "$tmp/o"
done
run "$tmp/o" "$tmp/e" "$CKPTDUMP" --version
check_eq "--version: exit status 0" 0 "$rc"
check_grep "--version names the program and version" '^ckptdump \(ckpttools\) [0-9]+\.[0-9]+' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTDUMP"
check_eq "no image: exit status 2" 2 "$rc"
check_grep "no image: says so" 'no image given' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" --bogus x
check_eq "unknown option: exit status 2" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" "$tmp/does-not-exist"
check_eq "missing file: exit status 2" 2 "$rc"
check_eq "missing file: the system's words, no byte offset" "ckptdump: $tmp/does-not-exist: No such file or directory" "$(cat "$tmp/e")"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" /dev/null
check_eq "empty input: exit status 2" 2 "$rc"
check_grep "empty input: too short" 'byte 0 \(0x0\), record 0: image is 0 bytes long' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTDUMP" "$tmp"
check_eq "a directory: exit status 2" 2 "$rc"
check_eq "a directory: one line on stderr" 1 "$(wc -l <"$tmp/e")"
check_eq "a directory: says so" "ckptdump: $tmp: Is a directory" "$(cat "$tmp/e")"
# Every program says it the same way.
for prog in "$CKPTCHECK" "$CKPTDIFF $CKPT_SAMPLES/rev6-tasks.ckpt" "$CKPTENCODE -o $tmp/out.ckpt" \
	"$CKPTDUMP --summary" "$CKPTDUMP -i"; do
	name=$(basename "${prog%% *}")
	what=$name
	case $prog in *" "*) what="$name ${prog#* }" ;; esac
	what=${what//$CKPT_SAMPLES\//}
	what=${what//$tmp\//}
	# shellcheck disable=SC2086
	run "$tmp/o" "$tmp/e" $prog "$tmp/does-not-exist"
	check_eq "$what: missing file: exit status 2" 2 "$rc"
	check_eq "$what: missing file: the system's words" "$name: $tmp/does-not-exist: No such file or directory" "$(cat "$tmp/e")"
	# shellcheck disable=SC2086
	run "$tmp/o" "$tmp/e" $prog "$tmp"
	check_eq "$what: a directory: the system's words" "$name: $tmp: Is a directory" "$(cat "$tmp/e")"
done
run "$tmp/o" "$tmp/e" "$CKPTDUMP" --list-types
check_eq "--list-types: exit status 0" 0 "$rc"
check_grep "--list-types lists rev 6 PGARR" '^ +403  PGARR ' "$tmp/o"
check_grep "--list-types lists LinuxC/R CRED" '^ +2  CRED ' "$tmp/o"
done_testing
