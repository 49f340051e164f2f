#!/bin/bash
# ckptcheck: the command line, the bundled samples, one byte-patched sample
# per rule (the rule id asserted), kernel profiles, and corruption of the
# small v17 sample.
. "$top_srcdir/tests/programs/lib.sh"

P="$CKPT_PROFILES"
V17K="$P/linux-2.6.31-ckpt-v17.json"
R6K="$P/linux-2.6.37-ckpt-v23.json"
R6="$CKPT_SAMPLES/rev6-tasks.ckpt"

# patch FILE OFFSET BYTE...: overwrites bytes (decimal values) in place
patch() {
	local f=$1 off=$2
	shift 2
	for b in "$@"; do
		printf "$(printf '\\%03o' "$b")" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
		off=$((off + 1))
	done
}

# offset_of TYPE [N]: byte offset of the Nth (from 1) record of TYPE in rev6
offset_of() {
	"$CKPTDUMP" "$R6" | sed -n "s/^\[[0-9]*\] $1 .*@\([0-9]*\) .*/\1/p" | sed -n "${2:-1}p"
}

# broken NAME: a fresh copy of the rev 6 sample to patch
broken() { cp "$R6" "$tmp/$1.ckpt"; echo "$tmp/$1.ckpt"; }

# expect DESC RC RULE FILE [OPTIONS...]: checks FILE against the rev 6
# sample's kernel, wants exit status RC and a finding of RULE
expect() {
	local desc=$1 want=$2 rule=$3 file=$4
	shift 4
	# (the rev 6 sample predates digests: digest-none's info line is left out)
	run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" --skip digest-none "$@" "$file"
	check_eq "$desc: exit status $want" "$want" "$rc"
	check_grep "$desc: $rule reported" "^(error|warning|info) $rule record [0-9]+( \([A-Za-z_0-9 ]+\))? @[0-9]+ \(0x[0-9a-f]+\): .+" "$tmp/o"
}

# -- the command line -----------------------------------------------------------
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --help
check_eq "--help: exit status 0" 0 "$rc"
for o in --json --quiet --rule --skip --target --allow-version-mismatch --strict --save-profile --list-rules --version; do
	check_grep "--help mentions $o" "$o" "$tmp/o"
done
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --version
check_grep "--version names the program" '^ckptcheck \(ckpttools\) [0-9]+\.[0-9]+' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK"
check_eq "no image: exit status 2" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --bogus "$R6"
check_eq "unknown option: exit status 2" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --rule no-such-rule "$R6"
check_eq "--rule with an unknown id: exit status 2" 2 "$rc"
check_grep "--rule with an unknown id: says so" 'no-such-rule: no rule has that id' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --skip tail-magic,bogus "$R6"
check_eq "--skip with an unknown id: exit status 2" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --rule kernel-version --rule digest-none "$R6"
check_eq "two --rule options: both rules run" "digest-none kernel-version" \
	"$(grep -Eo '^(error|info) [a-z-]+' "$tmp/o" | cut -d' ' -f2 | sort | tr '\n' ' ' | sed 's/ $//')"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$tmp/does-not-exist"
check_eq "missing file: exit status 2" 2 "$rc"
check_grep "missing file: names the reason" 'cannot open: No such file or directory' "$tmp/e"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" /dev/null
check_eq "empty input (no dialect): exit status 2" 2 "$rc"

run "$tmp/rules" "$tmp/e" "$CKPTCHECK" --list-rules
check_eq "--list-rules: exit status 0" 0 "$rc"
ids=$(grep -Eo '^[a-z][a-z-]+' "$tmp/rules")
# No rule count here: adding a rule is one registry row and its tests.
check_eq "--list-rules: no id twice" "" "$(echo "$ids" | sort | uniq -d | tr '\n' ' ')"
check_grep "--list-rules: the framing rule is listed" '^framing ' "$tmp/rules"
missing_man="" missing_comp=""
for id in $ids; do
	grep -qxF -- ".B ${id//-/\\-}" "$top_srcdir/man/ckptcheck.1" || missing_man="$missing_man $id"
	grep -qw -- "$id" "$top_srcdir/completion/ckptcheck" || missing_comp="$missing_comp $id"
done
check_eq "every rule is documented in ckptcheck(1)" "" "$missing_man"
check_eq "every rule is in the bash completion" "" "$missing_comp"

# -- the bundled samples ----------------------------------------------------------
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$V17K" "$CKPT_SAMPLES/v17-task.ckpt"
check_eq "v17-task against its 2.6.31 kernel: go" 0 "$rc"
check_grep "v17-task: summary line" 'v17-task.ckpt: go: 0 errors, 0 warnings, 0 infos in 7 records' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$V17K" "$CKPT_SAMPLES/v17-error.ckpt"
check_eq "v17-error: no-go" 1 "$rc"
check_grep "v17-error: image-error-record quotes the message" \
	'^error image-error-record record 6 \(ERROR\) @339 \(0x153\): .*"checkpoint: task 1234 \(bash\) is not frozen"' "$tmp/o"
check_eq "v17-error: exactly one finding" 1 "$(grep -c '^error ' "$tmp/o")"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" "$R6"
check_eq "rev6-tasks against its 2.6.37 kernel: go" 0 "$rc"
check_grep "rev6-tasks: only the info that it has no digests" 'go: 0 errors, 0 warnings, 1 info in 71 records' "$tmp/o"
check_grep "rev6-tasks: digest-none" '^info digest-none ' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --strict --target "$R6K" "$R6"
check_eq "rev6-tasks with --strict: no-go (no digests)" 1 "$rc"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --strict --target "$R6K" "$CKPT_SAMPLES/rev6-ext.ckpt"
check_eq "rev6-ext with --strict: go" 0 "$rc"
check_grep "rev6-ext: no findings" 'go: 0 errors, 0 warnings, 0 infos in 66 records' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$CKPT_SAMPLES/linuxcr-creds.ckpt"
check_eq "linuxcr-creds against the running kernel: go" 0 "$rc"
check_no_grep "linuxcr-creds: no errors or warnings" '^(error|warning) ' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" "$R6"
check_eq "rev6-tasks against the running kernel: no-go (2.6.37 is not running)" 1 "$rc"
check_grep "... kernel-version names both versions" '^error kernel-version record 0 \(HEADER\) @18 .*2\.6\.37' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" - <"$R6"
check_eq "standard input: go" 0 "$rc"
check_grep "standard input: named (stdin)" '^\(stdin\): go' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" -q --target "$V17K" "$CKPT_SAMPLES/v17-error.ckpt"
check_eq "-q: exit status still 1" 1 "$rc"
check_eq "-q: prints nothing" "" "$(cat "$tmp/o" "$tmp/e")"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --json --target "$V17K" "$CKPT_SAMPLES/v17-error.ckpt"
check_eq "--json: exit status 1" 1 "$rc"
if "$VALIDATE" json "$tmp/o" 2>"$tmp/e"; then pass "--json: well-formed"; else fail "--json: well-formed" "$(cat "$tmp/e")"; fi
check_grep "--json: verdict" '"verdict": "no-go"' "$tmp/o"
check_grep "--json: finding rule" '"rule": "image-error-record"' "$tmp/o"
check_grep "--json: finding offset" '"offset": 339' "$tmp/o"

# -- one broken image per rule ---------------------------------------------------------
f=$(broken framing)
patch "$f" $(($(offset_of TASK) + 4)) 81	# TASK length 80 -> 81
expect "framing (a TASK 81 bytes long)" 1 framing "$f"
check_grep "framing: names the reason" 'length 81 is wrong for TASK' "$tmp/o"

head -c $(($(stat -c %s "$R6") - 16)) "$R6" >"$tmp/notail.ckpt"
expect "tail-missing" 1 tail-missing "$tmp/notail.ckpt"
# From a pipe the size is unknown: the reader's error kind still tells.
rc=0; cat "$tmp/notail.ckpt" | "$CKPTCHECK" --target "$R6K" - >"$tmp/o" 2>"$tmp/e" || rc=$?
check_eq "tail-missing from a pipe: exit status 1" 1 "$rc"
check_grep "tail-missing from a pipe: tail-missing reported" "^error tail-missing record [0-9]+" "$tmp/o"
check_eq "tail-missing: the only finding" 1 "$(grep -c '^error ' "$tmp/o")"

f=$(broken tailmagic)
patch "$f" $(($(offset_of TAIL) + 8)) 1
expect "tail-magic" 1 tail-magic "$f"
check_eq "tail-magic: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken unknown)
patch "$f" "$(offset_of SIGNAL_TASK)" 0x61 0x1e	# type 7777
expect "type-unknown (rev 6: a warning)" 0 type-unknown "$f"

f=$(broken prefix)
patch "$f" "$(offset_of HEADER_ARCH)" 8	# HEADER_ARCH -> SECURITY
expect "prefix-order" 1 prefix-order "$f"
check_eq "prefix-order: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken nocomm)
patch "$f" "$(offset_of 'STRING comm')" 4	# the comm STRING -> BUFFER
expect "follower-missing" 1 follower-missing "$f"
check_eq "follower-missing: the only error" 1 "$(grep -c '^error ' "$tmp/o")"

f=$(broken orphan)
patch "$f" "$(offset_of TASK)" 111	# TASK -> IPC_NS: its comm is an orphan
# (one TASK fewer than the tree has entries: tree-count's error, skipped)
expect "follower-orphan (rev 6: a warning)" 0 follower-orphan "$f" --skip tree-count

f=$(broken enum)
patch "$f" $(($(offset_of VMA) + 8)) 77
expect "enum-unknown (a warning)" 0 enum-unknown "$f"

f=$(broken unterminated)
patch "$f" $(($(offset_of 'FILE_NAME path') + 8 + 10)) 120	# "/sbin/init" loses its NUL
expect "string-unterminated" 1 string-unterminated "$f"
check_eq "string-unterminated: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken pad)
patch "$f" 26 1
expect "padding-nonzero (a warning)" 0 padding-nonzero "$f"

f=$(broken uflags)
patch "$f" 64 0x81
expect "header-uflags" 1 header-uflags "$f"
check_eq "header-uflags: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken bufsize)
patch "$f" 42 64	# uts_release_len 65 -> 64
expect "header-buffer-size" 1 header-buffer-size "$f" --skip kernel-const
check_eq "header-buffer-size: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken version)
patch "$f" 22 38
expect "kernel-version" 1 kernel-version "$f"
check_eq "kernel-version: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"
expect "kernel-version with --allow-version-mismatch" 0 kernel-version "$f" --allow-version-mismatch
check_grep "... is a warning" '^warning kernel-version ' "$tmp/o"

f=$(broken const)
patch "$f" 52 1	# n_tty_buf_size 4096 -> 4097
expect "kernel-const" 1 kernel-const "$f"
check_grep "kernel-const: names the constant and both values" 'constant n_tty_buf_size is 4097 in the image but 4096' "$tmp/o"

f=$(broken xstate)
patch "$f" $(($(offset_of HEADER_ARCH) + 12)) 0x41	# xstate_size 832 -> 833
expect "kernel-arch" 1 kernel-arch "$f"
check_grep "kernel-arch: names xstate_size" 'xstate_size is 833 in the image but 832' "$tmp/o"

f=$(broken invalid)
patch "$f" $(($(offset_of OBJREF 2) + 12)) 0xff 0xff 0xff 0xff	# PID objref 2 -> -1
expect "objref-invalid" 1 objref-invalid "$f" --rule objref-invalid

f=$(broken dup)
patch "$f" $(($(offset_of OBJREF 2) + 12)) 1	# both PIDs objref 1
expect "objref-duplicate" 1 objref-duplicate "$f" --rule objref-duplicate

f=$(broken objtype)
patch "$f" $(($(offset_of OBJREF 2) + 8)) 99
expect "objtype-unknown" 1 objtype-unknown "$f" --rule objtype-unknown

f=$(broken objrecord)
patch "$f" "$(offset_of USER_NS)" 112	# USER_NS record -> MNT_NS
expect "objref-record" 1 objref-record "$f"
check_eq "objref-record: the only error" 1 "$(grep -c '^error ' "$tmp/o")"

f=$(broken undefined)
patch "$f" $(($(offset_of TASK_CREDS) + 8)) 99
expect "objref-undefined" 1 objref-undefined "$f"
check_eq "objref-undefined: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken reftype)
patch "$f" $(($(offset_of TASK_CREDS) + 12)) 3	# ecred_ref -> the USER_NS
expect "objref-type" 1 objref-type "$f"
check_eq "objref-type: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"
check_grep "objref-type: names both types" 'a USER_NS .*must refer to a CRED' "$tmp/o"

f=$(broken unreferenced)
patch "$f" $(($(offset_of USER) + 12)) 0	# the USER's userns_ref -> 0
expect "objref-unreferenced (a warning)" 0 objref-unreferenced "$f"
expect "objref-unreferenced with --strict" 1 objref-unreferenced "$f" --strict
check_grep "... is an error" '^error objref-unreferenced ' "$tmp/o"

f=$(broken mapcount)
patch "$f" $(($(offset_of MM) + 8)) 3	# map_count 2 -> 3
expect "mm-map-count" 1 mm-map-count "$f"
check_eq "mm-map-count: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken caps)
patch "$f" $(($(offset_of CRED) + 64 + 5)) 0	# cap_permitted loses bits 40..47
expect "cred-caps" 1 cred-caps "$f"
check_eq "cred-caps: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f=$(broken treeshape)
patch "$f" $(($(offset_of 'BUFFER tasks') + 8 + 24)) 0	# task 2's vpid -> 0
expect "tree-shape" 1 tree-shape "$f"
check_grep "tree-shape: names the task" "task 2's TREE entry: vpid 0" "$tmp/o"

# -- the extension records of rev6-ext: refcounts and digests --------------------------
E="$CKPT_SAMPLES/rev6-ext.ckpt"
f="$tmp/pagebit.ckpt"; cp "$E" "$f"
patch "$f" 3000 0x55	# inside the stack page of BUFFER record 37
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" "$f"
check_eq "a changed page byte: no-go" 1 "$rc"
check_grep "digest-mismatch names the record and the page run" \
	'^error digest-mismatch record 37 \(BUFFER\) @1689 .*1 page in 0x7fff5a3c0000-0x7fff5a3c1000 of the VMA 0x7fff5a3a0000-0x7fff5a3c1000, record 35' "$tmp/o"
check_eq "digest-mismatch: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f="$tmp/digest.ckpt"; cp "$E" "$f"
patch "$f" 9100 0x55	# inside the EXT_DIGEST's digests
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" "$f"
check_grep "a changed digest: digest-self" '^error digest-self record 64 \(EXT_DIGEST\)' "$tmp/o"
check_eq "digest-self: the only finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"

f="$tmp/users.ckpt"; cp "$E" "$f"
patch "$f" 8872 3	# the MM was seen with 3 users
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" --skip digest-mismatch "$f"
check_grep "an mm held outside: users-external error" \
	'^error users-external record 63 \(EXT_USERS\) @8872 .*objref 10 \(MM, held by task [0-9]+ \([a-z]+\)\) had 3 users .* but 1 inside' "$tmp/o"
f="$tmp/ns.ckpt"; cp "$E" "$f"
patch "$f" 8848 5	# the uts namespace was seen with 5 users
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" --skip digest-mismatch "$f"
check_eq "a namespace shared with the host: go" 0 "$rc"
check_grep "... users-external is an info line" '^info users-external record 63 .*UTS_NS' "$tmp/o"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$R6K" --skip digest-mismatch --strict "$f"
check_eq "... with --strict: still go (a subtree checkpoint shares namespaces by design)" 0 "$rc"
check_grep "... still an info line" '^info users-external record 63 .*UTS_NS' "$tmp/o"

# -- kernel profiles ---------------------------------------------------------------------
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --save-profile "$tmp/running.json"
check_eq "--save-profile: exit status 0" 0 "$rc"
if "$VALIDATE" json "$tmp/running.json" 2>"$tmp/e"; then pass "--save-profile: valid JSON"; else fail "--save-profile: valid JSON" "$(cat "$tmp/e")"; fi
for k in '"format": "ckpt-kernel-profile"' '"release": ' '"arch": ' '"task_comm_len": 16' '"tty_termios_nccs": 19' '"xstate_size": '; do
	check_grep "--save-profile: has $k" "$k" "$tmp/running.json"
done
"$CKPTCHECK" --save-profile - >"$tmp/running2.json"
check_eq "--save-profile is deterministic" "" "$(diff "$tmp/running.json" "$tmp/running2.json")"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$tmp/running.json" "$CKPT_SAMPLES/linuxcr-creds.ckpt"
check_eq "--target a saved running profile: go" 0 "$rc"
run "$tmp/o2" "$tmp/e" "$CKPTCHECK" "$CKPT_SAMPLES/linuxcr-creds.ckpt"
check_eq "... the same findings as against the running kernel" "$(grep -v '^/' "$tmp/o2" | cut -d' ' -f1-6)" \
	"$(grep -v '^/' "$tmp/o" | cut -d' ' -f1-6)"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --save-profile "$tmp/no/such/dir.json"
check_eq "--save-profile to an unwritable path: exit status 2" 2 "$rc"

sed 's/"rlimit_nlimits": 16/"rlimit_nlimits": 17/' "$R6K" >"$tmp/one-const.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$tmp/one-const.json" --skip digest-none "$R6"
check_eq "one changed constant: no-go" 1 "$rc"
check_eq "one changed constant: exactly one finding" 1 "$(grep -c '^[a-z]* ' "$tmp/o")"
check_grep "one changed constant: kernel-const names it" '^error kernel-const record 0 \(HEADER\) @50 .*rlimit_nlimits is 16 in the image but 17' "$tmp/o"

sed 's/"n_tty_buf_size"/"n_tty_buffer"/' "$R6K" >"$tmp/bad.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$tmp/bad.json" "$R6"
check_eq "profile missing a key: exit status 2" 2 "$rc"
check_grep "profile missing a key: names it" 'constants.n_tty_buf_size' "$tmp/e"
sed 's/"patch": 37/"patch": "37"/' "$R6K" >"$tmp/bad.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$tmp/bad.json" "$R6"
check_eq "profile with a string for a number: exit status 2" 2 "$rc"
check_grep "... names the key" 'kernel.patch' "$tmp/e"
echo '{ "format": ' >"$tmp/bad.json"
run "$tmp/o" "$tmp/e" "$CKPTCHECK" --target "$tmp/bad.json" "$R6"
check_eq "profile not JSON: exit status 2" 2 "$rc"
check_eq "profile not JSON: one line" 1 "$(wc -l <"$tmp/e")"

# -- corruption of the small v17 sample ---------------------------------------------------
# Through the program: cuts at and around every record edge and on a stride,
# and single-bit flips in every byte a rule can judge (record frames, the
# header's magic, version, revision, constants and uflags, the TAIL magic)
# plus a stride through the rest.  Every cut and every flip of the image is
# tried in-process by the unit tests (test_check.c), with the same demands;
# flips in the time, the tids, exit fields and text contents can pass, since
# v17 images carry no digests (rev 6 images from ckpt do: every cut and flip
# of rev6-ext.ckpt is rejected, in test_check.c).
v17="$CKPT_SAMPLES/v17-task.ckpt"
size=$(stat -c %s "$v17")
# A private copy of the program (statically linked to libckpt), so that a
# rebuild of the tree meanwhile cannot pull it away.
cp "$CKPTCHECK" "$tmp/ckptcheck"
CKPTCHECK="$tmp/ckptcheck"
edges="56 129 202 275 315 339"
problems=""
cuts=0
for len in $( { for e in 0 $edges; do echo $((e - 1)) "$e" $((e + 1)) $((e + 8)); done; seq 0 7 "$size"; } | sort -nu); do
	[ "$len" -ge 0 ] && [ "$len" -lt "$size" ] || continue
	head -c "$len" "$v17" >"$tmp/cut.ckpt"
	rc=0
	"$CKPTCHECK" --target "$V17K" "$tmp/cut.ckpt" >"$tmp/o" 2>"$tmp/e" || rc=$?
	cuts=$((cuts + 1))
	if grep -Eq "$sanitizer_pattern" "$tmp/e"; then problems="$problems cut $len: crash;"
	elif [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then problems="$problems cut $len: exit $rc;"
	fi
done
check_eq "v17-task: $cuts cuts rejected" "" "$problems"

judged=""
for b in $(seq 0 15) $(seq 18 25) $(seq 32 39) $(seq 48 55) $(seq 347 354); do judged="$judged $b"; done
for r in $edges; do for k in 0 1 2 3 4 5 6 7; do judged="$judged $((r + k))"; done; done
problems=""
flips=0
cp "$v17" "$tmp/flip.ckpt"
for at in $( { echo "$judged" | tr ' ' '\n'; seq 3 11 "$size"; } | grep . | sort -nu); do
	[ "$at" -lt "$size" ] || continue
	bit=$((at % 8))
	old=$(od -An -tu1 -j "$at" -N1 "$v17" | tr -d ' ')
	patch "$tmp/flip.ckpt" "$at" $((old ^ (1 << bit)))
	rc=0
	"$CKPTCHECK" --target "$V17K" "$tmp/flip.ckpt" >"$tmp/o" 2>"$tmp/e" || rc=$?
	flips=$((flips + 1))
	if grep -Eq "$sanitizer_pattern" "$tmp/e"; then problems="$problems byte $at bit $bit: crash;"
	elif [ "$rc" -gt 2 ]; then problems="$problems byte $at bit $bit: exit $rc;"
	elif [ "$rc" -eq 0 ] && [[ " $judged " == *" $at "* ]]; then problems="$problems byte $at bit $bit: passes;"
	fi
	patch "$tmp/flip.ckpt" "$at" "$old"
done
check_eq "v17-task: $flips bit flips: no crash, judged bytes rejected" "" "$problems"
done_testing
