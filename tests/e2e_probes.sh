#!/usr/bin/env bash
# e2e_probes.sh — the page-cache probes end to end with the real binary: inside
# `rabench run configs/ci.yaml` (report.json, report.md, run.probes=false) and as
# `rabench probe -- CMD`. Prints "ok N - ..." / "not ok N - ..." per check
# (tests/run.sh counts them). Without root the probe figures cannot exist: the
# checks then hold the run to saying why, and still running.
#
# usage: tests/e2e_probes.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init probes "${1:-build/asan}"
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results")
schema() {  # schema FILE -> valid against report/report.schema.json
	"$py" -c "import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('report/report.schema.json')))" "$1"
}

# the kernel's two strategies (bpf-prefetch's agent races the queries: its faults are its own)
"$rb" run configs/ci.yaml "${sets[@]}" --set run.strategies=default,fadvise-random \
	--set workload.queries=30 >/dev/null 2>"$work/err1"
rc=$?
report=$(ls "$work"/results/ci/*/report.json 2>/dev/null | head -1)
check "run with run.probes (default true) exits 0" test "$rc" -eq 0
check "report.json with probe figures validates against the schema" schema "${report:-/none}"
if [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	check "probes available, every repeat has them" json "$report" \
		"d['probes_available'] and all(r['probes'] for r in d['repeats'])"
	check "every repeat added pages of the index lists, none dropped" json "$report" \
		"all(r['probes']['total']['pages_added_demand'] > 0 and not any(r['probes']['overflow'].values()) for r in d['repeats'])"
	# getrusage counts the process's major faults on every file, the probes those on
	# the run's files: equal when nothing else faults; a fresh clone's first run once
	# differed by one (its own code paged in), and a kernel-matrix guest maps rabench
	# and its libraries from 9p (one more per cold repeat, seen on 6.1: rabench, libm)
	check "probes' major faults == getrusage's, give or take 1 fault on the program's own files" json "$report" \
		"all(0 <= r['majflt'] - r['probes']['total']['major_faults'] <= 1 for r in d['repeats']) or print([(r['strategy'], r['majflt'], r['probes']['total']['major_faults']) for r in d['repeats']])"
	check "files' block bytes match /proc/self/io read_bytes within 1% + 64 KiB" json "$report" \
		"all(abs(r['probes']['total']['block_read_bytes'] - r['proc_read_bytes']) <= 0.01 * r['proc_read_bytes'] + 65536 for r in d['repeats'])"
	check "MADV_RANDOM: no speculative pages; default: read-around wastes some" json "$report" \
		"all(r['probes']['total']['pages_added_speculative'] == 0 for r in d['repeats'] if r['strategy'] == 'fadvise-random') and all(r['probes']['total']['waste_ratio'] > 0 for r in d['repeats'] if r['strategy'] == 'default')"
	check "summary carries the probe spreads" json "$report" \
		"all(s['probe_waste_ratio'] is not None or s['name'] == 'fadvise-random' for s in d['summary']['strategies']) and all(s['probe_pages_added_demand'] for s in d['summary']['strategies'])"
	check "report.md has the probe tables" grep -q '^| strategy | demand pages |' "$(dirname "$report")/report.md"
	check "I/O wait measured per query in every repeat, never more than the repeat's wall time" json "$report" \
		"d['io_wait_available'] and all(r['io_wait_us'] and 0 <= r['io_wait_us']['total'] <= r['wall_s'] * 1e6 for r in d['repeats'])"
	# behaviour, not a race of two timings (which once went the other way on this VM):
	# fadvise-random's synchronous faults (one per 4 KiB page, many more than default's)
	# are seen as I/O wait in every one of its repeats
	check "fadvise-random's synchronous faults (more than default's) are measured as I/O wait" json "$report" \
		"min(r['majflt'] for r in d['repeats'] if r['strategy'] == 'fadvise-random') > max(r['majflt'] for r in d['repeats'] if r['strategy'] == 'default') and all(r['io_wait_us']['total'] > 0 for r in d['repeats'] if r['strategy'] == 'fadvise-random')"
	if [ ! -e /sys/bus/event_source/devices/kprobe/type ]; then
		# this kernel has no kprobes: forcing them leaves the function-backed points
		# without a mechanism, as on a kernel lacking their tracepoints
		"$rb" run configs/ci.yaml "${sets[@]}" --set name=nulls --set run.repeats=1 \
			--set run.strategies=default >/dev/null 2>&1 </dev/null &&
			RABENCH_ATTACH=kprobe "$rb" run configs/ci.yaml "${sets[@]}" --set name=nulls \
				--set run.repeats=1 --set run.strategies=default >/dev/null 2>"$work/err-nulls"
		nreport=$(ls -t "$work"/results/nulls/*/report.json 2>/dev/null | head -1)
		check "a point no mechanism reaches: its figures are null with the reason, never 0" json "${nreport:-/none}" \
			"all(r['probes']['attach']['fault']['mechanism'] == 'none' and r['probes']['total']['major_faults'] is None and 'kprobe filemap_fault' in r['probes']['null_figures']['major_faults'] and r['probes']['total']['pages_added_prefetch'] is not None for r in d['repeats'])"
		check "null probe figures: the report still validates; the summary's are null too" bash -c \
			"$(declare -f schema); py='$py'; schema '${nreport:-/none}' && '$py' -c \"import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(s['probe_pages_added_demand'] is None or s['probe_pages_added_demand']['median'] is None for s in d['summary']['strategies']) else 1)\" '${nreport:-/none}'"
	fi
else
	check "without root or BTF the report says why" json "$report" \
		"not d['probes_available'] and d['probes_unavailable_reason'] and all(r['probes'] is None for r in d['repeats'])"
fi

rm -rf "$work/results"
"$rb" run configs/ci.yaml "${sets[@]}" --set run.probes=false >/dev/null 2>&1
report=$(ls "$work"/results/ci/*/report.json 2>/dev/null | head -1)
check "run.probes=false: no probe figures, and the reason says so" json "${report:-/none}" \
	"not d['probes_available'] and d['probes_unavailable_reason'] == 'run.probes is false' and all(r['probes'] is None for r in d['repeats'])"
check "run.probes=false: report.md says why" grep -q 'No probe figures in this run: run.probes is false' \
	"$(dirname "${report:-/none}")/report.md"

check "probe without a command: exit 2" bash -c "'$rb' probe 2>/dev/null; test \$? -eq 2"
check "probe passes the command's exit status through" bash -c "'$rb' probe -- false 2>/dev/null; test \$? -eq 1"
check "probe of a missing command: 127" bash -c "'$rb' probe -- /nonexistent/cmd 2>/dev/null; test \$? -eq 127"
data=$(ls "$scratch"/test-cache/*/index-*/ivf.ivfdata 2>/dev/null | head -1)
evict() {  # drop a file from the page cache so that reading it adds pages
	"$py" -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$1"
}
if [ "$(id -u)" -eq 0 ] && [ -n "$data" ]; then
	evict "$data"
	check "probe table names the file it read and shows the block histograms" bash -c \
		"'$rb' probe -- dd if='$data' of=/dev/null bs=1M status=none > '$work/table' && grep -q 'ivf.ivfdata' '$work/table' && grep -q 'request latency' '$work/table'"
	evict "$data"
	check "probe --json parses and names the file" bash -c \
		"'$rb' probe --json --top 5 -- dd if='$data' of=/dev/null bs=1M status=none > '$work/p.json' && $py -c \"import json,sys; d=json.load(open('$work/p.json')); sys.exit(0 if any(f['path'].endswith('ivf.ivfdata') for f in d['files']) and len(d['files']) <= 5 and d['definitions'] else 1)\""
fi
