"""faiss_search.py — a plain FAISS search script that knows nothing of rabench, as
a RAG server's retrieval step would run it: read an IVF index whose lists are on
disk with faiss.read_index (python3-faiss, which mmaps the .ivfdata), search the
first N queries of an .fvecs file one at a time, print this process's major faults
during the searches, their seconds and a digest of the result ids. tests/e2e_prefetch.sh runs it
plain and under `rabench prefetch`.

usage: /usr/bin/python3 faiss_search.py INDEX QUERIES.fvecs N [NPROBE] [SLEEP_S] [SLEEP_AFTER_LOAD_S]
"""
import resource
import sys
import time

import faiss
import numpy as np


def main():
    index_path, queries_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nprobe = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    if len(sys.argv) > 5:
        time.sleep(float(sys.argv[5]))  # --pid mode: time for the agent to attach
    index = faiss.read_index(index_path)
    faiss.extract_index_ivf(index).nprobe = nprobe
    if len(sys.argv) > 6:
        time.sleep(float(sys.argv[6]))  # a server between loading its index and serving
    raw = np.fromfile(queries_path, dtype="int32")
    dim = int(raw[0])
    queries = raw.reshape(-1, dim + 1)[:, 1:].copy().view("float32")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_majflt
    t0 = time.monotonic()
    digest = 0
    for i in range(n):
        _, ids = index.search(queries[i:i + 1], 10)
        digest = (digest * 31 + int(ids.sum())) % (1 << 61)
    search_s = time.monotonic() - t0
    majflt = resource.getrusage(resource.RUSAGE_SELF).ru_majflt - before
    print(f"majflt {majflt} search_s {search_s:.4f} digest {digest}", flush=True)


if __name__ == "__main__":
    main()
