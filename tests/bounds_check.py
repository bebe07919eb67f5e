"""bounds_check.py — an independent check of a report's bounds (report.json's
repeats[].bounds) for an ivf-search run: python3-faiss reads the same on-disk
IVF index, assigns each query of the run's stream to its nprobe lists with the
index's own quantizer, takes each list's codes and ids extents from FAISS's
OnDiskInvertedLists (offset, size, capacity), and replays those pages through
its own Belady MIN and LRU at the report's page-cache room. Shares no code with
rabench (no import of its C, its helpers or its test files).

usage: /usr/bin/python3 bounds_check.py REPORT.json
prints one line per repeat and exits 1 when a figure differs.
"""
import heapq
import json
import os
import sys
from collections import OrderedDict

import faiss
import numpy as np

PAGE = 4096


def trace_of(report):
    cfg = report["config"]
    ds = report["dataset"]
    if cfg["workload.type"] != "ivf-search" or cfg["workload.stream"] != "sequential":
        sys.exit("bounds_check: an ivf-search run with workload.stream sequential only")
    index = faiss.read_index(os.path.join(ds["index_dir"], "ivf.index"))
    ivf = faiss.extract_index_ivf(index)
    inv = faiss.downcast_InvertedLists(ivf.invlists)
    size = os.path.getsize(os.path.join(ds["index_dir"], "ivf.ivfdata"))
    raw = np.fromfile(os.path.join(ds["dir"], "queries.fvecs"), dtype="int32")
    dim = int(raw[0])
    queries = raw.reshape(-1, dim + 1)[:, 1:].copy().view("float32")
    nq, nprobe = cfg["workload.queries"], cfg["workload.nprobe"]
    _, lists = ivf.quantizer.search(queries[:nq], nprobe)
    trace = []

    def extent(off, length):
        if length == 0 or off >= size:
            return
        end = min(off + length, size)
        trace.extend(range(off // PAGE, (end - 1) // PAGE + 1))

    for q in range(nq):
        for l in lists[q]:
            if l < 0:
                continue
            one = inv.lists.at(int(l))
            off = 0 if one.offset == 2**64 - 1 else one.offset
            extent(off, one.size * inv.code_size)
            extent(off + one.capacity * inv.code_size, one.size * 8)
    return trace


def lru_misses(trace, cap):
    cache, misses = OrderedDict(), 0
    for p in trace:
        if p in cache:
            cache.move_to_end(p)
            continue
        misses += 1
        if len(cache) >= cap:
            cache.popitem(last=False)
        cache[p] = True
    return misses


def opt_misses(trace, cap):
    nxt, last = [0] * len(trace), {}
    for i in range(len(trace) - 1, -1, -1):
        nxt[i] = last.get(trace[i], float("inf"))
        last[trace[i]] = i
    resident, heap, misses = {}, [], 0   # page -> its next use; max-heap of (-next, page)
    for i, p in enumerate(trace):
        if p not in resident:
            misses += 1
            while len(resident) >= cap:
                n, q = heapq.heappop(heap)
                if resident.get(q) == -n:   # skip entries a later use made stale
                    del resident[q]
        resident[p] = nxt[i]
        heapq.heappush(heap, (-nxt[i], p))
    return misses


def main():
    report = json.load(open(sys.argv[1]))
    trace = trace_of(report)
    unique = len(set(trace))
    bad = 0
    for r in report["repeats"]:
        b = r["bounds"]
        room = b["room_bytes"]
        cap = room // PAGE if room else len(trace) + 1
        want = {"trace_pages": len(trace), "unique_bytes": unique * PAGE,
                "opt_bytes": opt_misses(trace, cap) * PAGE,
                "lru_bytes": lru_misses(trace, cap) * PAGE}
        got = {k: b[k] for k in want}
        ok = got == want
        bad += not ok
        print(f"{r['strategy']} repeat {r['repeat']}: room {room} "
              f"{'agrees' if ok else 'DIFFERS'}: rabench {got} python3-faiss {want}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
