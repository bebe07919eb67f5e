#!/usr/bin/env bash
# e2e_restore.sh — the machine as found, on every exit. Each command that changes a
# setting (the readahead-kb strategy, bpf-prefetch serving an external client under a
# memory limit, `rabench prefetch --read-ahead-kb`) is stopped mid-run by SIGINT,
# SIGTERM, SIGHUP, SIGQUIT, SIGPIPE and SIGKILL; afterwards the disk's read_ahead_kb
# (read from sysfs here, the disk found with lsblk, so LVM and device-mapper work) is
# what it was before, no rabench memory cgroup, uprobe event or journal is left. After
# SIGKILL the setting stays changed until the next rabench start, which puts it back
# from the journal and says so (also `rabench restore`). A client that says "ready" and
# exits fails the run (exit 1) with a report of the repeats that completed.
#
# usage: tests/e2e_restore.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init restore "${1:-build/asan}"
export RABENCH_RUN_DIR="$work/run"	# this test's journals, away from a real run's
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results" -q)

if [ "$(id -u)" != 0 ]; then
	skip "settings restored after signals" "needs root to change read_ahead_kb"
	exit 0
fi

# The whole disk under the data, as lsblk names it (a partition's parent, an LV's disk).
disk_of() {
	local src pk
	src=$(df --output=source "$1" | tail -1)
	pk=$(lsblk -no PKNAME "$src" 2>/dev/null | head -1)
	echo "${pk:-${src##*/}}"
}
ra_file=/sys/block/$(disk_of "$scratch")/queue/read_ahead_kb
before=$(cat "$ra_file")
set_kb=$((before == 16 ? 32 : 16))

leftovers() { # what a stopped run must not leave: cgroups, uprobe events, journals
	find /sys/fs/cgroup -maxdepth 8 -type d -name 'rabench-*' 2>/dev/null
	grep -h libbpf_ /sys/kernel/tracing/uprobe_events /sys/kernel/debug/tracing/uprobe_events 2>/dev/null
	ls "$RABENCH_RUN_DIR"/*.journal 2>/dev/null
}
restored() {
	local now
	now=$(cat "$ra_file")
	[ "$now" = "$before" ] || { echo "read_ahead_kb $now, was $before"; return 1; }
	[ -z "$(leftovers)" ] || { leftovers; return 1; }
}
wait_kb() { # until the disk's read_ahead_kb is $1 (the strategy is in force)
	local i
	for i in $(seq 1 400); do
		[ "$(cat "$ra_file")" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
on_exit 'echo "$before" >"$ra_file"'

# the dataset once, before anything is timed
"$rb" run configs/ci.yaml "${sets[@]}" --set run.strategies=default --set run.repeats=1 \
	--set run.probes=false >/dev/null 2>&1

# stop NAME SIG PID: signal PID once the setting is in force; checks what follows
stop() {
	local name=$1 sig=$2 pid=$3 rc want
	if ! wait_kb "$set_kb"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		check "$name, $sig: the setting came into force" false
		return
	fi
	kill -"$sig" "$pid"
	if [ "$sig" = PIPE ]; then
		# ignored, so a closed pipe is an EPIPE to handle, never a death without cleanup
		# (between two repeats the setting is put back for a moment: wait for it)
		sleep 0.5
		kill -0 "$pid" 2>/dev/null && wait_kb "$set_kb" && kill -0 "$pid" 2>/dev/null
		check "$name, SIGPIPE: ignored (still running, setting still in force)" test $? -eq 0
		kill -TERM "$pid"
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	case $sig in
	KILL)
		check "$name, SIGKILL: the setting is still changed right after (nothing ran)" \
			test "$(cat "$ra_file")" = "$set_kb"
		check "$name, SIGKILL: a journal names the original value" \
			grep -q "write $before $ra_file" $RABENCH_RUN_DIR/*.journal
		"$rb" list strategies >/dev/null 2>"$work/next.err"
		check "$name, SIGKILL: the next rabench start puts it back and says so in one line" \
			bash -c "cat '$work/next.err'; test \$(grep -c 'put back what process $pid left' '$work/next.err') = 1"
		;;
	PIPE) want=143 ;;
	*) want=$((128 + $(kill -l "$sig"))) ;;
	esac
	[ "$sig" != KILL ] && check "$name, SIG$sig: exit $want" test "$rc" = "$want"
	check "$name, SIG$sig: read_ahead_kb $before again, no cgroup, uprobe or journal left" restored
}

# ---- the readahead-kb strategy ----
for sig in INT TERM HUP QUIT PIPE KILL; do
	"$rb" run configs/ci.yaml "${sets[@]}" --set name=ra-$sig --set run.strategies=readahead-kb \
		--set run.readahead_kb=$set_kb --set run.repeats=400 >/dev/null 2>&1 &
	stop "readahead-kb" $sig $!
done

# ---- bpf-prefetch serving an external client, under a memory limit ----
if [ -r /sys/kernel/btf/vmlinux ]; then
	for sig in INT TERM HUP PIPE KILL; do
		"$rb" run configs/ci.yaml "${sets[@]}" --set name=bpf-$sig --set run.strategies=bpf-prefetch \
			--set run.readahead_kb=$set_kb --set run.repeats=400 --set run.memory_limit=256M \
			-- /usr/bin/python3 workloads/faiss_client.py >/dev/null 2>&1 &
		stop "bpf-prefetch for a client" $sig $!
	done
else
	skip "bpf-prefetch serving a client, stopped by signals" "no BTF (/sys/kernel/btf/vmlinux)"
fi

# ---- rabench prefetch --read-ahead-kb ----
idx=$(ls "$scratch"/test-cache/synth-*/index-*/ivf.index 2>/dev/null | head -1)
qry=$(ls "$scratch"/test-cache/synth-*/queries.fvecs 2>/dev/null | head -1)
if [ -r /sys/kernel/btf/vmlinux ] && [ -n "$idx" ] && [ -n "$qry" ]; then
	for sig in INT TERM HUP PIPE KILL; do
		"$rb" prefetch --index "$idx" --read-ahead-kb $set_kb -- \
			/usr/bin/python3 tests/faiss_search.py "$idx" "$qry" 100000 4 >/dev/null 2>&1 &
		p=$!
		stop "rabench prefetch --read-ahead-kb" $sig $p
		pkill -f "tests/faiss_search.py $idx" 2>/dev/null
	done
else
	skip "rabench prefetch --read-ahead-kb stopped by signals" "no BTF or no ci.yaml index in $scratch/test-cache"
fi

# ---- rabench restore on demand ----
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ra-restore --set run.strategies=readahead-kb \
	--set run.readahead_kb=$set_kb --set run.repeats=400 >/dev/null 2>&1 &
p=$!
wait_kb "$set_kb"
kill -KILL $p
wait $p 2>/dev/null
"$rb" restore >"$work/restore.out" 2>&1
check "rabench restore: puts back what a killed run left and says what" bash -c \
	"cat '$work/restore.out'; grep -q 'put back what process $p left changed when it died: $ra_file $set_kb -> $before' '$work/restore.out'"
check "rabench restore: read_ahead_kb $before again, nothing left" restored
check "rabench restore, again: nothing to put back" bash -c \
	"'$rb' restore | grep -q 'nothing to put back'"

# ---- a client that says ready, then exits ----
cat >"$work/quits-after-ready.sh" <<'EOF'
#!/bin/sh
echo ready
exit 0
EOF
chmod +x "$work/quits-after-ready.sh"
"$rb" run configs/ci.yaml "${sets[@]}" --set name=quits --set run.strategies=readahead-kb \
	--set run.readahead_kb=$set_kb --set run.repeats=1 -- "$work/quits-after-ready.sh" \
	>/dev/null 2>"$work/quits.err"
rc=$?
check "a client that exits after ready: exit 1 (not 141), the failure named" bash -c \
	"cat '$work/quits.err'; test $rc = 1 && grep -qi 'client' '$work/quits.err'"
check "a client that exits after ready: read_ahead_kb $before again, nothing left" restored
# the second client quits after ready: the first repeat's report is written, incomplete
cat >"$work/second-quits.sh" <<EOF
#!/bin/sh
n=\$(cat "$work/starts" 2>/dev/null || echo 0)
echo \$((n + 1)) >"$work/starts"
[ "\$n" -ge 1 ] && { echo ready; exit 0; }
exec /usr/bin/python3 workloads/faiss_client.py
EOF
chmod +x "$work/second-quits.sh"
"$rb" run configs/ci.yaml "${sets[@]}" --set name=quits2 --set run.strategies=readahead-kb \
	--set run.readahead_kb=$set_kb --set run.repeats=2 -- "$work/second-quits.sh" \
	>/dev/null 2>"$work/quits2.err"
rc=$?
check "a client that exits in the second repeat: exit 1" bash -c "cat '$work/quits2.err'; test $rc = 1"
check "... with a report of the one completed repeat, complete=false" json "$(report_of quits2)" \
	"d['complete'] is False and len(d['repeats']) == 1 and d['repeats'][0]['n_queries'] == d['config']['workload.queries']"
check "... read_ahead_kb $before again, nothing left" restored

# ---- a failure is never reported as a success ----
if [ -n "$idx" ]; then
	"$rb" prefetch --index "$idx" -- /nonexistent/client >"$work/exec.out" 2>"$work/exec.err"
	rc=$?
	check "rabench prefetch of a command that cannot run: exit 127 with the exec error" bash -c \
		"cat '$work/exec.err'; test $rc = 127 && grep -q 'execvp: /nonexistent/client: No such file or directory' '$work/exec.err' && ! grep -q 'never mapped' '$work/exec.out'"
fi
# a client that answers without FAISS: nothing for bpf-prefetch's uprobe; skipped, with why
cat >"$work/no-faiss-client.py" <<'EOF'
import os, sys
k = int(os.environ["RABENCH_K"])
print("ready", flush=True)
for line in sys.stdin:
    for qid in line.split()[1:]:
        print("r", qid, " ".join(str(i) for i in range(k)), flush=True)
EOF
"$rb" run configs/ci.yaml "${sets[@]}" --set name=nofaiss --set run.strategies=default,bpf-prefetch \
	--set run.repeats=1 -- /usr/bin/python3 "$work/no-faiss-client.py" >/dev/null 2>"$work/nofaiss.err"
rc=$?
if [ -r /sys/kernel/btf/vmlinux ]; then
	check "a client without FAISS: bpf-prefetch skipped (not run as bpf-prefetch), the reason named" \
		json "$(report_of nofaiss)" \
		"[r['strategy'] for r in d['repeats']] == ['default'] and any(s['name'] == 'bpf-prefetch' and 'prefetch_lists' in s['reason'] for s in d['skipped_strategies'])"
else
	skip "a client without FAISS under bpf-prefetch" "no BTF"
fi
