#!/bin/bash
# Memory the image must hold, and a checkpoint must not change:
# - copy-on-write sharing between a parent and its child survives ckpt;
# - pages of private file mappings that differ from the file are saved
#   whatever the protection is now (written then PROT_READ / PROT_NONE,
#   libc's relocated read-only pages), and only those;
# - shared anonymous memory is one INODE object holding every page once,
#   including pages no task maps any more;
# - memfd and unlinked files keep their contents, up to --file-data-limit.
# Every image made here must pass ckptcheck.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

# check_image WHAT IMAGE: ckptcheck says go (but for what ckptrestore
# cannot rebuild yet: more than one process, SHM_ANON, unnamed files),
# ckptdump reads it.
skip_rules=$(restorable_rules)
check_image() {
	run "$tmp/c" "$tmp/ce" "$CKPTCHECK" --skip "$skip_rules" "$2"
	check_eq "$1: ckptcheck says go" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/c" "$tmp/ce" | grep -v ' info ' | head -10
	run "$tmp/d" "$tmp/de" "$CKPTDUMP" --pages "$2"
	check_eq "$1: ckptdump --pages reads it" 0 "$rc"
}

# dirty_of PID HEXADDR: the Shared_Dirty and Private_Dirty lines of the
# mapping that starts at HEXADDR (no 0x).
dirty_of() {
	awk -v a="$2-" 'index($0, a) == 1 { f = 1; next }
		f && /^[0-9a-f]+-[0-9a-f]+ / { f = 0 }
		f && /^(Shared_Dirty|Private_Dirty):/ { printf "%s%s ", $1, $2 }' "/proc/$1/smaps"
}

# pages_in FACTS START END: pages the image holds for the vma START-END
# (hex, no 0x) of the first mm that has it.
pages_in() {
	awk -v v="$2-$3" '$1 == "vma" { cur = ($3 == v && !done); if (cur) seen = 1; else if (seen) done = 1 }
		$1 == "pages" && cur { sub("count=", "", $3); n += $3 } END { print n + 0 }' "$1"
}

# --- 1. copy-on-write sharing survives -------------------------------------
start_workload cow cowfork
addr=$(ready_value cow addr)
child=$(ready_value cow child)
hex=${addr#0x}
before_parent=$(dirty_of "$cow_pid" "$hex")
before_child=$(dirty_of "$child" "$hex")
# 8 MiB, of which the child rewrote every 16th page: 512 KiB private on
# each side, the rest shared.
check_eq "cow: 7.5 MiB shared dirty before ckpt" "Shared_Dirty:7680 Private_Dirty:512 " "$before_parent"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/cow.ckpt" "$cow_pid"
check_eq "cow: ckpt exit status 0" 0 "$rc"
check_eq "cow: the parent's pages stay shared" "$before_parent" "$(dirty_of "$cow_pid" "$hex")"
check_eq "cow: the child's pages stay shared" "$before_child" "$(dirty_of "$child" "$hex")"
run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/cow.ckpt" "$addr" "$(ready_value cow size)"
# Both address spaces hold the 8 MiB: each page twice, every word right.
check_grep "cow: parent's and child's 8 MiB are in the image, byte for byte" \
	"^pattern bad: 4096 of 2048 pages, 2048 duplicated, 0 words wrong$" "$tmp/facts"
check_image cow "$tmp/cow.ckpt"
check_released "cow: parent and child run on, untraced" "$cow_pid" "$child"

# --- 2. private file pages that differ from the file ------------------------
start_workload pf privfile
addr=$(ready_value pf addr)
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/pf.ckpt" "$pf_pid"
check_eq "private file: ckpt exit status 0" 0 "$rc"
run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/pf.ckpt" "$addr" 8192
check_grep "private file: pages written before PROT_READ and PROT_NONE are saved, byte for byte" \
	"^pattern ok pages=2$" "$tmp/facts"
p2=$(printf '%x' $((addr + 8192)))
check_eq "private file: the page only read (the file's own) is not saved" 0 \
	"$(pages_in "$tmp/facts" "$p2" "$(printf '%x' $((addr + 12288)))")"
# Every private file mapping: exactly its private copies (smaps Anonymous).
want="" got=""
while read -r range perms anon; do
	start=${range%-*} end=${range#*-}
	start=$(printf '%x' "0x$start") end=$(printf '%x' "0x$end")
	want="$want $start:$((anon / 4))"
	got="$got $start:$(pages_in "$tmp/facts" "$start" "$end")"
done < <(awk '/^[0-9a-f]+-[0-9a-f]+ / { r = $1; p = $2; file = ($6 ~ /^\//) }
	/^Anonymous:/ && file && p ~ /p$/ { print r, p, $2 }' "/proc/$pf_pid/smaps")
check_eq "private file: every private file mapping holds exactly its private copies" "$want" "$got"
relro=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { r = $1; p = $2; f = $6 }
	/^Anonymous:/ && p == "r--p" && f ~ /\/libc\.so/ && $2 > 0 { print r; exit }' "/proc/$pf_pid/smaps")
if [ -n "$relro" ]; then
	s=$(printf '%x' "0x${relro%-*}") e=$(printf '%x' "0x${relro#*-}")
	check_eq "private file: libc's relocated read-only (RELRO) pages are saved" 1 \
		"$(( $(pages_in "$tmp/facts" "$s" "$e") > 0 ))"
else
	fail "private file: libc's relocated read-only (RELRO) pages are saved" "no r--p libc mapping with private pages"
fi
check_image "private file" "$tmp/pf.ckpt"
# One process, no descriptors but /dev/null: restorable as it is, the
# relocated and re-protected pages included (restore-vma-pages).
run "$tmp/c" "$tmp/ce" "$CKPTCHECK" "$tmp/pf.ckpt"
check_eq "private file: ckptcheck says restorable, every rule on" 0 "$rc"
[ "$rc" = 0 ] || grep -v ' info ' "$tmp/c" | sed 's/^/# /' | head -5
check_released "private file: runs on, untraced" "$pf_pid"

# --- 3. shared anonymous memory: one object, all its pages ------------------
start_workload shm shmanon
addr=$(ready_value shm addr)
first=$(ready_value shm first)
second=$(ready_value shm second)
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/shm.ckpt" "$shm_pid"
check_eq "shared anon: ckpt exit status 0" 0 "$rc"
run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/shm.ckpt"
check_eq "shared anon: the image reads back" 0 "$rc"
ref=$(sed -n 's/^inode ref=\([0-9]*\) kind=SHM_ANON size=1048576 pages=3$/\1/p' "$tmp/facts")
check_eq "shared anon: one 1 MiB object of 3 pages, written once" 1 "$(printf '%s\n' $ref | grep -c .)"
check_eq "shared anon: pages 5 (child), 7 (parent), 9 (unmapped since), each once" \
	"0x5000:45 0x7000:47 0x9000:49" \
	"$(awk -v r="ref=$ref" '$1 == "inodepages" && $2 == r { sub("offset=", "", $3); sub("fill=", "", $5); printf "%s%s:%s", s, $3, $5; s = " " }' "$tmp/facts")"
range=$(printf '%x-%x' "$addr" $((addr + 1048576)))
got=$(awk -v v="$range" '$1 == "vma" { cur = ($3 == v); if (cur) { sub("type=", "", $4); o = o s $4 ":" $6; s = " " } }
	$1 == "pages" && cur { o = o ":pages" } END { print o }' "$tmp/facts")
check_eq "shared anon: parent and first child name it, neither carries pages of its own" \
	"SHM_ANON:ino=$ref SHM_ANON:ino=$ref" "$got"
dz=$(ready_value shm devzero)
check_grep "shared /dev/zero: its page 3 is saved" "^inodepages ref=[0-9]+ offset=0x3000 count=1 fill=33$" "$tmp/facts"
mfref=$(sed -n 's/^inode ref=\([0-9]*\) kind=MEMFD size=16384 pages=2$/\1/p' "$tmp/facts")
check_grep "shared memfd: page 1 (mapped) and page 2 (written only) are saved" \
	"^inodepages ref=$mfref offset=0x1000 count=2 fill=6d,6e$" "$tmp/facts"
run "$tmp/d" "$tmp/de" "$CKPTDUMP" -t EXT_INODE "$tmp/shm.ckpt"
check_grep "shared memfd: its seals are saved" "seals +0x00000006 \(SHRINK\|GROW\)" "$tmp/d"
check_image "shared anon" "$tmp/shm.ckpt"
check_released "shared anon: the three tasks run on, untraced" "$shm_pid" "$first" "$second"

# --- 3b. without CAP_CHECKPOINT_RESTORE, map_files is closed: what the
# mapping task shows, flagged PARTIAL, instead of no image at all --------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	mkdir "$tmp/nb" && chmod 0777 "$tmp/nb" && chmod o+x "$tmp"
	setsid $nobody "$CKPT_WORKLOADS/shmanon" "$tmp/nb/shm.ready" </dev/null >/dev/null 2>&1 &
	for i in $(seq 200); do
		grep -q '^ready=1' "$tmp/nb/shm.ready" 2>/dev/null && break
		sleep 0.05
	done
	upid=$(sed -n 's/^pid=//p' "$tmp/nb/shm.ready")
	workload_pids="$workload_pids $upid"
	run "$tmp/o" "$tmp/e" $nobody "$CKPT" -o "$tmp/nb/u.ckpt" "$upid"
	check_eq "unprivileged: ckpt of shared memory succeeds" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
	run "$tmp/d" "$tmp/de" "$CKPTDUMP" -t EXT_INODE "$tmp/nb/u.ckpt"
	check_eq "unprivileged: each of the 3 objects is flagged PARTIAL" 3 "$(grep -c 'flags .*(PARTIAL)' "$tmp/d")"
	run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/nb/u.ckpt"
	check_grep "unprivileged: the parent's page 7 is there" "^inodepages ref=[0-9]+ offset=0x7000 count=1 fill=47$" "$tmp/facts"
	check_image "unprivileged" "$tmp/nb/u.ckpt"
	check_released "unprivileged: runs on, untraced" "$upid"
fi

# --- 4. memfd and unlinked files, bounded by --file-data-limit -------------
start_workload fd filedata
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/fd.ckpt" "$fd_pid"
check_eq "file data: ckpt exit status 0" 0 "$rc"
run "$tmp/facts" "$tmp/ferr" "$IMGFACTS" "$tmp/fd.ckpt"
check_grep "file data: the unlinked file's two pages" "^inodepages ref=[0-9]+ offset=0 count=2 fill=55,56$" "$tmp/facts"
mref=$(sed -n 's/^inode ref=\([0-9]*\) kind=MEMFD size=2097152 pages=302$/\1/p' "$tmp/facts")
check_eq "file data: the 2 MiB memfd's written pages in runs of at most 128, nothing else" \
	"0:1:4d 0x10000:128:4f 0x90000:128:4f 0x110000:44:4f 0x1ff000:1:4c" \
	"$(awk -v r="ref=$mref" '$1 == "inodepages" && $2 == r { sub("offset=", "", $3); sub("count=", "", $4); sub("fill=", "", $5)
		f = $5; u = f; gsub(/4f,/, "", u); if (u == "4f") f = "4f"; printf "%s%s:%s:%s", s, $3, $4, f; s = " " }' "$tmp/facts")"
check_grep "file data: its mapping names the object" "^vma .* type=FILE file=[0-9]+ ino=$mref$" "$tmp/facts"
check_image "file data" "$tmp/fd.ckpt"
"$CKPTDUMP" --json --pages "$tmp/fd.ckpt" 2>/dev/null | "$CKPTENCODE" >"$tmp/fd.re.ckpt" 2>"$tmp/ee"
check_eq "file data: ckptdump --json --pages | ckptencode gives the image back" "0 0" "${PIPESTATUS[*]}"
check_eq "file data: byte for byte" 0 "$(cmp -s "$tmp/fd.ckpt" "$tmp/fd.re.ckpt"; echo $?)"
run "$tmp/o" "$tmp/e" "$CKPT" --file-data-limit 1M -o "$tmp/big.ckpt" "$fd_pid"
check_eq "file data: over --file-data-limit: exit status 2" 2 "$rc"
check_grep "file data: the error names the file and the limit" \
	"memfd:ckptdata.*2097152 bytes .*exceed --file-data-limit 1048576" "$tmp/e"
check_eq "file data: no image left" "" "$(ls "$tmp" | grep big)"
run "$tmp/o" "$tmp/e" "$CKPT" --file-data-limit 2M -o "$tmp/fit.ckpt" "$fd_pid"
check_eq "file data: at the limit it is saved" 0 "$rc"
run "$tmp/o" "$tmp/e" "$CKPT" --file-data-limit 2x -o "$tmp/bad.ckpt" "$fd_pid"
check_eq "file data: a bad size is a usage error" 2 "$rc"
run "$tmp/o" "$tmp/e" "$CKPT" --no-pages -o "$tmp/np.ckpt" "$fd_pid"
check_eq "file data: --no-pages: exit status 0" 0 "$rc"
run "$tmp/npfacts" "$tmp/ferr" "$IMGFACTS" "$tmp/np.ckpt"
check_no_grep "file data: --no-pages: no contents" "^inodepages " "$tmp/npfacts"
run "$tmp/d" "$tmp/de" "$CKPTDUMP" -t EXT_INODE "$tmp/np.ckpt"
check_eq "file data: --no-pages: each object says so" "2" "$(grep -c 'flags .*(NO_CONTENTS)' "$tmp/d")"
check_image "file data --no-pages" "$tmp/np.ckpt"
check_released "file data: runs on, untraced" "$fd_pid"

# ckptdiff compares the objects field by field and their contents.
start_workload fd3 filedata 3
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/fd3.ckpt" "$fd3_pid"
run "$tmp/df" "$tmp/dfe" "$CKPTDIFF" "$tmp/fd.ckpt" "$tmp/fit.ckpt"
check_no_grep "ckptdiff: two images of one tree: the objects are the same" "ext_inode|contents" "$tmp/df"
run "$tmp/df" "$tmp/dfe" "$CKPTDIFF" "$tmp/fd.ckpt" "$tmp/fd3.ckpt"
check_eq "ckptdiff: a 2 MiB and a 3 MiB memfd differ (exit 1)" 1 "$rc"
check_grep "ckptdiff: names the object's size" "ext_inode.size: 2097152 -> 3145728" "$tmp/df"
check_released "ckptdiff: runs on, untraced" "$fd3_pid"
start_workload fdx filedata 2 0x4e
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/fdx.ckpt" "$fdx_pid"
run "$tmp/df" "$tmp/dfe" "$CKPTDIFF" "$tmp/fd.ckpt" "$tmp/fdx.ckpt"
check_eq "ckptdiff: one page of a memfd that differs (exit 1)" 1 "$rc"
check_eq "ckptdiff: names that run's contents, and only that one" 1 "$(grep -c 'ext_inode_pages.contents: 4096 bytes' "$tmp/df")"
done_testing
