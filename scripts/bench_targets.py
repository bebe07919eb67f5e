#!/usr/bin/python3
"""bench_targets.py — the targets for bpf-prefetch, from make bench's reports.

usage: scripts/bench_targets.py REPORT.json...   (markdown on stdout)

Repeats are interleaved, so repeat r of bpf-prefetch and repeat r of the strategy
it is held against ran side by side: each ratio of a per-repeat figure (q/s,
bytes, I/O wait) is taken per repeat, and shown as its median with min..max. A
target is met when the median meets it ("every repeat" says whether the worst
repeat did too). A percentile (p99) is never taken from one repeat's few queries:
it is the nearest-rank p99 of every query of all repeats pooled (one sample per
search call when queries are batched), and null with fewer than 100 samples.
Reads report.json only (no rabench code), so it checks rabench's figures with
nothing of rabench's.
"""
import json
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


FIGS = {
    "qps": lambda r: r["qps"],
    "amp": lambda r: r["read_amplification"],
    "bytes": lambda r: r["proc_read_bytes"],
    "iowait": iowait,
}

# (config name, figure, against (None: bpf-prefetch alone), op, bound, label)
TARGETS = [
    ("ivf-bench", "qps", "willneed", ">=", 1.0, "q/s vs willneed"),
    ("ivf-bench", "p99", "willneed", "<=", 1.1, "p99 vs willneed"),
    ("ivf-bench", "amp", None, "<=", 1.02, "read amplification"),
    ("ivf-memlimit", "qps", "willneed", ">=", 1.0, "q/s vs willneed"),
    ("ivf-memlimit", "amp", None, "<=", 1.2, "read amplification"),
    ("ivf-zipf", "qps", "willneed", ">=", 1.2, "q/s vs willneed"),
    ("ivf-zipf", "bytes", "willneed", "<", 1.0, "bytes read vs willneed"),
    ("ivf-clients", "qps", "willneed", ">=", 1.0, "q/s vs willneed, 8 clients"),
    ("ivf-clients", "p99", "willneed", "<=", 1.0, "p99 vs willneed, 8 clients"),
    ("flat-scan", "qps", "default", ">=", 0.95, "q/s vs default"),
]
for name in ("ivf-bench", "ivf-memlimit", "ivf-zipf", "ivf-clients"):
    TARGETS.append((name, "iowait", "willneed", "<=", 1.1, "I/O wait per query vs willneed"))


def ok(v, op, bound):
    return {">=": v >= bound, "<=": v <= bound, "<": v < bound}[op]


def main(paths):
    reports = {}
    for p in paths:
        d = json.load(open(p))
        reports[d["config"]["name"]] = d
    print("\n## Targets: bpf-prefetch, ratio per interleaved repeat (p99: of the pooled samples)\n")
    print("| config | target | median | min..max | repeats | met |")
    print("| --- | --- | ---: | --- | ---: | --- |")
    for name, fig, against, op, bound, label in TARGETS:
        d = reports.get(name)
        if not d:
            continue
        clients = 8 if name == "ivf-clients" else None
        if fig == "p99":
            (b, nb), (a, na) = pooled_p99(d, "bpf-prefetch", clients), pooled_p99(d, against, clients)
            if b != b or a != a or not a:
                print(f"| {name} | {label} {op} {bound} | — | pooled: {nb}, {na} samples (< 100) "
                      f"| — | not measured |")
                continue
            v = b / a
            met = "met" if ok(v, op, bound) else "**missed**"
            print(f"| {name} | {label} {op} {bound} | {v:.3f} | pooled p99 {b:.0f} / {a:.0f} us "
                  f"({nb}, {na} samples) | all | {met} |")
            continue
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
        if not vals or any(v != v for v in vals):
            print(f"| {name} | {label} {op} {bound} | — | — | {len(vals)} | not measured |")
            continue
        med = statistics.median(vals)
        worst = min(vals) if op == ">=" else max(vals)
        met = "met" if ok(med, op, bound) else "**missed**"
        if ok(med, op, bound) and not ok(worst, op, bound):
            met += " (not in every repeat)"
        print(f"| {name} | {label} {op} {bound} | {med:.3f} | {min(vals):.3f}..{max(vals):.3f} "
              f"| {len(vals)} | {met} |")


if __name__ == "__main__":
    main(sys.argv[1:])
