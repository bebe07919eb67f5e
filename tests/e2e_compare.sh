#!/usr/bin/env bash
# e2e_compare.sh — `rabench compare` exit codes on real and doctored reports of a
# configs/ci.yaml run, and the gate script against the committed baseline.
# usage: tests/e2e_compare.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init compare "${1:-build/asan}"
doctor() {  # doctor IN OUT PYTHON-STATEMENTS-ON-d
	"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); $3; json.dump(d, open(sys.argv[2],'w'))" "$1" "$2"
}
compare_rc() {  # compare_rc EXPECTED ARGS...
	local want=$1
	shift
	"$rb" compare "$@"
	test $? -eq "$want"
}

"$rb" run configs/ci.yaml --quiet --set "run.cache_dir=$scratch/test-cache" \
	--set "run.results_dir=$work/results" >/dev/null 2>"$work/run.err"
base=$(ls "$work"/results/ci/*/report.json 2>/dev/null | head -1)
check "a ci run to compare" test -s "$base"

check "equal runs: exit 0" compare_rc 0 "$base" "$base"
doctor "$base" "$work/bytes.json" \
	"[s['proc_read_bytes'].update(median=s['proc_read_bytes']['median']*1.2) for s in d['summary']['strategies']]"
check "regressed byte counter (+20 %): exit 1" compare_rc 1 "$base" "$work/bytes.json"
doctor "$base" "$work/bytes5.json" \
	"[s['proc_read_bytes'].update(median=s['proc_read_bytes']['median']*1.05) for s in d['summary']['strategies']]"
check "bytes read +5 %: exit 1" compare_rc 1 "$base" "$work/bytes5.json"
check "the table names the regression" bash -c "'$rb' compare '$base' '$work/bytes.json' | grep -q 'process bytes read.*REGRESSION'"
doctor "$base" "$work/slow.json" \
	"[r.update(latency_samples_us=[x * 2.5 for x in r['latency_samples_us']]) for r in d['repeats']]"
check "every query 2.5x slower (beyond the repeats' own spread): exit 1 (U test on the pooled latencies)" compare_rc 1 "$base" "$work/slow.json"
check "the table shows the test's p-value" bash -c "'$rb' compare '$base' '$work/slow.json' | grep -q 'p50 latency.*U test p=.*REGRESSION'"
check "--counters-only does not gate on times: exit 0" compare_rc 0 --counters-only "$base" "$work/slow.json"
doctor "$base" "$work/shuffled.json" \
	"import random; rng = random.Random(7); [rng.shuffle(r['latency_samples_us']) for r in d['repeats']]; d['repeats'].reverse()"
check "the same latencies shuffled across queries and repeats: exit 0" compare_rc 0 "$base" "$work/shuffled.json"
doctor "$base" "$work/other.json" "d['config']['dataset.n'] = 12345"
check "different dataset: exit 2 with the reason" bash -c \
	"'$rb' compare '$base' '$work/other.json' 2>'$work/err'; test \$? -eq 2 && grep -q 'dataset.n' '$work/err'"
doctor "$base" "$work/gone.json" \
	"d['summary']['strategies'] = [s for s in d['summary']['strategies'] if s['name'] != 'fadvise-random']; d['skipped_strategies'] = [{'name': 'fadvise-random', 'reason': 'doctored away'}]"
check "a strategy gone from the new run: exit 1, its own line with the skip reason" bash -c \
	"'$rb' compare '$base' '$work/gone.json' > '$work/out'; test \$? -eq 1 && grep -q 'fadvise-random | skipped in new: doctored away.*REGRESSION' '$work/out'"
doctor "$base" "$work/null.json" "[s.update(majflt={'median': None, 'min': None, 'max': None}) for s in d['summary']['strategies']]"
check "a gated figure null in the new run: exit 1" compare_rc 1 "$base" "$work/null.json"
doctor "$base" "$work/env.json" "d['environment']['read_ahead_kb'] = 128"
check "another read_ahead_kb: exit 2, cannot compare counters" bash -c \
	"'$rb' compare '$base' '$work/env.json' 2>'$work/err'; test \$? -eq 2 && grep -q 'read_ahead_kb' '$work/err'"
check "--allow-env-change compares anyway, with a warning" bash -c \
	"'$rb' compare --allow-env-change '$base' '$work/env.json' >/dev/null 2>'$work/err' && grep -q 'environments differ: read_ahead_kb' '$work/err'"
echo 'not json' > "$work/garbage.json"
check "unreadable report: exit 2 naming it" bash -c \
	"'$rb' compare '$base' '$work/garbage.json' 2>'$work/err'; test \$? -eq 2 && grep -q garbage.json '$work/err'"
check "rabench report merges two runs into one table (a row per run and strategy)" bash -c \
	"'$rb' report '$base' '$work/bytes.json' > '$work/merged.md' && grep -q '^# rabench: 2 runs compared' '$work/merged.md' && test \$(grep -cE '^\| #[12] \| (default|fadvise-random) ' '$work/merged.md') -eq 4"
check "rabench report --counters: a row per strategy and run, counters only (no time column), the attach line per run" bash -c \
	"'$rb' report --counters '$base' '$work/bytes.json' > '$work/counters.md' && grep -q '^# rabench: one config on 2 kernels, counters only' '$work/counters.md' && ! grep -qi 'p50\\|qps\\|latency |' '$work/counters.md' && test \$(grep -cE '^\\| (default|fadvise-random) \\| ' '$work/counters.md') -eq 4 && test \$(grep -c '^- .*: \\(add \\|no probes\\)' '$work/counters.md') -eq 2"
check "merging refuses a non-markdown format (exit 2)" bash -c \
	"'$rb' report --format html '$base' '$base' >/dev/null 2>&1; test \$? -eq 2"
data=$(dirname "$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['dataset']['index_dir'])" "$base")")
if command -v fincore >/dev/null; then
	cat "$data"/index-*/ivf.ivfdata > /dev/null
	check "rabench evict leaves none of the run's files resident (fincore)" bash -c \
		"'$rb' evict configs/ci.yaml --set 'run.cache_dir=$scratch/test-cache' | grep -q evicted && test \"\$(fincore -n -o RES -b '$data'/index-*/ivf.ivfdata | tr -d ' ')\" = 0"
fi
# the committed baseline is from one VM: on it, no regression; elsewhere the gate must
# refuse it (exit 2, "cannot be compared here"), and a refusal is a skip, never a pass
RABENCH_BIN="$rb" scripts/ci-gate.sh >"$work/cb.out" 2>"$work/cb.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'cannot be compared here' "$work/cb.err"; then
	skip "gate script against the committed baseline" "$(grep -m1 'cannot' "$work/cb.err")"
else
	check "gate script against the committed baseline: exit 0, no regression" bash -c \
		"cat '$work/cb.err'; test $rc -eq 0 && grep -q '^0 regression' '$work/cb.out'"
fi
# HEAD built in a worktree against this tree's release build, one job, two rounds: the
# same code must pass its own gate (exit 0), and its deterministic counters are equal
scripts/ci-gate.sh HEAD 2 >"$work/gate.out" 2>"$work/gate.err"
rc=$?
check "gate script, HEAD against HEAD (2 rounds): exit 0" bash -c \
	"cat '$work/gate.err'; grep -E 'REGRESSION' '$work/gate.out'; test $rc -eq 0 && grep -q 'building base' '$work/gate.err'"
check "gate script, HEAD against HEAD: default, fadvise-random and willneed counters the same" \
	test "$(grep -cE '\| (default|fadvise-random|willneed) \| (process bytes read|major faults|read amplification|recall@k) \|.*\| same \|' "$work/gate.out")" -eq 24
check "gate script: the worktree is removed" bash -c "! git worktree list | grep -q gate"
check "the gate judges the product: bpf-prefetch and willneed in configs/ci.yaml, >= 100 queries per strategy pooled" \
	json "$base" "all(n in [s['name'] for s in d['summary']['strategies']] or n in [s['name'] for s in d['skipped_strategies']] for n in ['default', 'fadvise-random', 'willneed', 'bpf-prefetch']) and all(s['latency_samples'] >= 100 for s in d['summary']['strategies'])"
check "gate script: an unknown base revision exits 2" bash -c \
	"RABENCH_BIN='$rb' scripts/ci-gate.sh no-such-rev-xyz 2>'$work/gate.err'; test \$? -eq 2 && grep -q 'not a revision' '$work/gate.err'"
