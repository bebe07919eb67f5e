#!/usr/bin/env bash
# e2e_flat_scan.sh — the flat-scan workload end to end on configs/ci.yaml's dataset
# (its base.fvecs, 12 MiB, read cold with pread) under default, fadvise-random and
# fadvise-sequential; then the same under run.memory_limit, where the machine lets
# us make memory cgroups (root and a v1 or v2 memory controller): the cgroup's
# figures are in the report and the cgroup is gone afterwards, also after SIGINT.
# Prints "ok N - ..." or "not ok N - ..." per check (tests/run.sh counts them).
#
# usage: tests/e2e_flat_scan.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init flat "${1:-build/asan}"
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results"
      --set workload.type=flat-scan --set name=flat
      --set run.strategies=default,fadvise-random,fadvise-sequential --set workload.queries=5)
# No rabench-PID-* cgroup left anywhere.
no_cgroup_left() {
	test -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "rabench-$1-*" 2>/dev/null)"
}

check "flat-scan needs no IVF factory (dry run validates with index.factory=Flat)" \
	"$rb" run configs/ci.yaml "${sets[@]}" --set index.factory=Flat --dry-run

"$rb" run configs/ci.yaml "${sets[@]}" >"$work/out1" 2>"$work/err1"
rc=$?
report=$(ls "$work"/results/flat/*/report.json 2>/dev/null | head -1)
check "run flat-scan exits 0" test "$rc" -eq 0
check "report.json validates against report/report.schema.json" "$py" -c \
	"import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('report/report.schema.json')))" "${report:-/nonexistent}"
check "every repeat measured (3 strategies x 2 repeats x 5 queries)" json "${report:-/nonexistent}" \
	"d['complete'] and len(d['repeats']) == 6 and all(r['n_queries'] == 5 for r in d['repeats'])"
check "exact search: recall@10 is 1.0 in every repeat" json "${report:-/nonexistent}" \
	"all(r['recall'] == 1.0 for r in d['repeats'])"
check "the file read is base.fvecs, and a query needs all of it" json "${report:-/nonexistent}" \
	"d['dataset']['files_bytes'] > 10 * 2**20 and all(r['needed_bytes'] == -(-d['dataset']['files_bytes'] // 4096) * 4096 for r in d['repeats'])"
check "cold: every repeat read at least the whole file from storage" json "${report:-/nonexistent}" \
	"all(r['proc_read_bytes'] >= d['dataset']['files_bytes'] for r in d['repeats'])"
# both read the whole file; a few filesystem metadata blocks (ext4 extent tree) may
# be read by one repeat and not another, hence 256 KiB of slack
check "fadvise-random reads no more than default (exact counter, 256 KiB metadata slack)" json "${report:-/nonexistent}" \
	"max(r['proc_read_bytes'] for r in d['repeats'] if r['strategy']=='fadvise-random') <= min(r['proc_read_bytes'] for r in d['repeats'] if r['strategy']=='default') + 262144"
check "no memory limit: memcg is null" json "${report:-/nonexistent}" \
	"all(r['memcg'] is None for r in d['repeats'])"

if ! memcg_usable; then
	skip "memory-limited run" "needs root and a memory cgroup controller"
	exit 0
fi

# 128 MiB: under ASan the process already holds ~80 MiB of anonymous memory (its
# quarantine keeps what each repeat freed), and a limit must leave 16 MiB above that
"$rb" run configs/ci.yaml "${sets[@]}" --set name=flat-mem --set run.memory_limit=128M \
	>"$work/out2" 2>"$work/err2" &
pid=$!
wait $pid
rc=$?
mreport=$(ls "$work"/results/flat-mem/*/report.json 2>/dev/null | head -1)
check "run.memory_limit=128M: exits 0" test "$rc" -eq 0
check "run.memory_limit: report validates against the schema" "$py" -c \
	"import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('report/report.schema.json')))" "${mreport:-/nonexistent}"
check "run.memory_limit: every repeat has its cgroup, limit 128 MiB, usage within it" \
	json "${mreport:-/nonexistent}" \
	"d['config']['run.memory_limit'] == 128 * 2**20 and all(r['memcg'] and r['memcg']['limit_bytes'] == 128 * 2**20 and 0 < r['memcg']['peak_bytes'] <= 128 * 2**20 and r['memcg']['file_bytes'] > 0 for r in d['repeats'])"
check "run.memory_limit: still exact (recall 1.0)" json "${mreport:-/nonexistent}" \
	"all(r['recall'] == 1.0 for r in d['repeats'])"
check "run.memory_limit: report.md has the cgroup table" \
	grep -q '^## Memory cgroup' "$(dirname "${mreport:-/nonexistent}")/report.md"
check "run.memory_limit: no cgroup left behind" no_cgroup_left "$pid"

check "run.memory_limit below 32M: exit 2 naming the key" bash -c \
	"'$rb' run configs/ci.yaml --set run.memory_limit=16M 2>'$work/err'; test \$? -eq 2 && grep -q 'run.memory_limit: too small to run' '$work/err'"

# SIGINT while inside the cgroup: exit 130 and the cgroup is removed
"$rb" run configs/ci.yaml "${sets[@]}" --set name=flat-int --set run.memory_limit=128M \
	--set run.repeats=400 >/dev/null 2>"$work/err3" &
pid=$!
wait_for '\[2/' "$work/err3"
kill -INT $pid
wait $pid
rc=$?
check "run.memory_limit + SIGINT: exit 130" test "$rc" -eq 130
check "run.memory_limit + SIGINT: no cgroup left behind" no_cgroup_left "$pid"
