#!/bin/sh
# Lists the names libckpt exports: every function and every extern object
# declared in the public headers (include/ckpt/*.h), one per line, sorted.
# The build hands the list to libtool (-export-symbols), so the library's
# surface is exactly its documented headers; tests/programs/exports.sh
# compares it with what the built library really exports.
#   tools/exports.sh INCLUDE_DIR [CC]
set -eu
inc=$1
cc=${2:-cc}
for h in "$inc"/ckpt/*.h; do
	printf '#include "ckpt/%s"\n' "$(basename "$h")"
done | $cc -E -P -I"$inc" -x c - |
	tr '\n' ' ' | sed 's/[;{}]/&\n/g' |
	grep -v '^ *\(static\|typedef\)\b' | grep -v '^ *\(struct\|union\|enum\) [A-Za-z0-9_]* *;' |
	grep -oE '\bckpt_[A-Za-z0-9_]+ *(\(|\[[^]]*\] *;|;)' |
	sed 's/[ (;[].*//' | sort -u
