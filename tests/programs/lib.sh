# TAP helpers for the program tests.  Each test script sources this, calls
# ok/not_ok through the check helpers, and ends with `done_testing`.
set -u
n=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ckpttest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
done_testing() { echo "1..$n"; [ "$failed" -eq 0 ]; }

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}

# check_grep DESCRIPTION PATTERN FILE: FILE has a line matching PATTERN (ERE)
check_grep() {
	if grep -Eq -- "$2" "$3"; then pass "$1"; else fail "$1" "no line matches /$2/ in:" "$(head -c 600 "$3")"; fi
}

# check_no_grep DESCRIPTION PATTERN FILE
check_no_grep() {
	if grep -Eq -- "$2" "$3"; then fail "$1" "unexpected /$2/:" "$(grep -E -- "$2" "$3" | head -3)"; else pass "$1"; fi
}

# run OUT ERR CMD...: runs CMD, keeps stdout/stderr, sets $rc
run() {
	out=$1 err=$2
	shift 2
	rc=0
	"$@" >"$out" 2>"$err" || rc=$?
}

# edit_image JSON NAME PYTHON: $tmp/NAME.ckpt, the ckptdump --json --pages
# document JSON with its records edited by PYTHON (recs: the record list;
# rec(type, n): the n-th record of a type), re-encoded by $CKPTENCODE.
edit_image() {
	python3 - "$1" "$tmp/$2.json" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["records"]
def rec(t, n=0):
    return [r for r in recs if r["type"] == t][n]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
	"$CKPTENCODE" "$tmp/$2.json" >"$tmp/$2.ckpt" 2>"$tmp/$2.err" || sed 's/^/# /' "$tmp/$2.err"
}

# A sanitizer report or a crash is never an acceptable way to fail.
sanitizer_pattern='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|core dumped'

SAMPLE_NAMES="v17-task v17-error rev6-tasks rev6-ext linuxcr-creds"
