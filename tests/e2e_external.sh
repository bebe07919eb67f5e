#!/usr/bin/env bash
# e2e_external.sh — `rabench run CONFIG -- CMD`: an external client process serves
# the queries (workloads/ivf_client.c's line protocol), here workloads/faiss_client.py
# on Debian's python3-faiss. On configs/ci.yaml's data, against the built-in
# ivf-search in the same conditions: the same results (digest, recall) under every
# strategy that can reach another process, the others skipped with the reason; the
# client's own counters; bpf-prefetch's uprobe in the client's FAISS; a client that
# dies, hangs or answers garbage fails the run (exit 1) with every setting restored;
# bad combinations exit 2 before any work.
#
# usage: tests/e2e_external.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init external "${1:-build/asan}"
if ! /usr/bin/python3 -c 'import faiss' 2>/dev/null; then
	echo "# SKIP /usr/bin/python3 has no faiss (python3-faiss; scripts/install.sh installs it)"
	exit 0
fi
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results")
client=(/usr/bin/python3 workloads/faiss_client.py)
strategies=default,fadvise-random,willneed,readahead-kb
root_user=0
if [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	strategies=$strategies,bpf-prefetch
	root_user=1
fi
dev=$(df --output=source "$scratch" | tail -1)
dev=$(lsblk -no PKNAME "$dev" 2>/dev/null | head -1 || true)
[ -n "$dev" ] || dev=$(df --output=source "$scratch" | tail -1 | sed 's|.*/||')
ra=/sys/block/$dev/queue/read_ahead_kb
ra_before=$(cat "$ra" 2>/dev/null)

"$rb" run configs/ci.yaml "${sets[@]}" --set name=builtin --set run.strategies=$strategies \
	--quiet >/dev/null 2>"$work/b.err"
"$rb" run configs/ci.yaml "${sets[@]}" --set name=client --set run.strategies=$strategies \
	--quiet -- "${client[@]}" >/dev/null 2>"$work/c.err"
rc=$?
builtin=$(ls "$work"/results/builtin/*/report.json 2>/dev/null | head -1)
report=$(ls "$work"/results/client/*/report.json 2>/dev/null | head -1)
check "run -- python3 faiss_client.py exits 0" bash -c "test $rc -eq 0 || cat '$work/c.err'"
check "the report validates against the schema and names the client" "$py" -c \
	"import json,jsonschema,sys; d=json.load(open(sys.argv[1])); jsonschema.validate(d, json.load(open('report/report.schema.json'))); sys.exit(0 if d['client_command'] == '/usr/bin/python3 workloads/faiss_client.py' else 1)" "${report:-/none}"
check "the timeline of an external client ends on the repeat's totals (rabench's reads for it included)" \
	json "${report:-/none}" "all(r['timeline']['read_bytes'][-1] == r['proc_read_bytes'] and r['timeline']['major_faults'][-1] == r['majflt'] for r in d['repeats'])"
check "fadvise-random skipped: it cannot reach another process" json "${report:-/none}" \
	"[s['name'] for s in d['skipped_strategies'] if 'another process' in s['reason']] == ['fadvise-random']"
check "the client returns what the built-in search returns, under every strategy (digest, recall)" bash -c \
	"'$py' -c \"import json,sys; b=json.load(open(sys.argv[1])); c=json.load(open(sys.argv[2])); bd={r['results_digest'] for r in b['repeats']}; cd={(r['strategy'], r['results_digest'], r['recall']) for r in c['repeats']}; print(bd, cd); sys.exit(0 if len(bd) == 1 and {x[1] for x in cd} == bd and len({x[2] for x in cd}) == 1 and len({x[0] for x in cd}) >= 3 else 1)\" '${builtin:-/none}' '${report:-/none}'"
check "the client's own reads: default's read-around reads more than willneed's exact extents" json "${report:-/none}" \
	"max(r['proc_read_bytes'] for r in d['repeats'] if r['strategy'] == 'willneed') < min(r['proc_read_bytes'] for r in d['repeats'] if r['strategy'] == 'default')"
check "readahead-kb: the narrow window gives many more major faults than default, and read_ahead_kb is back" bash -c \
	"'$py' -c \"import json,sys; d=json.load(open(sys.argv[1])); f=lambda s: min(r['majflt'] for r in d['repeats'] if r['strategy']==s); sys.exit(0 if f('readahead-kb') > 10 * max(1, f('default')) else 1)\" '${report:-/none}' && test \"\$(cat $ra)\" = '$ra_before'"
if [ $root_user -eq 1 ]; then
	check "bpf-prefetch: the uprobe in the client's FAISS got every query's hint" json "${report:-/none}" \
		"all(r['strategy_stats']['hint_calls'] == r['n_queries'] for r in d['repeats'] if r['strategy'] == 'bpf-prefetch')"
	check "bpf-prefetch: reads less than default (<= 1.5x needed), fewer major faults than the same window without it" json "${report:-/none}" \
		"(lambda b, dflt, ra: all(r['proc_read_bytes'] <= 1.5 * r['needed_bytes'] and r['proc_read_bytes'] < min(x['proc_read_bytes'] for x in dflt) for r in b) and max(r['majflt'] for r in b) < min(r['majflt'] for r in ra))([r for r in d['repeats'] if r['strategy'] == 'bpf-prefetch'], [r for r in d['repeats'] if r['strategy'] == 'default'], [r for r in d['repeats'] if r['strategy'] == 'readahead-kb']) or print([(r['strategy'], r['proc_read_bytes'], r['needed_bytes'], r['majflt']) for r in d['repeats']])"
	check "I/O wait measured in the client's thread" json "${report:-/none}" \
		"d['io_wait_available'] and all(r['io_wait_us'] is not None for r in d['repeats'])"
else
	skip "bpf-prefetch for an external client" "needs root and BTF"
fi

# batches: "q ID ID ..." and one answer line per id, the same results
"$rb" run configs/ci.yaml "${sets[@]}" --set name=batch --set run.strategies=default --set run.repeats=1 \
	--set workload.batch=5 --quiet -- "${client[@]}" >/dev/null 2>"$work/batch.err"
breport=$(ls "$work"/results/batch/*/report.json 2>/dev/null | head -1)
check "workload.batch=5 through the client: the same results digest as one by one" bash -c \
	"'$py' -c \"import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if {r['results_digest'] for r in a['repeats']} == {r['results_digest'] for r in b['repeats']} and b['repeats'][0]['batch'] == 5 else 1)\" '${report:-/none}' '${breport:-/none}' || cat '$work/batch.err'"

# clients that fail: exit 1, the run's settings restored (readahead-kb's window)
fails() {  # fails NAME MESSAGE CMD...: exit 1 with MESSAGE on stderr, read_ahead_kb as before
	local name=$1 msg=$2
	shift 2
	"$rb" run configs/ci.yaml "${sets[@]}" --set name="$name" --set run.strategies=readahead-kb \
		--set run.repeats=1 --set workload.client_timeout=0.5 --quiet -- "$@" >/dev/null 2>"$work/$name.err"
	local rc=$?
	cat "$work/$name.err"
	test $rc -eq 1 && grep -q "$msg" "$work/$name.err" && test "$(cat "$ra")" = "$ra_before"
}
check "a client that exits at once: exit 1, read_ahead_kb restored" fails dies "no 'ready' line: it exited" /bin/false
check "a client that never says ready: exit 1 after 10 timeouts" fails slow "no 'ready' line" /bin/sleep 30
check "a client that hangs on a query: exit 1 (workload.client_timeout)" fails hangs "no answer within workload.client_timeout" \
	/usr/bin/python3 -c "import time; print('ready', flush=True); time.sleep(30)"
check "a client that answers garbage: exit 1" fails garbage "not 'r ID HIT...'" \
	/usr/bin/python3 -c "import sys; print('ready', flush=True); [print('nonsense', flush=True) for l in sys.stdin]"
check "an external client with a clients sweep: exit 2 before any work" bash -c \
	"'$rb' run configs/ci.yaml ${sets[*]} --set run.clients=1,2 -- /bin/true 2>'$work/e.err'; test \$? -eq 2 && grep -q 'run.clients' '$work/e.err'"
check "an external client for another workload: exit 2" bash -c \
	"'$rb' run configs/ci.yaml ${sets[*]} --set workload.type=flat-scan --set index.factory=Flat -- /bin/true 2>'$work/e.err'; test \$? -eq 2 && grep -q 'workload.type' '$work/e.err'"
check "'--' with no command: exit 2" bash -c \
	"'$rb' run configs/ci.yaml ${sets[*]} -- 2>'$work/e.err'; test \$? -eq 2 && grep -q 'which client' '$work/e.err'"

# I/O wait counts every thread of an external client: one that reads in a worker thread
# (its main thread only waits on the worker, which is no I/O wait) under a 4 KiB window
cat >"$work/thread-client.py" <<'EOF'
import os, sys, threading
k = int(os.environ["RABENCH_K"])
data = os.path.splitext(os.environ["RABENCH_INDEX"])[0] + ".ivfdata"
fd = os.open(data, os.O_RDONLY)
pages = os.fstat(fd).st_size // 4096
print("ready", flush=True)
for line in sys.stdin:
    for qid in line.split()[1:]:
        t = threading.Thread(target=lambda q=int(qid): [os.pread(fd, 4096, ((q * 7919 + i * 104729) % pages) * 4096) for i in range(8)])
        t.start()
        t.join()
        print("r", qid, " ".join(str(i) for i in range(k)), flush=True)
EOF
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	"$rb" run configs/ci.yaml "${sets[@]}" --set name=threads --set run.strategies=readahead-kb \
		--set run.readahead_kb=4 --set run.repeats=1 --quiet -- /usr/bin/python3 "$work/thread-client.py" \
		>/dev/null 2>"$work/t.err"
	check "an external client that reads in a worker thread: its I/O wait is counted (> 0)" json \
		"$(report_of threads || echo /none)" "d['repeats'][0]['io_wait_us']['total'] > 0"
else
	skip "I/O wait of an external client's threads" "needs root and BTF"
fi
