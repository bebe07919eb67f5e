#!/usr/bin/env bash
# e2e_prefetch.sh — `rabench prefetch`: the eBPF prefetcher serving a process it did
# not start and whose code it does not know: tests/faiss_search.py, a plain
# python3-faiss search of configs/ci.yaml's index. Plain and under `rabench prefetch`
# on a cold cache, both with the device's read_ahead_kb at 16 KiB (from outside,
# MADV_RANDOM cannot be set on the target's mapping; a narrow device window is what
# the tool offers instead): the same results, far fewer major faults, the uprobe in
# python's _swigfaiss, read_ahead_kb restored. Then --pid, a target without FAISS,
# the exit status passed through, and bad input.
#
# usage: tests/e2e_prefetch.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init prefetch "${1:-build/asan}"
if [ "$(id -u)" -ne 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "# SKIP rabench prefetch needs root and kernel BTF"
	exit 0
fi
if ! /usr/bin/python3 -c 'import faiss' 2>/dev/null; then
	echo "# SKIP /usr/bin/python3 has no faiss (python3-faiss; scripts/install.sh installs it)"
	exit 0
fi
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results")
"$rb" run configs/ci.yaml "${sets[@]}" --quiet --set run.strategies=default --set run.repeats=1 \
	--set run.cache=warm --set run.probes=false >/dev/null 2>&1
report=$(ls "$work"/results/ci/*/report.json 2>/dev/null | head -1)
dir=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['dataset']['dir'])" "${report:-/none}" 2>/dev/null)
index=$(ls "$dir"/index-*/ivf.index 2>/dev/null | head -1)
check "configs/ci.yaml's index is there" test -s "$index"
dev=$(df --output=source "$index" | tail -1 | sed 's|/dev/||; s|[0-9]*$||; s|p$||')
ra=/sys/block/$dev/queue/read_ahead_kb
ra_before=$(cat "$ra")
on_exit "echo $ra_before > $ra"
search=(/usr/bin/python3 tests/faiss_search.py "$index" "$dir/queries.fvecs" 200)
evict() { "$rb" evict configs/ci.yaml --set "run.cache_dir=$scratch/test-cache" >/dev/null; }

echo 16 >"$ra"
evict
"${search[@]}" >"$work/plain.out" 2>&1
echo "$ra_before" >"$ra"
evict
"$rb" prefetch --index "$index" --read-ahead-kb 16 -- "${search[@]}" >"$work/pf.out" 2>"$work/pf.err"
rc=$?
check "prefetch -- python3 script: exits with the script's status (0)" bash -c "test $rc -eq 0 || cat '$work/pf.err'"
check "read_ahead_kb set for the run and restored after" bash -c \
	"grep -q 'read_ahead_kb 16 (was $ra_before' '$work/pf.out' && test \$(cat $ra) -eq $ra_before"
check "the uprobe went into python's FAISS object (_swigfaiss)" grep -q 'uprobe on FAISS prefetch_lists in .*_swigfaiss' "$work/pf.out"
check "the same results as the plain run (digest of every query's ids)" bash -c \
	"test \"\$(sed -n 's/.*digest //p' '$work/plain.out')\" = \"\$(sed -n 's/.*digest //p' '$work/pf.out')\" && grep -q digest '$work/plain.out'"
check "far fewer major faults than the plain run (under half)" bash -c \
	"p=\$(sed -n 's/^majflt \\([0-9]*\\).*/\\1/p' '$work/plain.out'); f=\$(sed -n 's/^majflt \\([0-9]*\\).*/\\1/p' '$work/pf.out'); echo plain \$p prefetched \$f; test -n \"\$p\" -a -n \"\$f\" && test \$((f * 2)) -lt \$p"
check "the agent got the hints and prefetched (hint_calls, pages_prefetched > 0)" bash -c \
	"test \$(awk '\$1 == \"hint_calls\" {print \$2}' '$work/pf.out') -gt 0 && test \$(awk '\$1 == \"pages_prefetched\" {print \$2}' '$work/pf.out') -gt 0"

# the agent's pages are charged to the target's memory cgroup: a target that enters a
# cgroup of its own before it execs; the cgroup's page cache holds what was prefetched
if [ -d /sys/fs/cgroup/memory ]; then
	cgdir=/sys/fs/cgroup/memory/rbpf-$$ statkey=cache
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	cgdir=/sys/fs/cgroup/rbpf-$$ statkey=file
else
	cgdir=""
fi
if [ -n "$cgdir" ] && mkdir "$cgdir"; then
	on_exit "rmdir $cgdir 2>/dev/null"
	evict
	"$rb" prefetch --index "$index" --read-ahead-kb 16 -- sh -c \
		"echo \$\$ > $cgdir/cgroup.procs && exec /usr/bin/python3 tests/faiss_search.py '$index' '$dir/queries.fvecs' 200" \
		>"$work/cg.out" 2>&1
	check "prefetched pages are charged to the target's memory cgroup (its page cache >= 90 % of them)" bash -c \
		"grep -q 'joined the target' '$work/cg.out' && pf=\$(awk '\$1 == \"pages_prefetched\" {print \$2}' '$work/cg.out') && c=\$(awk '\$1 == \"$statkey\" {print \$2}' '$cgdir/memory.stat') && echo prefetched \$((pf * 4096)) B, cgroup page cache \$c B && test \$pf -gt 0 -a \$c -ge \$((pf * 4096 * 9 / 10))"
else
	skip "prefetched pages in the target's memory cgroup" "no memory cgroup controller to make one with"
fi

# --pid: a process already running (it sleeps 2 s before searching)
/usr/bin/python3 tests/faiss_search.py "$index" "$dir/queries.fvecs" 50 4 2 >"$work/bg.out" 2>&1 &
bg=$!
"$rb" prefetch --index "$index" --pid "$bg" >"$work/pid.out" 2>"$work/pid.err"
rc=$?
wait "$bg"
check "--pid: serves until the target exits, exit 0, hints received" bash -c \
	"test $rc -eq 0 && test \$(awk '\$1 == \"hint_calls\" {print \$2}' '$work/pid.out') -gt 0 || { cat '$work/pid.err' '$work/pid.out'; false; }"
check "a target without FAISS: served from its misses alone, and said so" bash -c \
	"'$rb' prefetch --index '$index' -- true > '$work/nf.out' 2>&1 && grep -q 'never mapped an object defining' '$work/nf.out'"
check "the command's exit status passes through" bash -c \
	"'$rb' prefetch --index '$index' -- sh -c 'exit 3' >/dev/null 2>&1; test \$? -eq 3"
check "bad input: no target, both --pid and a command, a dead pid, not an index: exit 2" bash -c \
	"'$rb' prefetch --index '$index' 2>/dev/null; a=\$?; '$rb' prefetch --index '$index' --pid 1 -- true 2>/dev/null; b=\$?; '$rb' prefetch --index '$index' --pid 999999 2>/dev/null; c=\$?; '$rb' prefetch --index configs/ci.yaml -- true 2>'$work/bad.err'; d=\$?; test \$a\$b\$c\$d = 2222 && grep -q 'FAISS cannot read it' '$work/bad.err'"
# the index found by the tool: what the target maps, and a target that forks or execs
# a server loads its index, then serves: 2 s between the two (the 6th argument), the
# time the tool has to find the index the target mapped and attach
evict
"$rb" prefetch -- "${search[@]}" 4 0 2 >"$work/find.out" 2>"$work/find.err"
rc=$?
check "no --index: the .index found from the .ivfdata the target maps, hints received" bash -c \
	"cat '$work/find.err'; test $rc -eq 0 && grep -q 'its index is $index' '$work/find.out' && test \$(awk '\$1 == \"hint_calls\" {print \$2}' '$work/find.out') -gt 0"
"$rb" prefetch -- sh -c 'exit 3' >"$work/none.out" 2>"$work/none.err"
rc=$?
check "no --index, a target that maps no index: said, and the command's status (3)" bash -c \
	"cat '$work/none.err'; test $rc -eq 3 && grep -q 'exited without mapping a FAISS .ivfdata' '$work/none.err'"
evict
"$rb" prefetch --index "$index" -- /bin/sh -c "${search[*]} 4 0 1 >/dev/null; true" >"$work/sh.out" 2>"$work/sh.err"
rc=$?
check "a shell that forks the search: the child followed, its FAISS uprobed, hints received" bash -c \
	"cat '$work/sh.err'; test $rc -eq 0 && grep -q 'following pid' '$work/sh.out' && grep -q 'uprobe on FAISS prefetch_lists in .*_swigfaiss' '$work/sh.out' && test \$(awk '\$1 == \"hint_calls\" {print \$2}' '$work/sh.out') -gt 0"
evict
"$rb" prefetch --index "$index" -- nice "${search[@]}" 4 1 >"$work/nice.out" 2>"$work/nice.err"
rc=$?
check "nice execs the search: every one of its 200 queries hinted" bash -c \
	"cat '$work/nice.err'; test $rc -eq 0 && test \$(awk '\$1 == \"hint_calls\" {print \$2}' '$work/nice.out') -eq 200"
if command -v setpriv >/dev/null; then
	check "not root: exit 2 with the reason" bash -c \
		"setpriv --reuid=65534 --regid=65534 --clear-groups '$rb' prefetch --index '$index' -- true 2>'$work/nr.err'; test \$? -eq 2 && grep -q 'needs root' '$work/nr.err'"
fi
