#!/bin/bash
# Builds the libFuzzer harnesses and runs each on its corpus.
#
#   fuzz/run.sh [SECONDS [HARNESS...]]
#
# Each run goes in -max_len stages: a quarter of the time on inputs of at
# most 256 bytes, a quarter at 2 KiB, the rest unlimited (the corpus's
# largest); for the encoder's JSON text 1 KiB and 8 KiB.  Small inputs run many times faster, and most framing and
# rule bugs need only a few records; the later stages grow from what the
# early ones found.  FUZZ_NICE=19 runs the fuzzers at that niceness.
#
# The core library is built with clang and coverage instrumentation in
# build-fuzz/ (a copy of the sources, like build.sh --sanitize); each
# harness fuzz/fuzz_NAME.c is linked against it.  Working corpora live in
# fuzz-work/NAME (seeded from fuzz/corpus/NAME); crashes are left there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
# libFuzzer and the sanitizer runtimes come with clang and libclang-rt.
need=""
command -v clang >/dev/null || need="$need clang"
dpkg-query -W -f='${Status}' 'libclang-rt-*-dev' 2>/dev/null | grep -q "install ok installed" ||
	need="$need libclang-rt-14-dev"
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
	else
		echo "fuzz/run.sh: needs$need (apt-get install$need)" >&2
		exit 2
	fi
fi

dir="$top/build-fuzz"
mkdir -p "$dir"
cd "$top"
git ls-files -z --cached --others --exclude-standard |
	grep -zv '^build-' | tar --null -T - -cf - | tar -xf - -C "$dir"
cd "$dir"
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh >/dev/null
fi
[ -f Makefile ] || ./configure -q CC=clang CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined"
make -s -j"$(nproc)" src/core/libckpt-core.la

harnesses=("$@")
if [ ${#harnesses[@]} = 0 ]; then
	for f in "$top"/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		harnesses+=("${n#fuzz_}")
	done
fi
libs=$(pkg-config --libs jansson yaml-0.1 libxxhash)
status=0
quarter=$(( seconds / 4 > 0 ? seconds / 4 : 1 ))
rest=$(( seconds - 2 * quarter > 0 ? seconds - 2 * quarter : 1 ))
for h in "${harnesses[@]}"; do
	# The browser's command layer lives in ckptdump's sources.
	extra=()
	[ "$h" = browse ] && extra=("$dir/src/ckptdump/browse_commands.c"
		"$dir/src/ckptdump/browse_complete.c" "$dir/src/ckptdump/browse_line.c"
		"$dir/src/ckptdump/dump_summary.c" "$dir/lib/common/program.c" -I"$dir/lib"
		-I"$dir/src/ckptdump" -DFUZZ_SAMPLE="\"$dir/samples/rev6-tasks.ckpt\"")
	[ "$h" = diff ] && extra=(-DFUZZ_SAMPLE="\"$dir/samples/rev6-tasks.ckpt\"")
	# shellcheck disable=SC2086
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$dir/include" -I"$dir/src/core" -I"$dir" "$dir/fuzz/fuzz_$h.c" "${extra[@]}" \
		"$dir/src/core/.libs/libckpt-core.a" $libs -o "$dir/fuzz_$h"
	work="$top/fuzz-work/$h"
	mkdir -p "$work"
	echo "=== fuzz_$h: ${seconds}s"
	# JSON text is about four times the size of the image it describes.
	small=256 medium=2048
	[ "$h" = encode ] && small=1024 medium=8192
	for stage in "$small $quarter" "$medium $quarter" "0 $rest"; do
		set -- $stage
		if ! (cd "$work" && nice -n "${FUZZ_NICE:-0}" "$dir/fuzz_$h" -max_len="$1" \
			-max_total_time="$2" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
			. "$top/fuzz/corpus/$h" 2>&1 |
			grep -E '^(stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|#[0-9]+ +DONE)'); then
			:
		fi
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* >/dev/null 2>&1 && break
	done
	if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* >/dev/null 2>&1; then
		echo "fuzz_$h: FOUND a failing input in $work" >&2
		status=1
	fi
done
exit "$status"
