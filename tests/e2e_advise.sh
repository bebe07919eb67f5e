#!/usr/bin/env bash
# e2e_advise.sh — `rabench advise` end to end with the real binary: --explain, a
# tiny run's report.json (default + fadvise-random: the comparison line), a cold IVF
# index searched by python3-faiss (tests/faiss_search.py) under `advise -- CMD`,
# --pid on a live reader, and the bad inputs (no arguments, a missing or garbled
# report, a report without probes, a failing command, one that exits at once, a
# missing command, a pid that does not exist or vanishes, not root). Prints
# "ok N - ..." per check; the checks that need root and BTF are skipped with the
# reason without them.
#
# usage: tests/e2e_advise.sh BUILD_DIR   (or RABENCH=/path/to/rabench)
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init advise "${1:-build/asan}"
rb=${RABENCH:-$rb}
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results")
tiny=(--set workload.queries=30 --set run.repeats=1)
evict() {  # drop a file from the page cache so that reading it adds pages
	"$py" -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$1"
}
exits() {  # exits CODE PATTERN CMD...: CMD exits CODE and its stderr holds PATTERN
	local code=$1 pat=$2
	shift 2
	"$@" >"$work/x.out" 2>"$work/x.err"
	local rc=$?
	[ "$rc" -eq "$code" ] && grep -q -- "$pat" "$work/x.err" && return 0
	echo "exit $rc (wanted $code); stderr:"; cat "$work/x.err"
	return 1
}
root_bpf() { [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; }

check "--explain prints the decision table, evidence first and leave last" bash -c \
	"'$rb' advise --explain > '$work/explain' && grep -q '^1. evidence' '$work/explain' && grep -q 'leave' '$work/explain' && grep -q 'waste_pages' '$work/explain'"
check "no arguments: exit 2" exits 2 "give one of" "$rb" advise
check "'--' without a command: exit 2" exits 2 "no command" "$rb" advise --
check "a missing report: exit 2 naming it" exits 2 "/nonexistent/report.json" "$rb" advise /nonexistent/report.json
echo '{"schema_version": 1, "tool": "rab' >"$work/garbled.json"
check "a garbled report: exit 2" exits 2 "garbled.json" "$rb" advise "$work/garbled.json"

"$rb" run configs/ci.yaml "${sets[@]}" "${tiny[@]}" --set name=noprobes --set run.probes=false \
	--set run.strategies=default --quiet >/dev/null 2>&1
check "a report without probe figures: exit 2 with the reason" exits 2 "no probe figures" \
	"$rb" advise "$(report_of noprobes || echo /none)"

if ! root_bpf; then
	skip "advise on a report, a command, a pid" "needs root and BTF for the probes"
	exit 0
fi

"$rb" run configs/ci.yaml "${sets[@]}" "${tiny[@]}" --set name=tiny \
	--set run.strategies=default,fadvise-random --quiet >/dev/null 2>"$work/run.err"
report=$(report_of tiny || echo /none)
check "a tiny run with probes (default, fadvise-random)" test -s "$report"
check "advise REPORT: exit 0, default's probes, the index file advised, best vs advised" bash -c \
	"'$rb' advise '$report' > '$work/rep.txt' && grep -q \"probes of 'default'\" '$work/rep.txt' && grep -q 'ivf.ivfdata' '$work/rep.txt' && grep -q '  advice: ' '$work/rep.txt' && grep -q '^measured best: ' '$work/rep.txt'"
"$rb" advise --json "$report" >"$work/rep.json" 2>"$work/rep.err"
check "advise --json REPORT: files with observed + recommendation, and the comparison" json "$work/rep.json" \
	"d['source'] == 'report' and d['strategy_probed'] == 'default' and any(f['path'].endswith('ivf.ivfdata') and f['recommendation']['kind'] != 'not-enough-evidence' and 'bytes_read_delta' in f['recommendation']['expected'] for f in d['files']) and d['comparison']['best'] in ('default', 'fadvise-random')"

# the tiny run's own index (the test cache may hold others)
index=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['dataset']['index_dir'] + '/ivf.index')" "${report:-/none}" 2>/dev/null)
[ -r "$index" ] || index=
queries=$(dirname "$(dirname "${index:-/none/x/y}")")/queries.fvecs  # the index's own dataset
data=${index%.index}.ivfdata
if [ -n "$index" ] && [ -r "$queries" ] && [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import faiss' 2>/dev/null; then
	evict "$data"
	check "advise -- python3-faiss search on the cold IVF index: exit 0, the command's output, the file advised" bash -c \
		"'$rb' advise -- /usr/bin/python3 tests/faiss_search.py '$index' '$queries' 30 > '$work/live.txt'; cat '$work/live.txt'; grep -q '^majflt ' '$work/live.txt' && grep -A4 'ivf.ivfdata' '$work/live.txt' | grep -q '  advice: '"
	evict "$data"
	"$rb" advise --json -- /usr/bin/python3 tests/faiss_search.py "$index" "$queries" 30 >"$work/live.json" 2>/dev/null
	sed -i '/^majflt /d' "$work/live.json"
	check "advise --json -- CMD: the .ivfdata read cold (bytes read > 0) with a recommendation" json "$work/live.json" \
		"d['source'] == 'command' and d['environment']['room_bytes'] > 0 and any(f['path'].endswith('ivf.ivfdata') and f['observed']['bytes_read'] > 0 and f['recommendation']['kind'] != 'not-enough-evidence' for f in d['files'])"
else
	skip "advise -- python3 tests/faiss_search.py" "no IVF index or no python3-faiss"
fi

# a file read and closed in about a millisecond, between two /proc samples: the
# probes' own mark (the event ran in the command's process) keeps it
head -c 262144 /dev/urandom >"$work/brief.bin" && sync "$work/brief.bin"  # clean pages: DONTNEED keeps dirty ones
evict "$work/brief.bin"
"$rb" advise --json -- "$py" -c "import time; time.sleep(0.15); open('$work/brief.bin', 'rb').read(); time.sleep(0.15)" >"$work/brief.json" 2>"$work/brief.err"
check "a file read and closed between two samples is still the command's (the probes' mark)" json "$work/brief.json" \
	"any(f['path'] == '$work/brief.bin' and f['observed']['bytes_read'] > 0 for f in d['files'])"

check "a command that fails: its status (1), no advice" exits 1 "no advice from a failed run" "$rb" advise -- false
check "a command that exits at once: exit 2, nothing to advise on" exits 2 "nothing to advise on" "$rb" advise -- /bin/true
check "a missing command: 127" exits 127 "cannot run" "$rb" advise -- /nonexistent/cmd
check "--pid of no process: exit 2" exits 2 "no process" "$rb" advise --pid 999999999
sleep 0.5 &
check "--pid of a process that exits during the window: exit 2" exits 2 "exited during the window" \
	"$rb" advise --pid $! --duration 2
# a reader that stays alive longer than the window: random 4 KiB reads of the index
evict "$data"
"$py" -c "import os,random,sys,time
fd=os.open(sys.argv[1], os.O_RDONLY); n=os.fstat(fd).st_size // 4096; end=time.time()+6
while time.time() < end: os.pread(fd, 4096, random.randrange(n) * 4096); time.sleep(0.002)" "$data" &
reader=$!
check "--pid PID --duration 2: exit 0, only the files it has open, the index among them" bash -c \
	"'$rb' advise --json --pid $reader --duration 2 > '$work/pid.json' && $py -c \"import json,sys; d=json.load(open('$work/pid.json')); sys.exit(0 if d['source'] == 'pid' and any(f['path'] == '$data' for f in d['files']) and not any('/e2e-' in f['path'] and f['path'] != '$data' for f in d['files']) else 1)\""
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if as_nobody test -x "$rb" 2>/dev/null; then
	mkdir -p "$work/nobody" && chmod 777 "$work/nobody"
	check "not root: exit 2 with the reason, before the command runs" bash -c \
		"$(declare -f as_nobody); as_nobody '$rb' advise -- touch '$work/nobody/ran' 2>'$work/nobody.err'; test \$? -eq 2 && grep -q 'CAP_BPF' '$work/nobody.err' && ! test -e '$work/nobody/ran'"
	check "not root: advise REPORT.json still works (no probes needed)" bash -c \
		"$(declare -f as_nobody); as_nobody '$rb' advise '$report' >/dev/null"
else
	skip "not-root checks" "user nobody cannot reach $rb"
fi
