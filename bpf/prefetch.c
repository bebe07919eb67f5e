/*
 * prefetch — loader of bpf/prefetch.bpf.c and the prefetch agent (see
 * prefetch_agent.h for what it does and the lifecycle): loading and attaching,
 * the agent thread and the actions it takes. Its pure decisions are in
 * prefetch_policy.c, the served process's mappings and descriptors in
 * prefetch_target.c, the counters in prefetch_stats.c.
 *
 * One thread polls the ring buffer and issues POSIX_FADV_WILLNEED through the
 * agent's own descriptors: the page cache belongs to the inode, so what it
 * brings in serves the workload's mapping, and the readahead state of our
 * descriptors is nobody else's. Pages our thread adds are told apart in the
 * kernel by its tid, so they never come back as misses.
 *
 * Hints arrive on a ring of their own, read before the events ring and again
 * every PF_HINTS_EVERY events, so accesses never queue ahead of a scan's hint.
 * With more than one client, the WILLNEED calls (and drops) go to submitter
 * threads (one per client, at most PF_MAX_SUBMITTERS; one when only drops need
 * it) so that the agent, which only decides, keeps up with every client's hints; their tids are in the BPF
 * program's agent_tids, so what they add counts as prefetched.
 *
 * Dropping: under a memory limit that leaves the page cache less room than the
 * extent-mapped bytes, when a client thread's next prefetch_lists call arrives,
 * its previous call's lists have been scanned. The agent ranks the lists by
 * popularity (how many calls named each, counted in BPF; ranked again at most
 * every PF_RANK_NS): the most popular ones that fit in PF_KEEP_PCT % of the room
 * are hot. The scanned lists below that rank, unless another thread's current
 * call names them, are paged out (MADV_PAGEOUT on the served process's
 * mappings, POSIX_FADV_DONTNEED on the file), so the hot lists stay resident
 * instead of being evicted by cold ones.
 *
 * Bounding: "outstanding" bytes are prefetched bytes the workload has not
 * touched yet (an extent leaves the count at its first access, or after 1 s,
 * counted as expired). A prefetch that would take the outstanding bytes over the
 * budget is skipped and counted, not queued: a late prefetch is worth little.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/journal.h"
#include "prefetch_int.h"
#include "lib/clock.h"

/* The page-cache events the agent watches; see bpf/hooks.h and pcache.c. */
static const struct rb_hook_def pf_hooks[] = {
	{ "add", "mm_filemap_add_to_page_cache", NULL, true },
	{ "fault", "mm_filemap_fault", "filemap_fault", true },
	{ "get_pages", "mm_filemap_get_pages", "filemap_read", true },
	{ "map_pages", "mm_filemap_map_pages", "filemap_map_pages", true },
	{ "delete", "mm_filemap_delete_from_page_cache", NULL, true },
};
_Static_assert(sizeof(pf_hooks) / sizeof(pf_hooks[0]) == PF_HOOKS, "PF_HOOKS: pf_hooks[]");




/* ---- prefetching ---- */

static uint64_t outstanding(const struct prefetch *p)
{
	uint64_t sum = p->ext_outstanding;
	const struct pf_stream *s;
	int i, j;

	for (i = 0; i < p->n_files; i++)
		for (j = 0; j < PF_STREAMS; j++) {
			s = &p->files[i].streams[j];
			if (s->ahead > s->next)
				sum += (s->ahead - s->next) * PF_PAGE;
		}
	return sum;
}

/* WILLNEED in pieces; 0 or -errno. */
static int willneed(struct prefetch *p, struct pf_file *f, uint64_t off, uint64_t len)
{
	uint64_t piece, t0;
	int rc;

	while (len) {
		piece = len < PF_CHUNK ? len : PF_CHUNK;
		t0 = clock__now_ns();
		rc = posix_fadvise(f->fd, (off_t)off, (off_t)piece, POSIX_FADV_WILLNEED);
		STAT_ADD(p, willneed_calls, 1);
		STAT_ADD(p, willneed_us_sum, (clock__now_ns() - t0) / 1000);
		if (rc) {
			STAT_ADD(p, errors, 1);
			return -rc;
		}
		STAT_ADD(p, bytes_advised, piece);
		off += piece;
		len -= piece;
	}
	return 0;
}

static void run_job(struct prefetch *p, const struct pf_job *j)
{
	uint64_t t0;
	int rc;

	if (j->op == PF_OP_WILLNEED)
		willneed(p, &p->files[j->file], j->off, j->len);
	else {
		t0 = clock__now_ns();
		rc = pf_drop_range(p, (int)j->file, j->off, j->len);
		STAT_ADD(p, drop_us_sum, (clock__now_ns() - t0) / 1000);
		if (rc)
			STAT_ADD(p, errors, 1);
		else
			STAT_ADD(p, bytes_dropped, j->len);
	}
}

/* To a submitter, in PF_CHUNK pieces so that several share one range; inline without. */
static void submit(struct prefetch *p, enum pf_op op, int file, uint64_t off, uint64_t len)
{
	struct pf_job j = { .op = op, .file = (uint32_t)file };
	uint64_t piece;

	while (len) {
		piece = len < PF_CHUNK ? len : PF_CHUNK;
		j.off = off;
		j.len = piece;
		if (!p->workers_started) {
			run_job(p, &j);
		} else {
			pthread_mutex_lock(&p->qlock);
			if (p->qtail - p->qhead < PF_QUEUE) {
				p->queue[p->qtail++ % PF_QUEUE] = j;
				pthread_cond_signal(&p->qcond);
				pthread_mutex_unlock(&p->qlock);
			} else {
				pthread_mutex_unlock(&p->qlock);
				STAT_ADD(p, queue_full, 1);
				run_job(p, &j);
			}
		}
		off += piece;
		len -= piece;
	}
}

/* Issue the pending range, if any. */
static void flush(struct prefetch *p)
{
	if (p->pend_len)
		submit(p, PF_OP_WILLNEED, (int)(p->pend_file - p->files), p->pend_off, p->pend_len);
	p->pend_len = 0;
}

/*
 * Queue a range; one that continues the pending one joins it. FAISS stores a
 * list's ids right after its codes, so a list costs one WILLNEED, not two:
 * the agent's syscalls are on the scan's critical path.
 */
static void pend(struct prefetch *p, struct pf_file *f, uint64_t off, uint64_t len)
{
	if (p->pend_len && p->pend_file == f && p->pend_off + p->pend_len == off) {
		p->pend_len += len;
		return;
	}
	flush(p);
	p->pend_file = f;
	p->pend_off = off;
	p->pend_len = len;
}

/*
 * Fetch a whole extent (queued: the caller flushes) unless it was just fetched
 * or the budget is spent.
 */
/* Are all pages of extent e of file f in the page cache (the BPF residency map)? */
static bool extent_resident(struct prefetch *p, const struct pf_file *f, const struct pf_ext *e)
{
	struct rb_pf_res_key k = { .file = (uint32_t)(f - p->files) };
	uint64_t first = e->off / PF_PAGE, last = (e->off + e->len - 1) / PF_PAGE, c, bits, want;
	uint64_t lo, hi;
	int fd = bpf_map__fd(p->skel->maps.resident);

	if (!e->len)
		return true;
	for (c = first >> 6; c <= last >> 6; c++) {
		k.chunk = (uint32_t)c;
		if (bpf_map_lookup_elem(fd, &k, &bits))
			return false;
		lo = first > (c << 6) ? first - (c << 6) : 0;
		hi = last - (c << 6) < 63 ? last - (c << 6) + 1 : 64;
		want = (hi == 64 ? ~0ULL : (1ULL << hi) - 1) & ~((1ULL << lo) - 1);
		if ((bits & want) != want)
			return false;
	}
	return true;
}

int prefetch__resident_pages(struct prefetch *p, int file, uint64_t first, uint64_t n,
			     uint64_t *count)
{
	struct rb_pf_res_key k = { .file = (uint32_t)file };
	uint64_t pg, bits = 0, cur = UINT64_MAX;
	int fd = bpf_map__fd(p->skel->maps.resident);

	*count = 0;
	if (file < 0 || file >= p->n_files)
		return -EINVAL;
	for (pg = first; pg < first + n; pg++) {
		if ((pg >> 6) != cur) {
			cur = pg >> 6;
			k.chunk = (uint32_t)cur;
			if (bpf_map_lookup_elem(fd, &k, &bits))
				bits = 0;
		}
		*count += (bits >> (pg & 63)) & 1;
	}
	return 0;
}

/* What became of one extent: fetched, or why not. */
enum pf_outcome { PF_RESIDENT, PF_INFLIGHT, PF_BUDGET, PF_FETCHED };

static enum pf_outcome prefetch_extent(struct prefetch *p, struct pf_file *f, struct pf_ext *e,
				       uint64_t repeat_ns)
{
	uint64_t now = clock__now_ns();

	if (e->issued_ns && now - e->issued_ns < repeat_ns) {
		STAT_ADD(p, repeats_skipped, 1);
		return PF_INFLIGHT;
	}
	/* the truth, not a guess: every page already in the page cache, nothing to do */
	if ((!e->dropped_ns || now - e->dropped_ns > PF_INFLIGHT_NS * 10) &&
	    extent_resident(p, f, e)) {
		STAT_ADD(p, resident_skips, 1);
		return PF_RESIDENT;
	}
	if (!e->outstanding && outstanding(p) + e->len > p->st.budget_bytes) {
		STAT_ADD(p, budget_skips, 1);
		return PF_BUDGET;
	}
	pend(p, f, e->off, e->len);
	e->issued_ns = now;
	if (!e->outstanding) {
		e->outstanding = e->len;
		p->ext_outstanding += e->len;
	}
	STAT_ADD(p, extents_prefetched, 1);
	return PF_FETCHED;
}

static void retire(struct prefetch *p, struct pf_ext *e, int touched)
{
	if (!e->outstanding)
		return;
	p->ext_outstanding -= e->outstanding;
	e->outstanding = 0;
	if (touched)
		STAT_ADD(p, consumed, 1);
	else
		STAT_ADD(p, expired, 1);
}

/* The sorted key table's first entry of key, or n_keys. */
static size_t key_first(const struct prefetch *p, int64_t key)
{
	size_t lo = 0, hi = p->n_keys, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->keys[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Prefetch list key; counted once per list by its best outcome. */
static void prefetch_list(struct prefetch *p, int64_t key)
{
	enum pf_outcome best = PF_RESIDENT, o;
	size_t k, lo = key_first(p, key);

	for (k = lo; k < p->n_keys && p->keys[k].key == key; k++) {
		struct pf_file *f = &p->files[p->keys[k].file];

		o = prefetch_extent(p, f, &f->ext[p->keys[k].ext], PF_INFLIGHT_NS);
		best = o > best ? o : best;
	}
	if (k == lo)
		STAT_ADD(p, hint_unknown, 1);
	else if (best == PF_FETCHED)
		STAT_ADD(p, lists_prefetched, 1);
	else if (best == PF_BUDGET)
		STAT_ADD(p, lists_budget, 1);
	else if (best == PF_INFLIGHT)
		STAT_ADD(p, lists_inflight, 1);
	else
		STAT_ADD(p, lists_resident, 1);
}

/* Bytes of list key's extents. */
static uint64_t list_bytes(const struct prefetch *p, int64_t key)
{
	uint64_t sum = 0;
	size_t k;

	for (k = key_first(p, key); k < p->n_keys && p->keys[k].key == key; k++)
		sum += p->files[p->keys[k].file].ext[p->keys[k].ext].len;
	return sum;
}

static int by_calls_desc(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;	/* calls << 32 | position */

	return *x < *y ? 1 : *x > *y ? -1 : 0;
}

/*
 * The popularity a list needs to be kept after its scan: the most popular lists
 * whose bytes fit in PF_KEEP_PCT % of the room stay, the others leave once scanned.
 */
static void rank_lists(struct prefetch *p)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int fd = bpf_map__fd(p->skel->maps.popularity);
	uint32_t batch, n, total = 0, i, min = 1;	/* 1: every list fits, keep all */
	uint64_t keep = p->opts.mem_room_bytes / 100 * PF_KEEP_PCT, used = 0;
	int rc;

	do {
		n = p->rank_cap - total;
		rc = bpf_map_lookup_batch(fd, total ? &batch : NULL, &batch, p->rank_keys + total,
					  p->rank_calls + total, &n, &bo);
		total += n;
	} while (!rc && total < p->rank_cap);
	if (rc && rc != -ENOENT) {
		STAT_ADD(p, errors, 1);
		p->ranked_ns = clock__now_ns();	/* not again at every hint */
		if (!p->hot_min)
			p->hot_min = 1;		/* keep everything: nothing known */
		return;
	}
	for (i = 0; i < total; i++)
		p->rank_order[i] = (uint64_t)p->rank_calls[i] << 32 | i;
	qsort(p->rank_order, total, sizeof(*p->rank_order), by_calls_desc);
	for (i = 0; i < total; i++) {
		used += list_bytes(p, p->rank_keys[p->rank_order[i] & 0xffffffff]);
		if (used > keep) {
			/* this list and the less popular ones do not fit */
			min = (uint32_t)(p->rank_order[i] >> 32) + 1;
			break;
		}
	}
	p->hot_min = min;
	p->ranked_ns = clock__now_ns();
	__atomic_store_n(&p->st.hot_min_calls, p->hot_min, __ATOMIC_RELAXED);
}

/* Does a call of another thread than c's name key (it is being scanned)? */
static bool named_elsewhere(const struct prefetch *p, const struct pf_call *c, int64_t key)
{
	uint32_t i;
	int t;

	for (t = 0; t < PF_MAX_TIDS; t++) {
		const struct pf_call *o = &p->calls[t];

		if (o == c || !o->tid)
			continue;
		for (i = 0; i < o->n; i++)
			if (o->lists[i] == key)
				return true;
	}
	return false;
}

/* Call c's lists are scanned: page out the cold ones. */
/* Does the incoming hint record name key (its thread is about to scan it again)? */
static bool named_now(const struct rb_pf_hint_event *e, int64_t key)
{
	uint32_t i;

	for (i = 0; i < e->n && i < RB_PF_MAX_LISTS; i++)
		if (e->lists[i] == key)
			return true;
	return false;
}

static void drop_scanned(struct prefetch *p, struct pf_call *c, const struct rb_pf_hint_event *now)
{
	int fd = bpf_map__fd(p->skel->maps.popularity);
	uint32_t i, calls;
	size_t k;

	if (!p->ranked_ns || clock__now_ns() - p->ranked_ns > PF_RANK_NS)
		rank_lists(p);
	for (i = 0; i < c->n; i++) {
		if (c->lists[i] < 0)
			continue;
		if (named_now(now, c->lists[i])) {
			STAT_ADD(p, lists_kept_busy, 1);
			continue;
		}
		if (bpf_map_lookup_elem(fd, &c->lists[i], &calls) == 0 && calls >= p->hot_min) {
			STAT_ADD(p, lists_kept_hot, 1);
			continue;
		}
		if (named_elsewhere(p, c, c->lists[i])) {
			STAT_ADD(p, lists_kept_busy, 1);
			continue;
		}
		for (k = key_first(p, c->lists[i]); k < p->n_keys && p->keys[k].key == c->lists[i]; k++) {
			struct pf_file *f = &p->files[p->keys[k].file];
			struct pf_ext *e = &f->ext[p->keys[k].ext];

			if (e->len < PF_PAGE)
				continue;	/* its page holds others' bytes too */
			retire(p, e, 1);
			e->issued_ns = 0;
			/* its residency bits lie until the drop has run: fetch it if asked meanwhile */
			e->dropped_ns = clock__now_ns();
			submit(p, PF_OP_DROP, (int)p->keys[k].file, e->off, e->len);
		}
		STAT_ADD(p, lists_dropped, 1);
	}
}

/* The call thread tid is making: its slot (a new call starts at first == 0), or NULL. */
static struct pf_call *track_call(struct prefetch *p, const struct rb_pf_hint_event *e)
{
	struct pf_call *c = NULL;
	uint32_t i;
	int t;

	uint64_t now = clock__now_ns();

	for (t = 0; t < PF_MAX_TIDS && !c; t++)
		if (p->calls[t].tid == e->tid)
			c = &p->calls[t];
	/* a free slot, or one whose thread has not called for a second (it left) */
	for (t = 0; t < PF_MAX_TIDS && !c; t++)
		if (!p->calls[t].tid || now - p->calls[t].seen_ns > PF_EXPIRE_NS)
			c = &p->calls[t];
	if (!c)
		return NULL;	/* more client threads than slots: not dropped for */
	if (c->tid != e->tid)
		*c = (struct pf_call){ 0 };
	if (c->tid && e->first == 0)
		drop_scanned(p, c, e);	/* its previous call was scanned */
	if (!c->tid || e->first == 0)
		c->n = 0;
	c->tid = e->tid;
	c->seen_ns = now;
	for (i = 0; i < e->n && i < RB_PF_MAX_LISTS && c->n < PF_CALL_LISTS; i++)
		c->lists[c->n++] = e->lists[i];
	return c;
}

static void handle_hint(struct prefetch *p, const struct rb_pf_hint_event *e)
{
	uint64_t delay;
	uint32_t i;

	STAT_ADD(p, hint_events, 1);
	delay = (clock__now_ns() - e->ts) / 1000;
	STAT_ADD(p, hint_delay_us_sum, delay);
	if (delay > p->st.hint_delay_us_max)
		__atomic_store_n(&p->st.hint_delay_us_max, delay, __ATOMIC_RELAXED);
	for (i = 0; i < e->n && i < RB_PF_MAX_LISTS; i++)
		if (e->lists[i] >= 0)	/* FAISS pads with -1 when fewer lists exist */
			prefetch_list(p, e->lists[i]);
	flush(p);
	/* after this call's prefetches: the drops are not on its critical path */
	if (p->drop_on)
		track_call(p, e);
}

static void handle_miss(struct prefetch *p, const struct rb_pf_page_event *e)
{
	struct pf_file *f;
	struct pf_ext *x;

	STAT_ADD(p, miss_events, 1);
	if (e->file >= (uint32_t)p->n_files)
		return;
	f = &p->files[e->file];
	if (!f->n_ext)
		return;   /* no extent map: the stream detector sees the accesses */
	x = pf_ext_at(f, e->index * PF_PAGE);
	if (!x) {
		STAT_ADD(p, miss_outside, 1);
		return;
	}
	if (prefetch_extent(p, f, x, PF_MISS_REPEAT_NS) == PF_FETCHED)
		STAT_ADD(p, miss_expanded, 1);
	flush(p);
}

/* ---- advice: switching speculative readahead off, and back ---- */








/* ---- the access stream: consumption, streams, classification ---- */

static void consume(struct prefetch *p, struct pf_file *f, uint64_t first, uint64_t nr)
{
	uint64_t end = (first + nr) * PF_PAGE;
	long i = pf_ext_floor(f, first * PF_PAGE);

	if (i < 0)
		i = 0;
	for (; (size_t)i < f->n_ext && f->ext[i].off < end; i++)
		if (f->ext[i].off + f->ext[i].len > first * PF_PAGE)
			retire(p, &f->ext[i], 1);
}


/* Keep window_bytes fetched ahead of a sequential reader. */
static void stream_ahead(struct prefetch *p, struct pf_file *f, struct pf_stream *s)
{
	uint64_t win = p->opts.window_bytes / PF_PAGE, from, to;

	if (s->ahead >= s->next + win / 2)
		return;
	from = s->ahead > s->next ? s->ahead : s->next;
	to = s->next + win < f->pages ? s->next + win : f->pages;
	if (to <= from)
		return;
	if (outstanding(p) + (to - from) * PF_PAGE > p->st.budget_bytes) {
		STAT_ADD(p, budget_skips, 1);
		return;
	}
	if (willneed(p, f, from * PF_PAGE, (to - from) * PF_PAGE) == 0) {
		STAT_ADD(p, stream_bytes_advised, (to - from) * PF_PAGE);
		s->ahead = to;
	}
}

static void classify(struct prefetch *p, int fi, int cont)
{
	struct pf_file *f = &p->files[fi];

	f->accesses++;
	f->jumps += !cont;
	/* mostly jumps: readahead around them only reads what nobody asks for */
	if (!f->random && pf_mostly_jumps(f) && pf_advise_random(p, fi))
		STAT_ADD(p, errors, 1);
}

static void handle_access(struct prefetch *p, const struct rb_pf_page_event *e)
{
	struct pf_stream *s;
	struct pf_file *f;
	int cont;

	STAT_ADD(p, access_events, 1);
	if (e->file >= (uint32_t)p->n_files)
		return;
	f = &p->files[e->file];
	if (f->n_ext) {
		consume(p, f, e->index, e->nr);
		return;
	}
	s = pf_stream_for(f, e->index, &cont);
	if (!cont)
		*s = (struct pf_stream){ .ahead = e->index + e->nr };
	s->first = e->index;
	s->next = e->index + e->nr > s->next ? e->index + e->nr : s->next;
	s->last_ns = clock__now_ns();
	if (++s->hits == PF_STREAM_HITS)
		STAT_ADD(p, streams_detected, 1);
	if (s->hits >= PF_STREAM_HITS && !f->random)
		stream_ahead(p, f, s);
	classify(p, (int)e->file, cont);
}

static void dispatch(struct prefetch *p, uint32_t type, void *data, size_t size)
{
	if (type == RB_PF_HINT && size >= sizeof(struct rb_pf_hint_event)) {
		handle_hint(p, data);
		return;
	}
	/* a scan's hint never waits behind a burst of accesses */
	if (++p->since_hints >= PF_HINTS_EVERY) {
		p->since_hints = 0;
		ring_buffer__consume(p->rb_hints);
	}
	if (type == RB_PF_MISS && size >= sizeof(struct rb_pf_page_event))
		handle_miss(p, data);
	else if (type == RB_PF_ACCESS && size >= sizeof(struct rb_pf_page_event))
		handle_access(p, data);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct prefetch *p = ctx;
	uint32_t type;

	if (size >= sizeof(type)) {
		memcpy(&type, data, sizeof(type));
		dispatch(p, type, data, size);
	}
	/* counted once handled, so pf_drain waits for the handling, not just the reading */
	__atomic_fetch_add(&p->records, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Release outstanding extents nobody touched, so the budget cannot leak. */
static void sweep(struct prefetch *p)
{
	uint64_t now = clock__now_ns();
	struct pf_file *f;
	size_t j;
	int i;

	if (now - p->last_sweep_ns < PF_SWEEP_NS)
		return;
	p->last_sweep_ns = now;

	for (i = 0; i < p->n_files; i++) {
		f = &p->files[i];
		for (j = 0; j < f->n_ext; j++)
			if (f->ext[j].outstanding && now - f->ext[j].issued_ns > PF_EXPIRE_NS)
				retire(p, &f->ext[j], 0);
	}
}

/* Thread slot's tid into the BPF program's agent_tids: its page adds are prefetches. */
static void register_tid(struct prefetch *p, int slot)
{
	__atomic_store_n(&p->skel->bss->agent_tids[slot], (__u32)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
}

/* Ahead of the clients on a busy CPU (root may raise a thread's priority). */
static bool raise_priority(void)
{
	return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PF_AGENT_NICE) == 0;
}

static uint64_t thread_cpu_us(void)
{
	struct timespec cpu;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu))
		return 0;
	return (uint64_t)cpu.tv_sec * 1000000 + (uint64_t)cpu.tv_nsec / 1000;
}

/* A submitter: WILLNEED and drops from the queue, until told to stop and it is empty. */
static void *worker_main(void *arg)
{
	struct pf_worker_arg *a = arg;
	struct prefetch *p = a->p;
	struct pf_job j;

	register_tid(p, a->slot);
	raise_priority();
	sem_post(&p->ready);
	pthread_mutex_lock(&p->qlock);
	for (;;) {
		while (p->qhead == p->qtail && !p->wstop)
			pthread_cond_wait(&p->qcond, &p->qlock);
		if (p->qhead == p->qtail)
			break;
		j = p->queue[p->qhead++ % PF_QUEUE];
		p->qbusy++;
		pthread_mutex_unlock(&p->qlock);
		run_job(p, &j);
		/* its CPU time so far, for collect to add up */
		__atomic_store_n(&a->cpu_us, thread_cpu_us(), __ATOMIC_RELAXED);
		pthread_mutex_lock(&p->qlock);
		p->qbusy--;
	}
	pthread_mutex_unlock(&p->qlock);
	return NULL;
}

/* Both rings: hints first, then the events (which look at the hints again as they go). */
static int poll_rings(struct prefetch *p)
{
	struct epoll_event ev[2];
	int rc = epoll_wait(p->epfd, ev, 2, PF_POLL_MS);

	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	/* records sent without a wakeup are read here, at the latest after a timeout */
	rc = ring_buffer__consume(p->rb_hints);
	if (rc >= 0)
		rc = ring_buffer__consume(p->rb);
	if (rc >= 0)
		rc = ring_buffer__consume(p->rb_hints);
	return rc < 0 && rc != -EINTR ? rc : 0;
}

static void *agent_main(void *arg)
{
	struct prefetch *p = arg;
	uint64_t wall0;

	/* from here on, pages this thread adds are prefetches, not misses */
	register_tid(p, 0);
	/* a hint handled late is a fault the query takes anyway */
	if (raise_priority())
		STAT_ADD(p, agent_nice, (uint64_t)-PF_AGENT_NICE);
	p->last_sweep_ns = clock__now_ns();
	wall0 = p->last_sweep_ns;
	sem_post(&p->ready);
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		if (poll_rings(p)) {
			STAT_ADD(p, errors, 1);
			__atomic_store_n(&p->died, 1, __ATOMIC_RELEASE);
			break;
		}
		sweep(p);
		/* how busy the agent is: its CPU time against its life (strategy_stats) */
		__atomic_store_n(&p->st.agent_cpu_us, thread_cpu_us(), __ATOMIC_RELAXED);
		__atomic_store_n(&p->st.agent_wall_us, (clock__now_ns() - wall0) / 1000, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* ---- setup ---- */

static uint32_t kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

/*
 * The budget grows with the clients (each has a scan's lists in flight), and
 * stays under a quarter of a memory cgroup limit: prefetched pages are charged
 * to the workload's cgroup, so more in flight would push out the pages it uses.
 */
static uint64_t budget_for(const struct prefetch_opts *o)
{
	uint64_t want = o->budget_bytes ? o->budget_bytes :
			PF_DEFAULT_BUDGET * (uint64_t)(o->clients > 1 ? o->clients : 1);

	if (o->mem_room_bytes && o->mem_room_bytes / 4 < want)
		want = o->mem_room_bytes / 4;
	return want;
}

void prefetch__set_room(struct prefetch *p, uint64_t room)
{
	p->opts.mem_room_bytes = room;
	p->st.budget_bytes = budget_for(&p->opts);
}

/* Dropping pays only when the lists cannot all stay cached: extents > the room. */
static bool drop_wanted(const struct prefetch *p)
{
	uint64_t bytes = 0;
	size_t j;
	int i;

	if (!p->opts.mem_room_bytes || !p->opts.drop_after_scan)
		return false;
	for (i = 0; i < p->n_files; i++)
		for (j = 0; j < p->files[i].n_ext; j++)
			bytes += p->files[i].ext[j].len;
	return bytes > p->opts.mem_room_bytes;
}

int prefetch__open(struct prefetch **out, const struct prefetch_opts *opts, char *err,
		   size_t errlen)
{
	struct prefetch *p = calloc(1, sizeof(*p));
	char why[200];
	int rc;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->uprobe_jid = -1;
	if (opts)
		p->opts = *opts;
	p->epfd = -1;
	p->pidfd = -1;
	pthread_mutex_init(&p->spans_lock, NULL);
	if (!p->opts.window_bytes)
		p->opts.window_bytes = PF_DEFAULT_WINDOW;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen, "bpf-prefetch: no kernel BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		free(p);
		return -EOPNOTSUPP;
	}
	p->skel = prefetch_bpf__open();
	if (!p->skel) {
		rc = -errno;
		snprintf(err, errlen, "bpf-prefetch: cannot open the BPF object: %s", strerror(-rc));
		free(p);
		return rc;
	}
	rc = hooks__choose(p->skel->obj, "pf", pf_hooks, PF_HOOKS, p->hooks, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: %s", why);
		prefetch_bpf__destroy(p->skel);
		free(p);
		return -ENOTSUP;
	}
	rc = prefetch_bpf__load(p->skel);
	if (rc) {
		/* a kernel the programs do not fit is a skipped strategy, not a failed run */
		snprintf(err, errlen, "bpf-prefetch: cannot load the BPF programs: %s%s",
			 strerror(-rc), geteuid() ? " (needs root)" : "");
		prefetch_bpf__destroy(p->skel);
		free(p);
		return geteuid() ? -EPERM : -ENOTSUP;
	}
	p->skel->bss->targ_tgid = (__u32)pf_served_pid(p);
	*out = p;
	return 0;
}

/* Put file f into the kernel's filter with val. */
static int filter(struct prefetch *p, const struct pf_file *f, const struct rb_pf_file_val *val)
{
	struct rb_pf_file_key key = { .ino = f->ino, .dev = kernel_dev(f->dev) };

	return bpf_map__update_elem(p->skel->maps.files, &key, sizeof(key), val, sizeof(*val), 0);
}

int prefetch__add_file(struct prefetch *p, const char *path, char *err, size_t errlen)
{
	struct rb_pf_file_val val = { 0 };
	struct pf_file *f;
	struct stat st;
	int rc;

	if (p->n_files >= PREFETCH_MAX_FILES) {
		snprintf(err, errlen, "bpf-prefetch: more than %d files", PREFETCH_MAX_FILES);
		return -ENOSPC;
	}
	f = &p->files[p->n_files];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open for prefetching: %s", path, strerror(-rc));
		if (f->fd >= 0)
			close(f->fd);
		return rc;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pages = ((uint64_t)st.st_size + PF_PAGE - 1) / PF_PAGE;
	val.file = (__u32)p->n_files;
	if (filter(p, f, &val)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot add to the BPF file filter: %s", path, strerror(-rc));
		close(f->fd);
		return rc;
	}
	return p->n_files++;
}

int prefetch__add_extent(struct prefetch *p, int file, int64_t key, uint64_t off, uint64_t len)
{
	struct pf_file *f;
	void *n;

	if (file < 0 || file >= p->n_files || !len)
		return -EINVAL;
	f = &p->files[file];
	if (f->n_ext == f->cap_ext) {
		f->cap_ext = f->cap_ext ? 2 * f->cap_ext : 1024;
		n = realloc(f->ext, f->cap_ext * sizeof(*f->ext));
		if (!n)
			return -ENOMEM;
		f->ext = n;
	}
	f->ext[f->n_ext++] = (struct pf_ext){ .off = off, .len = len };
	if (key < 0)
		return 0;
	if (p->n_keys == p->cap_keys) {
		p->cap_keys = p->cap_keys ? 2 * p->cap_keys : 1024;
		n = realloc(p->keys, p->cap_keys * sizeof(*p->keys));
		if (!n)
			return -ENOMEM;
		p->keys = n;
	}
	p->keys[p->n_keys++] = (struct pf_key){ .key = key, .file = (uint32_t)file, .off = off };
	return 0;
}


int pf_attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen);

static int attach(struct prefetch *p, char *err, size_t errlen)
{
	char exe[PATH_MAX], self[64];
	const char *bin = p->opts.binary, *sym = p->opts.symbol;
	struct prefetch_bpf *s = p->skel;
	ssize_t n;
	int i, rc;

	for (i = 0; i < s->skeleton->prog_cnt; i++) {
		struct bpf_program *prog = *s->skeleton->progs[i].prog;

		if (prog == s->progs.pf_prefetch_lists || !bpf_program__autoload(prog))
			continue;
		*s->skeleton->progs[i].link = bpf_program__attach(prog);
		if (!*s->skeleton->progs[i].link) {
			rc = errno ? -errno : -EINVAL;
			snprintf(err, errlen, "bpf-prefetch: cannot attach %s: %s",
				 bpf_program__name(prog), strerror(-rc));
			return rc;
		}
	}
	if ((sym && !sym[0]) || (!bin && pf_outside(p)))
		return 0;   /* no uprobe asked for, or not yet (prefetch__attach_hints) */
	if (!bin) {
		snprintf(self, sizeof(self), "/proc/%d/exe", pf_served_pid(p));
		n = readlink(self, exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = '\0';
		bin = exe;
	}
	return pf_attach_uprobe(p, bin, err, errlen);
}

int pf_attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	struct prefetch_bpf *s = p->skel;
	char self[16];
	int rc;

	uopts.func_name = p->opts.symbol ? p->opts.symbol : PREFETCH_FAISS_SYMBOL;
	/* a kernel without the uprobe PMU gets tracefs events that outlive us: journaled */
	snprintf(self, sizeof(self), "%d", (int)getpid());
	rc = p->uprobe_jid < 0 ? journal__record(RB_JOURNAL_UPROBES, self, NULL, &p->uprobe_jid) : 0;
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: cannot journal the uprobe in %s: %s",
			 journal__dir(), strerror(-rc));
		return rc;
	}
	s->links.pf_prefetch_lists = bpf_program__attach_uprobe_opts(s->progs.pf_prefetch_lists,
								     pf_served_pid(p), bin, 0, &uopts);
	if (!s->links.pf_prefetch_lists) {
		rc = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "bpf-prefetch: cannot attach a uprobe to %s in %s: %s",
			 uopts.func_name, bin, strerror(-rc));
		return rc;
	}
	return 0;
}


int prefetch__retarget(struct prefetch *p, int pid)
{
	if (pid == pf_served_pid(p))
		return 0;
	/* the old process's uprobe goes; the new one's FAISS is found again (attach_hints_found) */
	bpf_link__destroy(p->skel->links.pf_prefetch_lists);
	p->skel->links.pf_prefetch_lists = NULL;
	__atomic_store_n(&p->opts.pid, pid, __ATOMIC_RELEASE);
	__atomic_store_n(&p->skel->bss->targ_tgid, (__u32)pid, __ATOMIC_RELEASE);
	if (p->pidfd >= 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	return 0;
}

int prefetch__attach_hints(struct prefetch *p, const char *binary, char *err, size_t errlen)
{
	if (p->skel->links.pf_prefetch_lists)
		return -EALREADY;
	return pf_attach_uprobe(p, binary, err, errlen);
}

/*
 * The agent thread, and a submitter per client when there are several (at most
 * PF_MAX_SUBMITTERS), or one for the drops. They take no signal: SIGINT stays
 * with the thread that handles it.
 */
static int start_threads(struct prefetch *p)
{
	int clients = p->opts.clients > 1 ? p->opts.clients : 1, i, rc = 0;
	/* a submitter per client beyond the first; one at least when drops are on */
	int n = clients > 1 ? clients : p->drop_on ? 1 : 0;
	sigset_t all, old;

	if (sem_init(&p->ready, 0, 0))
		return -errno;
	p->ready_init = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (n) {
		pthread_mutex_init(&p->qlock, NULL);
		pthread_cond_init(&p->qcond, NULL);
		p->workers_started = 1;
	}
	for (i = 0; i < n && i < PF_MAX_SUBMITTERS && !rc; i++) {
		p->wargs[i] = (struct pf_worker_arg){ .p = p, .slot = i + 1 };
		rc = pthread_create(&p->workers[i], NULL, worker_main, &p->wargs[i]);
		if (!rc) {
			p->n_workers++;
			while (sem_wait(&p->ready) && errno == EINTR)
				;
		}
	}
	if (!rc)
		rc = pthread_create(&p->thread, NULL, agent_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	p->thread_started = 1;
	__atomic_store_n(&p->st.submitters, (uint64_t)p->n_workers, __ATOMIC_RELAXED);
	while (sem_wait(&p->ready) && errno == EINTR)
		;
	return 0;
}

/* Both rings in one epoll set, so one wait covers them. */
static int open_rings(struct prefetch *p)
{
	struct epoll_event ev = { .events = EPOLLIN };

	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_event, p, NULL);
	if (!p->rb)
		return -errno;
	p->rb_hints = ring_buffer__new(bpf_map__fd(p->skel->maps.hints), on_event, p, NULL);
	if (!p->rb_hints)
		return -errno;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		return -errno;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(p->rb), &ev) ||
	    epoll_ctl(p->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(p->rb_hints), &ev))
		return -errno;
	return 0;
}

/* Dropping cold lists: the client threads' calls, the mappings to page out of. */
static int start_drops(struct prefetch *p)
{
	p->drop_on = drop_wanted(p);
	if (!p->drop_on)
		return 0;
	p->calls = calloc(PF_MAX_TIDS, sizeof(*p->calls));
	p->rank_cap = p->n_keys < RB_PF_MAX_KEYS ? (uint32_t)p->n_keys : RB_PF_MAX_KEYS;
	p->rank_keys = calloc(p->rank_cap + 1, sizeof(*p->rank_keys));
	p->rank_calls = calloc(p->rank_cap + 1, sizeof(*p->rank_calls));
	p->rank_order = calloc(p->rank_cap + 1, sizeof(*p->rank_order));
	if (!p->calls || !p->rank_keys || !p->rank_calls || !p->rank_order)
		return -ENOMEM;

	STAT_ADD(p, drop_pressure, 1);
	return pf_find_spans(p);
}

/*
 * A file read extent by extent gains nothing from speculative readahead, and
 * its misses are worth waking the agent for.
 */
static int start_file(struct prefetch *p, int fi)
{
	struct rb_pf_file_val val = { .file = (__u32)fi, .flags = RB_PF_F_MISSES };

	if (!p->files[fi].n_ext)
		return 0;
	if (filter(p, &p->files[fi], &val))
		return -errno;
	return pf_advise_random(p, fi);
}

int prefetch__start(struct prefetch *p, char *err, size_t errlen)
{
	int i, rc;

	pf_index_extents(p);
	p->st.budget_bytes = budget_for(&p->opts);
	rc = open_rings(p);
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: cannot open the ring buffers: %s", strerror(-rc));
		return rc;
	}
	for (i = 0; i < p->n_files; i++) {
		rc = start_file(p, i);
		if (rc) {
			snprintf(err, errlen, "%s: cannot switch readahead off: %s", p->files[i].path,
				 strerror(-rc));
			return rc;
		}
	}
	rc = start_drops(p);
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: cannot find the mappings to drop cold lists "
			 "from: %s", strerror(-rc));
		return rc;
	}
	rc = attach(p, err, errlen);
	if (rc)
		return rc;
	rc = start_threads(p);
	if (rc)
		snprintf(err, errlen, "bpf-prefetch: cannot start the agent threads: %s", strerror(-rc));
	return rc;
}

static bool queue_empty(struct prefetch *p)
{
	bool empty;

	if (!p->workers_started)
		return true;
	pthread_mutex_lock(&p->qlock);
	empty = p->qhead == p->qtail && !p->qbusy;	/* taken jobs count until done */
	pthread_mutex_unlock(&p->qlock);
	return empty;
}

/* Give the agent up to PF_DRAIN_MS to handle what the kernel already sent. */
void pf_drain(struct prefetch *p)
{
	volatile struct rb_pf_kcounters *k = &p->skel->bss->counters;
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; p->thread_started && i < PF_DRAIN_MS; i++) {
		if (__atomic_load_n(&p->records, __ATOMIC_ACQUIRE) >= k->records && queue_empty(p))
			return;
		nanosleep(&ms, NULL);
	}
}

bool prefetch__alive(const struct prefetch *p)
{
	return !__atomic_load_n(&p->died, __ATOMIC_ACQUIRE);
}

int prefetch__stop(struct prefetch *p)
{
	int rc;

	int i;

	if (p->thread_started) {
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
		pthread_join(p->thread, NULL);
		p->thread_started = 0;
	}
	/* the submitters finish what is queued: every counted prefetch was issued */
	if (p->workers_started) {
		pthread_mutex_lock(&p->qlock);
		p->wstop = 1;
		pthread_cond_broadcast(&p->qcond);
		pthread_mutex_unlock(&p->qlock);
		for (i = 0; i < p->n_workers; i++)
			pthread_join(p->workers[i], NULL);
		pthread_cond_destroy(&p->qcond);
		pthread_mutex_destroy(&p->qlock);
		p->workers_started = 0;
		p->n_workers = 0;
	}
	if (p->ready_init) {
		sem_destroy(&p->ready);
		p->ready_init = 0;
	}
	/* detach first: nothing may prefetch or advise once we start restoring */
	prefetch_bpf__detach(p->skel);
	rc = pf_restore_advice(p);
	return rc;
}

int prefetch__destroy(struct prefetch *p)
{
	int i, rc;

	if (!p)
		return 0;
	rc = prefetch__stop(p);
	ring_buffer__free(p->rb);
	ring_buffer__free(p->rb_hints);
	if (p->epfd >= 0)
		close(p->epfd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	pthread_mutex_destroy(&p->spans_lock);
	free(p->calls);
	free(p->rank_keys);
	free(p->rank_calls);
	free(p->rank_order);
	prefetch_bpf__destroy(p->skel);
	journal__forget(p->uprobe_jid);
	for (i = 0; i < p->n_files; i++) {
		close(p->files[i].fd);
		free(p->files[i].ext);
	}
	free(p->keys);
	free(p);
	return rc;
}
