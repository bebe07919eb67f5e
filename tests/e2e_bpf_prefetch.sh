#!/usr/bin/env bash
# e2e_bpf_prefetch.sh — the bpf-prefetch strategy end to end on configs/ci.yaml
# with the real binary: the uprobe on FAISS's prefetch_lists fires once per query
# with nprobe list numbers, the agent prefetches the probed lists (their pages
# arrive as the agent's prefetches, not as the scan's own misses), the read
# amplification stays <= 1.1 while major faults are a small fraction of
# fadvise-random's, and a SIGINT mid-run exits cleanly. Prints "ok N - ..." or
# "not ok N - ..." per check; skips (no checks) without root or kernel BTF.
#
# usage: tests/e2e_bpf_prefetch.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init bpf "${1:-build/asan}"
if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP bpf-prefetch needs root"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "# SKIP no kernel BTF (/sys/kernel/btf/vmlinux)"
	exit 0
fi

sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results")
json() {  # json FILE PYTHON-EXPR-ON-d  -> exit status of the assertion
	"$py" -c "
import json, sys
d = json.load(open(sys.argv[1]))
bpf = [r for r in d['repeats'] if r['strategy'] == 'bpf-prefetch']
rnd = [r for r in d['repeats'] if r['strategy'] == 'fadvise-random']
st = [r['strategy_stats'] for r in bpf]
ok = bool(bpf) and ($2)
if not ok:
    print(json.dumps([{k: r[k] for k in ('majflt', 'proc_read_bytes', 'needed_bytes', 'read_amplification')} for r in bpf]))
    print(json.dumps(st))
sys.exit(0 if ok else 1)" "$1"
}

# ci.yaml's data doubled (100k vectors, a 26 MiB .ivfdata): more than twice an 8 MiB
# read-around window, so the lists are prefetched one by one as their hints come
# (ci.yaml's own 13 MiB is read whole at the first hint on such a device: checked below)
"$rb" run configs/ci.yaml "${sets[@]}" --set dataset.n=100000 \
	--set run.strategies=default,fadvise-random,bpf-prefetch >"$work/out" 2>"$work/err"
rc=$?
report=$(ls "$work"/results/ci/*/report.json 2>/dev/null | head -1)
check "run with bpf-prefetch exits 0" bash -c "test $rc -eq 0 || { cat '$work/err'; false; }"
check "report.json validates against report/report.schema.json" "$py" -c \
	"import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('report/report.schema.json')))" "${report:-/nonexistent}"
check "strategy_stats on bpf-prefetch repeats only" json "${report:-/nonexistent}" \
	"all(('strategy_stats' in r) == (r['strategy'] == 'bpf-prefetch') for r in d['repeats'])"
check "uprobe fired once per query" json "${report:-/nonexistent}" \
	"all(s['hint_calls'] == r['n_queries'] == d['config']['workload.queries'] for r, s in zip(bpf, st))"
check "uprobe sent queries x nprobe list numbers (none cut, none lost)" json "${report:-/nonexistent}" \
	"all(s['hint_lists'] + s['hint_truncated'] == d['config']['workload.queries'] * 4 and s['hint_truncated'] == 0 and s['hint_events'] == d['config']['workload.queries'] and s['ringbuf_drops'] == 0 and s['hint_unknown'] == 0 for s in st)"
# The agent races the scan it prefetches for (a lost race costs one 4 KiB fault),
# so these bounds leave room for a loaded machine; typically >= 97% of the pages
# arrive as prefetches and majflt is a fraction of n_queries.
check "the agent prefetched the probed lists (>= 75% of needed pages came as its prefetches)" json "${report:-/nonexistent}" \
	"all(s['lists_prefetched'] > 0 and s['pages_prefetched'] * 4096 >= 0.75 * r['needed_bytes'] for r, s in zip(bpf, st))"
check "the scan itself missed few pages (< 20% of needed)" json "${report:-/nonexistent}" \
	"all(s['miss_pages'] * 4096 < 0.2 * r['needed_bytes'] for r, s in zip(bpf, st))"
check "read amplification <= 1.1" json "${report:-/nonexistent}" \
	"all(r['read_amplification'] <= 1.1 for r in bpf)"
# default's 8 MiB read-around takes this file in a few faults, so the fair
# comparison is with the strategy that reads as little: fadvise-random. Usually well
# under a tenth of it; a repeat whose agent lagged on this 2-core VM (a hint handled 9 ms
# late) took 328 major faults, just over a tenth of fadvise-random's, in a fresh-clone
# CI run (2026-12-03; 114 in the other repeat), so the bound
# is 1/4: still a fault for at most every fourth page fadvise-random faults on.
check "major faults < 1/4 of fadvise-random's (a fault per page)" json "${report:-/nonexistent}" \
	"all(4 * r['majflt'] < min(x['majflt'] for x in rnd) for r in bpf)"
check "speculative readahead was switched off on FAISS's mapping, nothing failed" json "${report:-/nonexistent}" \
	"all(s['maps_advised'] >= 1 and s['files_random'] == 1 and s['files_hinted'] == 1 and s['files_kept'] == 0 and s['errors'] == 0 for s in st)"
check "the recall is the same as default's (the code path is unchanged)" json "${report:-/nonexistent}" \
	"len({r['recall'] for r in d['repeats']}) == 1"
# the index fits: a prefetched page evicted before it is read is pure waste (a second read)
check "no prefetched page evicted unread in a run that fits (probes, and the summary figure)" json "${report:-/nonexistent}" \
	"all(r['probes']['total']['pages_added_prefetch'] > 0 and r['probes']['total']['prefetch_unused_evicted'] == 0 for r in bpf) and [s['probe_prefetched_evicted_unread']['median'] for s in d['summary']['strategies'] if s['name'] == 'bpf-prefetch'] == [0]"

# ci.yaml as shipped (13 MiB of lists): read whole after the first hint's lists exactly
# when it is at most twice the device's read-around window (the kernel would take it in
# a fault or two), else list by list; the window is read here from sysfs, not from rabench
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-whole --set run.repeats=1 \
	--set run.strategies=bpf-prefetch >"$work/out-w" 2>"$work/err-w"
rw=$(ls "$work"/results/ci-whole/*/report.json 2>/dev/null | head -1)
ivfdata=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['dataset']['index_dir'] + '/ivf.ivfdata')" "${rw:-/nonexistent}" 2>/dev/null)
ra_kb=$(cat "/sys/class/bdi/$(stat -c '%Hd:%Ld' "${ivfdata:-/}")/read_ahead_kb" 2>/dev/null || echo 0)
size=$(stat -c %s "${ivfdata:-/}" 2>/dev/null || echo 0)
whole=$([ "$ra_kb" -gt 0 ] && [ "$size" -le $((2 * ra_kb * 1024)) ] && echo 1 || echo 0)
echo "# ci.yaml's .ivfdata: $size bytes, the device's read_ahead_kb: $ra_kb -> whole: $whole"
check "per-file choice on ci.yaml: read whole iff at most twice the read-around window; then every list after the first query's was already cached, and the hint uprobe removed" \
	json "${rw:-/nonexistent}" \
	"all(s['files_whole'] == s['hints_detached'] == $whole and s['files_hinted'] == 1 for s in st) and ($whole == 0 or all(s['hint_calls'] < d['config']['workload.queries'] for s in st)) and ($whole == 0 or all(r['proc_read_bytes'] >= $size - 65536 and s['lists_prefetched'] <= 4 and s['lists_resident'] + s['lists_inflight'] + s['lists_prefetched'] == s['hint_lists'] for r, s in zip(bpf, st)))"

# 8 clients at once: hints on their own ring, WILLNEED from 4 submitters; no hint
# is lost and every probed list is accounted for once: fetched, already cached, or
# asked for by another client within 1 ms; none skipped for the budget. On the
# main run's data (n=100000), read list by list: the hints go on to the end.
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-8 --set run.clients=8 --set workload.batch=1 \
	--set dataset.n=100000 \
	--set workload.queries=64 --set run.repeats=1 --set run.strategies=bpf-prefetch \
	>/dev/null 2>"$work/err-8"
rc=$?
report8=$(ls "$work"/results/ci-8/*/report.json 2>/dev/null | head -1)
check "8 clients: exits 0" bash -c "test $rc -eq 0 || { cat '$work/err-8'; false; }"
check "8 clients: 4 submitters, no ring-buffer drop, one hint record per query" json "${report8:-/nonexistent}" \
	"all(s['submitters'] == 4 and s['ringbuf_drops'] == 0 and s['hint_records'] == s['hint_events'] == 64 for s in st)"
check "8 clients: every probed list advised once unless cached or in flight, none over the budget" json "${report8:-/nonexistent}" \
	"all(s['hint_lists'] == 64 * 4 == s['lists_prefetched'] + s['lists_resident'] + s['lists_inflight'] + s['hint_unknown'] and s['lists_budget'] == 0 and s['hint_unknown'] == 0 and s['errors'] == 0 for s in st)"
check "8 clients: the budget grew with the clients (8 x 64 MiB)" json "${report8:-/nonexistent}" \
	"all(s['budget_bytes'] == 8 * 64 << 20 for s in st)"

# Under a memory limit that leaves the page cache less room than the lists (38
# MiB of them in 32 MiB) and a Zipf stream: cold lists are paged out after their
# scan, hot ones kept; the cgroup stays within its limit without an OOM kill and
# the answers are unchanged. The release binary: ASan's shadow and quarantine
# alone would need a limit of ~250 MiB (make test builds it).
rel="$root/build/release/rabench"
if [ ! -x "$rel" ]; then
	skip "memory-limit drop checks" "no release build ($rel; make test builds it)"
elif ! memcg_usable; then
	skip "memory-limit drop checks" "needs a memory cgroup controller"
else
	dsets=(--set name=ci-drop --set dataset.n=150000 --set workload.stream=zipf --set workload.queries=200 --set run.repeats=1)
	# prepared first, outside the limit (preparing inside would count against it)
	"$rel" run configs/ci.yaml "${sets[@]}" "${dsets[@]}" --set workload.queries=1 \
		--set run.strategies=default --set run.cache=warm --quiet >/dev/null 2>&1
	"$rel" run configs/ci.yaml "${sets[@]}" "${dsets[@]}" --set run.memory_limit=32M \
		--set run.strategies=willneed,bpf-prefetch >/dev/null 2>"$work/err-drop"
	rc=$?
	reportd=$(ls -t "$work"/results/ci-drop/*/report.json 2>/dev/null | head -1)
	check "memory limit + zipf: exits 0" bash -c "test $rc -eq 0 || { cat '$work/err-drop'; false; }"
	check "memory limit: cold lists dropped, hot ones kept, nothing failed" json "${reportd:-/nonexistent}" \
		"all(s['drop_pressure'] == 1 and s['lists_dropped'] > 0 and s['lists_kept_hot'] > 0 and s['bytes_dropped'] > 0 and s['errors'] == 0 for s in st)"
	check "memory limit: the cgroup's page cache within its limit, no OOM kill" json "${reportd:-/nonexistent}" \
		"all(r['memcg']['file_bytes'] <= r['memcg']['limit_bytes'] == 32 << 20 and r['memcg']['oom_kills'] == 0 for r in bpf)"
	check "memory limit: the same answers as willneed" json "${reportd:-/nonexistent}" \
		"len({r['results_digest'] for r in d['repeats']}) == 1 and len(d['repeats']) == 2"
fi

# A kernel whose BPF the agent cannot attach (forced here: kprobes on a kernel
# without them) skips the strategy with the reason; the run still succeeds.
if [ ! -e /sys/bus/event_source/devices/kprobe/type ]; then
	RABENCH_ATTACH=kprobe "$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-noattach \
		--set run.strategies=default,bpf-prefetch --set run.repeats=1 --set run.cache=warm \
		--quiet >/dev/null 2>"$work/err-na"
	rc=$?
	check "bpf-prefetch cannot attach on this kernel: skipped with the reason, the run exits 0" bash -c \
		"test $rc -eq 0 && '$py' -c \"import json,glob,sys; d=json.load(open(glob.glob('$work/results/ci-noattach/*/report.json')[0])); s=d['skipped_strategies']; sys.exit(0 if [x['name'] for x in s]==['bpf-prefetch'] and 'no kprobe filemap_fault' in s[0]['reason'] and {r['strategy'] for r in d['repeats']}=={'default'} else 1)\""
fi

# without root: a clear one-line reason, exit 1, not a crash
# nobody must reach the binary, the config and the data (a checkout under a 0700
# folder, e.g. one made by mktemp -d, cannot be reached: then say so and skip)
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if command -v setpriv >/dev/null &&
	! as_nobody test -x "$rb" -a -r configs/ci.yaml -a -r "$scratch/test-cache" 2>/dev/null; then
	skip "not-root checks" "user nobody cannot reach $root (a parent folder is not world-searchable)"
elif command -v setpriv >/dev/null; then
	mkdir -p "$work/nobody" && chmod 777 "$work/nobody"
	check "not root, bpf-prefetch alone: exit 1 with the reason" bash -c \
		"setpriv --reuid=65534 --regid=65534 --clear-groups '$rb' run --no-db configs/ci.yaml --set run.cache_dir='$scratch/test-cache' --set run.results_dir='$work/nobody' --set run.strategies=bpf-prefetch --set run.cache=warm --quiet 2>'$work/err4'; rc=\$?; cat '$work/err4'; test \$rc -eq 1 && grep -q 'bpf-prefetch: needs root' '$work/err4'"
	check "not root, with default: the run completes and the report says bpf-prefetch was skipped and why" bash -c \
		"setpriv --reuid=65534 --regid=65534 --clear-groups '$rb' run --no-db configs/ci.yaml --set run.cache_dir='$scratch/test-cache' --set run.results_dir='$work/nobody' --set name=ci-nobody --set run.strategies=default,bpf-prefetch --set run.cache=warm --set run.repeats=1 --quiet >/dev/null 2>'$work/err5' && /usr/bin/python3 -c \"import json,glob,sys; d=json.load(open(glob.glob('$work/nobody/ci-nobody/*/report.json')[0])); s=d['skipped_strategies']; sys.exit(0 if [x['name'] for x in s]==['bpf-prefetch'] and 'needs root' in s[0]['reason'] and {r['strategy'] for r in d['repeats']}=={'default'} else 1)\""

fi

# SIGINT mid-run: exit 130, whole repeats kept, the agent undone
"$rb" run configs/ci.yaml "${sets[@]}" --set name=ci-int --set run.repeats=400 \
	--set run.strategies=bpf-prefetch >/dev/null 2>"$work/err3" &
pid=$!
wait_for '\[3/' "$work/err3"
kill -INT $pid
wait $pid
rc=$?
ireport=$(ls "$work"/results/ci-int/*/report.json 2>/dev/null | head -1)
check "SIGINT: exit 130" test "$rc" -eq 130
check "SIGINT: nothing failed to restore" bash -c "! grep -qiE 'restore|sanitizer|leak' '$work/err3'"
check "SIGINT: report complete=false with whole bpf-prefetch repeats" json "${ireport:-/nonexistent}" \
	"d['complete'] is False and 2 <= len(bpf) < 400 and all(r['n_queries'] == d['config']['workload.queries'] for r in bpf)"
