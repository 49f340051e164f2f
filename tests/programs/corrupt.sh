#!/bin/bash
# Corrupt input through the program: cuts of every sample around every
# record edge, and changed record lengths, end in exit status 2 with one
# line naming the byte offset and the record; never a crash or a sanitizer
# report.  (Every cut and every header byte change is also swept in-process
# by the unit tests, which is where exhaustive runs are cheap.)
. "$top_srcdir/tests/programs/lib.sh"

msg_re='^ckptdump: [^:]+: byte [0-9]+ \(0x[0-9a-f]+\), record [0-9]+( \([A-Za-z_0-9 ]+\))?: .+$'
sanitizer_re='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|core dumped'

# try IMAGE: sets rc, and bad to a reason if the run misbehaved.
try() {
	rc=0
	"$CKPTDUMP" "$1" >"$tmp/out" 2>"$tmp/err" || rc=$?
	local err
	err=$(<"$tmp/err")
	bad=
	if [[ $err =~ $sanitizer_re ]]; then
		bad="crash or sanitizer report: ${err:0:300}"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		bad="exit status $rc"
	elif [ "$rc" -eq 2 ] && { [[ $err == *$'\n'* ]] || ! [[ $err =~ $msg_re ]]; }; then
		bad="message is not one line with offset and record: ${err:0:300}"
	fi
}

# Record starts and ends of a good image, from its JSON view.
edges() {
	"$CKPTDUMP" --json "$1" | sed -n 's/^{"index":[0-9]*,"offset":\([0-9]*\),.*"length":\([0-9]*\),.*/\1 \2/p'
}

for s in $SAMPLE_NAMES; do
	img="$CKPT_SAMPLES/$s.ckpt"
	size=$(stat -c %s "$img")
	starts=" " ends=" "
	while read -r o l; do
		starts="$starts$o "
		ends="$ends$((o + l)) "
	done < <(edges "$img")
	lengths=$(for b in $starts $ends; do for d in -3 -1 0 1 5; do echo $((b + d)); done; done | sort -nu)
	problems="" cuts=0
	for len in $lengths; do
		[ "$len" -ge 0 ] && [ "$len" -lt "$size" ] || continue
		head -c "$len" "$img" >"$tmp/cut.ckpt"
		try "$tmp/cut.ckpt"
		cuts=$((cuts + 1))
		# LinuxC/R has no trailer: a cut between objects is a shorter image.
		want=2
		if [ "$s" = linuxcr-creds ] && [ "$len" -ge 84 ] && [[ "$starts$ends" == *" $len "* ]]; then
			want=0
		fi
		[ -z "$bad" ] && [ "$rc" -ne "$want" ] && bad="exit status $rc, expected $want"
		[ -n "$bad" ] && problems="$problems cut $len: $bad;"
	done
	if [ -z "$problems" ]; then pass "$s: $cuts cuts handled"; else fail "$s: cuts misbehave" "$problems"; fi
done

# Record lengths changed by one, by a lot, and to less than the frame: an
# error, or (when the new length happens to land on a later record) a dump
# that shows the new length.
img="$CKPT_SAMPLES/rev6-tasks.ckpt"
problems="" changes=0
while read -r o l; do
	for newlen in $((l + 1)) $((l - 1)) 4 $((l + 70000)) 4000000000; do
		cp "$img" "$tmp/bad.ckpt"
		printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((newlen & 255)) $((newlen >> 8 & 255)) $((newlen >> 16 & 255)) $((newlen >> 24 & 255)))" |
			dd of="$tmp/bad.ckpt" bs=1 seek=$((o + 4)) conv=notrunc status=none
		try "$tmp/bad.ckpt"
		changes=$((changes + 1))
		if [ -z "$bad" ] && [ "$rc" -eq 0 ] && ! grep -Eq "@$o \(0x[0-9a-f]+\) len $newlen\$" "$tmp/out"; then
			bad="length $newlen accepted but not shown"
		fi
		[ -n "$bad" ] && problems="$problems record @$o len $l -> $newlen: $bad;"
	done
done < <(edges "$img" | head -n 24)
if [ -z "$problems" ]; then pass "rev6-tasks: $changes changed lengths handled"; else fail "rev6-tasks: changed lengths misbehave" "$problems"; fi

# Header fields that identify the format: magic, revision, arch.
for spot in 8 9 15 24 16; do
	cp "$img" "$tmp/bad.ckpt"
	printf '\x77' | dd of="$tmp/bad.ckpt" bs=1 seek=$spot conv=notrunc status=none
	try "$tmp/bad.ckpt"
	if [ -z "$bad" ] && [ "$rc" -eq 2 ]; then pass "rev6 header byte $spot changed: rejected"; else fail "rev6 header byte $spot changed" "rc=$rc $bad"; fi
done
try "$img"
check_eq "the unchanged sample still passes" 0 "$rc"
done_testing
