/*
 * prefetch_submit — the agent's hands: WILLNEED (and drops) of whole extents
 * through the agent's own descriptors, on the agent's thread or, with several
 * clients, on submitter threads fed by a queue; the budget of pf_outstanding bytes;
 * residency checks (mincore) that skip what is already cached.
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

/* ---- prefetching ---- */

uint64_t pf_outstanding(const struct prefetch *p)
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
int pf_willneed(struct prefetch *p, struct pf_file *f, uint64_t off, uint64_t len)
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
		pf_willneed(p, &p->files[j->file], j->off, j->len);
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

/*
 * To a submitter, in PF_CHUNK pieces so that several share one range; inline
 * without. A full queue makes the agent wait for a slot rather than run the job
 * itself: every job goes through the queue, so jobs on one page keep its order.
 */
void pf_submit(struct prefetch *p, enum pf_op op, int file, uint64_t off, uint64_t len)
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
			if (p->qtail - p->qhead >= PF_QUEUE)
				STAT_ADD(p, queue_full, 1);
			while (p->qtail - p->qhead >= PF_QUEUE)
				pthread_cond_wait(&p->qdone, &p->qlock);
			p->queue[p->qtail++ % PF_QUEUE] = j;
			pthread_cond_signal(&p->qcond);
			pthread_mutex_unlock(&p->qlock);
		}
		off += piece;
		len -= piece;
	}
}

/*
 * Under qlock: does a job taken before submitter me's (an earlier queue
 * position) and not yet done touch one of its pages? A WILLNEED queued after
 * the drop of the same extent must not run first, nor a drop after a WILLNEED.
 */
static bool earlier_overlap(const struct prefetch *p, int me)
{
	int k;

	for (k = 0; k < PF_MAX_SUBMITTERS; k++)
		if (k != me && p->claimed[k] && (int)(p->claim_seq[k] - p->claim_seq[me]) < 0 &&
		    pf_jobs_overlap(&p->claim[k], &p->claim[me]))
			return true;
	return false;
}

/* Issue the pending range, if any. */
void pf_flush(struct prefetch *p)
{
	if (p->pend_len)
		pf_submit(p, PF_OP_WILLNEED, (int)(p->pend_file - p->files), p->pend_off, p->pend_len);
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
	pf_flush(p);
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
enum pf_outcome pf_prefetch_extent(struct prefetch *p, struct pf_file *f, struct pf_ext *e,
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
	if (!e->outstanding && pf_outstanding(p) + e->len > p->st.budget_bytes) {
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

void pf_retire(struct prefetch *p, struct pf_ext *e, int touched)
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
size_t pf_key_first(const struct prefetch *p, int64_t key)
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

/* Every extent of key: the best outcome of them, or -1 when the map has none. */
static int prefetch_key(struct prefetch *p, int64_t key)
{
	enum pf_outcome best = PF_RESIDENT, o;
	size_t k, lo = pf_key_first(p, key);

	for (k = lo; k < p->n_keys && p->keys[k].key == key; k++) {
		struct pf_file *f = &p->files[p->keys[k].file];

		o = pf_prefetch_extent(p, f, &f->ext[p->keys[k].ext], PF_INFLIGHT_NS);
		best = o > best ? o : best;
	}
	return k == lo ? -1 : (int)best;
}

/* Prefetch list key; counted once per list by its best outcome. */
void pf_prefetch_list(struct prefetch *p, int64_t key)
{
	int best = prefetch_key(p, key);

	if (best < 0)
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

void pf_prefetch_result(struct prefetch *p, int64_t id)
{
	int best = prefetch_key(p, p->opts.result_key_base + id);

	if (best < 0)
		STAT_ADD(p, result_unknown, 1);
	else if (best == PF_FETCHED)
		STAT_ADD(p, results_prefetched, 1);
	else if (best == PF_RESIDENT)
		STAT_ADD(p, results_resident, 1);
	else
		STAT_ADD(p, results_skipped, 1);
}

/*
 * Once every hinted file is read whole, the hints name nothing left to fetch:
 * the hint uprobe goes, and with it a trap on every search (ci.yaml, warm: p50
 * 0.141 ms against default's 0.102 with it). Misses still reach the agent
 * through the page-cache tracepoints. Only for our own process: an external
 * client's uprobe is attached and retargeted by the caller's thread. Removing a
 * uprobe waits for a grace period (~45 ms here): on a thread of its own, so the
 * agent goes on serving the search's result hints meanwhile (rag).
 */
static void *unhint_main(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

static void detach_hints(struct prefetch *p)
{
	struct bpf_link *link = p->skel->links.pf_prefetch_lists;
	int i;

	if (p->drop_on || !p->skel->links.pf_prefetch_lists ||
	    (p->opts.pid && p->opts.pid != getpid()))
		return;
	for (i = 0; i < p->n_files; i++)
		if (p->files[i].n_ext && !p->files[i].keep && p->files[i].whole != 2)
			return;	/* a file still read list by list */
	p->skel->links.pf_prefetch_lists = NULL;	/* a second call returns above */
	if (pthread_create(&p->unhint_thread, NULL, unhint_main, link) == 0)
		p->unhint_started = true;
	else
		bpf_link__destroy(link);	/* no thread: the agent waits instead */
	STAT_ADD(p, hints_detached, 1);
}

void pf_fetch_whole(struct prefetch *p)
{
	bool issued = false;
	int i;

	for (i = 0; i < p->n_files; i++)
		if (p->files[i].whole == 1) {
			p->files[i].whole = 2;
			pf_submit(p, PF_OP_WILLNEED, i, 0, p->files[i].pages * PF_PAGE);
			issued = true;
		}
	if (issued)
		detach_hints(p);
}

/* Bytes of list key's extents. */
uint64_t pf_list_bytes(const struct prefetch *p, int64_t key)
{
	uint64_t sum = 0;
	size_t k;

	for (k = pf_key_first(p, key); k < p->n_keys && p->keys[k].key == key; k++)
		sum += p->files[p->keys[k].file].ext[p->keys[k].ext].len;
	return sum;
}

/* A submitter: WILLNEED and drops from the queue, until told to stop and it is empty. */
void *pf_worker_main(void *arg)
{
	struct pf_worker_arg *a = arg;
	struct prefetch *p = a->p;
	int me = a->slot - 1;
	struct pf_job j;

	pf_register_tid(p, a->slot);
	pf_raise_priority();
	sem_post(&p->ready);
	pthread_mutex_lock(&p->qlock);
	for (;;) {
		while (p->qhead == p->qtail && !p->wstop)
			pthread_cond_wait(&p->qcond, &p->qlock);
		if (p->qhead == p->qtail)
			break;
		p->claim_seq[me] = p->qhead;
		j = p->claim[me] = p->queue[p->qhead++ % PF_QUEUE];
		p->claimed[me] = true;
		p->qbusy++;
		if (earlier_overlap(p, me))
			STAT_ADD(p, ordered_waits, 1);
		while (earlier_overlap(p, me))
			pthread_cond_wait(&p->qdone, &p->qlock);
		pthread_mutex_unlock(&p->qlock);
		run_job(p, &j);
		/* its CPU time so far, for collect to add up */
		__atomic_store_n(&a->cpu_us, pf_thread_cpu_us(), __ATOMIC_RELAXED);
		pthread_mutex_lock(&p->qlock);
		p->claimed[me] = false;
		p->qbusy--;
		pthread_cond_broadcast(&p->qdone);
	}
	pthread_mutex_unlock(&p->qlock);
	return NULL;
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

