# lib_e2e.sh — sourced by tests/e2e_*.sh: one TAP-like check per line.
#   check DESCRIPTION COMMAND...   runs COMMAND and prints "ok N - DESCRIPTION" or
#                                  "not ok N - DESCRIPTION" followed by its output
# tests/run.sh counts those lines. The caller sets $work (a scratch folder).
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
