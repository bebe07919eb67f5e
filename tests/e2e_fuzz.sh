#!/usr/bin/env bash
# e2e_fuzz.sh — a short bounded fuzz run: builds the libFuzzer targets
# (tests/fuzz/fuzz_*.c, `make fuzz-bins`, clang) and runs each for FUZZ_SECONDS
# (default 10) on a scratch copy of its seed corpus (tests/fuzz/corpus/<target>/).
# Each seed must load without a finding, then fuzzing must find nothing. Prints
# "ok N - ..." / "not ok N - ..." (tests/run.sh counts them); skipped, with the
# reason, when clang or its libFuzzer runtime is missing or RB_SKIP_FUZZ is set
# (make tsan sets it). The BUILD_DIR argument of
# the other e2e scripts is accepted and unused: the targets build into build/fuzz/.
#
# usage: tests/e2e_fuzz.sh [BUILD_DIR]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${FUZZ_SECONDS:-10}
cc=${FUZZ_CC:-clang}
work="$root/build/fuzz/e2e.$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

n=0
check() {  # check DESCRIPTION COMMAND...
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/check.out" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		grep -E 'ERROR|WARNING|runtime error|SUMMARY|Test unit written|deadly|error:' "$work/check.out" |
			head -20 | sed 's/^/#   /'
		tail -5 "$work/check.out" | sed 's/^/#   /'
	fi
}

if [ -n "${RB_SKIP_FUZZ:-}" ]; then
	echo "# SKIP RB_SKIP_FUZZ is set (make tsan: the fuzz targets are an ASan build of their own)"
	exit 0
fi
if ! command -v "$cc" >/dev/null; then
	echo "# SKIP $cc is not installed (libFuzzer targets need clang)"
	exit 0
fi
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return (int)(d && n) * 0; }\n' \
	>"$work/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" 2>"$work/probe.err"; then
	echo "# SKIP $cc cannot link -fsanitize=fuzzer (libFuzzer runtime missing:" \
		"libclang-rt-dev): $(head -1 "$work/probe.err")"
	exit 0
fi

check "fuzz targets build (make fuzz-bins)" make --no-print-directory fuzz-bins
for t in fuzz_config fuzz_vecio fuzz_report; do
	bin="$root/build/fuzz/$t"
	mkdir -p "$work/$t" "$work/crash"
	cp tests/fuzz/corpus/$t/* "$work/$t/"
	check "$t: every seed of tests/fuzz/corpus/$t runs clean" \
		"$bin" -runs=0 "$work/$t"
	check "$t: ${secs} s of fuzzing find nothing" \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/crash/$t-" "$work/$t"
done
