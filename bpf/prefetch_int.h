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
#define PF_AGENT_NICE		(-10)	/* the agent threads' nice value (root) */
#define PF_MAX_SUBMITTERS	4	/* WILLNEED threads beside the agent (more clients) */
#define PF_QUEUE		4096	/* ranges waiting for a submitter */
#define PF_HINTS_EVERY		32	/* events handled between looks at the hint ring */
/* dropping cold lists */
#define PF_KEEP_PCT		70	/* % of the page-cache room the hot lists may fill */
#define PF_RANK_NS		10000000ULL	/* lists ranked by popularity at most this often */
#define PF_MAX_TIDS		64	/* client threads whose last call's lists are kept */
#define PF_CALL_LISTS		512	/* list numbers of one call kept for the drop */
#define PF_MAX_SPANS		32	/* mappings of the extent files (for MADV_PAGEOUT) */

enum pf_advice { PF_ADV_NORMAL, PF_ADV_RANDOM, PF_ADV_SEQUENTIAL };

struct pf_ext {
	uint64_t off, len;
	uint64_t issued_ns;	/* last WILLNEED, 0 = never */
	uint64_t outstanding;	/* bytes held against the budget */
	uint64_t dropped_ns;	/* last drop queued (its residency bits lag until it ran) */
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
	int keep;		/* the kernel's read-around is kept (prefetch__choose PF_KEEP) */
	int whole;		/* read whole at the first hint or miss (PF_WHOLE); 2: done */
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

/* A mapping of a watched file in the served process: where pages are paged out. */
struct pf_span {
	uintptr_t start, end;
	uint64_t pgoff;		/* file offset of start, bytes */
	int file;
};

/* What a submitter does with a range. */
enum pf_op { PF_OP_WILLNEED, PF_OP_DROP };

struct pf_job {
	uint32_t op, file;
	uint64_t off, len;
};

struct prefetch;
struct pf_worker_arg {
	struct prefetch *p;
	int slot;		/* in the BPF program's agent_tids (0: the agent) */
	uint64_t cpu_us;	/* __atomic: the thread's CPU time */
};

/* The list numbers of one client thread's last prefetch_lists call. */
struct pf_call {
	uint32_t tid;
	uint32_t n;
	uint64_t seen_ns;	/* its last hint: a slot idle for a second is reused */
	int64_t lists[PF_CALL_LISTS];
};

struct prefetch {
	struct prefetch_opts opts;
	struct prefetch_bpf *skel;
	int uprobe_jid;			/* the uprobe's entry in the settings journal (-1: none) */
	int died;			/* the agent's loop ended on an error before stop */
	struct ring_buffer *rb;		/* misses and accesses */
	struct ring_buffer *rb_hints;	/* hints, always read first */
	int epfd;			/* both rings' epoll descriptors */
	uint64_t since_hints;		/* events handled since the hint ring was read */
	/* submitters: WILLNEED and drops off the agent's path (none with one client) */
	pthread_t workers[PF_MAX_SUBMITTERS];
	struct pf_worker_arg wargs[PF_MAX_SUBMITTERS];
	int ready_init;
	int n_workers, workers_started;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct pf_job queue[PF_QUEUE];
	unsigned qhead, qtail;		/* under qlock */
	unsigned qbusy;			/* under qlock: jobs taken, not finished */
	pthread_cond_t qdone;		/* a job finished: a claim ended, a queue slot is free */
	/* under qlock: the job each submitter took and its queue position, until done */
	struct pf_job claim[PF_MAX_SUBMITTERS];
	unsigned claim_seq[PF_MAX_SUBMITTERS];
	bool claimed[PF_MAX_SUBMITTERS];
	int wstop;			/* under qlock */
	/* dropping cold lists under memory pressure */
	bool drop_on;
	struct pf_call *calls;		/* PF_MAX_TIDS */
	uint32_t hot_min;		/* calls a list needs to stay cached after its scan */
	uint64_t ranked_ns;		/* when rank_lists last ran; 0 = never */
	int64_t *rank_keys;		/* rank_lists' scratch: the popularity map ... */
	uint32_t *rank_calls;
	uint64_t *rank_order;		/* ... and calls << 32 | position, sorted */
	uint32_t rank_cap;
	struct pf_span spans[PF_MAX_SPANS];
	int n_spans;
	uint64_t spans_ns;		/* when pf_find_spans last looked (CLOCK_MONOTONIC) */
	pthread_mutex_t spans_lock;	/* spans: the agent refreshes, submitters read */
	int pidfd;			/* the served process, for process_madvise; -1 */
	struct pf_file files[PREFETCH_MAX_FILES];
	int n_files;
	struct pf_key *keys;
	size_t n_keys, cap_keys;
	pthread_t thread;
	/* the hint uprobe's link, destroyed on a thread of its own (prefetch_submit.c) */
	pthread_t unhint_thread;
	bool unhint_started;
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
/* The whole pages inside [off, off + len) as bytes [*lo, *hi): false when none. */
bool pf_whole_pages(uint64_t off, uint64_t len, uint64_t *lo, uint64_t *hi);
/* Do jobs a and b touch a common page of one file (then they run in queue order)? */
bool pf_jobs_overlap(const struct pf_job *a, const struct pf_job *b);
void pf_index_extents(struct prefetch *p);		/* sort extents, merge duplicates, key them */

/* prefetch_target.c */
bool pf_outside(const struct prefetch *p);		/* serving another process */
int pf_served_pid(const struct prefetch *p);
int pf_advise_random(struct prefetch *p, int fi);	/* MADV/FADV_RANDOM on its mappings, fds */
int pf_restore_advice(struct prefetch *p);
int pf_find_spans(struct prefetch *p);			/* the extent files' mappings */
/* Page out [off, off + len) of file fi from the served process and the page cache. */
int pf_drop_range(struct prefetch *p, int fi, uint64_t off, uint64_t len);

/* prefetch.c */
void pf_drain(struct prefetch *p);	/* let the agent handle what the kernel sent (<= 100 ms) */
int pf_attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen);


/* Shared by the agent's files (prefetch.c, prefetch_agent.c, prefetch_submit.c, prefetch_retain.c). */
enum pf_outcome { PF_RESIDENT, PF_INFLIGHT, PF_BUDGET, PF_FETCHED };

/* prefetch_submit.c */
uint64_t pf_outstanding(const struct prefetch *p);
int pf_willneed(struct prefetch *p, struct pf_file *f, uint64_t off, uint64_t len);
void pf_submit(struct prefetch *p, enum pf_op op, int file, uint64_t off, uint64_t len);
void pf_flush(struct prefetch *p);
enum pf_outcome pf_prefetch_extent(struct prefetch *p, struct pf_file *f, struct pf_ext *e, uint64_t repeat_ns);
void pf_retire(struct prefetch *p, struct pf_ext *e, int touched);
size_t pf_key_first(const struct prefetch *p, int64_t key);
void pf_prefetch_list(struct prefetch *p, int64_t key);
/* The PF_WHOLE files not read yet: WILLNEED of all of each, queued behind what is pending. */
void pf_fetch_whole(struct prefetch *p);
/* The extents of key result_key_base + id (an id a search returned). */
void pf_prefetch_result(struct prefetch *p, int64_t id);
uint64_t pf_list_bytes(const struct prefetch *p, int64_t key);
void *pf_worker_main(void *arg);
/* prefetch_retain.c */
struct pf_call *pf_track_call(struct prefetch *p, const struct rb_pf_hint_event *e);
/* prefetch_agent.c */
int pf_on_event(void *ctx, void *data, size_t size);
void pf_register_tid(struct prefetch *p, int slot);
bool pf_raise_priority(void);
uint64_t pf_thread_cpu_us(void);
void *pf_agent_main(void *arg);

#endif
