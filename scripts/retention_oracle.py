#!/usr/bin/python3
"""retention_oracle.py — how close could a frequency-based retention policy get to
the optimum on a run's own queries? For bpf-prefetch's retention (issue 22, item 2).

usage: /usr/bin/python3 scripts/retention_oracle.py REPORT.json

Rebuilds the run's page trace with python3-faiss (tests/bounds_check.py's trace_of:
every query's list extents, page by page, in stream order; sequential, uniform and
zipf streams, rebuilt from the seed), then replays it with the page-cache room of the
report's first repeat (bounds.room_bytes) under policies that know each page's
*true* use count over the whole run: the most used pages pinned in a share of the
room, every other page read at each use (pin only) or through LRU in the rest of
the room (pin + LRU). Prints the pages read against the report's opt_bytes
(Belady's MIN). A learned policy does no better than these; on ivf-memlimit.yaml
(2026-12-03) pin 90 % + LRU read 1.20x the optimum, LRU alone 1.46x, and the agent
1.48x; on ivf-zipf.yaml the best of them, the whole room pinned, 1.31x (LRU 1.78x).
Reads the report and the index only (no rabench code).
"""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
import bounds_check as bc  # noqa: E402  (trace_of, lru_misses, PAGE)


def main(path):
    try:
        rep = json.load(open(path))
        b = rep["repeats"][0].get("bounds")
    except (OSError, ValueError, KeyError, IndexError) as e:
        print(f"retention_oracle: {path}: not a rabench report ({e})", file=sys.stderr)
        sys.exit(2)
    if not b or not b.get("room_bytes"):
        print(f"retention_oracle: {path}: no bounds with a room (run.memory_limit)", file=sys.stderr)
        sys.exit(2)
    trace = bc.trace_of(rep)
    room = b["room_bytes"] // bc.PAGE
    opt = b["opt_bytes"] // bc.PAGE
    cnt = collections.Counter(trace)
    order = [p for p, _ in cnt.most_common()]
    print(f"trace {len(trace)} pages, {len(cnt)} distinct, room {room}, "
          f"MIN {opt}, LRU {b['lru_bytes'] // bc.PAGE} ({b['lru_bytes'] / b['opt_bytes']:.3f}x)")
    for share in (0.5, 0.7, 0.9, 1.0):
        pinned = set(order[:int(room * share)])
        only = len(pinned) + sum(c for p, c in cnt.items() if p not in pinned)
        line = f"pin {share:.0%} of the room: {only / opt:.3f}x MIN"
        if share < 1.0:
            rest = [p for p in trace if p not in pinned]
            lru = len(pinned) + bc.lru_misses(rest, room - len(pinned))
            line += f"; + LRU in the rest: {lru / opt:.3f}x MIN"
        print(line)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: retention_oracle.py REPORT.json", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
