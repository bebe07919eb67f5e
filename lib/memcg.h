/*
 * memcg — run the process inside a memory cgroup of its own, so the page cache
 * the workload can keep is smaller than the files it reads (run.memory_limit).
 *
 * The cgroup is a child of the process's current memory cgroup, named
 * rabench-<pid>-<n>, on whichever hierarchy holds the memory controller: cgroup
 * v1 (memory.limit_in_bytes) or v2 (memory.max). The whole process (every
 * thread) moves in with memcg__enter and back with memcg__leave; memcg__destroy
 * leaves if needed and removes the directory, whose page-cache charges the
 * kernel hands to the parent. Nothing is left behind on error: create removes
 * what it made when a later step fails.
 *
 * Counters each version lacks are RB_MEMCG_UNKNOWN (written as null in reports).
 */
#ifndef RB_MEMCG_H
#define RB_MEMCG_H

#include <stddef.h>
#include <stdint.h>

#define RB_MEMCG_UNKNOWN UINT64_MAX
/* Below this no workload runs: FAISS, OpenBLAS and the page cache of the index header. */
#define RB_MEMCG_MIN_LIMIT (32ULL << 20)
/* Room above the anonymous memory the process already holds. */
#define RB_MEMCG_HEADROOM (16ULL << 20)

struct rb_memcg;

/* A cgroup's figures since it was created (bytes and event counts). */
struct rb_memcg_stats {
	int version;            /* 1 or 2 */
	uint64_t limit_bytes;   /* v1 memory.limit_in_bytes, v2 memory.max */
	uint64_t usage_bytes;   /* charged now (v1 usage_in_bytes, v2 memory.current) */
	uint64_t peak_bytes;    /* highest usage (v1 max_usage_in_bytes, v2 memory.peak) */
	uint64_t file_bytes;    /* page cache charged now (v1 total_cache, v2 file) */
	uint64_t anon_bytes;    /* anonymous memory charged now (v1 total_rss, v2 anon) */
	uint64_t pgscan;        /* pages scanned by reclaim (v2 only) */
	uint64_t pgsteal;       /* pages reclaimed (v2 only) */
	uint64_t pgpgout;       /* pages uncharged, reclaimed or freed (v1 only) */
	uint64_t refault_file;  /* evicted file pages read again (workingset_refault_file) */
	uint64_t pgmajfault;    /* major faults of the cgroup's tasks */
	uint64_t limit_hits;    /* charges that hit the limit (v1 failcnt, v2 events "max") */
	uint64_t oom_kills;     /* tasks OOM-killed in the cgroup */
};

/*
 * Why no memory cgroup can be made here (not root, no memory controller), or
 * 0 when one can. Message in why.
 */
int memcg__probe(char *why, size_t len);

/* The memory limit of the cgroup this process is in now (v1 or v2); -ENOENT if none. */
int memcg__current_limit(uint64_t *limit);
/* What that limit leaves for new pages now (limit - usage); -ENOENT without a limit. */
int memcg__current_room(uint64_t *room);
/* Its charged memory that is not page cache (usage - file): what the cache cannot reclaim. */
int memcg__current_nonfile(uint64_t *bytes);
/*
 * The page cache's room for this process now: its cgroup's limit less the non-file
 * usage (1), or /proc/meminfo's MemAvailable without a limit (0); -errno when
 * neither can be read.
 */
int memcg__cache_room(uint64_t *room);

/*
 * Create rabench-<pid>-<n> under the current memory cgroup with limit_bytes.
 * Refuses (-EINVAL) a limit below RB_MEMCG_MIN_LIMIT or below the process's
 * anonymous memory + RB_MEMCG_HEADROOM. 0 or -errno with a message in err.
 */
int memcg__create(uint64_t limit_bytes, struct rb_memcg **out, char *err, size_t errlen);

/* Move the whole process into cg / back to where it came from. 0 or -errno. */
int memcg__enter(struct rb_memcg *cg, char *err, size_t errlen);
int memcg__leave(struct rb_memcg *cg, char *err, size_t errlen);

/* Read cg's limit and counters. 0 or -errno. */
int memcg__read(const struct rb_memcg *cg, struct rb_memcg_stats *st);

/* The cgroup's directory, and its path as /proc/self/cgroup shows it. */
const char *memcg__dir(const struct rb_memcg *cg);
const char *memcg__path(const struct rb_memcg *cg);

/*
 * Leave if inside, remove the directory (retrying briefly while the kernel
 * lets go of it) and free cg (NULL ok). cg is freed even on failure.
 * 0 or -errno with a message in err (err may be NULL).
 */
int memcg__destroy(struct rb_memcg *cg, char *err, size_t errlen);

/*
 * Move this whole process into the memory cgroup of process pid, so that what
 * it adds to the page cache is charged there (rabench prefetch serving another
 * process). home receives where to return ("" when already there). 0 or -errno.
 */
int memcg__join_of(int pid, char *home, size_t len, char *err, size_t errlen);

/* Back to home (from memcg__join_of); "" does nothing. */
int memcg__return(const char *home, char *err, size_t errlen);

#endif
