/*
 * prefetch_agent — the agent thread: polls the hint ring first and the events
 * ring, turns a hint into its lists' extents, a search's returned ids into
 * what they name, a miss into its extent, follows
 * access streams, and sweeps expired prefetches.
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
			pf_prefetch_list(p, e->lists[i]);
	pf_flush(p);
	pf_fetch_whole(p);	/* behind this call's lists: they are read first */
	/* after this call's prefetches: the drops are not on its critical path */
	if (p->drop_on)
		pf_track_call(p, e);
}

/* The ids a search returned: what they name is read next (rag: its hits' chunks). */
static void handle_result(struct prefetch *p, const struct rb_pf_hint_event *e)
{
	uint64_t delay = (clock__now_ns() - e->ts) / 1000;
	uint32_t i;

	STAT_ADD(p, result_events, 1);
	STAT_ADD(p, result_delay_us_sum, delay);
	for (i = 0; i < e->n && i < RB_PF_MAX_LISTS; i++)
		if (e->lists[i] >= 0)	/* FAISS writes -1 for a hit it did not find */
			pf_prefetch_result(p, e->lists[i]);
	pf_flush(p);
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
	if (pf_prefetch_extent(p, f, x, PF_MISS_REPEAT_NS) == PF_FETCHED)
		STAT_ADD(p, miss_expanded, 1);
	pf_flush(p);
	pf_fetch_whole(p);
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
			pf_retire(p, &f->ext[i], 1);
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
	if (pf_outstanding(p) + (to - from) * PF_PAGE > p->st.budget_bytes) {
		STAT_ADD(p, budget_skips, 1);
		return;
	}
	if (pf_willneed(p, f, from * PF_PAGE, (to - from) * PF_PAGE) == 0) {
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
	if (!f->random && !f->keep && pf_mostly_jumps(f) && pf_advise_random(p, fi))
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
	if (type == RB_PF_RESULT && size >= sizeof(struct rb_pf_hint_event)) {
		handle_result(p, data);
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

int pf_on_event(void *ctx, void *data, size_t size)
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

/* Release pf_outstanding extents nobody touched, so the budget cannot leak. */
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
				pf_retire(p, &f->ext[j], 0);
	}
}

/* Thread slot's tid into the BPF program's agent_tids: its page adds are prefetches. */
void pf_register_tid(struct prefetch *p, int slot)
{
	__atomic_store_n(&p->skel->bss->agent_tids[slot], (__u32)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
}

/* Ahead of the clients on a busy CPU (root may raise a thread's priority). */
bool pf_raise_priority(void)
{
	return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PF_AGENT_NICE) == 0;
}

uint64_t pf_thread_cpu_us(void)
{
	struct timespec cpu;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu))
		return 0;
	return (uint64_t)cpu.tv_sec * 1000000 + (uint64_t)cpu.tv_nsec / 1000;
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

void *pf_agent_main(void *arg)
{
	struct prefetch *p = arg;
	uint64_t wall0;

	/* from here on, pages this thread adds are prefetches, not misses */
	pf_register_tid(p, 0);
	/* a hint handled late is a fault the query takes anyway */
	if (pf_raise_priority())
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
		__atomic_store_n(&p->st.agent_cpu_us, pf_thread_cpu_us(), __ATOMIC_RELAXED);
		__atomic_store_n(&p->st.agent_wall_us, (clock__now_ns() - wall0) / 1000, __ATOMIC_RELAXED);
	}
	return NULL;
}

