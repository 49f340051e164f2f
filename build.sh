#!/bin/bash
# Builds ckpttools from a fresh clone, installing what it needs first.
#
#   ./build.sh              install build dependencies (as root), configure, make
#   ./build.sh check        the same, then run the whole test suite
#   ./build.sh --sanitize check
#                           the same in build-sanitize/, with ASan and UBSan
#
# Builds are warning-free by policy: configure runs with --enable-werror.
set -eu

top=$(cd "$(dirname "$0")" && pwd)
sanitize=no
target=all
for arg in "$@"; do
	case $arg in
	--sanitize) sanitize=yes ;;
	check|distcheck|all) target=$arg ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "build.sh: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done

command -v git >/dev/null || { echo "build.sh: needs git (apt-get install git)" >&2; exit 2; }

# Debian package names; configure names the same ones if any is missing.
packages="build-essential autoconf automake libtool pkg-config libjansson-dev libyaml-dev
libxxhash-dev check libreadline-dev"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# For the tests only (restore_rules.sh edits JSON with it, the restore
# corpus restores an interpreter): installed as root, else they skip.
if [ "$(id -u)" = 0 ] && ! dpkg-query -W -f='${Status}' python3 2>/dev/null | grep -q "install ok installed"; then
	missing="$missing python3"
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "build.sh: installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "build.sh: missing packages:$missing" >&2
		echo "build.sh: run as root, or: sudo apt-get install$missing" >&2
		exit 2
	fi
fi

# autoreconf names every helper script it copies in, on stderr: show its
# warnings (the build is warning-free by policy), not that chatter; all of
# it when it fails.
run_autogen() {
	local log
	log=$(./autogen.sh 2>&1 >/dev/null) || { printf '%s\n' "$log" >&2; return 1; }
	printf '%s\n' "$log" | grep -v ": installing '" | grep . >&2 || true
}

# A new configure is run here, quietly, rather than by make's noisy
# config.status --recheck.
reconfigure=no
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	run_autogen
	reconfigure=yes
fi

if [ "$sanitize" = yes ]; then
	# Its own copy of the sources: automake cannot build out of a tree that
	# is also configured in place, and the plain build lives in place.
	dir="$top/build-sanitize"
	flags="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	mkdir -p "$dir"
	git ls-files -z --cached --others --exclude-standard |
		grep -zv '^build-sanitize/' | tar --null -T - -cf - | tar -xf - -C "$dir"
	cd "$dir"
	reconfigure=no
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		run_autogen
		reconfigure=yes
	fi
	[ -f Makefile ] && [ $reconfigure = no ] || ./configure -q --enable-werror CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
else
	[ -f Makefile ] && [ $reconfigure = no ] || ./configure -q --enable-werror
fi
make -s -j"$(nproc)"
if [ "$target" = check ]; then
	# The last line says it all, whatever scrolled past: counted from the
	# summary make check writes (a stale one must not answer for this run).
	rm -f test-suite.log
	status=0
	make -s -j"$(nproc)" check || status=$?
	count() { sed -n "s/^# $1: *//p" test-suite.log 2>/dev/null | head -1; }
	if [ -f test-suite.log ]; then
		pass=$(count PASS) skip=$(count SKIP)
		failed=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
		line="$pass passed, $failed failed"
		[ "${skip:-0}" = 0 ] || line="$line, $skip skipped"
		echo "$line"
	else
		echo "build.sh: the tests did not run" >&2
	fi
	exit "$status"
elif [ "$target" != all ]; then
	make -s -j"$(nproc)" "$target"
fi
