#!/bin/bash
# Builds the libFuzzer harnesses and runs each on its corpus.
#
#   fuzz/run.sh [SECONDS [HARNESS...]]
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
for h in "${harnesses[@]}"; do
	# shellcheck disable=SC2086
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$dir/include" -I"$dir/src/core" -I"$dir" "$dir/fuzz/fuzz_$h.c" \
		"$dir/src/core/.libs/libckpt-core.a" $libs -o "$dir/fuzz_$h"
	work="$top/fuzz-work/$h"
	mkdir -p "$work"
	echo "=== fuzz_$h: ${seconds}s"
	if ! (cd "$work" && "$dir/fuzz_$h" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 . "$top/fuzz/corpus/$h" 2>&1 |
		grep -E '^(stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|#[0-9]+ +DONE)'); then
		:
	fi
	if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* >/dev/null 2>&1; then
		echo "fuzz_$h: FOUND a failing input in $work" >&2
		status=1
	fi
done
exit "$status"
