#!/usr/bin/env bash
# e2e_demo.sh — scripts/demo.sh as a presenter runs it, on configs/ci.yaml's small data
# (--config, --results and --set keep it in the test's folders): the five acts in
# order, the side-by-side table of acts 1-3 with one row each, the HTML report's path,
# act 4's plain and served script with the same results (root), act 5 under a memory
# cgroup (root), the total time printed; --pace in a terminal (tmux) waits for Enter
# before an act and goes on when it comes; a bad option exits 2. The demo runs the
# release rabench (./rabench, which make test builds).
#
# usage: tests/e2e_demo.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init demo "${1:-build/asan}"
if [ ! -x ./rabench ]; then
	skip "the demo" "no ./rabench (make builds it; make test does too)"
	exit 0
fi
demo=(scripts/demo.sh --config configs/ci.yaml --results "$work/results"
      --set "run.cache_dir=$scratch/test-cache")

"${demo[@]}" </dev/null >"$work/out" 2>"$work/err"
rc=$?
check "demo.sh runs to the end (exit 0)" bash -c "test $rc -eq 0 || { tail -20 '$work/err'; false; }"
check "the five acts, in order" bash -c \
	"grep -o 'Act [1-5]' '$work/out' | tr -d '\\n' | grep -qx 'Act 1Act 2Act 3Act 4Act 5'"
check "the side-by-side table of acts 1-3: default, fadvise-random, bpf-prefetch" bash -c \
	"grep -qE '^\\| #1 \\| default \\|' '$work/out' && grep -qE '^\\| #2 \\| fadvise-random \\|' '$work/out' && { grep -qE '^\\| #3 \\| bpf-prefetch \\|' '$work/out' || test \$(id -u) -ne 0; }"
html=$(sed -n 's/^HTML report of act 3: \([^ ]*\) .*/\1/p' "$work/out")
check "the HTML report's path is printed and the report is there" test -s "${html:-/nonexistent}"
check "the time the acts took is printed" grep -qE '^The acts took [0-9]+ s' "$work/out"
if [ "$(id -u)" -eq 0 ]; then
	check "act 4: the plain and the served script return the same results" bash -c \
		"p=\$(sed -n 's/^plain: .*digest \\([0-9]*\\).*/\\1/p' '$work/out'); s=\$(sed -n 's/^served: .*digest \\([0-9]*\\).*/\\1/p' '$work/out'); test -n \"\$p\" && test \"\$p\" = \"\$s\""
	check "act 5: default and bpf-prefetch under the memory limit" bash -c \
		"grep -qE '^\\| default \\| 1 \\|' '$work/out' && grep -qE '^\\| bpf-prefetch \\| 1 \\|' '$work/out'"
else
	check "not root: acts 4 and 5 say why they are skipped" bash -c \
		"grep -q 'act 4 skipped' '$work/out' && grep -q 'act 5 skipped' '$work/out'"
fi
scripts/demo.sh --bogus >/dev/null 2>"$work/err2"
check "a bad option: exit 2 with the options it takes" bash -c "test $? -eq 2 && grep -q -- '--pace' '$work/err2'"

if command -v tmux >/dev/null; then
	sock="$work/tmux.sock"
	on_exit "tmux -S '$sock' kill-server 2>/dev/null"
	tmux -S "$sock" new-session -d -s demo -x 160 -y 50 \
		"env TERM=xterm-256color ${demo[*]} --pace >'$work/paced' 2>&1; echo DEMO-EXIT=\$? >>'$work/paced'; sleep 300"
	wait_for '(Enter)' "$work/paced" 60
	sleep 2
	check "--pace: waits for Enter before act 1" bash -c \
		"grep -q 'Act 1' '$work/paced' && ! grep -q 'Act 2' '$work/paced'"
	for i in 1 2 3 4 5; do
		tmux -S "$sock" send-keys -t demo Enter
		sleep 1
		wait_for "Act $((i + 1))\\|DEMO-EXIT" "$work/paced" 120 || true
	done
	wait_for 'DEMO-EXIT' "$work/paced" 120
	check "--pace: every Enter starts the next act, to the end" bash -c \
		"grep -q 'Act 5' '$work/paced' && grep -q 'DEMO-EXIT=0' '$work/paced'"
else
	skip "--pace in a terminal" "tmux is not installed"
fi
