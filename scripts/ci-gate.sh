#!/usr/bin/env bash
# ci-gate.sh — the CI performance gate: run configs/ci.yaml, compare it with the
# committed baseline results/baselines/ci.json on the deterministic counters (bytes
# read, read amplification, major faults, recall), print the markdown table and exit
# with rabench compare's code: 0 no regression, 1 regression, 2 cannot compare.
#
# usage: scripts/ci-gate.sh [BASELINE.json]
# Refresh the baseline after an intended change (commit the result):
#   ./rabench run configs/ci.yaml --set run.results_dir=build/gate &&
#     cp build/gate/ci/*/report.json results/baselines/ci.json
set -uo pipefail
cd "$(dirname "$0")/.."
baseline=${1:-results/baselines/ci.json}
rb=${RABENCH_BIN:-./rabench}
[ -x "$rb" ] || make -j"$(nproc)" >&2 || exit 2
# under build/ (ext4): results only, the data goes to run.cache_dir as configured
out=$(mkdir -p build && mktemp -d build/gate.XXXXXX)
trap 'rm -rf "$out"' EXIT
mkdir -p build
"$rb" run configs/ci.yaml --quiet --set "run.results_dir=$out" >/dev/null || exit 2
"$rb" compare --counters-only "$baseline" "$out"/ci/*/report.json
