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


MASK = 2**64 - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def stream_of(cfg, nq):
    """The query ids of the run's stream, as docs/configuration.md defines them:
    sequential 0..n-1; uniform and zipf draw from splitmix64 seeded with
    dataset.seed ^ 0x5eed5eed (zipf: inverse CDF over ranks weighted 1/r^s)."""
    count, kind = cfg["workload.queries"], cfg["workload.stream"]
    state = (cfg["dataset.seed"] ^ 0x5EED5EED) & MASK
    if kind == "sequential":
        return list(range(count))
    if kind == "uniform":
        ids = []
        for _ in range(count):
            state, z = splitmix64(state)
            ids.append(z % nq)
        return ids
    if kind != "zipf":
        sys.exit(f"bounds_check: workload.stream {kind} is not rebuilt here")
    cdf = np.cumsum(np.arange(1, nq + 1, dtype=np.float64) ** -cfg["workload.zipf_s"])
    ids = []
    for _ in range(count):
        state, z = splitmix64(state)
        u = (z >> 11) * (1.0 / 9007199254740992.0) * cdf[-1]
        ids.append(int(np.searchsorted(cdf, u, side="right")))
    return ids


def trace_of(report):
    cfg = report["config"]
    ds = report["dataset"]
    if cfg["workload.type"] != "ivf-search":
        sys.exit("bounds_check: an ivf-search run only")
    index = faiss.read_index(os.path.join(ds["index_dir"], "ivf.index"))
    ivf = faiss.extract_index_ivf(index)
    inv = faiss.downcast_InvertedLists(ivf.invlists)
    size = os.path.getsize(os.path.join(ds["index_dir"], "ivf.ivfdata"))
    raw = np.fromfile(os.path.join(ds["dir"], "queries.fvecs"), dtype="int32")
    dim = int(raw[0])
    queries = raw.reshape(-1, dim + 1)[:, 1:].copy().view("float32")
    ids = stream_of(cfg, len(queries))
    _, lists = ivf.quantizer.search(queries[ids], cfg["workload.nprobe"])
    trace = []

    def extent(off, length):
        if length == 0 or off >= size:
            return
        end = min(off + length, size)
        trace.extend(range(off // PAGE, (end - 1) // PAGE + 1))

    for q in range(len(ids)):
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
