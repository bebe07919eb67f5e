#!/usr/bin/env bash
# e2e_stores.sh — the stores RAG systems run, end to end with the real binary on
# tiny data: configs/hnsw.yaml and configs/hnsw-memlimit.yaml (shrunk with --set)
# under every strategy — willneed and faiss-prefetch skipped with their reasons,
# every other one the same answers — with recall equal to what python3-hnswlib
# computes on the same file (its own loader and search, none of rabench's code);
# configs/chunk-lmdb.yaml and configs/chunk-sqlite.yaml under every strategy
# with the same answers, recall and bytes needed as the file store (and rag over
# each, and over the HNSW graph); bad input: an HNSW key out of range, a chunk store a workload cannot
# read, and a database file in the cache that is not one (exit 2 or rebuilt,
# never a half-built folder). Prints "ok N - ..." / "not ok N - ...".
#
# usage: tests/e2e_stores.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init stores "${1:-build/asan}"

all=default,fadvise-random,fadvise-sequential,faiss-prefetch,willneed,bpf-prefetch,readahead-kb
base=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results"
      --set run.repeats=1 --set run.probes=false --set "run.strategies=$all")
# small enough to build in seconds, sparse enough (M 6, ef 12) that recall is not 1
hnsw=(--set dataset.n=20000 --set dataset.dim=32 --set dataset.clusters=32 --set dataset.queries=200
      --set index.hnsw_m=6 --set index.hnsw_ef_construction=40 --set workload.ef_search=12
      --set workload.queries=60)
[ "$(id -u)" -eq 0 ] || echo "# not root: the BPF and memory-cgroup strategies are skipped with their reasons"

"$rb" run configs/hnsw.yaml "${base[@]}" "${hnsw[@]}" --set name=hnsw >"$work/out1" 2>"$work/err1"
rc=$?
r=$(report_of hnsw)
check "hnsw.yaml: every strategy, exit 0" bash -c "test $rc -eq 0 || { cat '$work/err1'; false; }"
check "hnsw.yaml: report validates against the schema" schema_ok "${r:-/nonexistent}"
check "hnsw.yaml: willneed and faiss-prefetch skipped, each with its reason" json "${r:-/nonexistent}" \
	"{s['name']: s['reason'] for s in d['skipped_strategies'] if s['name'] in ('willneed', 'faiss-prefetch')}.keys() == {'willneed', 'faiss-prefetch'} and any('graph walk' in s['reason'] for s in d['skipped_strategies'])"
check "hnsw.yaml: the same answers under every strategy that ran, recall below 1" json "${r:-/nonexistent}" \
	"len({x['results_digest'] for x in d['repeats']}) == 1 and len(d['repeats']) >= 4 and 0 < d['repeats'][0]['recall'] < 1"
check "hnsw.yaml: bytes needed are the pages of the nodes read (same every strategy, <= the file)" json "${r:-/nonexistent}" \
	"len({x['needed_bytes'] for x in d['repeats']}) == 1 and 0 < d['repeats'][0]['needed_bytes'] <= 20000 * (32 * 4 + 13 * 4 + 8) + 4096 * 2"
idx=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['dataset']['index_dir'] + '/hnsw.bin')" "${r:-/nonexistent}" 2>/dev/null)
ds=$(dirname "$(dirname "${idx:-/nonexistent/x/y}")")
check "hnsw.yaml: recall equals python3-hnswlib's on the same file" json "${r:-/nonexistent}" \
	"abs(d['repeats'][0]['recall'] - float(__import__('subprocess').check_output(['/usr/bin/python3', 'tests/hnsw_recall.py', '$idx', '$ds/queries.fvecs', '$ds/groundtruth.ivecs', '10', '12', '60']))) < 1e-9"
if [ "$(id -u)" -eq 0 ]; then
	# the 3.7 MB graph fits the page cache and no hint names its pages before the walk:
	# bpf-prefetch leaves it to the kernel's read-around (no RANDOM, no uprobe, no miss events)
	check "hnsw.yaml: bpf-prefetch keeps read-around on the graph that fits (kept, not random, no hints)" json "${r:-/nonexistent}" \
		"any(x['strategy'] == 'bpf-prefetch' for x in d['repeats']) and all(x['strategy_stats']['files_kept'] == 1 and x['strategy_stats']['files_hinted'] == 0 and x['strategy_stats']['files_random'] == 0 and x['strategy_stats']['hint_calls'] == 0 and x['strategy_stats']['miss_events'] == 0 for x in d['repeats'] if x['strategy'] == 'bpf-prefetch')"
	"$rb" run configs/hnsw-memlimit.yaml "${base[@]}" "${hnsw[@]}" --set name=hnsw-mem \
		--set run.strategies=default,fadvise-random,bpf-prefetch >"$work/out2" 2>"$work/err2"
	rc=$?
	r2=$(report_of hnsw-mem)
	check "hnsw-memlimit.yaml: exit 0, every repeat in a 64 MiB cgroup, the same answers" json "${r2:-/nonexistent}" \
		"$rc == 0 and all(x['memcg']['limit_bytes'] == 64 << 20 for x in d['repeats']) and len({x['results_digest'] for x in d['repeats']}) == 1"
	check "hnsw-memlimit.yaml: no lists dropped for a graph walk's hints (they do not name whole scans)" json "${r2:-/nonexistent}" \
		"any(x['strategy'] == 'bpf-prefetch' for x in d['repeats']) and all(x['strategy_stats']['drop_pressure'] == 0 and x['strategy_stats']['lists_dropped'] == 0 for x in d['repeats'] if x['strategy'] == 'bpf-prefetch')"
fi

# chunk stores: the same chunks from chunks.dat, LMDB and SQLite
corpus=wordnet
[ -r /usr/share/wordnet/data.noun ] || { cat /usr/share/common-licenses/* >"$work/corpus.txt"; corpus="$work/corpus.txt"; }
chunks=(--set "dataset.corpus=$corpus" --set dataset.n=1500 --set dataset.dim=64 --set dataset.queries=100
        --set index.factory=IVF16,Flat --set index.train_size=1500 --set workload.queries=30)
for store in file lmdb sqlite; do
	cfg=configs/chunk-$store.yaml
	[ "$store" = file ] && cfg=configs/chunk-fetch.yaml
	"$rb" run "$cfg" "${base[@]}" "${chunks[@]}" --set name=chunk-$store >"$work/out-$store" 2>"$work/err-$store"
	rc=$?
	check "$(basename "$cfg"): every strategy, exit 0" bash -c "test $rc -eq 0 || { cat '$work/err-$store'; false; }"
done
rf=$(report_of chunk-file)
for store in lmdb sqlite; do
	r=$(report_of chunk-$store)
	check "chunk-$store.yaml: the same answers, recall and bytes needed as the file store, every strategy" \
		"$py" -c "
import json, sys
f = json.load(open('${rf:-/nonexistent}')); d = json.load(open('${r:-/nonexistent}'))
fig = lambda rep: {(x['results_digest'], x['recall'], x['needed_bytes_sum']) for x in rep['repeats']}
ok = len(fig(d)) == 1 and {(a, b) for a, b, c in fig(d)} == {(a, b) for a, b, c in fig(f)} and len(d['repeats']) >= 5
sys.exit(0 if ok else 1)"
	check "chunk-$store.yaml: willneed ran (the store's extent file names each chunk's bytes)" json "${r:-/nonexistent}" \
		"any(x['strategy'] == 'willneed' for x in d['repeats']) and all(x['needed_bytes'] > 0 for x in d['repeats'])"
	db=$(ls "$scratch"/test-cache/corpus-*/store-$store-*/chunks.$store 2>/dev/null | head -1)
	if [ $store = sqlite ]; then
		# an independent count: python's sqlite3 over the same file (dbstat)
		want=$("$py" -c "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute(\"select count(*) * (select page_size from pragma_page_size) from dbstat where name='chunks' and pagetype='internal'\").fetchone()[0])" "$db")
		check "chunk-sqlite.yaml: the B-tree's interior pages shown apart (python's dbstat: $want bytes)" \
			json "${r:-/nonexistent}" "d['dataset']['store_interior_bytes'] == ${want:-None}"
	else
		check "chunk-lmdb.yaml: the B-tree's interior pages shown apart (whole pages, less than the file)" \
			json "${r:-/nonexistent}" "0 < d['dataset']['store_interior_bytes'] < $(stat -c %s "${db:-/}") and d['dataset']['store_interior_bytes'] % 4096 == 0"
	fi
	"$rb" run configs/rag.yaml "${base[@]}" "${chunks[@]}" --set dataset.chunk_store=$store \
		--set workload.nprobe=4 --set run.strategies=default,fadvise-random,willneed --set name=rag-$store \
		>/dev/null 2>"$work/err-rag-$store"
	rc=$?
	check "rag.yaml with dataset.chunk_store $store: exit 0, search and fetch phases" json "$(report_of rag-$store || echo /nonexistent)" \
		"$rc == 0 and all(set(x['phases']) == {'search', 'fetch'} for x in d['repeats']) and len({x['results_digest'] for x in d['repeats']}) == 1"
done

# rag over the HNSW graph and the LMDB store: the search is a graph walk, willneed has no hint
"$rb" run configs/rag.yaml "${base[@]}" "${chunks[@]}" --set index.kind=hnsw --set dataset.chunk_store=lmdb \
	--set run.strategies=default,fadvise-random,willneed,bpf-prefetch --set name=rag-hnsw >/dev/null 2>"$work/err-rag-hnsw"
rc=$?
check "rag.yaml over index.kind hnsw and LMDB: exit 0, the same answers, willneed skipped with the reason" \
	json "$(report_of rag-hnsw || echo /nonexistent)" \
	"$rc == 0 and len({x['results_digest'] for x in d['repeats']}) == 1 and [s['name'] for s in d['skipped_strategies']] == ['willneed'] and all(set(x['phases']) == {'search', 'fetch'} for x in d['repeats'])"

# bad input: refused before any work (exit 2), naming the key
"$rb" run configs/hnsw.yaml "${base[@]}" --set index.hnsw_m=1 >/dev/null 2>"$work/bad1"
check "index.hnsw_m out of range: exit 2 naming the key" bash -c "test $? -eq 2 && grep -q 'index.hnsw_m' '$work/bad1'"
"$rb" run configs/hnsw.yaml "${base[@]}" --set dataset.chunk_store=lmdb >/dev/null 2>"$work/bad2"
check "a chunk store hnsw-search cannot use: exit 2 naming dataset.chunk_store" bash -c \
	"test $? -eq 2 && grep -q 'dataset.chunk_store: workload.type hnsw-search reads no chunks' '$work/bad2'"
"$rb" run configs/hnsw.yaml "${base[@]}" --set workload.type=ivf-search >/dev/null 2>"$work/bad3"
check "an index kind the workload does not read: exit 2 naming index.kind" bash -c \
	"test $? -eq 2 && grep -q 'index.kind: workload.type ivf-search does not read it' '$work/bad3'"
# a database in the cache that is not one: the manifest no longer matches, it is built again
db=$(ls "$scratch"/test-cache/corpus-*/store-sqlite-*/chunks.sqlite 2>/dev/null | head -1)
if [ -n "$db" ]; then
	printf 'not a database' | dd of="$db" bs=1 seek=0 conv=notrunc status=none
	"$rb" run configs/chunk-sqlite.yaml "${base[@]}" "${chunks[@]}" --set name=chunk-rebuilt \
		--set run.strategies=default >/dev/null 2>"$work/err-rebuilt"
	check "a corrupted SQLite store in the cache is rebuilt, the run succeeds" bash -c \
		"test $? -eq 0 && grep -q 'writing .* chunks into' '$work/err-rebuilt' && ! ls -d '$scratch'/test-cache/corpus-*/store-sqlite-*.tmp-* 2>/dev/null"
fi
