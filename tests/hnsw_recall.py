#!/usr/bin/python3
"""hnsw_recall.py — recall@k of an HNSW index file as python3-hnswlib computes it.

usage: hnsw_recall.py HNSW.bin QUERIES.fvecs GROUNDTRUTH.ivecs K EF NQ

Loads the file rabench built with Debian's python3-hnswlib (the same hnswlib,
its own loader and search: none of rabench's code), searches the first NQ
queries with ef EF and prints the mean recall@K against the ground truth's
first K neighbours (ids -1 never match), the way rabench defines it.
"""
import sys

import hnswlib
import numpy as np


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    rows = raw.reshape(-1, dim + 1)[:, 1:]
    return rows.view(dtype) if dtype != np.int32 else rows


def main(index_path, queries, gt, k, ef, nq):
    k, ef, nq = int(k), int(ef), int(nq)
    q = read_vecs(queries, np.float32)[:nq]
    truth = read_vecs(gt, np.int32)[:nq, :k]
    index = hnswlib.Index(space="l2", dim=q.shape[1])
    index.load_index(index_path)
    index.set_ef(ef)
    index.set_num_threads(1)
    labels, _ = index.knn_query(q, k=k)
    hits = sum(len(set(int(x) for x in labels[i]) & set(int(x) for x in truth[i] if x >= 0))
               for i in range(nq))
    print("%.17g" % (hits / (k * nq)))


if __name__ == "__main__":
    main(*sys.argv[1:])
