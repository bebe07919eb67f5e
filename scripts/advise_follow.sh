#!/usr/bin/env bash
# advise_follow.sh — follow `rabench advise` for a plain python3-faiss process
# (tests/faiss_search.py, which knows nothing of rabench) and measure what it
# changed. Asks `rabench advise --json -- python3 faiss_search.py ...` on the cold
# index, then times the same command cold (the .ivfdata evicted before each run)
# with hyperfine under the device's read_ahead_kb as found (what "leave" keeps) and
# under each KB given, printing the whole command's wall time (mean ± sd of RUNS
# runs: python's start and FAISS's import included, so mostly noise), and for the
# searches alone (the script's own figures, mean of RUNS cold runs) their seconds
# and major faults. read_ahead_kb is restored on exit, error, INT, TERM, HUP and PIPE
# (not after SIGKILL: the value found is printed first, to set back by hand). Needs root.
#
# usage: scripts/advise_follow.sh INDEX QUERIES.fvecs [N_QUERIES [NPROBE [KB...]]]
#   RABENCH (default ./rabench), RUNS (default 5) in the environment
set -u
rb=${RABENCH:-./rabench}
runs=${RUNS:-5}
py=/usr/bin/python3
[ $# -ge 2 ] || { echo "usage: $0 INDEX QUERIES.fvecs [N [NPROBE [KB...]]]" >&2; exit 2; }
index=$1 queries=$2 n=${3:-100} nprobe=${4:-4}
shift $(( $# < 4 ? $# : 4 ))
data=${index%.index}.ivfdata
[ -r "$index" ] && [ -r "$data" ] && [ -r "$queries" ] || { echo "$0: cannot read $index, $data or $queries" >&2; exit 2; }
dev=$(lsblk -no pkname "$(df --output=source "$data" | tail -1)" 2>/dev/null | head -1)
[ -n "$dev" ] || dev=$(basename "$(df --output=source "$data" | tail -1)")
ra=/sys/block/$dev/queue/read_ahead_kb
[ -w "$ra" ] || { echo "$0: $ra is not writable (root?)" >&2; exit 2; }
orig=$(cat "$ra")
echo "read_ahead_kb of $dev as found: $orig (restored on exit)"
trap 'echo "$orig" > "$ra"' EXIT
trap 'exit 130' INT TERM HUP PIPE
evict="$py -c \"import os; fd=os.open('$data', os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)\""
cmd="$py tests/faiss_search.py $index $queries $n $nprobe"

eval "$evict"
"$rb" advise --json -- $cmd >/tmp/advise_follow.$$.json 2>/dev/null
sed -i '/^majflt /d' /tmp/advise_follow.$$.json
"$py" - "$data" /tmp/advise_follow.$$.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[2]))
for f in d["files"]:
    if f["path"] == sys.argv[1]:
        r = f["recommendation"]
        print(f"advice on {f['path']}: {r['kind']} [rule {r['rule']}]: {r['reason']}")
        break
else:
    print(f"advice: {sys.argv[1]} not among the files advised")
EOF
rm -f /tmp/advise_follow.$$.json

printf '| read_ahead_kb | whole command s (mean ± sd, %d runs, cold) | searches s (mean ± sd) | major faults in the searches (mean) |\n| ---: | ---: | ---: | ---: |\n' "$runs"
for kb in "$orig" "$@"; do
	echo "$kb" > "$ra"
	hyperfine -N --runs "$runs" --prepare "$evict" --export-json /tmp/advise_follow.$$.hf "$cmd" >/dev/null 2>&1 ||
		{ echo "| $kb | hyperfine failed | | |"; continue; }
	: >/tmp/advise_follow.$$.runs
	for _ in $(seq "$runs"); do
		eval "$evict"
		$cmd >>/tmp/advise_follow.$$.runs
	done
	"$py" -c "
import json, statistics, sys
r = json.load(open(sys.argv[1]))['results'][0]
rows = [l.split() for l in open(sys.argv[3]) if l.startswith('majflt ')]
s = [float(x[3]) for x in rows]; f = [int(x[1]) for x in rows]
print('| %s | %.3f ± %.3f | %.4f ± %.4f | %.1f |' % (sys.argv[2], r['mean'], r['stddev'] or 0,
      statistics.mean(s), statistics.stdev(s) if len(s) > 1 else 0, statistics.mean(f)))" \
		/tmp/advise_follow.$$.hf "$kb" /tmp/advise_follow.$$.runs
done
rm -f /tmp/advise_follow.$$.runs
rm -f /tmp/advise_follow.$$.hf
