# lib_e2e.sh — sourced by tests/e2e_*.sh: one TAP-like check per line.
#   e2e_init NAME [BUILD]          cd to the repository root; set root, build (default
#                                  build/asan), rb (its rabench), py, scratch (the
#                                  writable folder for caches: $RB_SCRATCH, default
#                                  build/; the kernel matrix guests, whose repository is
#                                  read-only, point it at their ext4 disk) and work, a
#                                  scratch folder under it removed on exit
#   on_exit COMMAND                run COMMAND on exit too, before work is removed
#   wait_for PATTERN FILE [SECS]   until PATTERN is in FILE (default 30 s); 1 if never
#   check DESCRIPTION COMMAND...   runs COMMAND and prints "ok N - DESCRIPTION" or
#                                  "not ok N - DESCRIPTION" followed by its output
#   skip DESCRIPTION REASON        prints "ok N - DESCRIPTION # SKIP REASON": counted as
#                                  a skip, never as a pass
#   json FILE EXPR                 Python EXPR over d = the JSON document FILE holds
#   schema_ok FILE                 FILE validates against report/report.schema.json
#   report_of NAME                 the report.json of run NAME under $work/results
# e2e_init also points RABENCH_DB at $work/rabench.db: every run a test makes is
# recorded there (and removed with work), never into the repository's results/.
# tests/run.sh counts those lines.
n=0
exit_cmds=()

e2e_cleanup() {
	local c
	for c in "${exit_cmds[@]}"; do eval "$c"; done
	rm -rf "$work"
}

on_exit() {
	exit_cmds+=("$1")
}

e2e_init() {
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	cd "$root" || exit 1
	build=${2:-build/asan}
	rb="$root/$build/rabench"
	# under build/ (ext4), not /tmp: tmpfs pages cannot be evicted, so "cold" would
	# lie, and tmpfs has no readahead or block I/O to probe; world-searchable, so
	# the checks that run as user nobody can reach it
	scratch=${RB_SCRATCH:-$root/build}
	work="$scratch/e2e-$1.$$"
	mkdir -p "$work"
	chmod 755 "$work"
	export RABENCH_DB="$work/rabench.db"
	trap e2e_cleanup EXIT
}

wait_for() {
	local i
	for i in $(seq 1 $((${3:-30} * 20))); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

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
	"$py" -c "import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open('report/report.schema.json')))" "$1"
}
report_of() {
	ls "$work"/results/"$1"/*/report.json 2>/dev/null | head -1
}

# Can this process make a memory cgroup (root, a memory controller on v1 or v2)?
memcg_usable() {
	[ "$(id -u)" -eq 0 ] || return 1
	grep -qE '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup && return 0
	local mnt rel
	mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
	[ -n "$mnt" ] && grep -qw memory "$mnt$rel/cgroup.controllers" 2>/dev/null
}
