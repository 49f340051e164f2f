# Helpers of the ckpt tests: starting workloads, waiting for them, checking
# that they run on untraced.  Sourced after lib.sh.

workload_pids=""
ckpt_pid=""
cleanup_ckpt() {
	# A ckpt still running (a failed test) dies first: the kernel then
	# releases whatever it had frozen.
	[ -n "$ckpt_pid" ] && kill -KILL "$ckpt_pid" 2>/dev/null
	for p in $workload_pids; do
		# The whole process group: a workload's children too.
		kill -KILL -- "-$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "${small_mount:-}" ] && umount "$small_mount" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup_ckpt EXIT

# Skips the whole script unless this user may ptrace other processes.
require_ptrace() {
	local scope
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
	[ "$scope" = 3 ] && skip_all "ptrace disabled (kernel.yama.ptrace_scope=3)"
	[ "$(id -u)" != 0 ] && [ "$scope" -gt 0 ] &&
		skip_all "not root and kernel.yama.ptrace_scope=$scope"
	# The last word: can we seize a process at all (containers may forbid it)?
	start_workload probe threads
	if ! "$CKPT" --no-pages -q -o "$tmp/probe.ckpt" "$probe_pid" 2>"$tmp/probe.err"; then
		skip_all "ptrace not permitted here: $(head -1 "$tmp/probe.err")"
	fi
}

# start_workload NAME PROGRAM [ARGS...]: runs tests/workloads/PROGRAM in its
# own process group, waits for its ready file, sets NAME_pid and leaves the
# ready file in $tmp/NAME.ready.
start_workload() {
	local name=$1 prog=$2 i
	shift 2
	rm -f "$tmp/$name.ready"
	setsid "$CKPT_WORKLOADS/$prog" "$tmp/$name.ready" "$@" </dev/null >/dev/null 2>&1 &
	disown $! 2>/dev/null
	for i in $(seq 200); do
		grep -q '^ready=1' "$tmp/$name.ready" 2>/dev/null && break
		sleep 0.05
	done
	local pid
	pid=$(sed -n 's/^pid=//p' "$tmp/$name.ready" 2>/dev/null)
	if [ -z "$pid" ]; then
		fail "workload $prog started" "no ready file after 10 s"
		done_testing
		exit 1
	fi
	workload_pids="$workload_pids $pid"
	eval "${name}_pid=$pid"
}

# ready_value NAME KEY
ready_value() {
	sed -n "s/^$2=//p" "$tmp/$1.ready"
}

# check_released DESCRIPTION PID...: each task of each pid is alive, not
# stopped and not traced.
check_released() {
	local what=$1 p t bad=""
	shift
	for p in "$@"; do
		if [ ! -d "/proc/$p" ]; then
			bad="$bad $p:gone"
			continue
		fi
		for t in /proc/"$p"/task/*; do
			local state tracer
			state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$t/status" 2>/dev/null)
			tracer=$(sed -n 's/^TracerPid:[[:space:]]*//p' "$t/status" 2>/dev/null)
			case $state in t|T) bad="$bad ${t##*/}:state=$state" ;; esac
			[ "${tracer:-0}" = 0 ] || bad="$bad ${t##*/}:TracerPid=$tracer"
		done
	done
	if [ -z "$bad" ]; then pass "$what"; else fail "$what" "not released:$bad"; fi
}

# The mappings of a pid as "start-end" lines in lower-case hex without
# leading zeros (/proc/PID/maps pads to 8 digits; imgfacts does not pad).
# The [vsyscall] gate area is listed in maps but is not one of the mm's
# mappings: ckpt leaves it out.
maps_of() {
	awk '$6 != "[vsyscall]" { print $1 }' "/proc/$1/maps" | sed 's/^0*\([0-9a-f]\)/\1/; s/-0*\([0-9a-f]\)/-\1/'
}

# The vmas of mm REF in an imgfacts listing, as "start-end" lines.
image_vmas() {
	awk -v mm="mm=$2" '$1 == "vma" && $2 == mm { print $3 }' "$1"
}

# The ids of ckptcheck's restorable rules (what ckptrestore cannot rebuild),
# comma-separated for --skip: tests that judge an image whole, not restorable.
restorable_rules() {
	"$CKPTCHECK" --list-rules | awk '/^[a-z]/ && $3 == "restorable" { print $1 }' | paste -sd, -
}

# gone PID: waits (at most 5 s) until the pid is free again.
gone() {
	local i
	for i in $(seq 100); do
		[ -d "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}

# killed PID: kills it, waits until the pid is free, and forgets it, so
# that the cleanup at exit cannot hit another test's process that reused it.
killed() {
	kill -KILL -- "-$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	gone "$1"
	workload_pids=$(echo " $workload_pids " | sed "s/ $1 / /g")
}

# start_in_pty NAME PROGRAM [ARGS...]: like start_workload, but PROGRAM runs
# as the foreground job of a new pseudo-terminal (tests/tools/ptyrun.py,
# PTYRUN_OPTS its options), descriptors 0-2 and its controlling terminal
# on the pty's slave; what it writes there goes to $tmp/NAME.tty.
start_in_pty() {
	local name=$1 prog=$2 i pid
	shift 2
	rm -f "$tmp/$name.ready"
	# shellcheck disable=SC2086
	python3 "$top_srcdir/tests/tools/ptyrun.py" "$tmp/$name.tty" --timeout 300 ${PTYRUN_OPTS:-} -- \
		"$CKPT_WORKLOADS/$prog" "$tmp/$name.ready" "$@" </dev/null >/dev/null 2>&1 &
	disown $! 2>/dev/null
	for i in $(seq 200); do
		grep -q '^ready=1' "$tmp/$name.ready" 2>/dev/null && break
		sleep 0.05
	done
	pid=$(sed -n 's/^pid=//p' "$tmp/$name.ready" 2>/dev/null)
	if [ -z "$pid" ]; then
		fail "workload $prog started on a terminal" "no ready file after 10 s"
		done_testing
		exit 1
	fi
	workload_pids="$workload_pids $pid"
	eval "${name}_pid=$pid"
}
