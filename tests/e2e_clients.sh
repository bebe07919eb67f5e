#!/usr/bin/env bash
# e2e_clients.sh — concurrent clients and batched search end to end on the ci data:
# a clients sweep (run.clients [1, 4]) under default, willneed and fadvise-random
# (and bpf-prefetch where BPF loads) returns exactly the single-client results
# (results_digest and recall equal in every repeat), shares the queries among the
# clients (per_client counts add up), and the report shows throughput vs clients
# (report.md table, report.html chart, compare by level). Batches (workload.batch)
# return the same results; rag with clients and batches too; a batch on a
# workload without a batched search is refused with exit 2.
# With RB_TSAN_BIN set (tests/run.sh sets it when build/tsan/rabench exists), 4
# clients with batches, the --live view and (as root) the bpf-prefetch agent run
# under ThreadSanitizer and must print no report.
#
# usage: tests/e2e_clients.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init clients "${1:-build/asan}"
strategies=default,willneed,fadvise-random
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	strategies=$strategies,bpf-prefetch
fi
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results"
      --set run.repeats=1 --set run.probes=false --set "run.strategies=$strategies")
same_results='len({r["results_digest"] for r in d["repeats"]}) == 1 and len({r["recall"] for r in d["repeats"]}) == 1'
shares_add_up='all(sum(c["n_queries"] for c in r["per_client"]) == r["n_queries"] and len(r["per_client"]) == r["clients"] for r in d["repeats"])'

"$rb" run configs/ci.yaml "${sets[@]}" --set name=sweep --set "run.clients=[1,4]" \
	>"$work/out1" 2>"$work/err1"
rc=$?
check "clients sweep [1, 4] exits 0" test $rc -eq 0
sweep=$(report_of sweep)
check "sweep: report.json validates against the schema" schema_ok "$sweep"
check "sweep: every strategy ran at 1 and at 4 clients" \
	json "$sweep" "sorted({(r['strategy'], r['clients']) for r in d['repeats']}) == sorted({(s, c) for s in '$strategies'.split(',') for c in (1, 4)})"
check "sweep: 4 clients return exactly the single-client results (digest, recall)" \
	json "$sweep" "$same_results"
check "sweep: the clients' shares add up to the repeat's queries" json "$sweep" "$shares_add_up"
check "sweep: 4 clients shared the work (at least 2 ran queries)" \
	json "$sweep" "all(sum(1 for c in r['per_client'] if c['n_queries'] > 0) >= 2 for r in d['repeats'] if r['clients'] == 4)"
check "sweep: one summary entry per (strategy, clients)" \
	json "$sweep" "len(d['summary']['strategies']) == 2 * len('$strategies'.split(',')) and all(s['repeats'] == 1 for s in d['summary']['strategies'])"
check "sweep: report.md has the throughput vs clients table" \
	grep -q '^| strategy | 1 client | 4 clients |$' "$(dirname "$sweep")/report.md"
check "sweep: report.html draws throughput vs clients" \
	grep -q 'class="scaling"' "$(dirname "$sweep")/report.html"
check "sweep: terminal table labels the levels" grep -q '^default, 4 clients' "$work/out1"
check "sweep: compare matches level by level" bash -c \
	"'$rb' compare --counters-only '$sweep' '$sweep' >'$work/cmp'; test \$? -eq 0 && grep -q '| willneed, 4 clients | process bytes read |' '$work/cmp'"

"$rb" run configs/ci.yaml "${sets[@]}" --set name=batch --set run.strategies=default,willneed \
	--set "run.clients=[1,2]" --set workload.batch=4 >"$work/out2" 2>"$work/err2"
check "batches of 4 with 1 and 2 clients exit 0" test $? -eq 0
batch=$(report_of batch)
check "batch: the same results as one query at a time" "$py" -c "
import json,sys
a = json.load(open('$sweep')); b = json.load(open('$batch'))
da = {r['results_digest'] for r in a['repeats']}; db = {r['results_digest'] for r in b['repeats']}
sys.exit(0 if da == db and len(db) == 1 and all(r['batch'] == 4 for r in b['repeats']) else 1)"
check "batch: a batch's queries share its latency" \
	json "$batch" "all(len(set(r['latency_samples_us'][i:i+4])) == 1 for r in d['repeats'] for i in range(0, r['n_queries'] - r['n_queries'] % 4, 4) if r['clients'] == 1)"
check "batch: the summary counts a search call once (its queries share one latency), as compare does" \
	json "$batch" "all(s['latency_samples'] == sum((r['n_queries'] + 3) // 4 for r in d['repeats'] if r['strategy'] == s['name'] and r['clients'] == s['clients']) for s in d['summary']['strategies'])"
check "batch on flat-scan: exit 2 naming workload.batch" bash -c \
	"'$rb' run configs/ci.yaml --set workload.type=flat-scan --set workload.batch=2 2>'$work/err'; test \$? -eq 2 && grep -q 'workload.batch' '$work/err'"
check "rabench list workloads says which take workload.batch" bash -c \
	"'$rb' list workloads | grep -q 'ivf-search .*\\[batches' && ! '$rb' list workloads | grep -q 'flat-scan .*\\[batches'"
check "dry run lists the clients of each step" bash -c \
	"'$rb' run configs/ci.yaml --set 'run.clients=[1,8]' --dry-run | grep -q 'clients 8 *repeat 2'"

# rag: search then fetch, per client; a batch searches together and fetches each hit
corpus=wordnet
if [ ! -r /usr/share/wordnet/data.noun ]; then
	cat /usr/share/common-licenses/* >"$work/corpus.txt"
	corpus="$work/corpus.txt"
fi
"$rb" run configs/rag.yaml "${sets[@]}" --set name=rag --set "dataset.corpus=$corpus" \
	--set dataset.n=1500 --set dataset.dim=64 --set dataset.chunk_size=512 \
	--set dataset.queries=100 --set index.factory=IVF16,Flat --set index.train_size=1500 \
	--set workload.nprobe=4 --set workload.queries=24 --set run.strategies=default,willneed \
	--set "run.clients=[1,3]" --set workload.batch=2 >"$work/out3" 2>"$work/err3"
check "rag with 1 and 3 clients, batches of 2, exits 0" test $? -eq 0
rag=$(report_of rag)
check "rag: the same hits at every level, phases recorded" \
	json "$rag" "$same_results and all(r['phases'] and r['phases']['fetch']['p50'] > 0 for r in d['repeats'])"

if [ -n "${RB_TSAN_BIN:-}" ] && [ -x "$RB_TSAN_BIN" ]; then
	logs="$work/tsan"
	mkdir -p "$logs"
	OMP_NUM_THREADS=1 TSAN_OPTIONS="suppressions=$root/tests/tsan.supp log_path=$logs/tsan history_size=4" \
		"$RB_TSAN_BIN" run configs/ci.yaml "${sets[@]}" --set name=tsan --set "run.clients=[4]" \
		--set workload.batch=2 --live >"$work/out4" 2>&1
	check "ThreadSanitizer: 4 clients with batches and --live exit 0" test $? -eq 0
	check "ThreadSanitizer: no report" bash -c "! ls '$logs'/tsan.* >/dev/null 2>&1 || { cat '$logs'/tsan.*; false; }"
else
	skip "ThreadSanitizer run" "no RB_TSAN_BIN (make test builds build/tsan/rabench)"
fi
