#!/usr/bin/env bash
# e2e_rag.sh — the chunk store workloads end to end on a tiny corpus dataset
# (configs/rag.yaml shrunk with --set: the first 1500 WordNet chunks, 64-d, or a
# corpus of Debian's license texts where wordnet-base is not installed): rag
# completes under default, fadvise-random and willneed with per-phase figures
# (search, fetch) in report.json and a sane recall; chunk-fetch with pread and
# with mmap reads no more under fadvise-random than under default; uniform picks
# have no recall; a corrupted chunk store in the cache is rebuilt; a chunk workload without a chunk
# store is refused; as root, bpf-prefetch prefetches the chunks a search returns
# (counters and probes) and every repeat has per-phase I/O wait. Prints "ok N - ..." / "not ok N - ..." (tests/run.sh counts).
#
# usage: tests/e2e_rag.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init rag "${1:-build/asan}"
corpus=wordnet
if [ ! -r /usr/share/wordnet/data.noun ]; then
	echo "# wordnet-base is not installed: using /usr/share/common-licenses as the corpus"
	cat /usr/share/common-licenses/* >"$work/corpus.txt"
	corpus="$work/corpus.txt"
fi
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results"
      --set "dataset.corpus=$corpus" --set dataset.n=1500 --set dataset.dim=64
      --set dataset.chunk_size=512 --set dataset.queries=100 --set index.factory=IVF16,Flat
      --set index.train_size=1500 --set workload.nprobe=4 --set workload.queries=20
      --set run.repeats=1 --set run.probes=false
      --set run.strategies=default,fadvise-random,willneed)
# proc_read_bytes: fadvise-random no more than default
random_reads_less='max(r["proc_read_bytes"] for r in d["repeats"] if r["strategy"]=="fadvise-random") <= min(r["proc_read_bytes"] for r in d["repeats"] if r["strategy"]=="default")'

"$rb" run configs/rag.yaml "${sets[@]}" --set name=rag >"$work/out1" 2>"$work/err1"
rc=$?
r=$(report_of rag)
check "rag: run exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$work/err1"
check "rag: report.json validates against report/report.schema.json" schema_ok "${r:-/nonexistent}"
check "rag: every repeat has search and fetch phase figures" json "${r:-/nonexistent}" \
	"len(d['repeats']) == 3 and all(set(x['phases']) == {'search', 'fetch'} and x['phases']['search']['p50'] > 0 and x['phases']['fetch']['p50'] > 0 and x['phases']['search']['mean'] + x['phases']['fetch']['mean'] <= x['latency_us']['mean'] * 1.001 for x in d['repeats'])"
check "rag: the summary carries each phase's spread" json "${r:-/nonexistent}" \
	"all(s['phases']['fetch']['p50_us']['median'] > 0 and s['phases']['search']['p50_us']['median'] > 0 and (s['phases']['search']['p99_us'] is None) == (d['config']['workload.queries'] < 100) for s in d['summary']['strategies'])"
check "rag: recall (source chunk among the k hits) is in (0, 1] and the same under every strategy" \
	json "${r:-/nonexistent}" \
	"len({x['recall'] for x in d['repeats']}) == 1 and 0 < d['repeats'][0]['recall'] <= 1"
check "rag: the run's files are the index, its lists and the chunk store" json "${r:-/nonexistent}" \
	"d['dataset']['files_bytes'] > 0 and all(x['needed_bytes'] > 0 for x in d['repeats'])"
check "rag: fadvise-random reads no more than default (exact counter)" json "${r:-/nonexistent}" \
	"$random_reads_less"

# bpf-prefetch on rag (root, kernel BTF): the ids each search returns (a uprobe and a
# uretprobe on IndexIVF::search) name the chunks fetched next; the agent prefetches
# them before the fetch reads them. Counters only: every search's ids reached the
# agent, and the probes saw the chunk store's pages added by the agent's prefetch
# rather than by the fetch's own reads. Per-phase I/O wait is in every repeat.
if [ "$(id -u)" -ne 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "rag bpf-prefetch: chunks prefetched from the search's return" "needs root and kernel BTF"
else
	"$rb" run configs/rag.yaml "${sets[@]}" --set name=rag-bpf --set run.probes=true \
		--set run.strategies=default,bpf-prefetch >"$work/out-bpf" 2>"$work/err-bpf"
	rc=$?
	r=$(report_of rag-bpf)
	check "rag bpf-prefetch: run exits 0" bash -c "test $rc -eq 0 || { cat '$work/err-bpf'; false; }"
	check "rag bpf-prefetch: report validates against the schema" schema_ok "${r:-/nonexistent}"
	check "rag: each phase's I/O wait and major faults, within the query's" json "${r:-/nonexistent}" \
		"all(set(x['phase_io']) == {'search', 'fetch'} and all(p['io_wait_us'] is not None and p['majflt'] >= 0 for p in x['phase_io'].values()) and sum(p['io_wait_us']['total'] for p in x['phase_io'].values()) <= x['io_wait_us']['total'] * 1.001 + 1 for x in d['repeats'])"
	check "rag bpf-prefetch: every search's returned ids reached the agent, each named a chunk" \
		json "${r:-/nonexistent}" \
		"all(s['result_calls'] == x['n_queries'] and s['result_ids'] == x['n_queries'] * d['config']['workload.k'] and s['result_unknown'] == 0 and 0 < s['results_prefetched'] and s['results_prefetched'] + s['results_resident'] + s['results_skipped'] <= s['result_ids'] for x in d['repeats'] if x['strategy'] == 'bpf-prefetch' for s in [x['strategy_stats']])"
	chunks="[f for f in x['probes']['files'] if f['path'].endswith('/chunks.dat')][0]"
	check "rag bpf-prefetch: the chunk store's pages came from the agent's prefetch, not the fetch's reads (probes)" \
		json "${r:-/nonexistent}" \
		"all(c['pages_added_prefetch'] > c['pages_added_demand'] for x in d['repeats'] if x['strategy'] == 'bpf-prefetch' for c in [$chunks]) and all(c['pages_added_prefetch'] == 0 for x in d['repeats'] if x['strategy'] == 'default' for c in [$chunks])"
	# the same from the LMDB and SQLite stores: their extent files map a chunk id to
	# the bytes that hold it in the database file
	for st in lmdb sqlite; do
		"$rb" run configs/rag.yaml "${sets[@]}" --set name=rag-bpf-$st --set run.probes=true \
			--set dataset.chunk_store=$st --set run.strategies=bpf-prefetch \
			>"$work/out-bpf-$st" 2>"$work/err-bpf-$st"
		rc=$?
		r=$(report_of rag-bpf-$st)
		store="[f for f in x['probes']['files'] if f['path'].endswith('/chunks.$st')][0]"
		# a small store may be read whole by the read-around of the first fetch's fault
		# (LMDB's mmap keeps it): then the agent finds its chunks resident and the
		# fetch's reads add (almost) nothing themselves
		check "rag bpf-prefetch, $st store: every search's ids named a chunk; the chunks were the agent's prefetch, or resident before the fetch read them" \
			json "${r:-/nonexistent}" \
			"$rc == 0 and all(s['result_calls'] == x['n_queries'] and s['result_unknown'] == 0 and s['results_prefetched'] > 0 and (c['pages_added_prefetch'] > 0 or c['pages_added_demand'] <= 1) for x in d['repeats'] for s in [x['strategy_stats']] for c in [$store])"
	done
fi

for io in pread mmap; do
	"$rb" run configs/chunk-fetch.yaml "${sets[@]}" --set name=cf-$io --set workload.chunk_io=$io \
		>"$work/out-$io" 2>"$work/err-$io"
	rc=$?
	r=$(report_of cf-$io)
	check "chunk-fetch $io: run exits 0" test "$rc" -eq 0
	check "chunk-fetch $io: report validates against the schema" schema_ok "${r:-/nonexistent}"
	check "chunk-fetch $io: single phase (phases null), recall in [0, 1], chunks needed" \
		json "${r:-/nonexistent}" \
		"all(x['phases'] is None and 0 <= x['recall'] <= 1 and x['needed_bytes'] > 0 for x in d['repeats'])"
	check "chunk-fetch $io: fadvise-random reads no more of the chunk store than default" \
		json "${r:-/nonexistent}" "$random_reads_less"
done

"$rb" run configs/chunk-fetch.yaml "${sets[@]}" --set name=cf-uniform --set workload.chunk_ids=uniform \
	--set run.strategies=default >/dev/null 2>"$work/err-u"
r=$(report_of cf-uniform)
check "chunk-fetch uniform picks: recall is null" json "${r:-/nonexistent}" \
	"all(x['recall'] is None for x in d['repeats'])"

check "chunk-fetch on synthetic data: exit 2 naming workload.type" bash -c \
	"'$rb' run configs/ci.yaml --set workload.type=chunk-fetch --dry-run 2>'$work/err'; test \$? -eq 2 && grep -q 'workload.type: needs a chunk store' '$work/err'"

# a private cache, bytes of chunks.dat changed behind its manifest (sizes unchanged): the
# checksum in the manifest no longer matches, so the corpus is built again before the
# run, never fetched from (a change during a run fails the fetch: tests/test_chunkstore.c)
"$rb" run configs/chunk-fetch.yaml "${sets[@]}" --set "run.cache_dir=$work/cache" --set name=cf-bad \
	--set run.strategies=default >/dev/null 2>&1
dat=$(ls "$work"/cache/corpus-*/chunks.dat 2>/dev/null | head -1)
check "private corpus cache prepared" test -n "$dat"
if [ -n "$dat" ]; then
	# one byte in every 50: every chunk a query fetches is damaged, sizes unchanged
	"$py" -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[::50] = bytes(x ^ 0x20 for x in b[::50]); open(sys.argv[1], 'wb').write(b)" "$dat"
	"$rb" run configs/chunk-fetch.yaml "${sets[@]}" --set "run.cache_dir=$work/cache" --set name=cf-bad \
		--set run.strategies=default >/dev/null 2>"$work/err-bad"
	rc=$?
	check "corrupted chunk store in the cache: rebuilt, then the run completes" bash -c \
		"test $rc -eq 0 && grep -q 'dataset .*corpus-.* ready' '$work/err-bad' && ! grep -q 'Bad message' '$work/err-bad'"
fi
