#!/usr/bin/env bash
# bench.sh — the prefetch benchmark behind `make bench`: every strategy on
#   1. configs/ivf-bench.yaml      cold IVF, 1.06 GiB of on-disk inverted lists
#   2. configs/ivf-memlimit.yaml   the IVF index under a memory cgroup far below its size
#   3. configs/flat-scan.yaml      a sequential exact scan of the embeddings
# Interleaved repeats, medians with min..max, bytes read, amplification, faults (and the
# probes' waste when they are available), collected into one markdown file.
#
# usage: scripts/bench.sh [CONFIG...]      (default: the three above)
# Needs root for the memory cgroup and the eBPF strategies; prepares the datasets on
# first use (a few minutes), so the first run is slower than the next.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ./rabench ] || make -j"$(nproc)"

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(configs/ivf-bench.yaml configs/ivf-memlimit.yaml configs/flat-scan.yaml)
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

for cfg in "${configs[@]}"; do
	[ -f "$cfg" ] || { echo "bench: $cfg: no such config" >&2; exit 2; }
	echo "bench: $cfg" >&2
	./rabench run "$cfg" --set "run.results_dir=$out/runs" | tee "$out/$(basename "$cfg" .yaml).txt"
	name=$(awk '/^name:/ {print $2; exit}' "$cfg")
	report=$(ls -d "$out/runs/$name"/*/ | tail -1)report.json
	{
		echo
		echo "## $cfg"
		echo
		./rabench report "$report" | sed -n '/^## Summary/,/^## /p' | sed '1d;$d'
	} >> "$md"
done
echo "bench: wrote $md" >&2
