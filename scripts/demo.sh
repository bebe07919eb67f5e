#!/usr/bin/env bash
# demo.sh — the conference demo in one command (after scripts/install.sh):
# prepares the dataset and on-disk index (first time only, ~30 s), runs the cold IVF
# workload under default, fadvise-random and bpf-prefetch with the live per-second
# view, prints the side-by-side table and the path of the HTML report.
# Root is needed for the eBPF prefetcher; without it that strategy's repeats are
# reported as unavailable and the rest still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ./rabench ] || make -j"$(nproc)"
clear 2>/dev/null || true
echo "rabench demo: FAISS IVF search over 496 MiB of on-disk inverted lists, read cold"
echo "strategies: default (kernel readahead), fadvise-random, bpf-prefetch (eBPF-guided)"
echo
./rabench run configs/demo.yaml --live "$@"
report=$(ls -d results/demo/*/ | tail -1)report.html
echo
echo "HTML report: $report"
