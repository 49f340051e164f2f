#!/bin/bash
# Corrupt input through the program: every cut of the samples and changed
# bytes in record headers end in exit status 2 with a one-line message that
# names the byte offset and the record, never a crash or sanitizer report.
. "$top_srcdir/tests/programs/lib.sh"

msg_pattern='^ckptdump: [^:]+: byte [0-9]+ \(0x[0-9a-f]+\), record [0-9]+( \([A-Za-z_0-9 ]+\))?: .+'

# try IMAGE: sets rc, and bad=reason if the run misbehaved in any way.
try() {
	rc=0
	"$CKPTDUMP" "$1" >"$tmp/out" 2>"$tmp/err" || rc=$?
	bad=
	if grep -Eq "$sanitizer_pattern" "$tmp/err"; then
		bad="sanitizer or crash: $(head -c 300 "$tmp/err")"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		bad="exit status $rc"
	elif [ "$rc" -eq 2 ] && { [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -Eq "$msg_pattern" "$tmp/err"; }; then
		bad="message not one line with offset and record: $(head -c 300 "$tmp/err")"
	fi
}

boundaries() { # record offsets of a good image, and its size
	"$CKPTDUMP" --json "$1" | grep -o '"offset": *[0-9]*' | grep -o '[0-9]*$'
	stat -c %s "$1"
}

record_ends() { # where each record of a good image ends
	"$CKPTDUMP" --json "$1" | sed -n 's/.*"offset": *\([0-9]*\),.*"length": *\([0-9]*\).*/\1 \2/p' |
		while read -r o l; do echo $((o + l)); done
}

for s in $SAMPLE_NAMES; do
	img="$CKPT_SAMPLES/$s.ckpt"
	size=$(stat -c %s "$img")
	bounds=" $(boundaries "$img" | tr '\n' ' ') "
	ends=" $(record_ends "$img" | tr '\n' ' ') "
	if [ "$s" = rev6-tasks ]; then
		# Every cut near the front and around every record edge, and a
		# stride through the page data (the unit tests cut at every byte).
		lengths=$( { seq 0 1100; for b in $bounds; do echo $((b - 1)) "$b" $((b + 1)) $((b + 8)); done; seq 1100 127 "$size"; } | sort -nu)
	else
		lengths=$(seq 0 $((size - 1)))
	fi
	problems=""
	cuts=0
	for len in $lengths; do
		[ "$len" -ge 0 ] && [ "$len" -lt "$size" ] || continue
		head -c "$len" "$img" >"$tmp/cut.ckpt"
		try "$tmp/cut.ckpt"
		cuts=$((cuts + 1))
		# LinuxC/R has no trailer: a cut between objects is a shorter image.
		want=2
		if [ "$s" = linuxcr-creds ] && [ "$len" -ge 84 ] && [[ "$bounds$ends" == *" $len "* ]]; then
			want=0
		fi
		[ -z "$bad" ] && [ "$rc" -ne "$want" ] && bad="exit status $rc, expected $want"
		[ -n "$bad" ] && problems="$problems cut $len: $bad;"
	done
	if [ -z "$problems" ]; then pass "$s: $cuts cuts all rejected cleanly"; else fail "$s: cuts misbehave" "$problems"; fi

	# Changed bytes in each record header (type and length) and in the
	# image header.  A changed length or magic is always an error; a changed
	# type may make a valid image with an unknown record, never a crash.
	problems=""
	changes=0
	offs=$(boundaries "$img" | head -n 40)
	for b in $offs; do
		[ "$b" -lt "$size" ] || continue
		[ "$s" = linuxcr-creds ] && [ "$b" -eq 0 ] && continue
		for k in 0 1 2 3 4 5 6 7; do
			for delta in 1 255 128; do
				cp "$img" "$tmp/bad.ckpt"
				old=$(od -An -tu1 -j $((b + k)) -N1 "$img" | tr -d ' ')
				new=$(( (old + delta) % 256 ))
				printf "$(printf '\\%03o' "$new")" | dd of="$tmp/bad.ckpt" bs=1 seek=$((b + k)) conv=notrunc status=none
				try "$tmp/bad.ckpt"
				changes=$((changes + 1))
				# A new length may by chance land on a later record's
				# start; then the dump must show the new length.
				if [ -z "$bad" ] && [ "$k" -ge 4 ] && [ "$rc" -eq 0 ]; then
					newlen=$(od -An -tu4 -j $((b + 4)) -N4 "$tmp/bad.ckpt" | tr -d ' ')
					grep -Eq "@$b \(0x[0-9a-f]+\) len $newlen\$" "$tmp/out" ||
						bad="changed length $newlen accepted but not shown"
				fi
				[ -n "$bad" ] && problems="$problems byte $((b + k)) -> $new: $bad;"
			done
		done
	done
	if [ -z "$problems" ]; then pass "$s: $changes record-header changes handled"; else fail "$s: record-header changes misbehave" "$problems"; fi
done

# Image header fields that identify the format: magic, revision, arch.
for spot in 8 9 15 24 16; do
	cp "$CKPT_SAMPLES/rev6-tasks.ckpt" "$tmp/bad.ckpt"
	printf '\x77' | dd of="$tmp/bad.ckpt" bs=1 seek=$spot conv=notrunc status=none
	try "$tmp/bad.ckpt"
	if [ -z "$bad" ] && [ "$rc" -eq 2 ]; then pass "rev6 header byte $spot changed: rejected"; else fail "rev6 header byte $spot changed" "rc=$rc $bad"; fi
done
try "$CKPT_SAMPLES/rev6-tasks.ckpt"
check_eq "the unchanged sample still passes" 0 "$rc"
done_testing
