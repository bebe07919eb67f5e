#!/usr/bin/env bash
# bench.sh — the prefetch benchmark behind `make bench`: every strategy on
#   1. configs/ivf-bench.yaml      cold IVF, 1.06 GiB of on-disk inverted lists
#   2. configs/ivf-memlimit.yaml   the IVF index under a memory cgroup far below its size
#   3. configs/ivf-zipf.yaml       the same under a Zipf query stream (popular queries recur)
#   4. configs/ivf-clients.yaml    8 clients at once (run.clients=8, 3 repeats)
#   5. configs/flat-scan.yaml      a sequential exact scan of the embeddings
#   6. configs/ivf.yaml            cold IVF (the roofline target)
#   7. configs/hnsw.yaml           an HNSW graph that fits (bpf-prefetch must not lose)
#   8. configs/hnsw-memlimit.yaml  the graph in a 64 MiB cgroup
#   9. configs/rag-memlimit.yaml   rag in a 64 MiB cgroup: the fetch phase's I/O wait
# A config whose strategies lack bpf-prefetch gets it added, so that every
# config's "bpf-prefetch >= 0.95 x the best fixed strategy" is judged.
# Interleaved repeats, medians with min..max, bytes read, amplification, faults (and the
# probes' waste when they are available), collected into one markdown file, then
# the targets of bpf-prefetch (against willneed, and against default on
# flat-scan): each ratio per repeat (repeats are interleaved, so repeat r of both
# strategies ran side by side; a p99 from the pooled samples), its median and
# min..max, met or missed.
#
# Then, for ivf-bench and flat-scan, whole-command timings with hyperfine (--prepare
# evicts the run's files, --export-json keeps the raw runs), merged into the same
# markdown next to rabench's own figures. HYPERFINE_RUNS (default 3) sets the runs;
# HYPERFINE_RUNS=0 skips them.
#
# usage: scripts/bench.sh [CONFIG...]      (default: the five above)
# Needs root for the memory cgroup and the eBPF strategies; prepares the datasets on
# first use (a few minutes), so the first run is slower than the next.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ./rabench ] || make -j"$(nproc)"

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(configs/ivf-bench.yaml configs/ivf-memlimit.yaml configs/ivf-zipf.yaml
	configs/ivf-clients.yaml configs/flat-scan.yaml configs/ivf.yaml configs/hnsw.yaml
	configs/hnsw-memlimit.yaml configs/rag-memlimit.yaml)
# what the benchmark changes in a config: ivf-clients at 8 clients only; bpf-prefetch added
sets_for() {
	local all
	case "$(basename "$1")" in
	ivf-clients.yaml) echo "--set run.clients=8 --set run.repeats=3" ;;
	esac
	all=$(sed -n 's/^ *strategies: *\[\(.*\)\].*/\1/p' "$1" | tr -d ' ')
	case ",$all," in *,bpf-prefetch,*) ;; *) echo "--set run.strategies=$all,bpf-prefetch" ;; esac
}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="results/bench/$stamp"
mkdir -p "$out"
md="$out/BENCH.md"
{
	echo "# rabench benchmark $stamp"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)."
	echo "Command: \`scripts/bench.sh ${configs[*]}\`"
} > "$md"

# hyperfine: one cold `rabench run` per strategy (1 repeat), files evicted before each
whole_command_timings() {
	local cfg=$1 report=$2 s json
	case "$(basename "$cfg")" in ivf-bench.yaml|flat-scan.yaml) ;; *) return ;; esac
	[ "${HYPERFINE_RUNS:-3}" -gt 0 ] || return
	command -v hyperfine >/dev/null || { echo; echo "(hyperfine not installed: no whole-command timings)"; return; }
	echo
	echo "Whole command, cold (\`hyperfine --prepare 'rabench evict' --runs ${HYPERFINE_RUNS:-3}\`; includes index load and report writing):"
	echo
	echo "| strategy | mean s | stddev s | min s | max s |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for s in $("$py" -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))['config']['run.strategies']))" "$report"); do
		json="$out/hyperfine-$(basename "$cfg" .yaml)-$s.json"
		hyperfine --runs "${HYPERFINE_RUNS:-3}" --style none --export-json "$json" \
			--prepare "./rabench evict $cfg >/dev/null" \
			"./rabench run $cfg --quiet --set run.repeats=1 --set run.strategies=$s --set run.results_dir=$out/hf" \
			>/dev/null 2>&1 || { echo "| $s | (failed) | | | |"; continue; }
		"$py" -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('| %s | %.2f | %.2f | %.2f | %.2f |' % (sys.argv[2], r['mean'], r['stddev'] or 0, r['min'], r['max']))" "$json" "$s"
	done
}

py=/usr/bin/python3
reports=()
for cfg in "${configs[@]}"; do
	[ -f "$cfg" ] || { echo "bench: $cfg: no such config" >&2; exit 2; }
	echo "bench: $cfg" >&2
	# shellcheck disable=SC2046  # sets_for prints whole words
	./rabench run "$cfg" $(sets_for "$cfg") --set "run.results_dir=$out/runs" | tee "$out/$(basename "$cfg" .yaml).txt"
	name=$(awk '/^name:/ {print $2; exit}' "$cfg")
	report=$(ls -d "$out/runs/$name"/*/ | tail -1)report.json
	reports+=("$report")
	{
		echo
		echo "## $cfg"
		echo
		./rabench report "$report" | sed -n '/^## Summary/,/^## /p' | sed '1d;$d'
	} >> "$md"
	whole_command_timings "$cfg" "$report" >> "$md"
done
"$py" scripts/bench_targets.py "${reports[@]}" >> "$md"
echo "bench: wrote $md" >&2
