#!/usr/bin/env bash
# bench-probe-overhead.sh — what the BPF page-cache probes cost the workload.
# Runs `rabench run CONFIG` ROUNDS times with run.probes=true and ROUNDS times
# with run.probes=false, alternating (on, off, on, off, ...) so that drift on the
# machine hits both alike. Per strategy it prints the median query latency with
# the probes off and on (every query of every repeat and round pooled), their
# ratio, and the median (min..max) of the per-round ratios, which drift between
# rounds cannot bias. A benchmark, not a test: its figure goes to docs/benchmarks.md
# (target: ratio <= 1.02). Needs root for the probes; without them both modes
# run the same code and the ratio is ~1.
#
# usage: scripts/bench-probe-overhead.sh [CONFIG] [ROUNDS] [-- RABENCH-RUN-ARGS...]
#   e.g. scripts/bench-probe-overhead.sh configs/ci.yaml 7 -- --set workload.queries=200
# env: RABENCH (default build/release/rabench)
set -eu
config=${1:-configs/ci.yaml}
rounds=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
rb=${RABENCH:-$root/build/release/rabench}
[ -x "$rb" ] || { echo "bench-probe-overhead: build rabench first (make)" >&2; exit 2; }
# results under build/ (disk-backed, like the data), removed afterwards
out=$(mktemp -d "$root/build/bench-probe-overhead.XXXXXX")
trap 'rm -rf "$out"' EXIT
# a private copy: a rebuild during the benchmark must not swap the binary under it
cp "$rb" "$out/rabench"
rb=$out/rabench

echo "bench-probe-overhead: $config, $rounds rounds per mode, extra args: $*" >&2
for i in $(seq 1 "$rounds"); do
	for mode in true false; do
		"$rb" run "$config" -q "$@" --set run.probes=$mode \
			--set "run.results_dir=$out/$mode/$i" >/dev/null
	done
	echo "bench-probe-overhead: round $i of $rounds done" >&2
done

python3 - "$out" <<'PY'
import glob, json, statistics, sys

out = sys.argv[1]
lat = {}        # (strategy, mode, round) -> every query latency (us) of that run
why = set()
for path in glob.glob(f"{out}/*/*/*/*/report.json"):
    mode, rnd = path[len(out) + 1:].split("/")[:2]
    doc = json.load(open(path))
    if mode == "true":
        why.add(doc.get("probes_unavailable_reason") or "available")
    for r in doc["repeats"]:
        lat.setdefault((r["strategy"], mode, rnd), []).extend(
            v for v in r["latency_samples_us"] if v is not None)


def pooled(strategy, mode):
    return [v for (s, m, _), vs in lat.items() if s == strategy and m == mode for v in vs]


print("probes (on):", ", ".join(sorted(why)))
print(f"{'strategy':16} {'queries':>8} {'p50 off us':>11} {'p50 on us':>10} {'on/off':>7}"
      "   per-round on/off: median (min..max)")
for s in sorted({k[0] for k in lat}):
    on, off = pooled(s, "true"), pooled(s, "false")
    if not on or not off:
        continue
    rounds = sorted({k[2] for k in lat if k[0] == s})
    ratios = [statistics.median(lat[(s, "true", r)]) / statistics.median(lat[(s, "false", r)])
              for r in rounds if (s, "true", r) in lat and (s, "false", r) in lat]
    m_on, m_off = statistics.median(on), statistics.median(off)
    print(f"{s:16} {len(on):8d} {m_off:11.1f} {m_on:10.1f} {m_on / m_off:7.3f}"
          f"   {statistics.median(ratios):.3f} ({min(ratios):.3f}..{max(ratios):.3f})")
PY
