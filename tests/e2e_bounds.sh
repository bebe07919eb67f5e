#!/usr/bin/env bash
# e2e_bounds.sh — every report's bounds (what an optimal page cache would read)
# on real runs of configs/ci.yaml, checked against tests/bounds_check.py, which
# recomputes them with python3-faiss from the index on disk and its own Belady
# MIN and LRU (no code shared with rabench): without a memory limit (the optimum
# is the distinct pages) and under one smaller than them (MIN below LRU); the
# roofline capped by the compute ceiling a cold run measures in a warm pass.
#
# usage: tests/e2e_bounds.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init bounds "${1:-build/asan}"
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results" --set run.repeats=1)

"$rb" run configs/ci.yaml "${sets[@]}" --set run.strategies=default,willneed \
	--set workload.queries=60 >"$work/out1" 2>"$work/err1"
rc=$?
report=$(report_of ci)
check "ci.yaml without a limit runs (exit 0)" test "$rc" -eq 0
check "the report validates against the schema" schema_ok "$report"
check "every repeat has bounds; no limit: room null, optimum = LRU = distinct pages = needed" json "$report" \
	"all(r['bounds'] and r['bounds']['room_bytes'] is None and r['bounds']['opt_bytes'] == r['bounds']['lru_bytes'] == r['bounds']['unique_bytes'] == r['needed_bytes'] > 0 for r in d['repeats'])"
check "willneed reads the optimum (x_opt 1.0 within 5 %), default more" json "$report" \
	"(lambda b: abs(b['willneed'] - 1) < 0.05 and b['default'] > b['willneed'])({r['strategy']: r['bounds']['x_opt'] for r in d['repeats']})"
check "a cold run measures its compute ceiling: a warm pass after the repeats (it read < 1 % of its needs)" json "$report" \
	"(lambda c: c['from'] == 'the warm pass' and c['warm_pass_note'] == '' and c['qps'] == c['warm_pass_qps'] > 0 and all(r['bounds']['compute_qps'] == c['qps'] for r in d['repeats']))(d['compute_ceiling'])"
check "the warm pass is no repeat: one per strategy, as asked" json "$report" \
	"sorted(r['strategy'] for r in d['repeats']) == ['default', 'willneed']"
check "the roofline: the bandwidth measured in this run / optimal bytes per query, capped by the ceiling, and % of it" json "$report" \
	"(lambda c: all(abs(r['bounds']['roofline_qps'] - min(d['compute_ceiling']['qps'], c['in_run_seq_read_mb_s'] * 1e6 * r['n_queries'] / r['bounds']['opt_bytes'])) < 1e-6 * r['bounds']['roofline_qps'] and abs(r['bounds']['pct_roofline'] - 100 * r['qps'] / r['bounds']['roofline_qps']) < 1e-6 for r in d['repeats']))(d['environment']['device_calibration'])"
check "report.md says what capped the roofline" grep -q "capped by the compute ceiling: [0-9]* q/s, the same queries from a warm cache" "$(dirname "$report")/report.md"
check "the roofline's bandwidth was measured in this run (not the day-cached figure)" json "$report" \
	"(lambda t: abs(t(d['environment']['device_calibration']['in_run_measured_at']) - t(d['started'])) <= 10)(lambda s: __import__('calendar').timegm(__import__('time').strptime(s, '%Y-%m-%dT%H:%M:%SZ'))) and d['environment']['device_calibration']['in_run_seq_read_mb_s'] > 0"
check "python3-faiss recomputes the same bounds (no limit)" "$py" tests/bounds_check.py "$report"
check "the table shows x optimum and % of the roofline" bash -c "grep -q 'x opt' '$work/out1' && grep -q '%roof' '$work/out1'"
check "report.md and report.html show the optimum" bash -c \
	"grep -q 'read × optimum' '$(dirname "$report")/report.md' && grep -q 'optimal cache' '$(dirname "$report")/report.html'"

# the release binary: ASan's shadow would not fit a 40 MiB cgroup (make test builds it)
rel="$root/build/release/rabench"
if ! memcg_usable; then
	skip "under a memory limit, MIN < LRU and python3-faiss agrees" "no memory cgroup here (root and a memory controller needed)"
elif [ ! -x "$rel" ]; then
	skip "under a memory limit, MIN < LRU and python3-faiss agrees" "no release build ($rel)"
else
	# 200k vectors: 48.5 MiB of lists probed, more than a 40 MiB limit leaves. The
	# dataset is built by the same process, in a cache of its own: what the build
	# freed must not stay resident as anonymous memory, which the pre-repeat check
	# counts (before glibc's mmap threshold was pinned for memory-limited runs, a
	# fresh ci.yaml build left 26.2 MiB and a 32 MiB limit was refused)
	"$rel" run configs/ci.yaml "${sets[@]}" --set "run.cache_dir=$work/cache" --set name=ci-limit \
		--set dataset.n=200000 --set workload.nprobe=32 --set workload.queries=100 \
		--set run.strategies=default --set run.memory_limit=40M >"$work/out2" 2>"$work/err2"
	rc=$?
	report=$(report_of ci-limit)
	check "ci.yaml at 200k vectors, built in the same run, under a 40 MiB limit runs (exit 0)" \
		bash -c "test $rc -eq 0 || { cat '$work/err2'; false; }"
	check "room = limit less non-file usage; unique > room; MIN between unique and LRU" json "$report" \
		"all(0 < r['bounds']['room_bytes'] <= 40 << 20 and r['bounds']['unique_bytes'] > r['bounds']['room_bytes'] and r['bounds']['unique_bytes'] < r['bounds']['opt_bytes'] < r['bounds']['lru_bytes'] for r in d['repeats'])"
	check "python3-faiss recomputes the same bounds (MIN and LRU at the report's room)" \
		"$py" tests/bounds_check.py "$report"
fi
