#!/usr/bin/env bash
# e2e_kernel_matrix.sh — the eBPF half on the kernels people run: Debian 12's stock
# 6.1 and its 6.12 backport, the newest builds Debian serves (scripts/vm.sh resolves
# them with apt-cache; pinned ones offline), booted under qemu with this machine's
# root read-only over 9p and the test data on an ext4 virtio disk, the memory
# controller on cgroup v2. In each guest, tests/kernel_matrix_guest.sh runs the BPF
# known-answer tests (also with kprobes forced), the bpf-prefetch agent's tests, the
# probe, bpf-prefetch and memory-limit end-to-end tests and configs/ci.yaml under
# every strategy. Its checks come back as "ok N - [KERNEL] ..." lines.
#
# A kernel that cannot be had (no network for apt-get download, a host tool
# missing) is a skip with its reason, never a pass. RB_MATRIX_KERNELS="..." picks the kernels (default: all
# that scripts/vm.sh knows); RB_MATRIX_RT=1 adds 6.12's PREEMPT_RT build to those;
# RB_MATRIX_TIMEOUT the seconds a guest may take. Per kernel, a line
# "# [NAME] booted: <the guest's uname -r> (<the .deb's version>)".
#
# usage: tests/e2e_kernel_matrix.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib_e2e.sh"
e2e_init kernel-matrix "${1:-build/asan}"
. scripts/vm.sh

kernels=${RB_MATRIX_KERNELS:-$(vm_known_kernels | paste -sd' ')}
vm_resolved | while read -r role name ver src; do
	echo "# kernel $role: $name ($ver, from $src)$([ "$role" != 6.12-rt ] || [ "${RB_MATRIX_RT:-0}" = 1 ] || echo '; not in the default matrix: RB_MATRIX_RT=1 adds it')"
done
timeout_s=${RB_MATRIX_TIMEOUT:-420}

# The guest's lines, numbered and labelled with the kernel.
relay() {
	local k=$1 line
	while IFS= read -r line; do
		case $line in
		"ok - "* | "not ok - "*)
			n=$((n + 1))
			echo "${line%% - *} $n - [$k] ${line#* - }"
			;;
		"#"*) echo "$line" ;;
		esac
	done
}

# Data the guest reads: configs/ci.yaml's dataset and index, prepared here at the
# path the guest mounts its disk on (FAISS keeps the .ivfdata path in the index).
stage_data() {
	local stage=$1
	mkdir -p "$stage" &&
		"$rb" run configs/ci.yaml --quiet --set "run.cache_dir=$stage/test-cache" \
			--set "run.results_dir=$stage/prep" --set run.strategies=default \
			--set run.repeats=1 --set run.cache=warm --set run.probes=false >/dev/null &&
		rm -rf "$stage/prep"
}

run_kernel() {
	local k=$1 kdir="$work/$k" rc booted
	mkdir -p "$kdir/out"
	vm_prepare "$k" 2>"$kdir/prep.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 3 ]; then
			skip "[$k] the kernel matrix" "$(tr '\n' ' ' <"$kdir/prep.err")"
		else
			n=$((n + 1))
			echo "not ok $n - [$k] kernel prepared"
			sed 's/^/#   /' "$kdir/prep.err"
		fi
		return
	fi
	check "[$k] test data staged on an ext4 image" bash -c \
		"$(declare -f stage_data); rb='$rb'; stage_data '$kdir/data' && . scripts/vm.sh && vm_disk '$kdir/disk.img' 1536 '$kdir/data'"
	[ -f "$kdir/disk.img" ] || return
	VM_DISK_AT="$kdir/data" VM_ENV="RB_READ_AHEAD_KB=$host_ra" vm_run "$k" "$kdir/disk.img" "$kdir/out" "$timeout_s" \
		bash -c 'bash tests/kernel_matrix_guest.sh "$1" "$2" "$3" >"$3/tap.txt" 2>&1' _ \
		"$build" "$kdir/data" "$kdir/out" 2>"$kdir/vm.err"
	rc=$?
	booted=$(cat "$kdir/out/uname-r" 2>/dev/null)
	echo "# [$k] booted: ${booted:-unknown (the guest wrote no uname -r)} ($(cat "$(vm_kernel_dir "$k")/package-version" 2>/dev/null || echo 'package version unknown'))"
	[ -f "$kdir/out/tap.txt" ] && relay "$k" <"$kdir/out/tap.txt"
	[ -z "$booted" ] || check "[$k] the guest ran the kernel prepared (uname -r $booted)" \
		test "$booted" = "$(cat "$(vm_kernel_dir "$k")/version" 2>/dev/null)"
	check "[$k] the guest ran to the end (vm_run status $rc)" bash -c \
		"test $rc -eq 0 || { cat '$kdir/vm.err'; tail -30 '$kdir/out/console.log'; false; }"
	rm -f "$kdir/disk.img"
}

# the product script's input checks (no guest boots for these)
check "kernel-matrix.sh: an unknown kernel exits 2 and lists what it can run" bash -c \
	"RABENCH_BIN='$rb' scripts/kernel-matrix.sh configs/ci.yaml 9.9-nosuch 2>'$work/km.err'; test \$? -eq 2 && grep -qF \"unknown kernel '9.9-nosuch'; it can run: host $(vm_known_kernels | paste -sd' ')\" '$work/km.err'"
check "kernel-matrix.sh: a bad config exits 2 before any boot" bash -c \
	"RABENCH_BIN='$rb' scripts/kernel-matrix.sh configs/ci.yaml host -- --set workload.nprobe=0 2>'$work/km.err'; test \$? -eq 2 && grep -q 'workload.nprobe' '$work/km.err'"

# the guests' disk gets the host disk's read_ahead_kb: same device setting, same answers
host_ra=$(vm_host_read_ahead_kb "$scratch")
for k in $kernels; do
	run_kernel "$k"
done
