#!/usr/bin/env bash
# e2e_run.sh — end to end on configs/ci.yaml with the real binary: a real FAISS
# index on disk, read cold, under default and fadvise-random. Prints "ok N - ..."
# or "not ok N - ..." per check (tests/run.sh counts them).
#
# usage: tests/e2e_run.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init run "${1:-build/asan}"
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results")

check "rabench --help lists the commands" bash -c "'$rb' --help | grep -q 'run '"
check "rabench run --help explains --set" bash -c "'$rb' run --help | grep -q -- '--set'"
check "unknown command exits 2" bash -c "'$rb' frobnicate; test \$? -eq 2"

# bad input: exit 2, and the message names file, line and key
printf 'name: x\ndataset:\n  n: 1000\n  colour: blue\n' > "$work/bad.yaml"
check "unknown key: exit 2 naming file:line and key" bash -c \
	"'$rb' run '$work/bad.yaml' 2>'$work/err'; test \$? -eq 2 && grep -q 'bad.yaml:4:.*dataset.colour' '$work/err'"
check "missing config file: exit 2 naming it" bash -c \
	"'$rb' run '$work/none.yaml' 2>'$work/err'; test \$? -eq 2 && grep -q 'none.yaml' '$work/err'"
check "bad --set value: exit 2 naming the key" bash -c \
	"'$rb' run configs/ci.yaml --set workload.k=0 2>'$work/err'; test \$? -eq 2 && grep -q 'workload.k' '$work/err'"
check "dry run prints the interleaved plan" bash -c \
	"'$rb' run configs/ci.yaml --dry-run | grep -q 'fadvise-random *clients 1 *repeat 2'"

# the real run: the kernel's two strategies and 30 queries, the pairs the checks compare
"$rb" run configs/ci.yaml "${sets[@]}" --set run.strategies=default,fadvise-random \
	--set workload.queries=30 >"$work/out1" 2>"$work/err1"
rc=$?
report=$(ls "$work"/results/ci/*/report.json 2>/dev/null | head -1)
check "run configs/ci.yaml exits 0" test "$rc" -eq 0
check "report.json and report.md written" test -s "$report" -a -s "$(dirname "$report")/report.md"
check "comparison table on stdout names both strategies" bash -c \
	"grep -q '^default' '$work/out1' && grep -q '^fadvise-random' '$work/out1'"
check "report.json validates against report/report.schema.json" "$py" -c \
	"import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('report/report.schema.json')))" "$report"
check "the device is described: model, and a calibration (O_DIRECT) with positive figures" json "$report" \
	"d['environment']['device_model'] != 'unknown' and (lambda c: c['source'] in ('device', 'file') and c['qd1_4k_read_us'] > 0 and c['qd1_iops'] > 0 and c['qd32_iops'] > 0 and c['seq_read_mb_s'] > 0)(d['environment']['device_calibration'])"
check "2 x 30 queries give no p99.9 or p99 (null) in the summary, and the summary pools them" json "$report" \
	"all(s['p999_us'] is None and s['p99_us'] is None and s['latency_samples'] == 2 * d['config']['workload.queries'] for s in d['summary']['strategies'])"
check "every repeat measured and complete" json "$report" \
	"d['complete'] and len(d['repeats']) == 2 * len(d['summary']['strategies']) and all(r['n_queries'] == d['config']['workload.queries'] for r in d['repeats'])"
check "recall@10 is high (>= 0.8 at nprobe 4 of 256)" json "$report" \
	"all(r['recall'] >= 0.8 for r in d['repeats'])"
# "needed" counts the whole id extent of a probed list, but FAISS reads an id only
# when a vector enters the top-k heap, so a strict reader may skip an id page or two
check "cold: every repeat read (nearly) its needed bytes from the device" json "$report" \
	"all(r['proc_read_bytes'] >= 0.95 * r['needed_bytes'] > 0 for r in d['repeats'])"
check "MADV_RANDOM reads fewer bytes than default (every repeat pair, exact counter)" json "$report" \
	"max(r['proc_read_bytes'] for r in d['repeats'] if r['strategy']=='fadvise-random') * 1.5 < min(r['proc_read_bytes'] for r in d['repeats'] if r['strategy']=='default')"
check "fadvise-random reads only what it needs (amplification <= 1.1)" json "$report" \
	"all(r['read_amplification'] <= 1.1 for r in d['repeats'] if r['strategy']=='fadvise-random')"
check "fadvise-random pays with a major fault per page (faults > default)" json "$report" \
	"min(r['majflt'] for r in d['repeats'] if r['strategy']=='fadvise-random') > 10 * max(1, max(r['majflt'] for r in d['repeats'] if r['strategy']=='default'))"
check "byte counter repeats exactly across repeats of a strategy" json "$report" \
	"len({r['proc_read_bytes'] for r in d['repeats'] if r['strategy']=='fadvise-random'}) == 1"

# second run reuses the prepared dataset and index
"$rb" run configs/ci.yaml "${sets[@]}" >/dev/null 2>"$work/err2"
check "second run reuses dataset and index (nothing generated or trained)" bash -c \
	"! grep -qiE 'generating|training' '$work/err2'"

check "rabench report re-renders markdown from report.json" bash -c \
	"'$rb' report '$report' | grep -q 'fadvise-random'"
check "rabench report --format table" bash -c "'$rb' report --format table '$report' | grep -q '^default'"
echo '{"schema_version": 999}' > "$work/old.json"
check "rabench report refuses a wrong schema version with exit 2" bash -c \
	"'$rb' report '$work/old.json' 2>'$work/err'; test \$? -eq 2 && grep -q 'old.json' '$work/err'"

# a Zipf stream repeats popular queries: fewer distinct pages are needed than in order
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-zipf --set workload.stream=zipf \
	--set workload.zipf_s=1.5 --set run.strategies=default,fadvise-random --set workload.queries=30 \
	>/dev/null 2>&1
zreport=$(ls "$work"/results/ci-zipf/*/report.json 2>/dev/null | head -1)
check "zipf stream: recorded in the report and needs fewer distinct bytes than the sequential run" \
	"$py" -c "import json,sys; z=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); sys.exit(0 if z['config']['workload.stream']=='zipf' and max(r['needed_bytes'] for r in z['repeats']) < min(r['needed_bytes'] for r in s['repeats']) else 1)" \
	"${zreport:-/nonexistent}" "$report"

# --live: a line per second with the step and the rates
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-live --set run.repeats=40 --live \
	>/dev/null 2>"$work/err-live"
check "--live prints per-second lines naming the step and queries/s" bash -c \
	"grep -qE '^live +[0-9]+s +(default|fadvise-random) r[0-9]+ +queries/s' '$work/err-live'"

# SIGINT mid-run: exit 130, what was measured is written and marked incomplete
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-int --set run.repeats=400 \
	>/dev/null 2>"$work/err3" &
pid=$!
wait_for '\[2/' "$work/err3"
kill -INT $pid
wait $pid
rc=$?
ireport=$(ls "$work"/results/ci-int/*/report.json 2>/dev/null | head -1)
check "SIGINT: exit 130" test "$rc" -eq 130
check "SIGINT: report written, complete=false, only whole repeats" json "${ireport:-/nonexistent}" \
	"d['complete'] is False and 2 <= len(d['repeats']) < 800 and all(r['n_queries'] == d['config']['workload.queries'] for r in d['repeats'])"
check "SIGINT: no temporary files left in the results folder" bash -c \
	"test -z \"\$(find '$work/results' -name '*.tmp*')\""
