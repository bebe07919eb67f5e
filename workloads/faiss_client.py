"""faiss_client.py — an external client for `rabench run CONFIG -- CMD`: FAISS from
Python (Debian's python3-faiss), as RAG servers wrap it, answering rabench's line
protocol (workloads/ivf_client.c) on stdin/stdout:

  environment  RABENCH_INDEX, RABENCH_QUERIES (.fvecs), RABENCH_K, RABENCH_NPROBE
  we say       "ready"                  once faiss.read_index has loaded the index
  rabench      "q ID [ID...]"           query ids (several: one batched search)
  we answer    "r ID HIT1 ... HITk"     one line per id, in order
  rabench      closes stdin             we exit

faiss.read_index maps the index's on-disk lists (.ivfdata) as the C++ reader does;
searches go through IndexIVF::search, whose OnDiskInvertedLists::prefetch_lists
call is where bpf-prefetch's uprobe sees the probed lists.

usage: /usr/bin/python3 workloads/faiss_client.py
"""
import os
import sys

import faiss
import numpy as np


def load_queries(path):
    raw = np.fromfile(path, dtype="int32")
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view("float32")


def main():
    index = faiss.read_index(os.environ["RABENCH_INDEX"])
    faiss.extract_index_ivf(index).nprobe = int(os.environ["RABENCH_NPROBE"])
    k = int(os.environ["RABENCH_K"])
    queries = load_queries(os.environ["RABENCH_QUERIES"])
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] != "q":
            sys.stderr.write(f"faiss_client: not a request: {line!r}\n")
            return 2
        ids = [int(w) for w in words[1:]]
        _, hits = index.search(queries[ids], k)
        for qid, row in zip(ids, hits):
            out.write("r %d %s\n" % (qid, " ".join(str(int(h)) for h in row)))
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
