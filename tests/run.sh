#!/usr/bin/env bash
# run.sh — run every test of a build: the cmocka unit tests (tests/test_*.c, built
# into BUILD/tests/) and the end-to-end scripts (tests/e2e_*.sh, which drive
# BUILD/rabench). Counts individual cmocka cases and e2e checks and ends with
# "N passed, N failed, N skipped", after the reason of every skip. A skip (a
# cmocka skip(), an e2e "ok N - ... # SKIP reason", or a whole script that
# prints "# SKIP reason" and no checks) is never counted as a pass. Exit
# status 0 only when nothing failed.
#
# usage: tests/run.sh BUILD_DIR        (make test uses build/asan)
set -u
build=${1:-build/asan}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_odr_violation=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export RABENCH="$root/$build/rabench"
# the ThreadSanitizer build of rabench (make test builds it) for the clients test
if [ -z "${RB_TSAN_BIN:-}" ] && [ -x "$root/build/tsan/rabench" ]; then
	export RB_TSAN_BIN="$root/build/tsan/rabench"
fi

passed=0 failed=0 skipped=0
failures=() skips=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

for t in "$build"/tests/test_*; do
	[ -x "$t" ] && [ "${t%.o}" = "$t" ] || continue
	name=$(basename "$t")
	echo "== $name"
	"$t" >"$log/$name" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log/$name" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log/$name" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log/$name" | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	skipped=$((skipped + s))
	while IFS= read -r why; do
		skips+=("$name: $why")
	done < <(grep -o 'SKIP: .*' "$log/$name" | sed 's/^SKIP: //' | sort -u)
	# a skipped case that printed no "SKIP: reason" is still listed, by name
	if [ "$s" -gt 0 ] && ! grep -q 'SKIP: ' "$log/$name"; then
		skips+=("$name: $(sed -n '/^\[==========\]/q; s/^\[  SKIPPED \] //p' "$log/$name" | paste -sd' ') (no reason printed)")
	fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed or a sanitizer fired outside a test case
	fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		cat "$log/$name"
	else
		grep -E '^\[  (SKIPPED|PASSED) \]|^\[  SKIPPED|SKIP' "$log/$name" | sed 's/^/   /'
	fi
done

for t in tests/e2e_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	echo "== $name"
	bash "$t" "$build" >"$log/$name" 2>&1
	rc=$?
	p=$(grep '^ok ' "$log/$name" | grep -vc '# SKIP')
	f=$(grep -c '^not ok ' "$log/$name")
	s=$(grep '^ok ' "$log/$name" | grep -c '# SKIP')
	# a script that could run none of its checks says "# SKIP reason" once
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ] && grep -q '^# SKIP' "$log/$name"; then
		s=1
	fi
	skipped=$((skipped + s))
	while IFS= read -r why; do
		skips+=("$name: $why")
	done < <(sed -n 's/^ok [0-9]* - \(.*\) # SKIP \(.*\)/\1: \2/p; s/^# SKIP \(.*\)/\1/p' "$log/$name")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		cat "$log/$name"
	else
		grep -E '^(ok|# )' "$log/$name" | sed 's/^/   /'
	fi
done

if [ ${#skips[@]} -gt 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${skips[@]}"
fi
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
