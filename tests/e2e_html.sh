#!/usr/bin/env bash
# e2e_html.sh — report.html of a real configs/ci.yaml run, opened in headless
# Chromium (Debian's): the page loads, the DOM it parsed holds the charts — the
# latency CDF, the bars, the timeline (one series per strategy, small multiples
# per strategy), the hit ratio, the summary table — and a screenshot has them
# drawn (a blank page compresses to a few KiB).
# usage: tests/e2e_html.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init html "${1:-build/asan}"

# the two strategies and 30 queries the counts below are written for
"$rb" run configs/ci.yaml --quiet --set "run.cache_dir=$scratch/test-cache" \
	--set "run.results_dir=$work/results" --set run.strategies=default,fadvise-random \
	--set workload.queries=30 >/dev/null 2>"$work/run.err"
dir=$(ls -d "$work"/results/ci/*/ 2>/dev/null | head -1)
check "run writes report.html and report.csv" test -s "$dir/report.html" -a -s "$dir/report.csv"
check "report.html is self-contained (no http/https reference)" bash -c "! grep -qiE '(src|href)=\"?https?:' '$dir/report.html'"
check "report.csv has a header and one row per repeat" bash -c \
	"test \$(wc -l < '$dir/report.csv') -eq 5 && head -1 '$dir/report.csv' | grep -q '^strategy,repeat'"
check "rabench report --format html re-renders the same page" bash -c \
	"'$rb' report --format html '$dir/report.json' | cmp -s - '$dir/report.html'"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	skip "browser checks" "chromium is not installed (scripts/install.sh installs it)"
	exit 0
fi
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update --disable-sync
	--user-data-dir="$work/profile" --window-size=1000,2400)
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$dir/report.html" >"$work/dom.html" 2>"$work/chromium.err"
check "chromium loads the page" test -s "$work/dom.html"
check "the parsed page has the latency CDF with a line per strategy" bash -c \
	"test \$(grep -o '<polyline class=\"cdf\"' '$work/dom.html' | wc -l) -eq 2"
check "the parsed page has bar charts (bytes, faults)" bash -c \
	"test \$(grep -o '<rect class=\"bar\"' '$work/dom.html' | wc -l) -ge 6"
check "the parsed page has the timeline: one series per strategy in the overview" bash -c \
	"test \$(grep -o '<polyline class=\"tl-series\"' '$work/dom.html' | wc -l) -eq 2"
check "the timeline's small multiples: a row per strategy, 3 or 4 panels each, a line per repeat" bash -c \
	"test \$(grep -o '<svg class=\"timeline\" data-strategy=\"default\"' '$work/dom.html' | wc -l) -ge 3 && test \$(grep -o '<svg class=\"timeline\" data-strategy=\"fadvise-random\"' '$work/dom.html' | wc -l) -ge 3 && test \$(grep -o 'class=\"tl-repeat\"' '$work/dom.html' | wc -l) -ge 12"
check "the summary is an HTML table with a row per strategy" bash -c \
	"grep -q '<table class=\"summary\">' '$work/dom.html' && test \$(grep -o '<tr><td>default</td>' '$work/dom.html' | wc -l) -eq 1"
check "the fault chart is on a log scale" grep -q 'major faults (log scale)\|faults (log scale)' "$work/dom.html"
if [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	check "the page-cache hit ratio per strategy (probes ran)" bash -c \
		"test \$(grep -o 'class=\"hit-bar\"' '$work/dom.html' | wc -l) -eq 2"
else
	skip "the page-cache hit ratio chart" "needs the eBPF probes (root and kernel BTF)"
fi
check "no page errors logged" bash -c "! grep -qiE 'Uncaught|SyntaxError|CONSOLE\\(' '$work/chromium.err'"
timeout 120 "$chromium" "${flags[@]}" --screenshot="$work/shot.png" "file://$dir/report.html" \
	>/dev/null 2>&1
check "screenshot renders the charts (PNG > 40 KiB)" bash -c \
	"test -f '$work/shot.png' && test \$(stat -c %s '$work/shot.png') -gt 40960"
