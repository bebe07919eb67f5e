#!/usr/bin/env bash
# demo.sh — the conference demo as a story, in one command (after scripts/install.sh):
# a FAISS IVF index whose 496 MiB of inverted lists are read cold, with the live view
# (rabench run --live) on the screen:
#   act 1  the kernel's own readahead (default): fast, but reads a third more than needed
#   act 2  random advice (fadvise-random): exactly the bytes, one fault per 4 KiB page
#   act 3  the eBPF prefetcher (bpf-prefetch): the bytes of act 2, the speed of act 1
#          -> the three side by side (rabench report of the three runs) and the HTML report
#   act 4  your own process: a plain python3-faiss script, then the same script served by
#          rabench prefetch (no change to it), its major faults and time compared
#   act 5  under a 128 MiB memory cgroup: default against bpf-prefetch
# --pace waits for Enter before each act (a presenter's pace); without it the acts run
# back to back. The dataset and index are prepared first (the first time ~1 min), so the
# acts themselves take under two minutes. Root is needed for the eBPF acts and the memory
# cgroup; without it those are skipped with the reason, and the rest still runs.
#
# usage: scripts/demo.sh [--pace] [--config FILE] [--results DIR] [--set KEY=VALUE]...
#        (defaults: configs/demo.yaml, results/demo; --set goes to every run)
set -euo pipefail
cd "$(dirname "$0")/.."
pace=0
config=configs/demo.yaml
results=results/demo
sets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--pace) pace=1 ;;
	--config) config=${2:?--config needs a file}; shift ;;
	--results) results=${2:?--results needs a folder}; shift ;;
	--set) sets+=(--set "${2:?--set needs KEY=VALUE}"); shift ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown option '$1' (expected --pace, --config FILE, --results DIR, --set KEY=VALUE)" >&2; exit 2 ;;
	esac
	shift
done
[ -f "$config" ] || { echo "demo.sh: $config: no such config" >&2; exit 2; }
[ -x ./rabench ] || make -j"$(nproc)"
name=demo-$(date -u +%H%M%S)
py=/usr/bin/python3

act() {  # act N TITLE TEXT
	echo
	printf '\033[1m== Act %s — %s\033[0m\n' "$1" "$2"
	echo "$3"
	if [ "$pace" = 1 ] && [ -t 0 ]; then
		read -r -p "(Enter) " _
	fi
}

run() {  # run NAME STRATEGIES [--set ...]: one act's run; prints nothing but the live view
	local n=$1 s=$2
	shift 2
	./rabench run "$config" --live "${sets[@]}" --set name="$name-$n" --set "run.strategies=$s" \
		--set run.repeats=1 --set "run.results_dir=$results" "$@" >/dev/null
}

report_of() { ls -d "$results/$name-$1"/*/ 2>/dev/null | tail -1; }

echo "rabench demo: what Linux readahead does to a RAG retrieval step"
echo "preparing the dataset and the index (reused when already built) ..."
./rabench run "$config" --quiet "${sets[@]}" --set name="$name-prep" --set run.strategies=default \
	--set run.repeats=1 --set workload.queries=1 --set run.cache=warm \
	--set "run.results_dir=$results" >/dev/null
start=$(date +%s)

act 1 "the kernel's readahead" \
	"FAISS faults on its mmapped lists; every fault reads 8 MiB around it (read_ahead_kb 8192)."
run 1 default
act 2 "random advice" \
	"MADV_RANDOM: only the pages touched are read, but one fault at a time."
run 2 fadvise-random
act 3 "the eBPF prefetcher" \
	"A uprobe on FAISS's prefetch_lists tells an agent which lists a query will scan; it reads them whole, ahead."
run 3 bpf-prefetch
echo
echo "Side by side (one repeat each, cold):"
reports=()
for i in 1 2 3; do
	r=$(report_of $i)
	[ -n "$r" ] && reports+=("${r}report.json")
done
[ ${#reports[@]} -gt 0 ] && ./rabench report "${reports[@]}" | sed -n '/^|/p'
last=$(report_of 3)
[ -n "$last" ] && echo "HTML report of act 3: ${last%/}/report.html (timeline, charts, summary)"

act 4 "your own process" \
	"A plain python3-faiss script, then the same script under 'rabench prefetch' (its code unchanged)."
ds=$($py -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['dataset']['dir'])" \
	"$(report_of 1)report.json" 2>/dev/null || true)
index=$(ls "$ds"/index-*/ivf.index 2>/dev/null | head -1)
if [ -z "$index" ]; then
	echo "(no index found for $config: act 4 skipped)"
elif [ "$(id -u)" -ne 0 ]; then
	echo "(rabench prefetch needs root: act 4 skipped)"
else
	search=($py tests/faiss_search.py "$index" "$ds/queries.fvecs" 100 32)
	./rabench evict "$config" "${sets[@]}" >/dev/null
	t0=$(date +%s.%N)
	plain=$("${search[@]}" | grep '^majflt')
	t1=$(date +%s.%N)
	./rabench evict "$config" "${sets[@]}" >/dev/null
	served=$(./rabench prefetch --index "$index" --read-ahead-kb 16 -- "${search[@]}" | grep '^majflt')
	t2=$(date +%s.%N)
	printf 'plain:  %s  (%.1f s)\nserved: %s  (%.1f s, read_ahead_kb 16 while it ran)\n' \
		"$plain" "$(awk "BEGIN { print $t1 - $t0 }")" "$served" "$(awk "BEGIN { print $t2 - $t1 }")"
fi

act 5 "under a memory limit" \
	"The same search in a 128 MiB memory cgroup: readahead that over-reads evicts what the next query needs."
if [ "$(id -u)" -eq 0 ]; then
	run 5 default,bpf-prefetch --set run.memory_limit=128M --set workload.queries=50
	./rabench report "$(report_of 5)report.json" | sed -n '/^| strategy/,/^$/p' | head -4
else
	echo "(a memory cgroup needs root: act 5 skipped)"
fi
echo
echo "The acts took $(($(date +%s) - start)) s. Reports under $results/$name-*/."
