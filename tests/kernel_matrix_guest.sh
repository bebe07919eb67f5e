#!/usr/bin/env bash
# kernel_matrix_guest.sh — what tests/e2e_kernel_matrix.sh runs inside each guest
# kernel (booted by scripts/vm.sh: this machine's root read-only over 9p, DATA an
# ext4 virtio disk mounted at the same path as on the host, cgroup v2 with the
# memory controller). The BPF known answers, the BPF and memory-limit end-to-end
# tests and a configs/ci.yaml run under every strategy, on this kernel.
#
# Prints one "ok - ..." / "not ok - ..." / "ok - ... # SKIP why" line per check
# (unnumbered: the host numbers them and prefixes the kernel) and leaves the
# all-strategies report in OUT/ci-report.json for scripts/kernel-matrix.sh.
#
# usage (in the guest, from the repository root): kernel_matrix_guest.sh BUILD DATA OUT
set -u
build=${1:?build dir} data=${2:?data dir} out=${3:?out dir}
# the repository is read-only here: the runs below record into the data disk
export RABENCH_DB="$data/rabench.db"
root=$(pwd)
py=/usr/bin/python3
export RB_SCRATCH=$data
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_odr_violation=0}

say() { echo "$*"; }

# The unit tests write build/ and read report/report.schema.json and tests/ from their
# cwd (harness/ too: the schema was there before the sources moved)
mkdir -p "$data/build"
for d in harness report tests; do
	[ ! -e "$root/$d" ] || ln -sfn "$root/$d" "$data/$d"
done

# The same device setting as the host's disk: readahead's window and WILLNEED's
# cap are read_ahead_kb, and the known answers are those of the host's 8 MiB.
dev=$(lsblk -no PKNAME "$(findmnt -no SOURCE --target "$data")" 2>/dev/null || true)
[ -n "$dev" ] || dev=vda
echo "${RB_READ_AHEAD_KB:-8192}" >"/sys/block/$dev/queue/read_ahead_kb"

# A cmocka binary: one line per case, run from the data disk (it writes build/ there).
unit() {
	local bin=$1 label=$2 log="$data/unit.log"
	local t0=$SECONDS
	(cd "$data" && "$root/$build/tests/$bin") >"$log" 2>&1
	# the cases' own lines, not cmocka's closing list of them
	sed -n "/^\[==========\] [0-9]* test(s) run/q; s/^\[       OK \] \(.*\)/ok - $label: \1/p; s/^\[  FAILED  \] \(test_.*\)/not ok - $label: \1/p; s/^\[  SKIPPED \] \(test_.*\)/ok - $label: \1 # SKIP see log/p" "$log"
	say "# $label: $((SECONDS - t0)) s"
	if ! grep -q '^\[  PASSED  \]\|^\[  FAILED  \]' "$log"; then
		say "not ok - $label: did not finish"
		sed 's/^/#   /' "$log" | tail -20
	elif grep -q '^\[  FAILED  \]' "$log"; then
		grep -B2 -A6 'ERROR\|Failure' "$log" | sed 's/^/#   /' | head -40
	fi
}

# An end-to-end script of the suite, its checks as they are.
e2e() {
	local script=$1 log="$data/e2e.log" t0=$SECONDS
	bash "tests/$script" "$build" >"$log" 2>&1
	say "# $script: $((SECONDS - t0)) s"
	sed -n "s/^ok [0-9]* - \(.*\)/ok - $script: \1/p; s/^not ok [0-9]* - \(.*\)/not ok - $script: \1/p" "$log"
	grep -q '^not ok' "$log" && sed -n '/^not ok/,/^ok/p' "$log" | grep '^#' | head -20
	grep -q '^ok\|^not ok' "$log" || { say "not ok - $script: ran no check"; tail -20 "$log" | sed 's/^/#   /'; }
}

check() {
	local what=$1
	shift
	if "$@" >"$data/check.out" 2>&1; then
		say "ok - $what"
	else
		say "not ok - $what"
		sed 's/^/#   /' "$data/check.out" | tail -20
	fi
}

json() {  # json FILE EXPR: EXPR over d, the document
	"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

# The programs' own pages come over 9p: read them in now, so that the first run's
# first touches are minor faults, as on the host (getrusage counts the process's
# major faults on every file, the probes only the run's).
for bin in "$root/$build/rabench" "$root/build/release/rabench"; do
	[ -x "$bin" ] && ldd "$bin" | awk '$3 ~ /^\// {print $3}' | xargs cat "$bin" >/dev/null 2>&1
done

# the kernel booted, for the host's "# [NAME] booted:" line and the report check below
uname -r >"$out/uname-r"
cat /proc/version >"$out/proc-version"
say "# kernel $(uname -r), cgroup $(stat -fc %T /sys/fs/cgroup), lru_gen $(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo none), $dev read_ahead_kb $(cat /sys/block/$dev/queue/read_ahead_kb)"
check "kernel BTF is there" test -r /sys/kernel/btf/vmlinux

# which mechanism each probe point got here
"$root/$build/rabench" probe --json -- true >"$out/probe.json" 2>"$data/probe.err"
check "probes load and attach (rabench probe)" json "$out/probe.json" "d['attach']['add']['mechanism'] == 'tp_btf'"
check "every probe point has a mechanism on this kernel; null at most fault_around_calls (tracepoint only)" \
	json "$out/probe.json" \
	"all(a['mechanism'] != 'none' for a in d['attach'].values()) and set(d['null_figures']) <= {'fault_around_calls'}"
say "# attach: $("$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print(' '.join(k+'='+v['mechanism'] for k,v in d['attach'].items()))" "$out/probe.json" 2>/dev/null)"

unit test_probes "known answers"
unit test_bpf_prefetch "bpf-prefetch agent"
unit test_memcg "memory cgroup"
if [ -r /sys/bus/event_source/devices/kprobe/type ]; then
	RABENCH_ATTACH=kprobe "$root/$build/rabench" probe --json -- true >"$data/kprobe.json" 2>/dev/null
	check "kprobes forced: every function-backed point attaches as a kprobe" json "$data/kprobe.json" \
		"all(d['attach'][h]['mechanism'] == 'kprobe' for h in ('get_pages', 'fault', 'map_pages', 'sync_ra', 'async_ra', 'ra_order', 'ra_unbounded'))"
	RABENCH_ATTACH=kprobe unit test_probes "known answers, kprobes forced"
else
	say "ok - known answers, kprobes forced # SKIP this kernel has no kprobes"
fi

e2e e2e_probes.sh

# run.memory_limit on cgroup v2 (this machine has the v1 controller: only here
# does the v2 path run)
rm -rf "$data/mem-results"
"$root/$build/rabench" run configs/ci.yaml --quiet --set "run.cache_dir=$data/test-cache" \
	--set "run.results_dir=$data/mem-results" --set run.memory_limit=160M --set workload.queries=30 \
	--set run.strategies=default,bpf-prefetch >"$data/mem.out" 2>"$data/mem.err"
rc=$?
mreport=$(ls "$data"/mem-results/ci/*/report.json 2>/dev/null | head -1)
check "memory limit on cgroup v2: exits 0" bash -c "test $rc -eq 0 || { cat '$data/mem.err'; false; }"
check "memory limit on cgroup v2: every repeat in its v2 cgroup, limit 160 MiB, peak within it" \
	json "${mreport:-/none}" \
	"all(r['memcg'] and r['memcg']['version'] == 2 and r['memcg']['limit_bytes'] == 160 * 2**20 and 0 < r['memcg']['peak_bytes'] <= 160 * 2**20 and r['memcg']['file_bytes'] > 0 for r in d['repeats'])"
check "memory limit on cgroup v2: no cgroup left behind" bash -c \
	"! ls -d /sys/fs/cgroup/rabench* 2>/dev/null | grep -q ."

# configs/ci.yaml under every strategy, cold: for scripts/kernel-matrix.sh too (30
# queries: under TCG the counters are what is compared, and time is the matrix's budget)
rm -rf "$data/matrix-results"
"$root/$build/rabench" run configs/ci.yaml --quiet --set "run.cache_dir=$data/test-cache" \
	--set "run.results_dir=$data/matrix-results" --set workload.queries=30 \
	--set run.strategies=default,fadvise-random,fadvise-sequential,willneed,faiss-prefetch,bpf-prefetch \
	>"$data/ci.out" 2>"$data/ci.err"
rc=$?
report=$(ls "$data"/matrix-results/ci/*/report.json 2>/dev/null | head -1)
check "ci.yaml, every strategy: exits 0" bash -c "test $rc -eq 0 || { cat '$data/ci.err'; false; }"
[ -n "$report" ] && cp "$report" "$out/ci-report.json"
check "ci.yaml: the report names the kernel booted (environment.kernel $(uname -r))" json "${report:-/none}" \
	"d['environment']['kernel'] == '$(uname -r)'"
check "ci.yaml: no strategy skipped, every repeat has probe figures" json "${report:-/none}" \
	"not d['skipped_strategies'] and all(r['probes'] for r in d['repeats'])"
# (or, where it chose to read the 13 MiB file whole because the disk's read-around window
# is at least half of it, as the kernel would: no more than the run's files)
check "ci.yaml: bpf-prefetch reads <= 1.1x the bytes needed, or the file whole by its choice" json "${report:-/none}" \
	"all(r['proc_read_bytes'] <= 1.1 * r['needed_bytes'] or (r['strategy_stats']['files_whole'] == 1 and r['proc_read_bytes'] <= d['dataset']['files_bytes']) for r in d['repeats'] if r['strategy'] == 'bpf-prefetch')"
check "ci.yaml: every strategy returns the same results (digest, recall)" json "${report:-/none}" \
	"len({r['results_digest'] for r in d['repeats']}) == 1 and len({r['recall'] for r in d['repeats']}) == 1"
check "ci.yaml: probes' block bytes match /proc/self/io within 1% + 64 KiB" json "${report:-/none}" \
	"all(abs(r['probes']['total']['block_read_bytes'] - r['proc_read_bytes']) <= 0.01 * r['proc_read_bytes'] + 65536 for r in d['repeats'])"
exit 0
