/*
 * prefetch_int — what the prefetch agent's files share: its limits, tables and
 * state (struct prefetch), and the functions one file gives another:
 *   prefetch.c         loading, attaching, the agent thread and its actions
 *   prefetch_policy.c  pure decisions (extents, streams, classification)
 *   prefetch_target.c  the served process's mappings, descriptors, FAISS object
 *   prefetch_stats.c   the counters
 * The harness uses prefetch_agent.h only.
 */
#ifndef RB_PREFETCH_INT_H
#define RB_PREFETCH_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bpf/libbpf.h>

#include "prefetch.h"
#include "prefetch_agent.h"
#include "prefetch.skel.h"
#include "hooks.h"

#define PF_HOOKS		5	/* page-cache events: add, fault, get_pages, map_pages, delete */

#define PF_PAGE			4096ULL
#define PF_DEFAULT_BUDGET	(64ULL << 20)
#define PF_DEFAULT_WINDOW	(4ULL << 20)
#define PF_POLL_MS		5
/* a hint for an extent asked for less than this ago: its WILLNEED is still being issued */
#define PF_INFLIGHT_NS		1000000ULL
/* a miss re-fetches an extent older than this: it was evicted, or the hint lost the race */
#define PF_MISS_REPEAT_NS	2000000ULL
#define PF_EXPIRE_NS		1000000000ULL
#define PF_SWEEP_NS		100000000ULL
/* one WILLNEED reads at most max(io_pages, ra_pages): ask in pieces below that */
#define PF_CHUNK		(2ULL << 20)
#define PF_STREAMS		4
#define PF_STREAM_HITS		4	/* sequential accesses before a stream counts */
#define PF_STREAM_SLACK		64	/* pages: fault-around and large folios skip ahead */
#define PF_CLASSIFY_MIN		16	/* accesses seen before a file is classified */
#define PF_MAX_ADVISED		256
#define PF_DRAIN_MS		100
#define PF_AGENT_NICE		(-10)	/* the agent thread's nice value (root) */

enum pf_advice { PF_ADV_NORMAL, PF_ADV_RANDOM, PF_ADV_SEQUENTIAL };

struct pf_ext {
	uint64_t off, len;
	uint64_t issued_ns;	/* last WILLNEED, 0 = never */
	uint64_t outstanding;	/* bytes held against the budget */
};

struct pf_key {
	int64_t key;
	uint32_t file, ext;	/* ext: index into the file's sorted extents */
	uint64_t off;
};

struct pf_stream {
	uint64_t first;		/* page: where the last access began */
	uint64_t next, ahead;	/* pages: where the reader goes next, how far we fetched */
	uint64_t hits, last_ns;
};

struct pf_file {
	char path[512];
	dev_t dev;
	ino_t ino;
	int fd;			/* the agent's own descriptor */
	uint64_t pages;
	struct pf_ext *ext;	/* sorted by offset once started */
	size_t n_ext, cap_ext;
	int random;		/* speculative readahead is off */
	uint64_t accesses, jumps;
	struct pf_stream streams[PF_STREAMS];
};

/* A mapping we advised, and the advice it had before. */
struct pf_map {
	uintptr_t start, end;
	int file;
	enum pf_advice orig;
};

struct pf_fd {
	int fd;
	dev_t dev;
	ino_t ino;
};

struct prefetch {
	struct prefetch_opts opts;
	struct prefetch_bpf *skel;
	struct ring_buffer *rb;
	struct pf_file files[PREFETCH_MAX_FILES];
	int n_files;
	struct pf_key *keys;
	size_t n_keys, cap_keys;
	pthread_t thread;
	int thread_started;
	sem_t ready;
	int stop;		/* __atomic: tells the thread to leave */
	uint64_t ext_outstanding;
	uint64_t last_sweep_ns;
	struct pf_file *pend_file;	/* a range queued for one WILLNEED */
	uint64_t pend_off, pend_len;
	struct pf_map maps[PF_MAX_ADVISED];
	int n_maps;
	struct pf_fd fds[PF_MAX_ADVISED];
	int n_fds;
	struct prefetch_stats st;	/* written with __atomic ops, read by collect */
	struct rb_hook_state hooks[PF_HOOKS];	/* how each event is attached here */
	int exe_tried;			/* attach_hints_found: the executable had no symbol */
	uint64_t records;		/* __atomic: ring-buffer records handled */
};

#define STAT_ADD(p, field, n) __atomic_fetch_add(&(p)->st.field, (n), __ATOMIC_RELAXED)

/* prefetch_policy.c */
long pf_ext_floor(const struct pf_file *f, uint64_t off);	/* extent index at or before off, -1 */
struct pf_ext *pf_ext_at(struct pf_file *f, uint64_t off);	/* the extent holding off, or NULL */
/* The stream index continues (*cont = 1), else the least recently used slot to restart. */
struct pf_stream *pf_stream_for(struct pf_file *f, uint64_t index, int *cont);
bool pf_mostly_jumps(const struct pf_file *f);		/* enough accesses, 3 in 4 jumps */
void pf_index_extents(struct prefetch *p);		/* sort extents, merge duplicates, key them */

/* prefetch_target.c */
bool pf_outside(const struct prefetch *p);		/* serving another process */
int pf_served_pid(const struct prefetch *p);
int pf_advise_random(struct prefetch *p, int fi);	/* MADV/FADV_RANDOM on its mappings, fds */
int pf_restore_advice(struct prefetch *p);

/* prefetch.c */
void pf_drain(struct prefetch *p);	/* let the agent handle what the kernel sent (<= 100 ms) */
int pf_attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen);

#endif
