/*
 * faiss_bridge — the few FAISS operations the C API (1.7.3) does not have, in one
 * C++ file behind this C header: moving an IVF index's inverted lists into an
 * on-disk .ivfdata file (OnDiskInvertedLists + merge_from + replace_invlists),
 * reading back the byte extents of each list, the mapping FAISS made of the file,
 * and FAISS's own prefetch thread count. Works on IVF indexes wrapped in
 * pre-transforms too (extract_index_ivf). Functions return 0 or -1 and set the
 * message returned by rbf_last_error().
 */
#ifndef RB_FAISS_BRIDGE_H
#define RB_FAISS_BRIDGE_H

#include <stddef.h>
#include <stdint.h>
#include <faiss/c_api/Index_c.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The C++ IO_FLAG_MMAP (the 1.7.3 C header's FAISS_IO_FLAG_MMAP is 1, which does not mmap). */
#define RBF_IO_FLAG_MMAP 0x646f0008
#define RBF_IO_FLAG_READ_ONLY 2

const char *rbf_last_error(void);

/* Replace idx's in-memory inverted lists by OnDiskInvertedLists stored in ivfdata_path. */
int rbf_ivf_to_ondisk(FaissIndex *idx, const char *ivfdata_path);

/*
 * Set the .ivfdata path recorded in the index (what faiss_write_index_fname stores
 * and a later read mmaps) without touching the current mapping: lets an index be
 * built in a temporary folder and written naming its final location.
 */
int rbf_ivf_set_ondisk_filename(FaissIndex *idx, const char *ivfdata_path);

/* The .ivfdata path the OnDisk lists record, into buf[len]. */
int rbf_ivf_ondisk_filename(FaissIndex *idx, char *buf, size_t len);

/* Number of inverted lists; -1 if idx is not IVF. */
int64_t rbf_ivf_nlist(FaissIndex *idx);

/* Byte extents of list_no in the .ivfdata: its codes and its ids. */
int rbf_ivf_list_extents(FaissIndex *idx, int64_t list_no, uint64_t *codes_off, uint64_t *codes_len,
			 uint64_t *ids_off, uint64_t *ids_len);

/* FAISS's mapping of the .ivfdata (OnDiskInvertedLists::ptr, totsize). */
int rbf_ivf_mapping(FaissIndex *idx, void **ptr, size_t *len);

/* OnDiskInvertedLists::prefetch_nthread (FAISS default 32; 0 = no prefetch threads). */
int rbf_ivf_set_prefetch_threads(FaissIndex *idx, int nthreads);

int rbf_ivf_set_nprobe(FaissIndex *idx, int64_t nprobe);

/* The lists the coarse quantizer picks for n queries: lists[n * nprobe]. */
int rbf_ivf_assign(FaissIndex *idx, const float *x, int64_t n, int64_t nprobe, int64_t *lists);

#ifdef __cplusplus
}
#endif
#endif
