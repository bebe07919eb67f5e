#!/usr/bin/env bash
# build-faiss-c.sh — build FAISS's C API library (libfaiss_c.a) from Debian's own
# faiss source package.
#
# Why: Debian's libfaiss-dev ships the C API *headers* but not the library. We fetch
# the matching source package with a private apt configuration (deb-src entries
# derived from the machine's own apt sources; the system's apt config is never
# edited), compile c_api/*.cpp against the installed FAISS headers and archive them.
#
# Usage: scripts/build-faiss-c.sh OUTDIR      (writes OUTDIR/libfaiss_c.a)
set -euo pipefail

out=${1:-build/faiss_c}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -f "$out/libfaiss_c.a" ]; then
	exit 0
fi

work="$out/src"
aptdir="$out/apt"
rm -rf "$work" "$aptdir"
mkdir -p "$work" "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
: > "$aptdir/sources.list"

# Derive deb-src entries from the system's sources (deb822 and one-line formats).
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
	sed 's/^Types:.*deb\b.*/Types: deb-src/' "$f" > "$aptdir/sources.list.d/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	grep -E '^[[:space:]]*deb[[:space:]]' "$f" | sed 's/^[[:space:]]*deb[[:space:]]/deb-src /' \
		>> "$aptdir/sources.list" || true
done

apt_opts=(-o "Dir::Etc::sourcelist=$aptdir/sources.list"
	-o "Dir::Etc::sourceparts=$aptdir/sources.list.d"
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
	-o "APT::Sandbox::User=root")

ver=$(dpkg-query -W -f='${source:Version}' libfaiss-dev 2>/dev/null || true)
if [ -z "$ver" ]; then
	echo "build-faiss-c: libfaiss-dev is not installed (run scripts/install.sh)" >&2
	exit 1
fi
echo "build-faiss-c: fetching faiss source $ver via private apt config" >&2
apt-get -qq "${apt_opts[@]}" update >&2
(cd "$work" && apt-get -qq "${apt_opts[@]}" source --download-only "faiss=$ver" >&2)
tar -C "$work" -xzf "$work"/faiss_*.orig.tar.gz
src=$(echo "$work"/faiss-*/c_api)
[ -d "$src" ] || { echo "build-faiss-c: no c_api in source package" >&2; exit 1; }

srcs=(AutoTune_c Clustering_c IndexFlat_c IndexIVFFlat_c IndexIVF_c IndexLSH_c
	IndexPreTransform_c VectorTransform_c IndexShards_c IndexReplicas_c Index_c
	IndexBinary_c IndexScalarQuantizer_c MetaIndexes_c clone_index_c error_impl
	index_factory_c index_io_c impl/AuxIndexStructures_c utils/distances_c)
mkdir -p "$work/obj"
objs=()
echo "build-faiss-c: compiling ${#srcs[@]} files" >&2
for s in "${srcs[@]}"; do
	o="$work/obj/$(basename "$s").o"
	objs+=("$o")
	g++ -std=c++11 -O2 -fPIC -fopenmp -I "$src/.." -c "$src/$s.cpp" -o "$o" &
	# two at a time: the build machines have 2 cores
	if (( ${#objs[@]} % 2 == 0 )); then wait; fi
done
wait
ar rcs "$out/libfaiss_c.a.tmp" "${objs[@]}"
mv "$out/libfaiss_c.a.tmp" "$out/libfaiss_c.a"
rm -rf "$work" "$aptdir"
echo "build-faiss-c: wrote $out/libfaiss_c.a" >&2
