#!/usr/bin/env bash
# ci-gate.sh — the CI performance gate, like with like.
#
#   scripts/ci-gate.sh BASE_REV [ROUNDS]   build BASE_REV in a git worktree, then run
#                                          base and new alternately on this machine, in
#                                          this job (ROUNDS pairs, default 1, the order
#                                          flipped every round), and compare each pair:
#                                          a counter regression in any round fails, a
#                                          time regression only when every round shows
#                                          it (counters depend on the kernel, device and
#                                          read_ahead_kb; times on the runner's noise)
#   scripts/ci-gate.sh                     compare one run with the committed baseline
#                                          results/baselines/ci.json, which only holds
#                                          where the environment matches the one it was
#                                          measured in (else exit 2: pass a BASE_REV);
#                                          times are shown, not gated (another day)
#
# Each comparison is `rabench compare` of configs/ci.yaml's reports: counters with
# tight tolerances, latencies with a U test / bootstrap interval on every query, a
# strategy or figure gone from the new run is a regression. Prints the markdown
# table(s); exit 0 no regression, 1 a regression in any round, 2 cannot compare
# (build failed, different environment, bad revision).
#
# Refresh the committed baseline after an intended change (commit the result):
#   ./rabench run configs/ci.yaml --set run.results_dir=build/gate &&
#     cp build/gate/ci/*/report.json results/baselines/ci.json
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rb=${RABENCH_BIN:-$root/rabench}
config=configs/ci.yaml
# the new side is this tree, built now (a stale ./rabench would be another revision)
[ -n "${RABENCH_BIN:-}" ] || make -s -j"$(nproc)" rabench >&2 || exit 2
out=$(mkdir -p build && mktemp -d "$root/build/gate.XXXXXX")
wt=""
cleanup() {
	[ -z "$wt" ] || git worktree remove --force "$wt" >/dev/null 2>&1
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# one run of configs/ci.yaml with binary $1 into $2; the data cache is shared
run() {
	"$1" run "$config" --quiet --set "run.results_dir=$2" \
		--set "run.cache_dir=$root/datasets/cache" >/dev/null 2>"$2.err" ||
		{ echo "ci-gate: $1 run failed:" >&2; cat "$2.err" >&2; return 1; }
	ls "$2"/*/*/report.json
}

if [ $# -eq 0 ]; then
	new=$(run "$rb" "$out/new") || exit 2
	# measured on another day (and maybe another build): its times are no base, so
	# they are shown, not gated; the counters gate where the environment matches
	"$rb" compare --counters-only results/baselines/ci.json "$new"
	rc=$?
	[ $rc -eq 2 ] && echo "ci-gate: the committed baseline cannot be compared here; run scripts/ci-gate.sh BASE_REV to measure the base on this machine" >&2
	exit $rc
fi

base_rev=$1 rounds=${2:-1}
[[ $rounds =~ ^[1-9][0-9]?$ ]] || { echo "ci-gate: ROUNDS: '$rounds' is not 1..99" >&2; exit 2; }
commit=$(git rev-parse --verify --quiet "$base_rev^{commit}") ||
	{ echo "ci-gate: '$base_rev' is not a revision of this repository" >&2; exit 2; }
wt=$out/base
git worktree add --detach --quiet "$wt" "$commit" || exit 2
# the FAISS C API build is the same for both: reuse it rather than rebuild it
[ -d build/faiss_c ] && mkdir -p "$wt/build" && cp -a build/faiss_c "$wt/build/"
echo "ci-gate: building base $(git rev-parse --short "$commit") in $wt" >&2
make -C "$wt" -j"$(nproc)" rabench >"$out/base-build.log" 2>&1 ||
	{ echo "ci-gate: the base revision does not build:" >&2; tail -20 "$out/base-build.log" >&2; exit 2; }
# Rounds alternate the order (base first, then new first: ABBA), so a machine that
# drifts favours neither side. Counters are deterministic: a counter regression in any
# round fails. Times are not: a time regression fails only when every round shows it
# (a load spike on this runner slows one run, a slower build slows all of them).
counters_fail=0 times_fail=0
for i in $(seq 1 "$rounds"); do
	if [ $((i % 2)) -eq 1 ]; then
		base=$(run "$wt/rabench" "$out/base$i") || exit 2
		new=$(run "$rb" "$out/new$i") || exit 2
	else
		new=$(run "$rb" "$out/new$i") || exit 2
		base=$(run "$wt/rabench" "$out/base$i") || exit 2
	fi
	[ "$rounds" -gt 1 ] && echo "## round $i of $rounds ($([ $((i % 2)) -eq 1 ] && echo 'base, then new' || echo 'new, then base'))"
	"$rb" compare "$base" "$new"
	rc=$?
	[ $rc -eq 2 ] && exit 2
	"$rb" compare --counters-only "$base" "$new" >/dev/null
	crc=$?
	[ $crc -eq 1 ] && counters_fail=1
	[ $rc -eq 1 ] && [ $crc -eq 0 ] && times_fail=$((times_fail + 1))
done
if [ $counters_fail -eq 1 ]; then
	echo "ci-gate: a counter regressed" >&2
	exit 1
fi
if [ $times_fail -eq "$rounds" ]; then
	echo "ci-gate: times regressed in every round ($rounds of $rounds)" >&2
	exit 1
fi
[ $times_fail -gt 0 ] && echo "ci-gate: times regressed in $times_fail of $rounds rounds only: the runner's noise, not the build (no regression)" >&2
exit 0
