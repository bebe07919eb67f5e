#!/usr/bin/env bash
# advise_proof.sh — does `rabench advise` pick what measures best? For each config
# given: run `default` alone with the probes, ask `rabench advise REPORT.json` which
# strategy the largest file needs (with its read_ahead_kb when it is readahead-kb),
# then run every strategy of the config plus the advised one, and print one table
# row: config, advised, measured best (median q/s), the advised strategy's q/s over
# the best's (>= 0.90 is "within 10%"). Needs root and BTF (the probes).
#
# usage: scripts/advise_proof.sh [--set KEY=VALUE ...] CONFIG...
#   RABENCH (default ./rabench), RESULTS (default build/advise-proof) in the environment
set -u
rb=${RABENCH:-./rabench}
results=${RESULTS:-build/advise-proof}
py=/usr/bin/python3
sets=()
configs=()
while [ $# -gt 0 ]; do
	case $1 in
	--set) sets+=(--set "$2"); shift 2 ;;
	*) configs+=("$1"); shift ;;
	esac
done
[ ${#configs[@]} -gt 0 ] || { echo "usage: $0 [--set K=V ...] CONFIG..." >&2; exit 2; }

latest() { ls -t "$results"/"$1"/*/report.json 2>/dev/null | head -1; }

# advised STRATEGY [KB] from advise --json: the first (largest) file with a recommendation
advised() {
	"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["files"]:
    r = f["recommendation"]
    if r["kind"] != "not-enough-evidence" and r.get("strategy"):
        print(r["strategy"], r.get("read_ahead_kb", "")); break
else:
    print("none")' "$1"
}

# "best best_qps advised_qps" from the full run's summary
measure() {
	"$py" -c '
import json, sys
d = json.load(open(sys.argv[1])); adv = sys.argv[2]
q = {s["name"]: s["qps"]["median"] for s in d["summary"]["strategies"] if s["qps"]}
best = max(q, key=q.get)
print(best, "%.1f" % q[best], "%.1f" % q[adv] if adv in q else "nan")' "$1" "$2"
}

printf '| config | advised (default'"'"'s probes) | measured best | best q/s | advised q/s | ratio |\n'
printf '| --- | --- | --- | ---: | ---: | ---: |\n'
for cfg in "${configs[@]}"; do
	name=$(basename "$cfg" .yaml)
	"$rb" run "$cfg" "${sets[@]}" --set "run.results_dir=$results" --set "name=$name-default" \
		--set run.strategies=default --quiet >/dev/null 2>"$results.err" ||
		{ echo "| $name | run of default failed: $(tail -1 "$results.err") | | | | |"; continue; }
	"$rb" advise --json "$(latest "$name-default")" >"$results/$name-advise.json" 2>/dev/null
	read -r strat kb < <(advised "$results/$name-advise.json")
	[ "$strat" = none ] && { echo "| $name | no evidence | | | | |"; continue; }
	all=$(sed -n 's/^ *strategies: *\[\(.*\)\].*/\1/p' "$cfg" | tr -d ' ')
	case ",$all," in *",$strat,"*) ;; *) all="$all,$strat" ;; esac
	extra=()
	[ -n "$kb" ] && extra=(--set "run.readahead_kb=$kb")
	"$rb" run "$cfg" "${sets[@]}" "${extra[@]}" --set "run.results_dir=$results" --set "name=$name-all" \
		--set "run.strategies=$all" --quiet >/dev/null 2>"$results.err" ||
		{ echo "| $name | $strat | run of all failed: $(tail -1 "$results.err") | | | |"; continue; }
	read -r best bq aq < <(measure "$(latest "$name-all")" "$strat")
	ratio=$("$py" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b))" "$aq" "$bq")
	echo "| $name | $strat${kb:+ ($kb KiB)} | $best | $bq | $aq | $ratio |"
done
