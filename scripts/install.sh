#!/usr/bin/env bash
# install.sh — install what rabench needs from Debian's packages, then build it.
#
#   scripts/install.sh            install missing packages (apt-get) and run `make`
#   scripts/install.sh --deps     install missing packages only (what .ci/run uses)
#
# Needs root (or sudo) only when a package is missing. FAISS's C API library is
# not in Debian's libfaiss-dev; `make` builds it once from Debian's faiss source
# package (scripts/build-faiss-c.sh) unless an installed libfaiss_c exists.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	build-essential g++ make pkg-config dpkg-dev
	libfaiss-dev libopenblas-dev liblapack-dev
	libyaml-dev libjson-c-dev libxxhash-dev
	libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev
	libcmocka-dev hyperfine
	# the kernel matrix: Debian kernels booted under qemu (tests/kernel-matrix.sh)
	qemu-system-x86 busybox-static cpio kmod e2fsprogs xz-utils
	python3 python3-jsonschema
	# the external client and the plain script that rabench prefetch serves (tests, docs/external-processes.md)
	python3-faiss
	# the stores RAG servers run: an HNSW graph (hnswlib; the Python binding checks recall),
	# LMDB and SQLite chunk stores
	libhnswlib-dev python3-hnswlib liblmdb-dev libsqlite3-dev
	# the results database: libpq (PostgreSQL's client library) and, for its tests, the server
	libpq-dev postgresql
	# the live view (ncurses) and its test in a real terminal (tmux)
	libncurses-dev tmux
	chromium fonts-dejavu-core
	# data no one here wrote: a text corpus (WordNet glosses) and a real vector set
	wordnet-base dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "install: installing ${missing[*]}" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "install: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
		sudo=sudo
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "install: all ${#packages[@]} packages present" >&2
fi

[ "${1:-}" = "--deps" ] && exit 0
make -j"$(nproc)"
echo "install: built ./rabench — try: ./rabench run configs/ivf.yaml" >&2
