# lib_e2e.sh — sourced by tests/e2e_*.sh: one TAP-like check per line.
#   check DESCRIPTION COMMAND...   runs COMMAND and prints "ok N - DESCRIPTION" or
#                                  "not ok N - DESCRIPTION" followed by its output
#   json FILE EXPR                 Python EXPR over d = the JSON document FILE holds
#   schema_ok FILE                 FILE validates against harness/report.schema.json
#   report_of NAME                 the report.json of run NAME under $work/results
# tests/run.sh counts those lines. The caller sets $work (a scratch folder) and
# runs from the repository root.
n=0
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/check.out" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/#   /' "$work/check.out"
	fi
}

py=${py:-/usr/bin/python3}
json() {
	"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}
schema_ok() {
	"$py" -c "import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('harness/report.schema.json')))" "$1"
}
report_of() {
	ls "$work"/results/"$1"/*/report.json 2>/dev/null | head -1
}
