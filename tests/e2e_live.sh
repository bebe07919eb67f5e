#!/usr/bin/env bash
# e2e_live.sh — `rabench run --live` in a real terminal (tmux, 120x40): the screen
# shows the step, queries/s, MB/s, the hit ratio, pages added by cause (or why the
# probes are not there), the histograms and the progress lines under them; Ctrl-C
# ends the run with 130 and gives the terminal back (the alternate screen left,
# the shell's output readable). In an 80x24 terminal the screen fits. Without a
# terminal, the line per second. Prints "ok N - ..." / "not ok N - ...".
#
# usage: tests/e2e_live.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init live "${1:-build/asan}"

if ! command -v tmux >/dev/null; then
	skip "the live view in a terminal" "tmux is not installed (scripts/install.sh installs it)"
	exit 0
fi
sock="$work/tmux.sock"
t() { tmux -S "$sock" "$@"; }
on_exit "tmux -S '$sock' kill-server 2>/dev/null"
run=("$rb" run configs/ci.yaml --live --set "run.cache_dir=$scratch/test-cache"
     --set "run.results_dir=$work/results" --set run.repeats=400
     --set run.strategies=default,fadvise-random,bpf-prefetch)
# prepared first, so that the screen shows queries, not dataset generation
"$rb" run configs/ci.yaml --quiet --set "run.cache_dir=$scratch/test-cache" \
	--set "run.results_dir=$work/results" --set run.repeats=1 --set run.strategies=default >/dev/null 2>&1

screen_has() {  # PATTERN [SECS]: poll the pane until it shows PATTERN
	local i
	for ((i = 0; i < ${2:-30} * 5; i++)); do
		t capture-pane -p -t live >"$work/pane" 2>/dev/null && grep -q -- "$1" "$work/pane" && return 0
		sleep 0.2
	done
	return 1
}

t new-session -d -s live -x 120 -y 40 "env TERM=xterm-256color ${run[*]}; echo EXIT=\$?; sleep 600"
check "the live screen comes up in a terminal" screen_has "rabench live"
screen_has "rabench: \[" 60 >/dev/null
t capture-pane -p -t live >"$work/pane1"
check "it shows the step and the rates" bash -c \
	"grep -qE 'rabench live +(default|fadvise-random|bpf-prefetch) r[0-9]+' '$work/pane1' && grep -q 'queries/s' '$work/pane1' && grep -q 'process .* MB/s' '$work/pane1' && grep -q 'major faults/s' '$work/pane1'"
check "it shows the page-cache hit ratio" grep -q "page-cache hit ratio" "$work/pane1"
if [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	check "it shows pages added by cause and readahead waste as bars" bash -c \
		"grep -q 'pages added to the page cache' '$work/pane1' && grep -qE '^  demand ' '$work/pane1' && grep -qE '^  speculative ' '$work/pane1' && grep -qE '^  prefetched ' '$work/pane1' && grep -qE '^  RA waste ' '$work/pane1'"
	check "it shows the readahead window histogram" grep -q "readahead window (pages)" "$work/pane1"
else
	check "without the probes it says why instead of pages by cause" grep -q "the BPF probes are not running" "$work/pane1"
fi
check "it shows the latency histogram" grep -q "query latency" "$work/pane1"
check "the progress lines go under the screen, not across it" bash -c \
	"grep -qE '^rabench: \\[[0-9]+/[0-9]+\\]' '$work/pane1' && ! grep -qE 'live +[0-9]+s' '$work/pane1'"
check "the terminal is in the alternate screen while it runs" bash -c \
	"test \"\$(tmux -S '$sock' display -p -t live '#{alternate_on}')\" = 1"
t send-keys -t live C-c
check "Ctrl-C: the run ends with exit 130" screen_has "EXIT=130" 60
t capture-pane -p -t live >"$work/pane2"
check "Ctrl-C: the terminal is given back (no alternate screen, no live panels, the table readable)" bash -c \
	"test \"\$(tmux -S '$sock' display -p -t live '#{alternate_on}')\" = 0 && ! grep -q 'Ctrl-C stops the run' '$work/pane2' && grep -q '^strategy ' '$work/pane2'"
check "Ctrl-C: the progress lines shown under the screen are printed after it" grep -qE '^rabench: \[[0-9]+/[0-9]+\]' "$work/pane2"
t kill-session -t live

# a small terminal: every line of the screen fits in 80 columns
t new-session -d -s live -x 80 -y 24 "env TERM=xterm-256color ${run[*]}; echo EXIT=\$?; sleep 600"
screen_has "queries/s" 30 >/dev/null
sleep 1
t capture-pane -p -J -t live >"$work/pane3"
check "80x24: the screen fits the terminal (no line over 80 characters)" bash -c \
	"grep -q 'rabench live' '$work/pane3' && '$py' -c 'import sys; sys.exit(max(len(l.rstrip(\"\\n\")) for l in open(sys.argv[1], encoding=\"utf-8\")) > 80)' '$work/pane3'"
t send-keys -t live C-c
screen_has "EXIT=130" 60 >/dev/null
t kill-session -t live

# not a terminal: a plain line per second on stderr
"${run[@]}" --set run.repeats=3 >/dev/null 2>"$work/err" </dev/null &
pid=$!
wait_for '^live  *[0-9][0-9]*s' "$work/err" 30
kill -INT "$pid" 2>/dev/null
wait "$pid"
check "without a terminal: a line per second, no screen codes" bash -c \
	"grep -qE '^live +[0-9]+s +(default|fadvise-random|bpf-prefetch|preparing)' '$work/err' && ! grep -q \$'\\e\\[' '$work/err'"
