#!/usr/bin/python3
"""bench_targets.py — the targets for bpf-prefetch (issue 22), from the reports of
one run per config (make bench, scripts/bench.sh).

usage: scripts/bench_targets.py REPORT.json...   (markdown on stdout)

Repeats are interleaved, so repeat r of bpf-prefetch and repeat r of the strategy
it is held against ran side by side: each ratio of a per-repeat figure (q/s,
bytes, I/O wait) is taken per repeat, and shown as its median with min..max. A
target is met only when the worst repeat meets it too ("met in the median only"
says when the median did and a repeat did not). "best" is the fixed strategy
(every one but bpf-prefetch) with the highest median q/s in the same run. Bytes
against the optimum are the report's own bounds (x_opt = proc_read_bytes /
opt_bytes, Belady's MIN at the page-cache room), the roofline its pct_roofline.
A percentile (p99) is never taken from one repeat's few queries: it is the
nearest-rank p99 of every query of all repeats pooled (one sample per search
call when queries are batched), and null with fewer than 100 samples. Reads
report.json only (no rabench code), so it checks rabench's figures with nothing
of rabench's.
"""
import json
import os
import math
import statistics
import sys


def per_repeat(d, strategy, clients=None):
    rows = [r for r in d["repeats"] if r["strategy"] == strategy
            and (clients is None or r.get("clients", 1) == clients)]
    return {r["repeat"]: r for r in rows}


def pooled_p99(d, strategy, clients=None):
    """Nearest-rank p99 over every repeat's samples, a batch counted once; (p99, n)."""
    v = []
    for r in d["repeats"]:
        if r["strategy"] != strategy or (clients is not None and r.get("clients", 1) != clients):
            continue
        step = max(1, r.get("batch") or 1)
        v += r["latency_samples_us"][::step]
    v.sort()
    if len(v) < 100:
        return float("nan"), len(v)
    return v[math.ceil(0.99 * len(v)) - 1], len(v)


def iowait(r):
    w = r.get("io_wait_us") or {}
    return float("nan") if w.get("mean") is None else w["mean"]


def fetch_iowait(r):
    """The fetch phase's I/O wait, all queries (rag's phase_io); NaN when not measured."""
    w = ((r.get("phase_io") or {}).get("fetch") or {}).get("io_wait_us") or {}
    return float("nan") if w.get("total") is None else w["total"]


def bound(r, key):
    b = r.get("bounds") or {}
    return float("nan") if b.get(key) is None else b[key]


FIGS = {
    "qps": lambda r: r["qps"],
    "amp": lambda r: r["read_amplification"],
    "bytes": lambda r: r["proc_read_bytes"],
    "iowait": iowait,
    "fetch-iowait": fetch_iowait,
    "xopt": lambda r: bound(r, "x_opt"),
    "roof": lambda r: bound(r, "pct_roofline"),
}

# (config name, figure, against (None: bpf-prefetch alone; "best": the best fixed
# strategy of the run), op, bound, label); "*" = every report given
TARGETS = [
    ("ivf-memlimit", "xopt", None, "<=", 1.2, "bytes x optimum"),
    ("ivf-memlimit", "qps", "willneed", ">=", 1.4, "q/s vs willneed"),
    ("ivf-zipf", "xopt", None, "<=", 1.25, "bytes x optimum"),
    ("ivf-zipf", "qps", "willneed", ">=", 1.5, "q/s vs willneed"),
    ("hnsw", "qps", "default", ">=", 0.95, "q/s vs default"),
    ("hnsw-memlimit", "qps", "best", ">=", 1.5, "q/s vs the best other strategy"),
    ("ivf", "roof", None, ">=", 80, "% of the roofline q/s"),
    ("ivf-bench", "roof", None, ">=", 80, "% of the roofline q/s"),
    ("rag-memlimit", "fetch-iowait", "default", "<=", 0.3, "fetch-phase I/O wait vs default"),
    ("*", "qps", "best", ">=", 0.95, "q/s vs the best fixed strategy"),
    # the earlier round's targets, kept
    ("ivf-bench", "qps", "willneed", ">=", 1.0, "q/s vs willneed"),
    ("ivf-bench", "p99", "willneed", "<=", 1.1, "p99 vs willneed"),
    ("ivf-clients", "qps", "willneed", ">=", 1.0, "q/s vs willneed, 8 clients"),
    ("ivf-clients", "p99", "willneed", "<=", 1.0, "p99 vs willneed, 8 clients"),
]


def best_fixed(d, clients=None):
    q = {}
    for s in d["summary"]["strategies"]:
        if s["name"] != "bpf-prefetch" and s.get("qps") and \
                (clients is None or s.get("clients", 1) == clients):
            q[s["name"]] = s["qps"]["median"]
    return max(q, key=q.get) if q else None


def ok(v, op, bound):
    return {">=": v >= bound, "<=": v <= bound, "<": v < bound}[op]


def row(name, label, op, bnd, vals, note=""):
    if not vals or any(v != v for v in vals):
        print(f"| {name} | {label} {op} {bnd} | — | {note or '—'} | {len(vals)} | not measured |")
        return
    med = statistics.median(vals)
    worst = min(vals) if op == ">=" else max(vals)
    if ok(worst, op, bnd):
        met = "met"
    elif ok(med, op, bnd):
        met = "**missed** (met in the median only)"
    else:
        met = "**missed**"
    print(f"| {name} | {label} {op} {bnd} | {med:.3f} | {min(vals):.3f}..{max(vals):.3f}"
          f"{' ' + note if note else ''} | {len(vals)} | {met} |")


def judge(d, name, fig, against, op, bnd, label):
    clients = 8 if name == "ivf-clients" else None
    if not any(r["strategy"] == "bpf-prefetch" for r in d["repeats"]):
        print(f"| {name} | {label} {op} {bnd} | — | bpf-prefetch did not run | 0 | not measured |")
        return
    if against == "best":
        against = best_fixed(d, clients)
        if not against:
            return
        label = f"{label} ({against})"
    if fig == "p99":
        (b, nb), (a, na) = pooled_p99(d, "bpf-prefetch", clients), pooled_p99(d, against, clients)
        if b != b or a != a or not a:
            print(f"| {name} | {label} {op} {bnd} | — | pooled: {nb}, {na} samples (< 100) "
                  f"| — | not measured |")
            return
        v = b / a
        met = "met" if ok(v, op, bnd) else "**missed**"
        print(f"| {name} | {label} {op} {bnd} | {v:.3f} | pooled p99 {b:.0f} / {a:.0f} us "
              f"({nb}, {na} samples) | all | {met} |")
        return
    bpf = per_repeat(d, "bpf-prefetch", clients)
    base = per_repeat(d, against, clients) if against else None
    vals = []
    for rep, r in sorted(bpf.items()):
        v = FIGS[fig](r)
        if base is not None:
            if rep not in base:
                continue
            b = FIGS[fig](base[rep])
            v = v / b if b else float("nan")
        vals.append(v)
    row(name, label, op, bnd, vals)


def main(paths):
    reports = {}
    for p in paths:
        try:
            d = json.load(open(p))
            d["repeats"], d["summary"]["strategies"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f"bench_targets: {p}: not a rabench report ({e})", file=sys.stderr)
            sys.exit(2)
        src = d.get("config_source") or ""
        reports[os.path.basename(src)[:-5] if src.endswith(".yaml") else d["config"]["name"]] = d
    print("\n## Targets: bpf-prefetch, ratio per interleaved repeat (p99: of the pooled samples)\n")
    print("| config | target | median | min..max | repeats | met |")
    print("| --- | --- | ---: | --- | ---: | --- |")
    for name, fig, against, op, bnd, label in TARGETS:
        for n in (sorted(reports) if name == "*" else [name]):
            if n in reports:
                judge(reports[n], n, fig, against, op, bnd, label)


if __name__ == "__main__":
    main(sys.argv[1:])
