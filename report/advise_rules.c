/*
 * advise_rules — the decision table of `rabench advise`: one function per rule,
 * tried in the order of rules[] (first match wins), each reading only the
 * probes' counts of one file (struct advise_obs), the room the process may use
 * and the device's read_ahead_kb. The comment atop each rule names the
 * counters it reads and why they decide; --explain prints the same table from
 * rules[]'s docs, so the two cannot drift apart.
 *
 * The trade every rule weighs: a readahead window costs one request and saves
 * one synchronous miss per page of it later used (spec_used); its unused pages
 * (waste) cost disk bytes and, when memory is short, evict pages in use.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "advise.h"

#define MIN_EVENTS		64	/* pages added + lookups below which we say nothing */
#define CACHED_MISS_SHARE	0.05	/* misses / lookups: served from the page cache */
#define THRASH_EVICTED_SHARE	0.10	/* pages added then evicted in the window / added */
#define WASTE_RATIO_HIGH	0.50	/* waste / speculative pages */
#define WASTE_RATIO_IO_BOUND	0.25	/* ... when the process is I/O bound */
#define IO_BOUND_SHARE		0.25	/* I/O wait / window */
#define WASTE_MIN_BYTES		(1ULL << 20)	/* less is not worth a change */
#define USED_PER_WINDOW_LOW	1.0	/* a window saved less than one miss */
#define SEQ_SHARE_HIGH		0.50	/* async windows / windows: streaming */
#define WASTE_RATIO_LOW		0.20
#define STREAM_KB_MAX		2048	/* what a stream is offered, at most */
#define WILLNEED_MIN_MISSES	64
#define WILLNEED_HOT_SHARE	0.25	/* hot set / file size worth reading whole */
#define BATCH_MISS_SHARE	0.10	/* read misses / pages read(): the reads wait on the disk */
#define BATCH_PAGES_PER_MISS	8.0	/* pages added per read miss: small scattered reads */

#define MIB(b) ((double)(b) / 1048576.0)

void advise__derive(const struct advise_obs *o, struct advise_fig *f)
{
	memset(f, 0, sizeof(*f));
	f->added = o->demand + o->spec + o->prefetch;
	f->lookups = o->faults + o->read_pages;
	f->misses = o->major_faults + o->read_miss;
	f->hot_bytes = (o->accessed + o->mapped) * RB_ADVISE_PAGE;
	if (o->size_bytes && f->hot_bytes > o->size_bytes)
		f->hot_bytes = o->size_bytes;
	/* mapped-only pages count as used: fault-around gives no per-page event, and
	 * the lower bound would push mmap readers towards RANDOM on no evidence */
	f->spec_used = o->spec > o->waste ? o->spec - o->waste : 0;
	f->windows = o->ra_sync + o->ra_async + o->ra_readaround;
	f->used_per_window = f->windows ? (double)f->spec_used / (double)f->windows : NAN;
	f->waste_ratio = o->spec ? (double)o->waste / (double)o->spec : NAN;
	f->seq_share = f->windows ? (double)o->ra_async / (double)f->windows : NAN;
	f->evicted_share = f->added ? (double)o->evicted_tracked / (double)f->added : 0;
}

/* The memory limit at which the hot set would fit, rounded up to a MiB. */
static uint64_t limit_to_fit(const struct advise_fig *f, const struct advise_env *e)
{
	uint64_t need;

	if (!e->limit_bytes || f->hot_bytes <= e->room_bytes)
		return 0;
	need = e->limit_bytes + (f->hot_bytes - e->room_bytes);
	return (need + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
}

/*
 * evidence — pages_added_* + faults + read_pages: below MIN_EVENTS the window
 * saw too little of the file for any ratio to mean something.
 */
static bool rule_evidence(const struct advise_obs *o, const struct advise_fig *f,
			  const struct advise_env *e, struct advise_rec *r)
{
	(void)o;
	if (f->added + f->lookups >= MIN_EVENTS)
		return false;
	r->kind = ADV_NO_EVIDENCE;
	snprintf(r->reason, sizeof(r->reason),
		 "only %llu pages added and %llu lookups in %.1f s (fewer than %d events): "
		 "not enough evidence for a recommendation",
		 (unsigned long long)f->added, (unsigned long long)f->lookups, e->window_s,
		 MIN_EVENTS);
	return true;
}

/*
 * cached — pages_added_* and major_faults + read_miss_pages against faults +
 * read_pages: when the window added almost nothing and nearly every lookup
 * found its page cached, readahead has nothing to do here. (Few misses alone
 * are not enough: a large read-around also makes few misses, by reading much.)
 */
static bool rule_cached(const struct advise_obs *o, const struct advise_fig *f,
			const struct advise_env *e, struct advise_rec *r)
{
	(void)o;
	(void)e;
	if (f->lookups < MIN_EVENTS || (double)f->misses > CACHED_MISS_SHARE * (double)f->lookups ||
	    (double)f->added > CACHED_MISS_SHARE * (double)f->lookups)
		return false;
	r->kind = ADV_LEAVE;
	r->strategy = "default";
	snprintf(r->reason, sizeof(r->reason),
		 "%llu of %llu lookups missed (<= %.0f%%): the file is served from the page "
		 "cache, no readahead setting changes that",
		 (unsigned long long)f->misses, (unsigned long long)f->lookups,
		 100 * CACHED_MISS_SHARE);
	return true;
}

/* RANDOM on the file: the read-around waste saved, its used pages become misses. */
static void set_random(const struct advise_obs *o, const struct advise_fig *f,
		       struct advise_rec *r)
{
	r->kind = ADV_RANDOM;
	r->strategy = "fadvise-random";
	snprintf(r->action, sizeof(r->action),
		 "posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), or madvise(MADV_RANDOM) on its mapping");
	r->bytes_delta = -(int64_t)(o->waste * RB_ADVISE_PAGE);
	r->major_faults_delta = (int64_t)f->spec_used;
}

/*
 * thrash — the hot set ((pages_accessed + pages_mapped_maybe_used) x 4 KiB)
 * against the room, and pages_evicted_tracked / pages added: a hot set that does
 * not fit and pages evicted within the window mean the file is re-read. A FAISS
 * .ivfdata, or a file with a hint source (rabench's own HNSW search, from a
 * report), gets `rabench prefetch` / bpf-prefetch (the agent reads what the
 * hints name, and pages out the cold lists); a file whose read-ahead is mostly waste
 * (waste_pages) gets RANDOM, since that waste evicts pages in use; any other
 * gets the memory limit at which its hot set fits.
 */
static bool rule_thrash(const struct advise_obs *o, const struct advise_fig *f,
			const struct advise_env *e, struct advise_rec *r)
{
	size_t n = strlen(o->path);

	if (f->hot_bytes <= e->room_bytes || f->evicted_share < THRASH_EVICTED_SHARE)
		return false;
	r->limit_bytes = limit_to_fit(f, e);
	if ((n > 8 && !strcmp(o->path + n - 8, ".ivfdata")) || o->hint_source) {
		r->kind = ADV_PREFETCH;
		r->strategy = "bpf-prefetch";
		snprintf(r->action, sizeof(r->action), o->hint_source ?
			 "rabench's bpf-prefetch strategy (its HNSW search names the nodes it reads "
			 "next; a plain hnswlib process has no such hook: fadvise-random there)" :
			 "rabench prefetch --pid PID (serves the process's FAISS index, this file)");
		r->major_faults_delta = -(int64_t)o->major_faults;
		snprintf(r->reason, sizeof(r->reason),
			 "hot set %.1f MiB > room %.1f MiB and %.0f%% of the pages added were evicted "
			 "in the window: the file is re-read, and the prefetch agent reads what each "
			 "query's hints name ahead (and pages cold IVF lists out)",
			 MIB(f->hot_bytes), MIB(e->room_bytes), 100 * f->evicted_share);
		return true;
	}
	if (o->waste_known && !isnan(f->waste_ratio) && f->waste_ratio >= WASTE_RATIO_HIGH) {
		set_random(o, f, r);
		snprintf(r->reason, sizeof(r->reason),
			 "hot set %.1f MiB > room %.1f MiB and %.0f%% of read-ahead pages were never "
			 "used: that waste evicts pages in use",
			 MIB(f->hot_bytes), MIB(e->room_bytes), 100 * f->waste_ratio);
		return true;
	}
	r->kind = ADV_MEMORY_LIMIT;
	r->strategy = "default";
	snprintf(r->action, sizeof(r->action), "a memory limit of %.0f MiB or more (hot set %.1f MiB)",
		 MIB(r->limit_bytes ? r->limit_bytes : f->hot_bytes), MIB(f->hot_bytes));
	r->bytes_delta = -(int64_t)(o->evicted_tracked * RB_ADVISE_PAGE);
	snprintf(r->reason, sizeof(r->reason),
		 "hot set %.1f MiB > room %.1f MiB and %llu pages were evicted and read again; "
		 "readahead is not the problem, memory is",
		 MIB(f->hot_bytes), MIB(e->room_bytes), (unsigned long long)o->evicted_tracked);
	return true;
}

/*
 * random — waste_pages / pages_added_speculative, and spec_used (speculative
 * pages then accessed) per readahead window (ra_sync + ra_async +
 * ra_mmap_readaround): most of each window unused and less than one page of it
 * used means read-around only costs bytes. RANDOM saves the waste and adds
 * spec_used synchronous misses.
 */
static bool rule_random(const struct advise_obs *o, const struct advise_fig *f,
			const struct advise_env *e, struct advise_rec *r)
{
	(void)e;
	if (!o->waste_known || !o->ra_known || isnan(f->waste_ratio) || isnan(f->used_per_window) ||
	    f->waste_ratio < WASTE_RATIO_HIGH || f->used_per_window >= USED_PER_WINDOW_LOW ||
	    o->waste * RB_ADVISE_PAGE < WASTE_MIN_BYTES)
		return false;
	set_random(o, f, r);
	snprintf(r->reason, sizeof(r->reason),
		 "%.0f%% of %llu read-ahead pages were never used and each of %llu windows saved "
		 "%.2f misses: scattered access, read-around costs bytes and saves almost no faults",
		 100 * f->waste_ratio, (unsigned long long)o->spec, (unsigned long long)f->windows,
		 f->used_per_window);
	return true;
}

/*
 * batch — read_pages, read_miss_pages, faults and pages_added_*: a file read
 * by read()/pread() (pages read() asked for outnumber faults four to one)
 * whose reads miss often (read misses >= 64 and >= 10% of the pages asked
 * for) and each miss adds few pages (< 8: small reads at scattered offsets, so
 * readahead cannot guess them) waits on the disk once per read, one read at a
 * time. What saves those waits is the application naming the ranges before it
 * reads them — a RAG fetch knows every chunk a search returned — with one
 * POSIX_FADV_WILLNEED per range first: the disk serves them in parallel, the
 * reads then hit, and read-around stops guessing (its waste goes). Not RANDOM
 * (it keeps every wait) nor a smaller read_ahead_kb (the same waits, fewer
 * bytes): measured on chunk-fetch.yaml and chunk-sqlite.yaml, docs/advise.md.
 */
static bool rule_batch(const struct advise_obs *o, const struct advise_fig *f,
		       const struct advise_env *e, struct advise_rec *r)
{
	(void)e;
	if (o->read_pages < MIN_EVENTS || o->read_miss < WILLNEED_MIN_MISSES ||
	    (o->faults_known && o->faults * 4 > o->read_pages) ||
	    (double)o->read_miss < BATCH_MISS_SHARE * (double)o->read_pages ||
	    (double)f->added >= BATCH_PAGES_PER_MISS * (double)o->read_miss)
		return false;
	r->kind = ADV_WILLNEED_BATCH;
	r->strategy = "willneed";
	snprintf(r->action, sizeof(r->action),
		 "before reading a batch (the chunks one search returned), "
		 "posix_fadvise(fd, off, len, POSIX_FADV_WILLNEED) for each range, then read them");
	r->bytes_delta = o->waste_known ? -(int64_t)(o->waste * RB_ADVISE_PAGE) : 0;
	r->read_misses_delta = -(int64_t)o->read_miss;
	snprintf(r->reason, sizeof(r->reason),
		 "%llu of %llu pages read() asked for missed, %.1f pages added per miss: small "
		 "reads at scattered offsets, each a wait on the disk, one at a time; named "
		 "ahead, the disk reads a batch in parallel",
		 (unsigned long long)o->read_miss, (unsigned long long)o->read_pages,
		 (double)f->added / (double)o->read_miss);
	return true;
}

/* The smallest power of two KiB >= kb, at least 4. */
static long pow2_kb(double kb)
{
	long v = 4;

	while (v < kb)
		v *= 2;
	return v;
}

/* The waste ratio above which a window is too large: lower when the process
 * spent a good part of the window waiting for I/O (the waste is on its path). */
static double shrink_threshold(const struct advise_env *e)
{
	if (e->io_wait_s >= 0 && e->window_s > 0 && e->io_wait_s >= IO_BOUND_SHARE * e->window_s)
		return WASTE_RATIO_IO_BOUND;
	return WASTE_RATIO_HIGH;
}

/*
 * shrink — waste ratio as for random (or >= 25% when I/O wait is >= 25% of
 * the window: the process waits on those bytes), but each window saved one
 * miss or more:
 * the window is too large, not useless. read_ahead_kb sized to the pages a
 * window served (+ the faulting page) keeps those and drops most of the
 * waste; the bytes saved are waste x (1 - new/old), an estimate. Device-wide.
 */
static bool rule_shrink(const struct advise_obs *o, const struct advise_fig *f,
			const struct advise_env *e, struct advise_rec *r)
{
	long kb;

	if (!o->waste_known || !o->ra_known || e->read_ahead_kb <= 0 || isnan(f->waste_ratio) ||
	    isnan(f->used_per_window) || f->waste_ratio < shrink_threshold(e) ||
	    o->waste * RB_ADVISE_PAGE < WASTE_MIN_BYTES)
		return false;
	kb = pow2_kb(4.0 * (ceil(f->used_per_window) + 1));
	if (kb >= e->read_ahead_kb)
		return false;
	r->kind = ADV_READ_AHEAD_KB;
	r->strategy = "readahead-kb";
	r->read_ahead_kb = kb;
	snprintf(r->action, sizeof(r->action), "echo %ld > /sys/block/%s/queue/read_ahead_kb "
		 "(now %ld; device-wide)", kb, e->device[0] ? e->device : "DEV", e->read_ahead_kb);
	r->bytes_delta = -(int64_t)((double)o->waste * RB_ADVISE_PAGE *
				    (1.0 - (double)kb / (double)e->read_ahead_kb));
	snprintf(r->reason, sizeof(r->reason),
		 "%.0f%% of read-ahead pages were never used but each window served %.1f pages: "
		 "a %ld KiB window keeps those and drops most of the waste",
		 100 * f->waste_ratio, f->used_per_window, kb);
	return true;
}

/*
 * stream — ra_async / windows (async readahead fires only when a read reaches
 * the marker of the previous window: sequential runs) and a low waste ratio:
 * the file is streamed and every window is used; a larger read_ahead_kb makes
 * fewer, larger requests for the same bytes.
 */
static bool rule_stream(const struct advise_obs *o, const struct advise_fig *f,
			const struct advise_env *e, struct advise_rec *r)
{
	long kb;

	if (!o->ra_known || isnan(f->seq_share) || f->seq_share < SEQ_SHARE_HIGH ||
	    e->read_ahead_kb <= 0 || e->read_ahead_kb >= STREAM_KB_MAX ||
	    (!isnan(f->waste_ratio) && f->waste_ratio > WASTE_RATIO_LOW) || f->misses < MIN_EVENTS)
		return false;
	kb = e->read_ahead_kb * 4 < STREAM_KB_MAX ? e->read_ahead_kb * 4 : STREAM_KB_MAX;
	r->kind = ADV_READ_AHEAD_KB;
	r->strategy = "readahead-kb";
	r->read_ahead_kb = kb;
	snprintf(r->action, sizeof(r->action), "echo %ld > /sys/block/%s/queue/read_ahead_kb "
		 "(now %ld; device-wide)", kb, e->device[0] ? e->device : "DEV", e->read_ahead_kb);
	snprintf(r->reason, sizeof(r->reason),
		 "%.0f%% of %llu windows were async (sequential runs) and %.0f%% of read-ahead was "
		 "wasted: a larger window reads the same bytes in about %.0f%% of the requests",
		 100 * f->seq_share, (unsigned long long)f->windows,
		 isnan(f->waste_ratio) ? 0.0 : 100 * f->waste_ratio,
		 100.0 * (double)e->read_ahead_kb / (double)kb);
	return true;
}

/*
 * willneed — the file's size against the room, major_faults + read_miss_pages,
 * ra_async against the windows, and the hot set against the size: a file that
 * fits twice over, whose queries wait on many misses and touch a good share of
 * it, is cheaper read once, whole, up front (WILLNEED 0..size): the misses go,
 * the bytes become the file's size. Not a stream (async windows >= 50%): there
 * async readahead already reads ahead of the reader, and its misses are the
 * first page of each run (flat-scan.yaml: 506 misses in 380k lookups, where
 * WILLNEED of the whole file measured no better than default). An mmap reader
 * (ivf.yaml) waits on each read-around window instead: sync windows.
 */
static bool rule_willneed(const struct advise_obs *o, const struct advise_fig *f,
			  const struct advise_env *e, struct advise_rec *r)
{
	if (!o->size_bytes || o->size_bytes > e->room_bytes / 2 || f->misses < WILLNEED_MIN_MISSES ||
	    (!isnan(f->seq_share) && f->seq_share >= SEQ_SHARE_HIGH) ||
	    (double)f->hot_bytes < WILLNEED_HOT_SHARE * (double)o->size_bytes)
		return false;
	r->kind = ADV_WILLNEED;
	r->strategy = "willneed";
	r->range_off = 0;
	r->range_len = o->size_bytes;
	snprintf(r->action, sizeof(r->action),
		 "posix_fadvise(fd, 0, %llu, POSIX_FADV_WILLNEED) once after open (or "
		 "madvise(MADV_WILLNEED) on the mapping)", (unsigned long long)o->size_bytes);
	r->bytes_delta = (int64_t)o->size_bytes - (int64_t)o->block_read_bytes;
	r->major_faults_delta = -(int64_t)o->major_faults;
	snprintf(r->reason, sizeof(r->reason),
		 "the file (%.1f MiB) fits the room (%.1f MiB) twice, its hot set is %.0f%% of it "
		 "and %llu lookups missed: read it whole, once, before the queries",
		 MIB(o->size_bytes), MIB(e->room_bytes),
		 100.0 * (double)f->hot_bytes / (double)o->size_bytes, (unsigned long long)f->misses);
	return true;
}

/*
 * leave — what is left: read-around is used (spec_used per window >= 1, or
 * little waste) and memory is not short; the current settings are right.
 */
static bool rule_leave(const struct advise_obs *o, const struct advise_fig *f,
		       const struct advise_env *e, struct advise_rec *r)
{
	(void)e;
	r->kind = ADV_LEAVE;
	r->strategy = "default";
	if (isnan(f->waste_ratio))
		snprintf(r->reason, sizeof(r->reason),
			 "no read-ahead pages (%llu demand pages, %llu misses): nothing to take away "
			 "and no pattern a setting would serve better",
			 (unsigned long long)o->demand, (unsigned long long)f->misses);
	else
		snprintf(r->reason, sizeof(r->reason),
			 "read-around is used: %.0f%% waste, %llu read-ahead pages then used (%.1f per "
			 "window) would each be a synchronous miss without it",
			 100 * f->waste_ratio, (unsigned long long)f->spec_used,
			 isnan(f->used_per_window) ? 0.0 : f->used_per_window);
	return true;
}

typedef bool (*rule_fn)(const struct advise_obs *, const struct advise_fig *,
			const struct advise_env *, struct advise_rec *);

static const struct {
	rule_fn fn;
	struct advise_rule_doc doc;
} rules[] = {
	{ rule_evidence, { "evidence", "pages_added_*, faults, read_pages",
	  "pages added + lookups < 64", "not enough evidence: no recommendation" } },
	{ rule_cached, { "cached", "major_faults, read_miss_pages, faults, read_pages",
	  "lookups >= 64, misses and pages added each <= 5% of lookups", "leave as is" } },
	{ rule_thrash, { "thrash", "pages_accessed, pages_mapped_maybe_used, pages_evicted_tracked, waste_pages",
	  "hot set > room and evicted in window >= 10% of added",
	  ".ivfdata or a hint source: rabench prefetch; waste >= 50%: fadvise-random; else: the memory limit that fits the hot set" } },
	{ rule_batch, { "batch", "read_pages, read_miss_pages, faults, pages_added_*",
	  "read() pages >= 4 x faults, read misses >= 64 and >= 10% of read() pages, < 8 pages added per miss",
	  "WILLNEED of each range of a batch before reading it (rabench strategy willneed): -waste bytes, -read misses" } },
	{ rule_random, { "random", "waste_pages, pages_added_speculative, ra_sync, ra_async, ra_mmap_readaround",
	  "waste >= 50% of read-ahead, < 1 used page per window, waste >= 1 MiB",
	  "fadvise-random / MADV_RANDOM: -waste bytes, +used read-ahead pages as misses" } },
	{ rule_shrink, { "shrink", "waste_pages, pages_added_speculative, ra_* windows; I/O wait; read_ahead_kb",
	  "waste >= 50% (>= 25% if I/O wait >= 25% of the window), >= 1 used page per window, waste >= 1 MiB, a smaller window fits",
	  "read_ahead_kb = 4 KiB x (used per window + 1), a power of two" } },
	{ rule_stream, { "stream", "ra_async, ra_sync, ra_mmap_readaround, waste_pages; read_ahead_kb",
	  "async windows >= 50%, waste <= 20%, misses >= 64, read_ahead_kb < 2048",
	  "read_ahead_kb x 4 (at most 2048)" } },
	{ rule_willneed, { "willneed", "file size, major_faults, read_miss_pages, ra_async, pages_accessed",
	  "size <= room / 2, misses >= 64, async windows < 50%, hot set >= 25% of the file",
	  "WILLNEED of 0..size once after open: +(size - bytes read), -major faults" } },
	{ rule_leave, { "leave", "waste_pages, ra_* windows", "otherwise", "leave as is" } },
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

void advise__decide(const struct advise_obs *o, const struct advise_env *e,
		    struct advise_rec *r)
{
	struct advise_fig f;
	size_t i;

	memset(r, 0, sizeof(*r));
	advise__derive(o, &f);
	for (i = 0; i < N_RULES; i++)
		if (rules[i].fn(o, &f, e, r)) {
			r->rule = rules[i].doc.name;
			break;
		}
	if (!r->action[0] && r->kind == ADV_LEAVE)
		snprintf(r->action, sizeof(r->action), "nothing: keep the current settings");
	if (!r->limit_bytes && r->kind != ADV_NO_EVIDENCE)
		r->limit_bytes = limit_to_fit(&f, e);
}

const struct advise_rule_doc *advise__rules(size_t *n)
{
	static struct advise_rule_doc docs[N_RULES];
	size_t i;

	for (i = 0; i < N_RULES; i++)
		docs[i] = rules[i].doc;
	*n = N_RULES;
	return docs;
}

const char *advise__kind_name(enum advise_kind k)
{
	static const char *const names[] = {
		[ADV_NO_EVIDENCE] = "not-enough-evidence", [ADV_LEAVE] = "leave",
		[ADV_RANDOM] = "fadvise-random", [ADV_READ_AHEAD_KB] = "read_ahead_kb",
		[ADV_WILLNEED] = "willneed-range", [ADV_PREFETCH] = "rabench-prefetch",
		[ADV_MEMORY_LIMIT] = "memory-limit", [ADV_WILLNEED_BATCH] = "willneed-batch",
	};

	return k <= ADV_WILLNEED_BATCH ? names[k] : "?";
}
