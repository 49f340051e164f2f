#!/bin/bash
# fanotify groups (fanotify.c): the group's fanotify_init flags and each
# of its marks (inode, with the file handle; ignore; mount; filesystem)
# must be in its EXT_FANOTIFY record, as the kernel lists them in fdinfo.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

mkdir -p "$tmp/fa"
start_workload fa fanotify "$tmp/fa"
[ "$(ready_value fa skip)" = 1 ] && skip_all "fanotify_init needs CAP_SYS_ADMIN"
run "$tmp/o" "$tmp/e" "$CKPT" -o "$tmp/f.ckpt" "$fa_pid"
check_eq "fanotify: ckpt exit status 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/e"
"$CKPTDUMP" -t EXT_FANOTIFY "$tmp/f.ckpt" >"$tmp/f.dump"
field() { awk -v f="$1" '$1 == f { print $2; exit }' "$tmp/f.dump"; }
# mark KIND: the dumped mark lines of that kind, without their index
mark() { sed -n "s/^ *\[[0-9]*\] kind=$1 //p" "$tmp/f.dump" | sed 's/ handle=.*//'; }
handle() { sed -n "s/^ *\[[0-9]*\] kind=1 .* ino=$1 .* handle=//p" "$tmp/f.dump" | tr -d ' ' | sed 's/\(0*\)$//'; }

info=/proc/$fa_pid/fdinfo/$(ready_value fa fan_fd)
check_eq "fanotify: one record, FAN_CLOEXEC|FAN_NONBLOCK, events opened O_RDONLY|O_LARGEFILE, 4 marks" \
	"1 0x00000003 0100000 4" \
	"$(grep -c '^\[[0-9]*\] EXT_FANOTIFY ' "$tmp/f.dump") $(field init_flags) $(field event_f_flags) $(field nr_marks)"
watched=$(stat -c %i "$tmp/fa/watched")
ignored=$(stat -c %i "$tmp/fa/ignored")
sdev=$(printf '0x%08x' "0x$(sed -n 's/^fanotify sdev:\([0-9a-f]*\) .*/\1/p' "$info")")
check_eq "fanotify: the inode mark, FAN_OPEN|FAN_CLOSE_WRITE" \
	"mflags=0x00000000 mask=0x0000000000000028 ignored_mask=0x0000000000000000 sdev=$sdev mnt_id=0 ino=$watched handle_type=1 handle_bytes=8" \
	"$(mark 1 | grep " ino=$watched ")"
check_eq "fanotify: the ignore mark, FAN_OPEN ignored, surviving modification" \
	"mflags=0x00000040 mask=0x0000000000000000 ignored_mask=0x0000000000000020 sdev=$sdev mnt_id=0 ino=$ignored handle_type=1 handle_bytes=8" \
	"$(mark 1 | grep " ino=$ignored ")"
check_eq "fanotify: the inode mark's file handle is fdinfo's" \
	"$(sed -n "s/^fanotify ino:$(printf %x "$watched") .* f_handle://p" "$info" | sed 's/\(0*\)$//')" "$(handle "$watched")"
exec 9<"$tmp/fa"
mnt=$(sed -n 's/^mnt_id:[[:space:]]*//p' /proc/$$/fdinfo/9)
exec 9<&-
check_eq "fanotify: the mount mark names the directory's mount, FAN_OPEN" \
	"mflags=0x00000000 mask=0x0000000000000020 ignored_mask=0x0000000000000000 sdev=0x00000000 mnt_id=$mnt ino=0 handle_type=0 handle_bytes=0" \
	"$(mark 2)"
check_eq "fanotify: the filesystem mark, FAN_CLOSE_WRITE" \
	"mflags=0x00000000 mask=0x0000000000000008 ignored_mask=0x0000000000000000 sdev=$sdev mnt_id=0 ino=0 handle_type=0 handle_bytes=0" \
	"$(mark 3)"
restore_rules=$("$CKPTCHECK" --list-rules | awk '$1 ~ /^restore-/ { printf "%s%s", sep, $1; sep = "," }')
run "$tmp/c.out" "$tmp/c.err" "$CKPTCHECK" --skip "$restore_rules" "$tmp/f.ckpt"
check_eq "fanotify: ckptcheck go, but for what the restorer cannot rebuild" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/c.out"
check_released "fanotify runs on, untraced" "$fa_pid"
done_testing
