#!/bin/bash
# make installcheck: builds the example program of libckpt(3) with
# `pkg-config --cflags --libs libckpt` against the INSTALLED library (not
# the build tree) and runs it on a sample, comparing what it prints with
# the transcript on the same page.
#   tests/installcheck.sh SRCDIR LIBDIR [DESTDIR]
set -eu
srcdir=$1 libdir=$2 destdir=${3:-}
page="$srcdir/man/libckpt.3"
work=$(mktemp -d "${TMPDIR:-/tmp}/ckpt-installcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Roff to text: \- is a minus, \e a backslash.
unroff() { sed 's/\\-/-/g; s/\\e/\\/g; s/\\fB//g; s/\\fP//g'; }
sed -n '/^\.SS Program source/,/^\.EE/p' "$page" | sed '1,/^\.EX/d; /^\.EE/d' | unroff >"$work/records.c"
sed -n '/^\$ \\fB\.\/records /,/^\.EE/p' "$page" | sed '1d; /^\.EE/d' | unroff >"$work/expected"
[ -s "$work/records.c" ] && [ -s "$work/expected" ] ||
	{ echo "installcheck: no example program in $page" >&2; exit 1; }

# Under DESTDIR the .pc file names the final prefix: pkg-config puts the
# staging directory in front of its paths.
export PKG_CONFIG_PATH="$destdir$libdir/pkgconfig"
[ -z "$destdir" ] || export PKG_CONFIG_SYSROOT_DIR="$destdir"
flags=$(pkg-config --cflags --libs libckpt)
echo "installcheck: cc records.c $flags"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/records" "$work/records.c" $flags
LD_LIBRARY_PATH="$destdir$libdir" ldd "$work/records" | grep -q "$destdir$libdir/libckpt\.so" ||
	{ echo "installcheck: records is not linked with the installed libckpt.so" >&2; exit 1; }

LD_LIBRARY_PATH="$destdir$libdir" "$work/records" "$srcdir/samples/v17-task.ckpt" >"$work/out"
diff -u "$work/expected" "$work/out" ||
	{ echo "installcheck: the example's output differs from libckpt(3)" >&2; exit 1; }
status=0
LD_LIBRARY_PATH="$destdir$libdir" "$work/records" /dev/null >/dev/null 2>"$work/err" || status=$?
[ "$status" = 2 ] && grep -q 'byte 0 (0x0), record 0' "$work/err" ||
	{ echo "installcheck: a malformed image did not give status 2 and its offset" >&2; exit 1; }
echo "installcheck: the libckpt(3) example builds and runs against $destdir$libdir"
