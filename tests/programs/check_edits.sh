#!/bin/bash
# ckptcheck without trusting digests: each class of logically broken image
# (edited through ckptdump --json --pages | imgedit | ckptencode) is a
# finding whether the editor recomputed the digests, dropped them, or the
# image carries no extension record at all; the unedited image passes in
# each form.  Rules of the restore family (what ckptrestore can rebuild) are
# judged in its own tests and skipped here.
. "$top_srcdir/tests/programs/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to edit the JSON documents"
IMGEDIT="$top_srcdir/tests/tools/imgedit.py"
src="$CKPT_SAMPLES/rev6-ext.ckpt"
restore=$("$CKPTCHECK" --list-rules | grep -Eo '^restore-[a-z-]+' | paste -sd, -)
skip=${restore:+--skip $restore}
# The sample's kernel, with the last capability its credentials use.
python3 -c 'import json, sys
p = json.load(open(sys.argv[1])); p["kernel"]["cap_last_cap"] = 40; json.dump(p, open(sys.argv[2], "w"))' \
	"$CKPT_PROFILES/linux-2.6.37-ckpt-v23.json" "$tmp/target.json"
"$CKPTDUMP" --json --pages "$src" >"$tmp/src.json"

# edited EDIT: $tmp/EDIT.ckpt from the sample through the JSON document.
edited() {
	python3 "$IMGEDIT" "$1" <"$tmp/src.json" >"$tmp/$1.json" &&
		"$CKPTENCODE" -o "$tmp/$1.ckpt" "$tmp/$1.json" 2>"$tmp/$1.err"
}

# verdict IMAGE [OPTIONS...]: "go" or "no-go", and the findings in $tmp/o
verdict() {
	local img=$1
	shift
	# shellcheck disable=SC2086
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$tmp/target.json" $skip "$@" "$img"
	case $rc in 0) echo go ;; 1) echo no-go ;; *) echo "trouble($rc): $(head -1 "$tmp/e")" ;; esac
}

# The unedited sample in the three forms: go (stripping the digests of an
# image with other extension records is itself a finding).
edited none || fail "none: encodes" "$(cat "$tmp/none.err")"
for form in recompute plain; do
	"$REDIGEST" "$form" "$tmp/none.ckpt" "$tmp/none.$form.ckpt"
	check_eq "unedited, digests $form: go" go "$(verdict "$tmp/none.$form.ckpt")"
	check_eq "... and go with --strict" go "$(verdict "$tmp/none.$form.ckpt" --strict --skip digest-none)"
done
"$REDIGEST" strip "$tmp/none.ckpt" "$tmp/none.strip.ckpt"
check_eq "unedited, digests stripped: no-go" no-go "$(verdict "$tmp/none.strip.ckpt")"
check_grep "... for digest-coverage alone" '^error digest-coverage ' "$tmp/o"

# EDIT RULE [FORMS]: the edit makes RULE fire (an error, or the rule's own
# severity) in each form of the image.
cases="
no-mm task-refs
no-files task-refs
no-signal task-refs
no-ecred task-refs
no-ns task-refs
userns-self userns-cycle
pid-zero pid-number
file-vma-no-file vma-file
anon-vma-file vma-file
pgoff-overflow vma-pgoff
brk-below mm-brk
stack-outside mm-stack
no-exe mm-exe
ip-outside cpu-ip
ip-kernel cpu-ip
sp-outside cpu-sp
euid-minus-one cred-ids
cap-past-last cred-cap-range
groups-unsorted cred-groups
groups-repeated cred-groups
path-nul path-nul
root-empty fs-empty
exit-signal signal-range
pipe-end file-peer-unknown
"
while read -r edit rule; do
	[ -n "$edit" ] || continue
	if ! edited "$edit"; then
		fail "$edit: encodes" "$(cat "$tmp/$edit.err")"
		continue
	fi
	for form in recompute strip plain; do
		"$REDIGEST" "$form" "$tmp/$edit.ckpt" "$tmp/$edit.$form.ckpt"
		v=$(verdict "$tmp/$edit.$form.ckpt")
		sev=error
		[ "$rule" = file-peer-unknown ] && sev=warning
		check_grep "$edit, digests $form: $rule" "^$sev $rule " "$tmp/o"
		[ $sev = error ] && check_eq "$edit, digests $form: no-go" no-go "$v"
	done
done <<<"$cases"

# Producer facts live in an extension record: judged where it is.
edited producer-pid
for form in recompute strip; do
	"$REDIGEST" "$form" "$tmp/producer-pid.ckpt" "$tmp/p.ckpt"
	verdict "$tmp/p.ckpt" >/dev/null
	check_grep "producer-pid, digests $form: producer-facts" '^warning producer-facts .*root_pid' "$tmp/o"
done

# app | logger: a pipe end whose reader runs outside (EXT_PEERS) is an
# error naming task, fd and path, unless declared; no reader outside: go.
edited pipe-reader-outside
"$REDIGEST" recompute "$tmp/pipe-reader-outside.ckpt" "$tmp/p.ckpt"
check_eq "a pipe read outside the image: no-go" no-go "$(verdict "$tmp/p.ckpt")"
check_grep "... file-peer-outside names task, fd and path" \
	'^error file-peer-outside .*task 1 \(init\) fd 0: pipe:\[4242\] \(pipe\): 1 descriptor\(s\) outside the image read from it; declare it with --external fd:1:0' "$tmp/o"
check_eq "... declared with --external fd:1:0: go" go "$(verdict "$tmp/p.ckpt" --external fd:1:0)"
check_grep "... and an info line" '^info file-peer-outside .*declared external' "$tmp/o"
check_eq "... another descriptor declared: still no-go" no-go "$(verdict "$tmp/p.ckpt" --external fd:1:1)"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --external 'fd:1:x' "$tmp/p.ckpt"
check_eq "--external with a malformed declaration: exit status 2" 2 "$rc"
check_grep "... the message says the syntax" 'expected fd:PID:FD' "$tmp/e"
edited pipe-no-reader-outside
"$REDIGEST" recompute "$tmp/pipe-no-reader-outside.ckpt" "$tmp/p.ckpt"
check_eq "a pipe end nobody outside reads: go" go "$(verdict "$tmp/p.ckpt")"
check_no_grep "... without a file finding" 'file-peer' "$tmp/o"

done_testing
