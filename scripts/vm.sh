# shellcheck shell=bash
# shellcheck disable=SC2015 # "a && b || die" is meant: die if either fails
# vm.sh — boot a Debian kernel under qemu, with this machine's root file system read-only
# over 9p, and run one command in it: the same rabench binary, tests and data, on another
# kernel (tracepoints, BTF, page-cache behaviour differ between kernels), without
# installing that kernel. Used by scripts/kernel-matrix.sh and tests/e2e_kernel_matrix.sh.
#
# Source it: it defines functions (and VM_SH, its own path) and changes no option of the
# calling shell. The kernels (.debs and what is built from them) live in build/kernels/
# (or $VM_KERNELS). Needs qemu-system-x86, busybox-static, cpio, kmod, e2fsprogs,
# xz-utils (6.12's modules are .ko.xz). Under TCG a boot takes seconds and times are
# meaningless; counters are what compare across kernels.
#
#   vm_known_kernels                       the matrix's kernel names: the newest 6.1 and 6.12
#                                          amd64 images Debian lists (apt-cache; cached a day in
#                                          build/kernels/resolved; offline: the newest cached
#                                          .deb, else pinned: 6.1.0-50-amd64,
#                                          6.12.100+deb12-amd64, 6.12.100+deb12-rt-amd64);
#                                          with RB_MATRIX_RT=1 also 6.12's PREEMPT_RT build
#                                          (opt-in: its guest took 6 min of the matrix test,
#                                          twice 6.12's). vm_prepare/vm_run take those or any
#                                          other Debian build of the three families
#                                          (6.1.0-N-amd64, 6.12.N+debV-amd64, ...-rt-amd64)
#   vm_resolved                            per family, "ROLE NAME VERSION SOURCE": ROLE 6.1,
#                                          6.12 or 6.12-rt; SOURCE apt, cached or pinned
#   vm_kernel_dir NAME                     build/kernels/NAME, what vm_prepare builds there
#   vm_host_read_ahead_kb PATH             read_ahead_kb of the host disk holding PATH
#   vm_prepare NAME                        build/kernels/NAME/{vmlinuz,initramfs.gz}, and
#                                          version (uname -r), package-version (the .deb's)
#                                          rc 2 unknown NAME, 3 cannot get the .deb or a
#                                          host tool (skip), 4 build failed; one "vm: " line
#   vm_disk IMG SIZE_MB DIR                an ext4 image holding DIR's files (the guest's /tmp)
#   vm_run NAME DISK OUTDIR TIMEOUT_S CMD...
#                                          run CMD in the guest, in the caller's cwd; returns
#                                          its status, 124 on timeout, 125 if it never ran
# In the guest: the host's / read-only (9p); DISK on /tmp, or on $VM_DISK_AT (an absolute
# path; /tmp is then the host's, read-only, and TMPDIR a tmpfs /var/tmp, so a caller
# working under /tmp still finds its folder) (DISK "": no disk, a tmpfs on /tmp); OUTDIR writable at its own
# path; root, in the caller's cwd (so not under the host's /tmp or /run), stdin /dev/null;
# stdout and stderr go to the console: OUTDIR/console.log, after the BIOS banner and a
# line "vm: command starts at S s of uptime". vm_run also writes OUTDIR/.vm_cmd,
# .vm_outdir (OUTDIR, disk path) and .vm_rc, and returns 125 when vm_prepare fails:
# call vm_prepare first to tell a skip (3) from a failure.
# Environment: VM_VERBOSE=1 copies the console to stderr as it comes; VM_ENV="NAME=VALUE
# NAME ..." passes variables to CMD (a bare NAME passes the caller's value).

VM_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/vm.sh

vm_host_read_ahead_kb() { # PATH: read_ahead_kb of the whole disk holding PATH (128 if unknown)
	local src pk dev
	src=$(df --output=source "$1" 2>/dev/null | tail -1)
	pk=$(lsblk -no PKNAME "$src" 2>/dev/null | head -1)
	dev=${pk:-${src##*/}}
	cat "/sys/block/$dev/queue/read_ahead_kb" 2>/dev/null || echo 128
}

# The kernels: the newest 6.1 and 6.12 images (and 6.12's PREEMPT_RT flavour) in Debian's
# lists, so that the matrix follows what Debian serves instead of rotting on a pinned
# build. Resolved with apt-cache (one apt-get update first if it finds nothing at all),
# cached for a day in CACHE/resolved; a family apt-cache does not list (offline, no
# lists) falls back to the newest .deb already in the cache, else to the pinned name.
# Each resolution says on stderr, in one "vm: " line, what it used.
_vm_pinned() { # ROLE: the name used when apt-cache and the cache have nothing
	case $1 in
	6.1) echo 6.1.0-50-amd64 ;;
	6.12) echo 6.12.100+deb12-amd64 ;;
	6.12-rt) echo 6.12.100+deb12-rt-amd64 ;;
	esac
}

_vm_family() { # ROLE: the ERE that a linux-image-NAME of that family matches (whole name)
	case $1 in # -cloud-amd64, -rt-amd64 (except for 6.12-rt), -dbg and -unsigned never match
	6.1) echo '^linux-image-6\.1\.[0-9]+(-[0-9]+)?(\+deb[0-9]+)?-amd64$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+(-[0-9]+)?(\+deb[0-9]+)?-amd64$' ;;
	6.12-rt) echo '^linux-image-6\.12\.[0-9]+(-[0-9]+)?(\+deb[0-9]+)?-rt-amd64$' ;;
	esac
}

_vm_resolve() { # CACHE: writes CACHE/resolved, lines "ROLE NAME VERSION SOURCE"
	local cache=$1 pkgs role re name ver src used=() tmp how
	pkgs=$(apt-cache search --names-only '^linux-image-6\.(1|12)\.' 2>/dev/null | cut -d' ' -f1)
	if [ -z "$pkgs" ] && command -v apt-get >/dev/null; then
		timeout 120 apt-get update -qq >/dev/null 2>&1
		pkgs=$(apt-cache search --names-only '^linux-image-6\.(1|12)\.' 2>/dev/null | cut -d' ' -f1)
	fi
	tmp=$(mktemp "$cache/.resolved.XXXXXX") || return 1
	for role in 6.1 6.12 6.12-rt; do
		re=$(_vm_family "$role")
		name=$(printf '%s\n' "$pkgs" | grep -E "$re" | sort -V | tail -n1)
		name=${name#linux-image-} src=apt
		if [ -n "$name" ]; then
			ver=$(apt-cache show --no-all-versions "linux-image-$name" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
		else # offline: the newest .deb of the family that an earlier run downloaded
			name=$(cd "$cache" && printf '%s\n' linux-image-*.deb | sed 's/_.*//' | grep -E "$re" | sort -V | tail -n1)
			name=${name#linux-image-} src=cached
			[ -n "$name" ] || { name=$(_vm_pinned "$role") src=pinned; }
			ver=$(set -- "$cache/linux-image-${name}"_*.deb && [ -f "$1" ] && dpkg-deb -f "$1" Version 2>/dev/null)
		fi
		echo "$role $name ${ver:--} $src" >>"$tmp"
		used+=("$name")
		[ "$src" = apt ] || used[-1]+=" ($src)"
	done
	chmod 644 "$tmp" && mv -f "$tmp" "$cache/resolved" || { rm -f "$tmp"; return 1; }
	if [ -n "$pkgs" ]; then
		how="the newest in apt-cache's lists; resolved again in a day"
	else
		how="apt-cache lists no linux-image-6.1/6.12 even after apt-get update (offline?); resolved again in an hour"
	fi
	echo "vm: kernels ${used[*]}: $how ($cache/resolved)" >&2
}

_vm_resolved() { # the lines of CACHE/resolved, resolved again when a day old (an hour
	# old if apt-cache had nothing: offline now, maybe not in an hour)
	local cache f=/nonexistent age=1440 role
	cache=$(_vm_cache 2>/dev/null) && f=$cache/resolved
	grep -q ' \(cached\|pinned\)$' "$f" 2>/dev/null && age=60
	if [ -n "$cache" ] && [ -z "$(find "$f" -mmin -"$age" 2>/dev/null)" ]; then
		_vm_resolve "$cache" || rm -f "$f"
	fi
	if [ -s "$f" ]; then
		cat "$f"
	else # no cache folder to write: the pinned names
		echo "vm: kernels pinned: cannot write ${cache:-the cache folder}/resolved" >&2
		for role in 6.1 6.12 6.12-rt; do echo "$role $(_vm_pinned "$role") - pinned"; done
	fi
}

vm_resolved() { # "ROLE NAME VERSION SOURCE" per family: 6.1, 6.12, 6.12-rt; SOURCE apt,
	_vm_resolved # cached (an earlier download) or pinned
}

vm_kernel_dir() { # NAME: the folder vm_prepare builds: vmlinuz, initramfs.gz, config,
	local cache # version (uname -r), package-version (the .deb's Version)
	cache=$(_vm_cache) && echo "$cache/$1"
}

vm_known_kernels() { # the matrix: newest 6.1 and 6.12; 6.12-rt too with RB_MATRIX_RT=1
	_vm_resolved | awk -v rt="${RB_MATRIX_RT:-0}" '$1 != "6.12-rt" || rt == 1 { print $2 }'
}

_vm_accepts() { # NAME: one of the three families (any build of it, not only the newest)
	local role
	for role in 6.1 6.12 6.12-rt; do
		[[ linux-image-$1 =~ $(_vm_family "$role") ]] && return 0
	done
	return 1
}

_vm_cache() { # the cache folder, absolute, created if missing
	local d=${VM_KERNELS:-${VM_SH%/scripts/vm.sh}/build/kernels}
	mkdir -p "$d" && (cd "$d" && pwd)
}

_vm_die() { # in a subshell: one "vm: " line on stderr, exit with $1
	local rc=$1
	shift
	echo "vm: $*" >&2
	exit "$rc"
}

_vm_fresh() { # kernel folder $1 has a kernel and an initramfs newer than this file
	[ -s "$1/vmlinuz" ] && [ -s "$1/initramfs.gz" ] && ! [ "$VM_SH" -nt "$1/initramfs.gz" ]
}

vm_prepare() {
	local name=${1:-} cache known
	if [[ -z $name ]] || ! _vm_accepts "$name"; then
		known=" $(RB_MATRIX_RT=1 vm_known_kernels | paste -sd' ') "
		echo "vm: unknown kernel ${name:-''}; known:${known% } (or another Debian 6.1, 6.12 or 6.12-rt amd64 build)" >&2
		return 2
	fi
	cache=$(_vm_cache) || { echo "vm: cannot get linux-image-$name: cannot create the cache folder" >&2; return 3; }
	_vm_fresh "$cache/$name" && return 0
	# one builder at a time; the second one finds the work done
	(
		flock 9 || _vm_die 3 "cannot get linux-image-$name: cannot lock $cache/.lock"
		_vm_fresh "$cache/$name" || _vm_build "$name" "$cache"
	) 9>"$cache/.lock"
}

_vm_tools() { # fails with a skip reason when a host tool is missing
	local t
	for t in apt-get dpkg-deb depmod modprobe cpio gzip xz flock qemu-system-x86_64; do
		command -v "$t" >/dev/null || _vm_die 3 "cannot get linux-image-$1: $t is not installed"
	done
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		_vm_die 3 "cannot get linux-image-$1: busybox-static is not installed"
	fi
}

_vm_build() ( # NAME CACHE: everything in a temp folder, renamed into place when complete
	local name=$1 cache=$2 tmp deb v m f n=0
	set +e -o pipefail # a subshell: the caller's options stay as they are
	shopt -u nullglob failglob
	_vm_tools "$name"
	tmp=$(mktemp -d "$cache/.build-$name.XXXXXX") || _vm_die 4 "cannot build $name: mktemp failed"
	trap 'rm -rf "$tmp"' EXIT
	trap 'rm -rf "$tmp"; _vm_stop "" INT' INT
	trap 'rm -rf "$tmp"; _vm_stop "" TERM' TERM HUP
	deb=$(_vm_fetch "$name" "$cache" "$tmp/dl") || exit 3
	echo "vm: building $cache/$name from ${deb##*/}" >&2
	dpkg-deb -x "$deb" "$tmp/x" || _vm_die 4 "cannot build $name: dpkg-deb -x $deb failed"
	v=$(ls "$tmp/x/lib/modules") && [ -f "$tmp/x/boot/vmlinuz-$v" ] || _vm_die 4 "cannot build $name: no kernel in $deb"
	depmod -b "$tmp/x" "$v" || _vm_die 4 "cannot build $name: depmod failed"
	for m in 9p 9pnet_virtio virtio_pci virtio_blk ext4; do # builtin ones print "builtin m"
		modprobe -C /dev/null -d "$tmp/x" -S "$v" --show-depends "$m" >>"$tmp/deps" ||
			_vm_die 4 "cannot build $name: modprobe cannot resolve $m"
	done
	mkdir -p "$tmp"/root/{bin,sbin,usr/bin,usr/sbin,lib/modules,proc,sys,dev,host,out} "$tmp/out"
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$tmp/deps" >"$tmp/mods"
	while read -r f; do # numbered, so that the guest's glob keeps the load order
		n=$((n + 1))
		m=$(printf '%02d-%s' "$n" "${f##*/}")
		m=${m%.xz} m=${m%.zst}
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -qdc "$f" ;;
		*) cat "$f" ;;
		esac >"$tmp/root/lib/modules/$m" || _vm_die 4 "cannot build $name: cannot decompress $f"
	done <"$tmp/mods"
	cp /bin/busybox "$tmp/root/bin/busybox" || _vm_die 4 "cannot build $name: cannot copy busybox"
	for f in $(/bin/busybox --list-full); do
		[ -e "$tmp/root/$f" ] || ln -s /bin/busybox "$tmp/root/$f"
	done
	_vm_init >"$tmp/root/init" && chmod 755 "$tmp/root/init"
	(cd "$tmp/root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -6) >"$tmp/out/initramfs.gz" ||
		_vm_die 4 "cannot build $name: cpio failed"
	cp "$tmp/x/boot/vmlinuz-$v" "$tmp/out/vmlinuz" && cp "$tmp/x/boot/config-$v" "$tmp/out/config" &&
		sed 's,.*/,,; s,\.ko.*,,' "$tmp/mods" >"$tmp/out/modules" && echo "$v" >"$tmp/out/version" &&
		dpkg-deb -f "$deb" Version >"$tmp/out/package-version" &&
		rm -rf "${cache:?}/$name" && mv "$tmp/out" "$cache/$name" || _vm_die 4 "cannot build $name: cannot install $cache/$name"
)

_vm_fetch() { # NAME CACHE DLDIR: prints the cached .deb, downloading it if missing
	local pkg=linux-image-$1 cache=$2 dl=$3 err
	set -- "$cache/${pkg}"_*.deb
	[ -f "${!#}" ] && { echo "${!#}"; return 0; }
	mkdir -p "$dl" && err=$(cd "$dl" && apt-get download "$pkg" 2>&1 >/dev/null)
	set -- "$dl/${pkg}"_*.deb
	if [ -f "$1" ] && mv "$1" "$cache/"; then
		echo "$cache/${1##*/}"
		return 0
	fi
	err=$(printf '%s\n' "$err" | grep -E '^E:' | tail -n1)
	echo "vm: cannot get $pkg: ${err:-apt-get download gave no .deb}" >&2
	return 3
}

vm_disk() { # IMG SIZE_MB DIR: an ext4 image holding DIR's files; no mount, no root needed
	local img=${1:-} mb=${2:-} dir=${3:-}
	if [ -z "$img" ] || ! [[ $mb =~ ^[0-9]+$ ]] || [ ! -d "$dir" ]; then
		echo "vm: usage: vm_disk IMG SIZE_MB DIR" >&2
		return 2
	fi
	rm -f "$img" && truncate -s "${mb}M" "$img" && mkfs.ext4 -q -F -m 0 -L vm-tmp -d "$dir" "$img" && return 0
	rm -f "$img"
	echo "vm: cannot make $img ($mb MB) from $dir" >&2
	return 1
}

_vm_init() { # the guest's /init (busybox sh): mount the host root, run OUTDIR/.vm_cmd in it
	cat <<'EOF'
#!/bin/sh
# written by scripts/vm.sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "vm: $*"; }
stop() { sync; poweroff -f; sleep 5; exit 1; }
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in /lib/modules/*.ko; do insmod "$m" || say "insmod ${m##*/} failed"; done
# the host root does not change during a run: cache=loose halves the 9p time of exec and stat
o="-o trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p $o,ro,cache=loose host /host || { say "cannot mount the host root"; stop; }
grep -q vm.probe /proc/cmdline && { echo VM-PROBE-OK; stop; }
mount -t 9p $o out /out || { say "cannot mount the out share"; stop; }
{ read -r out; read -r at; } </out/.vm_outdir
h=/host
mount -t proc proc $h/proc && mount -t sysfs sysfs $h/sys && mount -t devtmpfs devtmpfs $h/dev ||
	{ say "cannot mount proc, sys, dev in the host root"; stop; }
mount -t bpf bpf $h/sys/fs/bpf || say "no bpf fs"
mount -t tracefs tracefs $h/sys/kernel/tracing || say "no tracefs"
mount -t debugfs debugfs $h/sys/kernel/debug || say "no debugfs"
mount -t cgroup2 cgroup2 $h/sys/fs/cgroup && echo +memory >$h/sys/fs/cgroup/cgroup.subtree_control ||
	say "no cgroup2 with memory"
# the disk elsewhere: /tmp stays the host's (read-only), so that a caller working under
# /tmp (a CI clone) finds its folder; temporary files go to /var/tmp (TMPDIR)
tmpdir=/var/tmp
if [ "$at" = /tmp ]; then
	[ -b /dev/vda ] || mount -t tmpfs tmp $h/tmp
	tmpdir=/tmp
fi
mount -t tmpfs run $h/run; mount -t tmpfs tmp $h/var/tmp && chmod 1777 $h/var/tmp
mkdir -p $h/dev/shm $h/dev/pts; mount -t tmpfs shm $h/dev/shm; mount -t devpts devpts $h/dev/pts
if [ -b /dev/vda ]; then
	mkdir -p "$h$at" 2>/dev/null
	mount -t ext4 /dev/vda "$h$at" || { say "cannot mount /dev/vda on $at"; stop; }
fi
[ "$tmpdir" = /tmp ] && chmod 1777 $h/tmp
mkdir -p "$h$out" 2>/dev/null
mount -o bind /out "$h$out" || { say "cannot mount the out share on $out"; stop; }
stty -onlcr 2>/dev/null # LF lines in console.log
echo; say "command starts at $(cut -d' ' -f1 /proc/uptime) s of uptime"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=$tmpdir \
	LANG=C TERM=dumb chroot $h /bin/sh "$out/.vm_cmd" </dev/null
echo $? >/out/.vm_rc
stop
EOF
}

_vm_q() { # POSIX sh single quoting (the guest's /bin/sh is dash: no $'...' from %q)
	local s
	for s; do printf "'%s' " "${s//\'/\'\\\'\'}"; done
}

_vm_cmdfile() { # CMD...: the script the guest runs: env from VM_ENV, the caller's cwd, CMD
	local e envs=()
	read -r -a envs <<<"${VM_ENV:-}"
	echo "# written by scripts/vm.sh: what vm_run runs in the guest"
	for e in ${envs[@]+"${envs[@]}"}; do
		if [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
			[ -n "${!e+x}" ] || continue
			e="$e=${!e}"
		fi
		if [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
			echo "export $(_vm_q "$e")"
		else
			echo "vm: VM_ENV: ignoring $e" >&2
		fi
	done
	echo "cd $(_vm_q "$PWD")|| { echo 'vm: no such folder in the guest:' $(_vm_q "$PWD"); exit 125; }"
	echo "exec $(_vm_q "$@")"
}

_vm_qe() { printf '%s' "${1//,/,,}"; } # a qemu option value: commas doubled

_vm_kvm_probe() ( # KERNEL_DIR: one boot under KVM, 15 s at most; kvm.ok (the CPU) or kvm.no
	local cache=${1%/*} cpu end=$((SECONDS + 15)) left
	set +e +o pipefail
	trap '_vm_stop "" INT' INT # no verdict from an interrupted probe
	trap '_vm_stop "" TERM' TERM HUP
	for cpu in host qemu64; do # a good boot takes 2 s; on this VM both hang at "Booting from ROM"
		left=$((end - SECONDS))
		[ -w /dev/kvm ] && [ "$left" -ge 5 ] || break
		[ "$left" -le 12 ] || left=12
		if timeout --foreground -k 2 "$left" qemu-system-x86_64 -enable-kvm -cpu "$cpu" -m 512 \
			-nographic -nic none -no-reboot -kernel "$1/vmlinuz" -initrd "$1/initramfs.gz" \
			-append "console=ttyS0 quiet panic=-1 vm.probe" \
			-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on \
			</dev/null 2>&1 | grep -q VM-PROBE-OK; then
			echo "$cpu" >"$cache/kvm.ok"
			exit 0
		fi
	done
	echo "no KVM boot within 15 s ($(date -u +%FT%TZ))" >"$cache/kvm.no"
)

_vm_accel() { # KERNEL_DIR: the qemu accelerator options; KVM only if its probe booted
	local cache=${1%/*}
	[ -e "$cache/kvm.ok" ] || [ -e "$cache/kvm.no" ] || _vm_kvm_probe "$1"
	if [ -s "$cache/kvm.ok" ]; then
		echo "-enable-kvm -cpu $(cat "$cache/kvm.ok")"
	else
		# one host thread runs both vCPUs: with multi-threaded TCG a vCPU can run a
		# stale translation of kernel text another one just live-patched (static
		# keys, BPF trampolines); seen as a 6.12 guest's oops mid-NOP in __schedule
		echo "-accel tcg,thread=single -cpu max"
	fi
}

_vm_why() { # CONSOLE_LOG: one line on why the guest never ran the command
	local l
	l=$(grep -aE '^vm: |qemu-system-x86_64: |Kernel panic' "$1" | tr -d '\r' | tail -n1)
	echo "vm: the guest did not run the command: ${l:-see $1}" >&2
}

_vm_stop() { # PID SIGNAL: on Ctrl-C, stop qemu (through timeout) if any, then die of the signal
	[ -z "$1" ] || kill -TERM "$1" 2>/dev/null
	wait
	trap - "$2"
	kill -"$2" "$BASHPID"
}

vm_run() (
	local name=${1:-} disk=${2:-} out=${3:-} t=${4:-} k rc qpid='' tpid='' accel drive=()
	set +e +o pipefail
	[[ $# -ge 5 && $t =~ ^[0-9]+$ ]] || _vm_die 125 "usage: vm_run NAME DISK OUTDIR TIMEOUT_S CMD..."
	shift 4
	[[ $out == /* && -d $out ]] || _vm_die 125 "OUTDIR must be an existing absolute path: $out"
	[ -z "$disk" ] || [ -f "$disk" ] || _vm_die 125 "no disk image $disk"
	[[ ${VM_DISK_AT:-/tmp} == /* ]] || _vm_die 125 "VM_DISK_AT must be an absolute path: $VM_DISK_AT"
	[ -z "$disk" ] || drive=(-drive "file=$(_vm_qe "$disk"),if=virtio,format=raw")
	vm_prepare "$name" || exit 125
	k=$(_vm_cache)/$name
	trap '_vm_stop "$qpid" INT' INT
	trap '_vm_stop "$qpid" TERM' TERM HUP
	read -r -a accel <<<"$(_vm_accel "$k")"
	rm -f "$out/.vm_rc" && : >"$out/console.log" || _vm_die 125 "cannot write to $out"
	_vm_cmdfile "$@" >"$out/.vm_cmd" && printf '%s\n' "$out" "${VM_DISK_AT:-/tmp}" >"$out/.vm_outdir" ||
		_vm_die 125 "cannot write to $out"
	timeout --foreground -k 5 "$t" qemu-system-x86_64 "${accel[@]}" -m 2048 -smp 2 -nographic \
		-nic none -no-reboot -kernel "$k/vmlinuz" -initrd "$k/initramfs.gz" \
		-append "console=ttyS0 quiet loglevel=1 panic=-1" "${drive[@]}" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$(_vm_qe "$out"),mount_tag=out,security_model=none" \
		</dev/null >"$out/console.log" 2>&1 &
	qpid=$!
	if [ "${VM_VERBOSE:-0}" = 1 ]; then
		tail -n +1 -f --pid="$qpid" "$out/console.log" >&2 &
		tpid=$!
	fi
	wait "$qpid"
	rc=$?
	[ -z "$tpid" ] || wait "$tpid"
	if [ -s "$out/.vm_rc" ]; then
		rc=$(cat "$out/.vm_rc")
		[ "$rc" != 125 ] || _vm_why "$out/console.log"
		exit "$rc"
	fi
	case $rc in
	124 | 137) echo "vm: $name: timed out after ${t}s" >&2 && exit 124 ;;
	esac
	_vm_why "$out/console.log"
	exit 125
)
