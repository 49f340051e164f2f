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
# One letter, one meaning: the short forms that clashed are refused with
# the long option named; the long options work.
R6="$CKPT_SAMPLES/rev6-tasks.ckpt"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" -t "$tmp/profile.json" "$R6"
check_eq "ckptcheck -t: usage error" 2 "$rc"
check_eq "ckptcheck -t: names --target" "ckptcheck: -t is no longer short for --target (in ckptdump -t is --type): write --target $tmp/profile.json" "$(cat "$tmp/e")"
for opt in "-i cpu" "-o cred" "-s"; do
	# shellcheck disable=SC2086
	run "$tmp/o" "$tmp/e" "$CKPTDIFF" $opt "$R6" "$R6"
	check_eq "ckptdiff $opt: usage error" 2 "$rc"
	check_grep "ckptdiff $opt: names the long option" "^ckptdiff: ${opt%% *} is no longer short for --(ignore|only|stat) .*: write --" "$tmp/e"
done
run "$tmp/o" "$tmp/e" "$CKPTDIFF" --ignore cpu --only cred --stat "$R6" "$R6"
check_eq "ckptdiff --ignore --only --stat: exit 0" 0 "$rc"
# Every short letter a program takes means the same in the others.
letters() { "$1" --help | sed -n 's/^  -\([a-zA-Z]\), --\([a-z-]*\).*/\1 \2/p'; }
clash=$( { letters "$CKPTDUMP"; letters "$CKPTCHECK"; letters "$CKPTDIFF"; letters "$CKPTENCODE"
	[ -x "${CKPT:-}" ] && letters "$CKPT"; } |
	sort -u | awk '{ n[$1]++; l[$1] = l[$1] " --" $2 } END { for (k in n) if (n[k] > 1) print "-" k ":" l[k] }' | sort)
check_eq "no short letter means two things across the programs' --help" "" "$clash"
done_testing
