#!/usr/bin/env bash
# e2e_hardening.sh — bad input, full and read-only folders, and signals at several
# points, each followed by a check of the machine's state:
#   - a bad replay file, a config that points a write folder outside the working
#     folder and conflicting options exit 2 before anything is prepared;
#   - a read-only results folder exits 2 before any work; a results folder that
#     fills up while the report is written exits 2 with no half-written file (and no
#     result folder when report.json itself did not fit); a cache folder too small
#     for the dataset exits 2 with nothing left behind (root: tmpfs mounts);
#   - SIGINT while the dataset is being generated stops the preparation (exit 130,
#     no temporary folder, no result) and the next run prepares and completes;
#   - SIGTERM mid-run under bpf-prefetch, probes and a memory limit exits 143 with
#     an incomplete report of whole repeats;
#   - SIGINT at several moments of a run (early, mid, at the last repeat, while the
#     report is written) always leaves either a whole report or none;
#   after every run: read_ahead_kb unchanged, no rabench memory cgroup, no BPF
#   program of rabench's still loaded, no temporary file in the results folder.
#
# usage: tests/e2e_hardening.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init hardening "${1:-build/asan}"
mounts=()
on_exit 'for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done'
sets=(--set "run.cache_dir=$scratch/test-cache" --set "run.results_dir=$work/results"
      --set run.repeats=1)
is_root=0
[ "$(id -u)" = 0 ] && is_root=1

# ---- the machine's state, before and after ----
dev=$(df --output=source "$root/build" | tail -1 | sed 's|/dev/||; s|[0-9]*$||; s|p$||')
ra_file=/sys/block/$dev/queue/read_ahead_kb
state() {
	cat "$ra_file" 2>/dev/null
	find /sys/fs/cgroup -maxdepth 8 -type d -name 'rabench-*' 2>/dev/null
	# rabench's BPF programs are named pc_* (probes) and pf_* (bpf-prefetch)
	command -v bpftool >/dev/null && bpftool prog show 2>/dev/null | grep -E ' name p[cf]_' || true
}
state >"$work/state.before"
same_state() {
	state >"$work/state.after"
	diff "$work/state.before" "$work/state.after"
}
no_tmp_files() {  # no temporary report file anywhere under the results folder
	test -z "$(find "$work/results" -name '.*.tmp-*' 2>/dev/null)"
}

# ---- bad input: exit 2 before any preparing ----
printf '0\n1\nnot-an-id\n' >"$work/ids.txt"
check "bad replay file: exit 2 naming file and line, before preparing" bash -c \
	"'$rb' run configs/ci.yaml --set run.cache_dir='$work/fresh-cache' --set run.results_dir='$work/results' --set workload.stream=replay --set workload.replay_file='$work/ids.txt' 2>'$work/err'; rc=\$?; cat '$work/err'; test \$rc -eq 2 && grep -q 'ids.txt:3' '$work/err' && test ! -e '$work/fresh-cache'"
printf 'name: escape\nrun:\n  results_dir: /tmp/rabench-escape\n' >"$work/escape.yaml"
check "config pointing results outside the working folder: exit 2 naming file:line and key" bash -c \
	"'$rb' run '$work/escape.yaml' 2>'$work/err'; rc=\$?; cat '$work/err'; test \$rc -eq 2 && grep -q 'escape.yaml:3:16: run.results_dir' '$work/err' && test ! -e /tmp/rabench-escape"
check "conflicting options (--live with --quiet): exit 2" bash -c \
	"'$rb' run configs/ci.yaml --live --quiet 2>'$work/err'; test \$? -eq 2 && grep -q 'conflict' '$work/err'"
check "conflicting keys (a replay file without the replay stream): exit 2" bash -c \
	"'$rb' run configs/ci.yaml --set workload.replay_file=ids.txt 2>'$work/err'; test \$? -eq 2 && grep -q 'workload.replay_file: conflicts' '$work/err'"
check "a results folder that is a file: exit 2 before any work" bash -c \
	"touch '$work/afile'; '$rb' run configs/ci.yaml --set run.results_dir='$work/afile' 2>'$work/err'; rc=\$?; cat '$work/err'; test \$rc -eq 2 && grep -q 'cannot write there' '$work/err'"

check "no shell: the sources call neither system() nor popen()" bash -c \
	"! grep -rnE '(^|[^_a-z])(system|popen)\\(' harness workloads datasets bpf --include='*.c' --include='*.cpp'"

# ---- full and read-only folders (tmpfs mounts: root only) ----
if [ $is_root = 1 ] && mkdir -p "$work/ro" "$work/full16" "$work/full64" "$work/smallcache" &&
   mount -t tmpfs -o ro,size=1m tmpfs "$work/ro" && mounts+=("$work/ro") &&
   mount -t tmpfs -o size=16k tmpfs "$work/full16" && mounts+=("$work/full16") &&
   mount -t tmpfs -o size=64k tmpfs "$work/full64" && mounts+=("$work/full64") &&
   mount -t tmpfs -o size=2m tmpfs "$work/smallcache" && mounts+=("$work/smallcache"); then
	check "read-only results folder: exit 2 before any work, naming it" bash -c \
		"'$rb' run configs/ci.yaml --set run.cache_dir='$scratch/test-cache' --set run.results_dir='$work/ro/results' 2>'$work/err'; rc=\$?; cat '$work/err'; test \$rc -eq 2 && grep -q 'ro/results/ci: cannot write there: Read-only file system' '$work/err'"
	"$rb" run configs/ci.yaml "${sets[@]}" --set "run.results_dir=$work/full16/results" -q \
		>/dev/null 2>"$work/err16"
	check "results folder full before report.json: exit 2, no space named" bash -c \
		"rc=$?; cat '$work/err16'; test \$rc -eq 2 && grep -q 'report.json: cannot write .*No space left on device' '$work/err16'"
	check "results folder full before report.json: no result folder, no temporary file" \
		test -z "$(find "$work/full16/results/ci" -mindepth 1 2>/dev/null)"
	# a report.json of two strategies and 30 queries fits in 64 KiB, its renderings do not
	"$rb" run configs/ci.yaml "${sets[@]}" --set "run.results_dir=$work/full64/results" -q \
		--set run.strategies=default,fadvise-random --set workload.queries=30 \
		>/dev/null 2>"$work/err64"
	rc=$?
	r64=$(ls "$work"/full64/results/ci/*/report.json 2>/dev/null | head -1)
	check "results folder full while rendering: exit 2, report.json whole and said so" bash -c \
		"cat '$work/err64'; test $rc -eq 2 && grep -q 'report.json is complete' '$work/err64' && '$py' -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"complete\"] else 1)' '${r64:-/nonexistent}'"
	check "results folder full while rendering: no temporary file left" \
		test -z "$(find "$work/full64" -name '.*.tmp-*')"
	check "cache folder too small for the dataset: exit 2 naming the space, nothing left behind" bash -c \
		"'$rb' run configs/ci.yaml --set run.cache_dir='$work/smallcache' --set run.results_dir='$work/results' --set dataset.n=200000 2>'$work/err'; rc=\$?; cat '$work/err'; test \$rc -eq 2 && grep -q 'not enough free space for the dataset' '$work/err' && test -z \"\$(ls -A '$work/smallcache')\""
	check "after the full-folder runs: machine state unchanged" same_state
else
	skip "full/read-only folder checks" "need root to mount small tmpfs folders"
fi

# ---- SIGINT while the dataset is being generated ----
cache="$work/prep-cache"
prep=(--set "run.cache_dir=$cache" --set "run.results_dir=$work/results" --set name=prep
      --set dataset.n=400000 --set dataset.dim=64 --set index.train_size=20000
      --set run.repeats=1 --set run.strategies=default)
"$rb" run configs/ci.yaml "${prep[@]}" >/dev/null 2>"$work/errp" &
pid=$!
wait_for 'generating' "$work/errp"
t0=$(date +%s.%N)
kill -INT $pid
wait $pid
rc=$?
t1=$(date +%s.%N)
check "SIGINT while generating: exit 130" bash -c "cat '$work/errp'; test $rc -eq 130"
check "SIGINT while generating: stopped within 10 s" \
	"$py" -c "import sys; sys.exit(0 if $t1 - $t0 < 10 else 1)"
check "SIGINT while generating: no temporary or half-built folder in the cache" \
	test -z "$(ls -A "$cache" 2>/dev/null)"
check "SIGINT while generating: no result written" test -z "$(ls -A "$work/results/prep" 2>/dev/null)"
check "SIGINT while generating: machine state unchanged" same_state
"$rb" run configs/ci.yaml "${prep[@]}" >/dev/null 2>"$work/errp2"
check "the run after the interrupted one prepares and completes" bash -c \
	"rc=$?; tail -3 '$work/errp2'; test \$rc -eq 0 && ls '$work'/results/prep/*/report.json"

# ---- SIGTERM mid-run with everything that changes the machine ----
strategies=default,willneed
extra=()
if [ $is_root = 1 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	strategies=bpf-prefetch,fadvise-random
	extra=(--set run.memory_limit=160M --set run.probes=true)
fi
"$rb" run configs/ci.yaml "${sets[@]}" --set name=term --set run.repeats=200 \
	--set "run.strategies=$strategies" "${extra[@]}" >/dev/null 2>"$work/errt" &
pid=$!
wait_for '\[3/' "$work/errt"
kill -TERM $pid
wait $pid
rc=$?
treport=$(ls "$work"/results/term/*/report.json 2>/dev/null | head -1)
check "SIGTERM mid-run ($strategies): exit 143" bash -c "tail -3 '$work/errt'; test $rc -eq 143"
check "SIGTERM mid-run: report complete=false with whole repeats only" json "${treport:-/nonexistent}" \
	"d['complete'] is False and 2 <= len(d['repeats']) < 400 and all(r['n_queries'] == d['config']['workload.queries'] for r in d['repeats'])"
check "SIGTERM mid-run: nothing failed to restore" bash -c "! grep -qiE 'restore|sanitizer|leak' '$work/errt'"
check "SIGTERM mid-run: machine state unchanged" same_state

# ---- SIGINT at several moments: a whole report or none, never half ----
moments=("0.05:early" "0.6:mid-run" "last:at the last repeat")
for m in "${moments[@]}"; do
	when=${m%%:*} what=${m#*:}
	"$rb" run configs/ci.yaml "${sets[@]}" --set name=int --set run.repeats=6 \
		--set run.strategies=default,fadvise-random >/dev/null 2>"$work/erri" &
	pid=$!
	if [ "$when" = last ]; then
		wait_for '\[12/12\]' "$work/erri"
	else
		sleep "$when"
	fi
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	rdir=$(ls -td "$work"/results/int/*/ 2>/dev/null | head -1)
	check "SIGINT $what: exit 0 with a complete report, or 130 with an incomplete one or none" \
		"$py" -c "
import json, os, sys
rc, d = $rc, '${rdir:-}'
if rc not in (0, 130): sys.exit('exit %d' % rc)
if not d or not os.path.exists(d + 'report.json'):
    sys.exit(0 if rc == 130 and not d else 'no report.json (exit %d)' % rc)
r = json.load(open(d + 'report.json'))
if r['complete'] != (rc == 0): sys.exit('complete=%s with exit %d' % (r['complete'], rc))
if any(x['n_queries'] != r['config']['workload.queries'] for x in r['repeats']): sys.exit('a partial repeat')
for f in ('report.md', 'report.html', 'report.csv'):
    if not os.path.getsize(d + f): sys.exit(f + ' empty')
"
	check "SIGINT $what: no temporary file left" no_tmp_files
	check "SIGINT $what: machine state unchanged" same_state
	rm -rf "$work/results/int"
done
