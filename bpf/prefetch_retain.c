/*
 * prefetch_retain — what to keep under a memory limit: list popularity ranked
 * (counted in BPF), the calls each client thread has in flight, and the drop of a
 * scanned call's cold lists (MADV_PAGEOUT + FADV_DONTNEED) unless another
 * thread's current call names them.
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
		used += pf_list_bytes(p, p->rank_keys[p->rank_order[i] & 0xffffffff]);
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
		for (k = pf_key_first(p, c->lists[i]); k < p->n_keys && p->keys[k].key == c->lists[i]; k++) {
			struct pf_file *f = &p->files[p->keys[k].file];
			struct pf_ext *e = &f->ext[p->keys[k].ext];

			if (e->len < PF_PAGE)
				continue;	/* its page holds others' bytes too */
			pf_retire(p, e, 1);
			e->issued_ns = 0;
			/* its residency bits lie until the drop has run: fetch it if asked meanwhile */
			e->dropped_ns = clock__now_ns();
			pf_submit(p, PF_OP_DROP, (int)p->keys[k].file, e->off, e->len);
		}
		STAT_ADD(p, lists_dropped, 1);
	}
}

/* The call thread tid is making: its slot (a new call starts at first == 0), or NULL. */
struct pf_call *pf_track_call(struct prefetch *p, const struct rb_pf_hint_event *e)
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

