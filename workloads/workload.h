/*
 * workload — the ops table every workload fills (fio's ioengine_ops pattern).
 *
 * A workload opens the on-disk artifacts of a prepared dataset once (one instance:
 * the index, the files, the strategy applied to them), runs queries from one or
 * more clients (threads, each with scratch of its own: struct rb_client), says
 * which byte extents of which files a query touched (so "bytes needed" is known
 * exactly) and closes everything again. Adding a workload is one new file in
 * workloads/ and one line in workloads/registry.c.
 */
#ifndef RB_WORKLOAD_H
#define RB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RB_WORKLOAD_VERSION 3   /* 2: per-client ops (struct rb_client); 3: flags */
#define RB_MAX_FILES 8
#define RB_MAX_PHASES 4

#include "params.h"
struct rb_dataset;

/* One file the workload reads during queries: what strategies and cache control act on. */
#define RB_MAX_MORE_FDS 64

struct rb_file {
	char path[512];
	int fd;              /* an fd the workload reads with read/pread, or -1 */
	void *map;           /* a mapping the workload faults on, or NULL */
	size_t map_len;
	uint64_t size;       /* file size in bytes */
	/*
	 * More descriptors of the same file the workload reads through (a database
	 * connection per client, each with its own): a strategy's per-descriptor advice
	 * (FADV_RANDOM) goes to each. Registered before the strategy applies.
	 */
	int more_fds[RB_MAX_MORE_FDS];
	int n_more_fds;
	/* a hint names this file's extents before they are read (the index kind's RB_INDEX_PRIOR_HINTS) */
	bool prior_hints;
};

/* A byte range of one file (index into rb_workload.files). */
struct rb_extent {
	int file;
	uint64_t offset, len;
};

/* What one query returned and touched. */
struct rb_query_result {
	const int64_t *ids;  /* k result ids, owned by the client */
	const struct rb_extent *extents; /* owned by the client, valid until its next query */
	size_t n_extents;
	/* Optional (ops->phase_names): microseconds of each phase of this query. */
	double phase_us[RB_MAX_PHASES];
	/*
	 * Optional: the workload's own recall of this query, used instead of
	 * recall@k against the dataset's ground truth when has_recall is set
	 * (chunk-fetch, rag: 1 when the chunk the query was made from is among
	 * the k fetched, else 0; NaN when that cannot be known).
	 */
	bool has_recall;
	double recall;
	/*
	 * Optional, with phase_us: each phase's I/O wait (from rb_client.io_wait_ns;
	 * NaN when it is NULL) and major faults of the client thread (RUSAGE_THREAD);
	 * a batch's are shared among its queries, so totals add up.
	 */
	double phase_io_wait_us[RB_MAX_PHASES];
	double phase_majflt[RB_MAX_PHASES];
};

/* An open workload instance: shared by its clients, read-only while they query. */
struct rb_workload {
	const struct workload_ops *ops;
	void *priv;
	struct rb_file files[RB_MAX_FILES];
	int n_files;
	void *strategy_priv;   /* state of the strategy applied to this instance */
	int target_pid;        /* an external client serves the queries: its pid; 0: this process */
	int clients;           /* client threads that will query at once (set before apply) */
	/*
	 * Set by open. hint_symbol: a function of this executable called as
	 * (self, const int64_t *keys, int n) with extent-map keys about to be read,
	 * which a uprobe may watch (NULL: FAISS's prefetch_lists). no_prior_extents:
	 * why extents() cannot answer before the query (NULL: it can).
	 */
	const char *hint_symbol;
	const char *no_prior_extents;
	/*
	 * Set by open when the ids a search returns name what the query reads next:
	 * result_symbol is the search (rb_index_ops.result_symbol) and id i is
	 * extent-map key result_key_base + i (rag: its hits' chunks). NULL: no such ids.
	 */
	const char *result_symbol;
	int64_t result_key_base;
};

/*
 * One client of an instance: what one thread writes while it queries (result
 * and extent buffers, FAISS's output arrays). Clients of one instance run at
 * once; everything a query writes lives here, never in the instance, so N
 * clients need no lock and return exactly what one client would.
 */
struct rb_client {
	struct rb_workload *w;
	int id;                 /* 0-based */
	void *priv;             /* the workload's per-client scratch */
	/*
	 * Nanoseconds this client's thread has waited for I/O, a running total the
	 * harness keeps (load it __atomic at phase boundaries); NULL: not measured.
	 */
	const volatile uint64_t *io_wait_ns;
};

/* Where a query stands at a phase boundary: for phase_io_wait_us and phase_majflt. */
struct rb_phase_mark {
	double us;
	uint64_t wait_ns, majflt;
};
/* Now, for client c (workloads/registry.c). */
void workload__phase_mark(const struct rb_client *c, struct rb_phase_mark *m);
/*
 * Phase p of res ran from a to b, for a batch of n queries: its time (each query
 * waited for all of it), I/O wait and major faults (its 1/n share).
 */
void workload__phase_set(const struct rb_client *c, struct rb_query_result *res, int p, int n,
			 const struct rb_phase_mark *a, const struct rb_phase_mark *b);

/*
 * What a workload can do and needs: the config checks (config/config_workload.c),
 * dataset preparation and the strategies read these, never a list of names.
 */
#define RB_WL_BATCH       (1u << 0)  /* run_batch: workload.batch > 1 searches queries together */
#define RB_WL_CORPUS      (1u << 1)  /* reads the chunk store: dataset.generator corpus */
#define RB_WL_IVF         (1u << 2)  /* searches the FAISS IVF index (index.kind ivf) */
#define RB_WL_HNSW        (1u << 3)  /* searches the HNSW graph (index.kind hnsw) */
#define RB_WL_EXTENT_MAP  (1u << 4)  /* extent_map: a transparent prefetcher can serve it */
#define RB_WL_DB_STORES   (1u << 5)  /* reads dataset.chunk_store lmdb and sqlite too */
#define RB_WL_INDEX       (RB_WL_IVF | RB_WL_HNSW)

struct workload_ops {
	const char *name;
	int version;                 /* RB_WORKLOAD_VERSION */
	const char *help;
	unsigned flags;              /* RB_WL_* */

	/* The files the workload will read (for cache control before open): up to max paths. */
	int (*list_files)(const struct rb_workload_params *wp, const struct rb_dataset *ds,
			  char paths[][512], int max);
	/* Open the dataset's artifacts; fill w->files. Returns 0 or -errno. */
	int (*open)(struct rb_workload *w, const struct rb_workload_params *wp,
		    const struct rb_dataset *ds, char *err, size_t errlen);
	/* Scratch for client c of instance c->w (into c->priv); 0 or -errno. */
	int (*client_open)(struct rb_client *c);
	void (*client_close)(struct rb_client *c);
	/* Run query qi (0-based, < dataset's queries) as client c. The timed call. */
	int (*run_query)(struct rb_client *c, int64_t qi, struct rb_query_result *res);
	/*
	 * Fill res->extents with what query qi touches. The runner calls it after
	 * the query phase (untimed), with res->ids the query's result, to count
	 * bytes needed; the willneed strategy calls it before run_query (timed),
	 * with res->ids NULL, to prefetch, as an application that knows its
	 * extents would. It must not touch the files.
	 */
	int (*extents)(struct rb_client *c, int64_t qi, struct rb_query_result *res);
	void (*close)(struct rb_workload *w);

	/*
	 * Optional: queries qi[0..n) in one call (n <= wp->batch), as one
	 * FAISS search of n vectors; res[i] is query qi[i]'s result. Workloads
	 * without it refuse workload.batch > 1 (config__validate says so).
	 */
	int (*run_batch)(struct rb_client *c, const int64_t *qi, int n, struct rb_query_result *res);

	/*
	 * Optional: the index library's own prefetcher (FAISS OnDiskInvertedLists'
	 * prefetch_nthread). nthreads < 0 restores the configured value.
	 */
	int (*set_library_prefetch)(struct rb_workload *w, int nthreads);

	/*
	 * Optional: the extents of unit key (for IVF, list key: its codes and its
	 * ids), up to max into out. Returns how many (0: an empty unit) or -ENOENT
	 * past the last key. What a transparent prefetcher (bpf-prefetch) needs to
	 * turn a list number or a page miss into whole extents; static for the life
	 * of the instance, and it must not touch the files.
	 */
	int (*extent_map)(struct rb_workload *w, int64_t key, struct rb_extent *out, size_t max);

	/*
	 * Optional: NULL-terminated names of the phases (at most RB_MAX_PHASES)
	 * whose times run_query writes to res->phase_us, e.g. rag's "search" and
	 * "fetch". NULL: one phase, the query itself.
	 */
	const char *const *phase_names;
};

/* Registry (workloads/registry.c) */
const struct workload_ops *workload__find(const char *name);
/* What runs wp's queries: its workload.type, or ivf-client with `-- CMD`. */
const struct workload_ops *workload__for(const struct rb_workload_params *wp);
const struct workload_ops *const *workload__all(void);  /* NULL-terminated */
/* Checks an ops table is complete and of this version; 0 or -EINVAL. */
int workload__check_ops(const struct workload_ops *ops);

#endif
