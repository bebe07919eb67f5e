#!/usr/bin/env bash
# kernel-matrix.sh — run one config on several kernels and write one report that
# compares what readahead did on each: bytes read, amplification, faults, pages
# added by cause and readahead waste, per strategy and kernel. For deciding on a
# kernel upgrade: the answer is in the counters. The Debian kernels boot under
# qemu (scripts/vm.sh: this machine's root read-only over 9p, the data on an ext4
# virtio disk, cgroup v2); "host" is this machine's own kernel, run directly.
#
# Under emulation (TCG) a guest runs many times slower than hardware: the merged
# report shows no time at all, only counters, and says so. The guests' disk gets
# the read_ahead_kb of the host disk holding build/ (or $RB_READ_AHEAD_KB): the same
# device setting, so that what differs is the kernel.
#
# usage: scripts/kernel-matrix.sh CONFIG [KERNEL...] [-- --set KEY=VALUE...]
#   KERNEL: host, or one of `scripts/kernel-matrix.sh --list`; default: all of them
#   writes results/kernel-matrix/<name>/<stamp>/{kernel-matrix.md, <kernel>/report.json}
#   RABENCH_BIN: the rabench to run (default: build/release/rabench, built if needed)
#
# Exit: 0 done, 1 a kernel's run failed (the others are still merged), 2 bad
# input (unknown kernel, bad config), 130 interrupted.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
. scripts/vm.sh

usage() {
	sed -n '/^# usage:/,/^#   RABENCH_BIN/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

[ $# -ge 1 ] || usage
case $1 in
--list) echo host; vm_known_kernels; exit 0 ;;
-h | --help) sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
config=$1
shift
kernels=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	kernels+=("$1")
	shift
done
[ "${1:-}" = -- ] && shift
sets=("$@")
[ ${#kernels[@]} -gt 0 ] || read -r -a kernels <<<"host $(vm_known_kernels | paste -sd' ')"

for k in "${kernels[@]}"; do
	if [ "$k" != host ] && ! vm_known_kernels | grep -qxF -- "$k"; then
		echo "kernel-matrix: unknown kernel '$k'; it can run: host $(vm_known_kernels | paste -sd' ')" >&2
		exit 2
	fi
done
rb=${RABENCH_BIN:-$root/build/release/rabench}
if [ -z "${RABENCH_BIN:-}" ]; then
	make -s rabench >/dev/null || { echo "kernel-matrix: cannot build rabench" >&2; exit 1; }
fi
ra_kb=${RB_READ_AHEAD_KB:-$(vm_host_read_ahead_kb "$root/build")}
[[ $ra_kb =~ ^[0-9]+$ ]] || { echo "kernel-matrix: RB_READ_AHEAD_KB: '$ra_kb' is not a number of KiB" >&2; exit 2; }
# the config is checked before any work: a bad one exits 2 here
name=$("$rb" run "$config" "${sets[@]}" --dry-run 2>"${TMPDIR:-/tmp}/km.$$" | sed -n 's/^name: *//p' | head -1)
if [ -z "$name" ]; then
	cat "${TMPDIR:-/tmp}/km.$$" >&2
	rm -f "${TMPDIR:-/tmp}/km.$$"
	exit 2
fi
rm -f "${TMPDIR:-/tmp}/km.$$"
dir=$root/results/kernel-matrix/$name/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dir"
echo "kernel-matrix: $config on ${kernels[*]} -> $dir" >&2

# One kernel: its report.json lands in $dir/<kernel>/report.json.
run_one() {
	local k=$1 kd="$dir/$1" stage size
	mkdir -p "$kd"
	if [ "$k" = host ]; then
		"$rb" run "$config" "${sets[@]}" --quiet --set "run.results_dir=$kd/results" >/dev/null &&
			cp "$(ls "$kd"/results/*/*/report.json | head -1)" "$kd/report.json"
		return
	fi
	vm_prepare "$k" || return
	# the data is prepared here, at the path the guest mounts its disk on
	stage=$root/build/kernel-matrix/$k
	rm -rf "$stage" && mkdir -p "$stage/data" || return
	"$rb" run "$config" "${sets[@]}" --quiet --set "run.cache_dir=$stage/data/cache" \
		--set "run.results_dir=$stage/prep" --set run.strategies=default --set run.repeats=1 \
		--set run.cache=warm --set run.probes=false --set run.memory_limit=0 --no-db >/dev/null || return
	size=$(($(du -sm "$stage/data" | cut -f1) * 2 + 512))
	vm_disk "$stage/disk.img" "$size" "$stage/data" || return
	VM_DISK_AT=$stage/data vm_run "$k" "$stage/disk.img" "$kd" "${RB_MATRIX_TIMEOUT:-600}" \
		sh -c 'echo "$1" >/sys/block/vda/queue/read_ahead_kb && shift && exec "$@"' _ "$ra_kb" \
		"$rb" run "$config" "${sets[@]}" --quiet --set "run.cache_dir=$stage/data/cache" \
		--set "run.results_dir=$kd/results" --no-db >"$kd/stdout" 2>"$kd/stderr" &&
		cp "$(ls "$kd"/results/*/*/report.json | head -1)" "$kd/report.json" &&
		# the guest's repository is read-only: its run joins the results database here
		{ "$rb" db import -q "$kd/report.json" ||
			echo "kernel-matrix: $k: not recorded into the results database" >&2; }
	local rc=$?
	rm -f "$stage/disk.img"
	return $rc
}

failed=()
reports=()
for k in "${kernels[@]}"; do
	echo "kernel-matrix: $k ..." >&2
	if run_one "$k" && [ -s "$dir/$k/report.json" ]; then
		reports+=("$dir/$k/report.json")
	else
		failed+=("$k")
		echo "kernel-matrix: $k failed (see $dir/$k/)" >&2
	fi
done
if [ ${#reports[@]} -gt 0 ]; then
	"$rb" report --counters "${reports[@]}" >"$dir/kernel-matrix.md.tmp" &&
		mv "$dir/kernel-matrix.md.tmp" "$dir/kernel-matrix.md"
	cat "$dir/kernel-matrix.md"
	echo "kernel-matrix: report $dir/kernel-matrix.md" >&2
fi
[ ${#failed[@]} -eq 0 ] || { echo "kernel-matrix: failed on ${failed[*]}" >&2; exit 1; }
