#!/usr/bin/env bash
# lint.sh — cppcheck and clang-tidy on rabench's own C: cli/ report/ harness/ config/ strategies/ lib/ workloads/
# datasets/ and the user-space side of bpf/ (not *.bpf.c, not build/ or the generated
# skeletons). clang-tidy's checks and why some are off: .clang-tidy; cppcheck's
# suppressions and why: tests/cppcheck.supp. Prints every finding; exit 0 only when
# both are clean. `make lint` runs it (after generating the BPF skeletons the loaders
# include).
#
# usage: tests/lint.sh [FILE.c...]     (default: every file above)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tidy=${CLANG_TIDY:-clang-tidy}
jobs=$(nproc 2>/dev/null || echo 2)

if [ $# -gt 0 ]; then
	src=("$@")
else
	mapfile -t src < <(ls cli/*.c report/*.c harness/*.c config/*.c strategies/*.c lib/*.c workloads/*.c datasets/*.c datasets/stores/*.c datasets/indexes/*.c bpf/*.c | grep -v '\.bpf\.c$')
fi
for tool in cppcheck "$tidy"; do
	command -v "$tool" >/dev/null || { echo "lint: $tool is not installed" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0

echo "== cppcheck (${#src[@]} files)"
if ! cppcheck -q -j"$jobs" --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppressions-list=tests/cppcheck.supp --error-exitcode=1 \
	-I. -Ibuild/bpf "${src[@]}"; then
	rc=1
fi

echo "== clang-tidy (${#src[@]} files, $jobs at a time)"
# same language and include flags as the build; the skeletons are system headers
printf '%s\n' "${src[@]}" | xargs -P "$jobs" -I{} sh -c \
	'"$0" --quiet "$1" -- -std=gnu11 -I. -isystem build/bpf -fopenmp \
		>"$2/$(echo "$1" | tr / _).txt" 2>&1' "$tidy" {} "$out"
# keep whole diagnostics (with their notes) located in our own files, each once
cat "$out"/*.txt | awk -v root="$root/" '
	/^[^ ]+:[0-9]+:[0-9]+: (warning|error): / {
		keep = 0
		f = $0; sub(root, "", f)
		if (f ~ /^(cli|report|harness|config|strategies|lib|workloads|datasets|bpf)\// && !(f in seen)) { seen[f] = 1; keep = 1; n++ }
	}
	/ warnings? generated\.$|^Suppressed |^Use -header-filter|^Error while processing/ { next }
	keep { line = $0; sub(root, "", line); print line }
	END { exit n > 0 }' || rc=1

if [ $rc -eq 0 ]; then
	echo "lint: clean"
else
	echo "lint: findings above"
fi
exit $rc
