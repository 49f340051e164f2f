#!/bin/bash
# ckptdump --summary and the browser's tree, ps, maps and env on images of
# live trees: the tree as /proc has it, argv and environment read from the
# saved pages, VMAs named as /proc/PID/maps names them.
. "$top_srcdir/tests/programs/lib.sh"
. "$top_srcdir/tests/programs/ckpt_lib.sh"

require_ptrace

# A variable only the environment holds: env shows it, nothing else does.
export CKPT_SUMMARY_SECRET=hunter2-summary
start_workload tree forktree
unset CKPT_SUMMARY_SECRET
child=$(ready_value tree child)
grandchild=$(ready_value tree grandchild)
zombie=$(ready_value tree zombie)
run "$tmp/out" "$tmp/err" "$CKPT" -q -o "$tmp/tree.ckpt" "$tree_pid"
check_eq "forktree: ckpt exit status 0" 0 "$rc"

run "$tmp/sum" "$tmp/err" "$CKPTDUMP" --summary "$tmp/tree.ckpt"
check_eq "summary: exit status 0" 0 "$rc"
argv0="$CKPT_WORKLOADS/forktree $tmp/tree.ready"
check_grep "summary: the root with its command line" "^ +$tree_pid +- +[0-9]+ +1 S .* $CKPT_WORKLOADS/forktree $tmp/tree.ready\$" "$tmp/sum"
check_grep "summary: the child under the root" "^ +$child +$tree_pid .* \\|- $CKPT_WORKLOADS/forktree " "$tmp/sum"
check_grep "summary: the grandchild under the child" "^ +$grandchild +$child .* \\|  \`- $CKPT_WORKLOADS/forktree " "$tmp/sum"
check_grep "summary: the zombie, last child of the root, has no command line" "^ +$zombie +$tree_pid .* Z .* \`- \\[forktree\\]\$" "$tmp/sum"
check_grep "summary: 4 tasks, 4 processes, 3 address spaces" '^tasks +4 \(4 processes\), 3 address spaces' "$tmp/sum"
check_grep "summary: the producer" '^producer +ckpt ' "$tmp/sum"
check_grep "summary: the verdict (ckpt writes digests)" '^check +(go|no-go): ' "$tmp/sum"
check_no_grep "summary: never the environment" 'hunter2-summary' "$tmp/sum"
# Memory kinds match /proc: the root's [heap] and [stack] sizes.
heap=$(awk '$6 == "[heap]" { split($1, a, "-"); print strtonum("0x" a[2]) - strtonum("0x" a[1]) }' "/proc/$tree_pid/maps")
run "$tmp/json" "$tmp/err" "$CKPTDUMP" --summary --json -o pid,heap,args "$tmp/tree.ckpt"
if [ -n "$heap" ]; then
	check_grep "summary --json: the heap in bytes, as /proc/PID/maps has it" "\"heap\": $heap,\$" "$tmp/json"
fi
check_grep "summary --json: argv element" "\"$tmp/tree.ready\"" "$tmp/json"
if "$VALIDATE" json "$tmp/json" 2>/dev/null; then pass "summary --json parses"; else fail "summary --json parses"; fi

run "$tmp/ps" "$tmp/err" "$CKPTDUMP" -i "$tmp/tree.ckpt" -c 'ps'
check_grep "ps: argv of the root" "^ +$tree_pid .* forktree +$CKPT_WORKLOADS/forktree $tmp/tree.ready\$" "$tmp/ps"
run "$tmp/env" "$tmp/err" "$CKPTDUMP" -i "$tmp/tree.ckpt" -c "env $tree_pid"
check_eq "env: exit status 0" 0 "$rc"
check_grep "env: the variable set for the workload" '^CKPT_SUMMARY_SECRET=hunter2-summary$' "$tmp/env"
run "$tmp/env" "$tmp/err" "$CKPTDUMP" -i "$tmp/tree.ckpt" -c "env $zombie"
check_eq "env of a zombie: an error (no address space)" 1 "$rc"

# maps names what /proc/PID/maps names (the [vsyscall] gate is not an mm VMA).
run "$tmp/maps" "$tmp/err" "$CKPTDUMP" -i "$tmp/tree.ckpt" -c "maps $tree_pid"
want=$(awk '$6 ~ /^\[/ && $6 != "[vsyscall]" { print $6 }' "/proc/$tree_pid/maps" | sort | tr '\n' ' ')
got=$(awk 'NR > 1 && $5 ~ /^\[/ { print $5 }' "$tmp/maps" | sort | tr '\n' ' ')
check_eq "maps: [heap], [stack], [vdso], [vvar]... as /proc names them" "$want" "$got"
run "$tmp/mj" "$tmp/err" "$CKPTDUMP" -i "$tmp/tree.ckpt" -c "maps --json $tree_pid"
check_grep "maps --json: length is a number" '^    "length": [0-9]+,$' "$tmp/mj"
check_released "afterwards: the tree runs on" "$tree_pid" "$child" "$grandchild"
done_testing
