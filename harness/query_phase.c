/*
 * query_phase — clients, batches and what the queries returned (see query_phase.h).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <xxhash.h>

#include "query_phase.h"
#include "bpf/stalls_api.h"
#include "lib/cachesim.h"
#include "lib/clock.h"

#define RB_PAGE 4096ULL

/* Pages of each file the queries touched: "bytes needed" without double counting. */
struct page_sets {
	unsigned char *bits[RB_MAX_FILES];
	uint64_t pages[RB_MAX_FILES];
};

/* One client thread. */
struct client_run {
	struct query_phase *qp;
	struct rb_client c;
	pthread_t thread;
	bool started;
	int rc;
	struct rb_query_result *res;   /* workload.batch results */
	int64_t *qi;                   /* the batch's query ids */
};

/*
 * Shared by the clients: each takes the next batch of stream positions and
 * writes only the slots of those positions, so no lock is needed.
 */
struct query_phase {
	const struct rb_config *cfg;
	const struct rb_dataset *ds;
	const struct ra_strategy_ops *strategy;
	const struct rb_runner_opts *opts;
	struct rb_workload *w;
	struct rb_repeat_result *rr;
	struct client_run *clients;
	int n_clients;
	int64_t nq, k;
	int64_t *ids;              /* nq * k: each position's result ids */
	double *recall;            /* the workload's own recall of a position, or NAN */
	bool *has_recall;
	int64_t next;              /* next stream position to hand out (atomic) */
	uint64_t done;             /* queries done (atomic): the timeline's count */
	int failed;                /* a client failed or saw the stop flag (atomic) */
	bool shared_wait;          /* the process's other threads measured (batch search) */
};

static int64_t query_at(const struct query_phase *qp, int64_t pos)
{
	return qp->opts->stream ? qp->opts->stream[pos] : pos;
}

/* What one query returned, kept for the accounting: the only work between queries. */
static void store_result(struct query_phase *qp, struct client_run *cr, int64_t pos,
			 const struct rb_query_result *res, double us, double wait_us)
{
	struct rb_repeat_result *rr = qp->rr;

	rr->latency_us[pos] = us;
	if (rr->io_wait_us)
		rr->io_wait_us[pos] = wait_us;
	rr->client_of[pos] = cr->c.id;
	if (rr->n_phases) {
		memcpy(rr->phase_us + pos * rr->n_phases, res->phase_us,
		       sizeof(double) * rr->n_phases);
		memcpy(rr->phase_io_wait_us + pos * rr->n_phases, res->phase_io_wait_us,
		       sizeof(double) * rr->n_phases);
		memcpy(rr->phase_majflt + pos * rr->n_phases, res->phase_majflt,
		       sizeof(double) * rr->n_phases);
	}
	memcpy(qp->ids + pos * qp->k, res->ids, (size_t)qp->k * sizeof(int64_t));
	qp->has_recall[pos] = res->has_recall;
	qp->recall[pos] = res->recall;
}

/* One batch of n stream positions from first: hints, the timed call, the results. */
static int run_batch(struct client_run *cr, int64_t first, int n)
{
	struct query_phase *qp = cr->qp;
	const struct workload_ops *ops = qp->w->ops;
	struct rb_stalls *st = qp->opts->stalls;
	double t0, us, wait_us;
	uint64_t w0, s0, shared;
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		cr->qi[i] = query_at(qp, first + i);
		memset(&cr->res[i], 0, sizeof(cr->res[i]));
	}
	w0 = stalls__read(st, cr->c.id);
	s0 = stalls__read(st, RB_STALLS_SHARED_SLOT);
	t0 = clock__now_s();
	for (i = 0; i < n && !rc && qp->strategy->before_query; i++)
		rc = qp->strategy->before_query(&cr->c, cr->qi[i]);
	if (!rc)
		rc = n == 1 ? ops->run_query(&cr->c, cr->qi[0], cr->res) :
			      ops->run_batch(&cr->c, cr->qi, n, cr->res);
	us = (clock__now_s() - t0) * 1e6;
	/*
	 * The client thread's wait, plus (batch search) what the process's other threads
	 * (FAISS's OpenMP workers) waited meanwhile, split among the clients that share
	 * them; shared among the batch's queries so totals add up.
	 */
	shared = qp->shared_wait ? (stalls__read(st, RB_STALLS_SHARED_SLOT) - s0) / qp->n_clients : 0;
	wait_us = (double)(stalls__read(st, cr->c.id) - w0 + shared) / 1e3 / n;
	/* every query of a batch waited for the whole batch */
	for (i = 0; i < n && !rc; i++) {
		store_result(qp, cr, first + i, &cr->res[i], us, wait_us);
		__atomic_fetch_add(&qp->done, 1, __ATOMIC_RELAXED);
		live__query_done(qp->opts->live, us);
	}
	return rc;
}

static void *client_main(void *arg)
{
	struct client_run *cr = arg;
	struct query_phase *qp = cr->qp;
	int64_t batch = qp->cfg->workload_batch, first;

	/* an external client: every thread of its process is one that searches and waits */
	if ((qp->w->target_pid ? stalls__register_process(qp->opts->stalls, cr->c.id, qp->w->target_pid)
			       : stalls__register(qp->opts->stalls, cr->c.id)) && qp->opts->stalls)
		cr->rc = -EIO;
	/* this thread's own total: a workload reads it at its phase boundaries */
	cr->c.io_wait_ns = qp->w->target_pid ? NULL : stalls__counter(qp->opts->stalls, cr->c.id);
	while (!cr->rc && !__atomic_load_n(&qp->failed, __ATOMIC_RELAXED)) {
		if (qp->opts->stop && *qp->opts->stop) {
			cr->rc = -EINTR;
			break;
		}
		first = __atomic_fetch_add(&qp->next, batch, __ATOMIC_RELAXED);
		if (first >= qp->nq)
			break;
		cr->rc = run_batch(cr, first, (int)(first + batch <= qp->nq ? batch : qp->nq - first));
		if (cr->rc)
			break;
	}
	stalls__unregister(qp->opts->stalls, cr->c.id);
	if (cr->rc)
		__atomic_store_n(&qp->failed, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int client_init(struct client_run *cr, struct query_phase *qp, int id)
{
	cr->qp = qp;
	cr->c = (struct rb_client){ .w = qp->w, .id = id };
	cr->res = calloc((size_t)qp->cfg->workload_batch, sizeof(*cr->res));
	cr->qi = calloc((size_t)qp->cfg->workload_batch, sizeof(*cr->qi));
	if (!cr->res || !cr->qi)
		return -ENOMEM;
	return qp->w->ops->client_open(&cr->c);
}

static void client_fini(struct client_run *cr)
{
	if (cr->c.w)
		cr->c.w->ops->client_close(&cr->c);
	free(cr->res);
	free(cr->qi);
}

int query_phase__new(struct query_phase **out, const struct rb_config *cfg,
		     const struct rb_dataset *ds, const struct ra_strategy_ops *strategy,
		     struct rb_workload *w, const struct rb_runner_opts *opts,
		     struct rb_repeat_result *rr)
{
	struct query_phase *qp = calloc(1, sizeof(*qp));
	int i, rc = 0;

	*out = qp;
	if (!qp)
		return -ENOMEM;
	*qp = (struct query_phase){ .cfg = cfg, .ds = ds, .strategy = strategy, .opts = opts,
				    .w = w, .rr = rr, .n_clients = rr->clients,
				    .nq = cfg->workload_queries, .k = cfg->workload_k };
	qp->clients = calloc((size_t)qp->n_clients, sizeof(*qp->clients));
	qp->ids = calloc((size_t)(qp->nq * qp->k), sizeof(*qp->ids));
	qp->recall = calloc((size_t)qp->nq, sizeof(*qp->recall));
	qp->has_recall = calloc((size_t)qp->nq, sizeof(*qp->has_recall));
	if (!qp->clients || !qp->ids || !qp->recall || !qp->has_recall)
		return -ENOMEM;
	for (i = 0; i < qp->n_clients && !rc; i++)
		rc = client_init(&qp->clients[i], qp, i);
	return rc;
}

/* Start clients 1..n-1 in threads, run client 0 here, wait for all; first error wins. */
int query_phase__run(struct query_phase *qp)
{
	struct client_run *cr = qp->clients;
	int i, n = qp->n_clients, rc = 0;

	/* a batch search runs on FAISS's OpenMP threads: this process's other threads count too */
	qp->shared_wait = qp->opts->stalls && !qp->w->target_pid && qp->cfg->workload_batch > 1 &&
			  stalls__register_process(qp->opts->stalls, RB_STALLS_SHARED_SLOT, getpid()) == 0;
	for (i = 1; i < n; i++) {
		rc = -pthread_create(&cr[i].thread, NULL, client_main, &cr[i]);
		if (rc) {
			__atomic_store_n(&qp->failed, 1, __ATOMIC_RELAXED);
			break;
		}
		cr[i].started = true;
	}
	if (!rc)
		client_main(&cr[0]);
	for (i = 1; i < n; i++)
		if (cr[i].started)
			pthread_join(cr[i].thread, NULL);
	for (i = 0; i < n && !rc; i++)
		if (cr[i].rc && cr[i].rc != -EINTR)
			rc = cr[i].rc;
	for (i = 0; i < n && !rc; i++)
		rc = cr[i].rc;
	if (qp->shared_wait)
		stalls__unregister(qp->opts->stalls, RB_STALLS_SHARED_SLOT);
	return rc;
}

static int page_sets__init(struct page_sets *ps, const struct rb_workload *w)
{
	int i;

	memset(ps, 0, sizeof(*ps));
	for (i = 0; i < w->n_files; i++) {
		ps->pages[i] = (w->files[i].size + RB_PAGE - 1) / RB_PAGE;
		ps->bits[i] = calloc(ps->pages[i] / 8 + 1, 1);
		if (!ps->bits[i])
			return -ENOMEM;
	}
	return 0;
}

static void page_sets__add(struct page_sets *ps, const struct rb_extent *e)
{
	uint64_t p, first = e->offset / RB_PAGE, last = (e->offset + e->len - 1) / RB_PAGE;

	if (e->len == 0 || e->file < 0 || e->file >= RB_MAX_FILES || !ps->bits[e->file])
		return;
	for (p = first; p <= last && p < ps->pages[e->file]; p++)
		ps->bits[e->file][p / 8] |= 1 << (p % 8);
}

/* e's pages (those inside its file) appended to the trace, in order. */
static int trace_add(struct cachesim_trace *t, const struct page_sets *ps, const struct rb_extent *e)
{
	uint64_t size;

	if (e->len == 0 || e->file < 0 || e->file >= RB_MAX_FILES || !ps->bits[e->file] ||
	    e->offset >= ps->pages[e->file] * RB_PAGE)
		return 0;
	size = ps->pages[e->file] * RB_PAGE - e->offset;
	return cachesim_trace__add_extent(t, (uint32_t)e->file, e->offset, e->len < size ? e->len : size);
}

/* The trace through an optimal and an LRU cache of rr->bounds.room_bytes. */
static int simulate(const struct cachesim_trace *t, struct rb_repeat_result *rr)
{
	struct cachesim_result cr;
	/* room 0: unlimited; any room holds at least one page */
	uint64_t cap = rr->bounds.room_bytes ? (rr->bounds.room_bytes + RB_PAGE - 1) / RB_PAGE : 0;
	int rc = cachesim__run(t->pages, t->n, cap, &cr);

	if (rc)
		return rc;
	rr->bounds.known = true;
	rr->bounds.trace_pages = cr.accesses;
	rr->bounds.unique_bytes = cr.unique * RB_PAGE;
	rr->bounds.opt_bytes = cr.opt_misses * RB_PAGE;
	rr->bounds.lru_bytes = cr.lru_misses * RB_PAGE;
	return 0;
}

static uint64_t page_sets__bytes(const struct page_sets *ps)
{
	uint64_t n = 0, i, b;
	int f;

	for (f = 0; f < RB_MAX_FILES; f++)
		for (i = 0; ps->bits[f] && i < ps->pages[f] / 8 + 1; i++)
			for (b = ps->bits[f][i]; b; b &= b - 1)
				n++;
	return n * RB_PAGE;
}

static void page_sets__free(struct page_sets *ps)
{
	int i;

	for (i = 0; i < RB_MAX_FILES; i++)
		free(ps->bits[i]);
}

/*
 * In stream order: the recall (the workload's own, else recall@k against the
 * ground truth), the digest (XXH3 of each query's ids, seeded with the query
 * id: order-free, so equal for any number of clients) and the extents each
 * query needed, asked of the workload with the query's result in hand; those
 * extents, page by page in stream order, are the trace the bounds replay.
 */
int query_phase__account(struct query_phase *qp)
{
	struct rb_repeat_result *rr = qp->rr;
	struct client_run *c0 = &qp->clients[0];
	struct rb_query_result res;
	struct cachesim_trace trace = { 0 };
	struct page_sets ps;
	double recall_sum = 0;
	const int64_t *ids;
	int64_t pos, qi;
	size_t e;
	int rc = page_sets__init(&ps, qp->w);

	rr->results_digest = 0;
	rr->needed_bytes_sum = 0;
	for (pos = 0; pos < qp->nq && !rc; pos++) {
		qi = query_at(qp, pos);
		ids = qp->ids + pos * qp->k;
		recall_sum += qp->has_recall[pos] ? qp->recall[pos] :
			      dataset__recall_at_k(ids, qp->ds->gt + qi * qp->ds->gt_k, qp->k);
		rr->results_digest += XXH3_64bits_withSeed(ids, (size_t)qp->k * sizeof(int64_t),
							   (uint64_t)qi);
		memset(&res, 0, sizeof(res));
		res.ids = ids;
		rc = qp->w->ops->extents(&c0->c, qi, &res);
		for (e = 0; !rc && e < res.n_extents; e++) {
			page_sets__add(&ps, &res.extents[e]);
			rr->needed_bytes_sum += res.extents[e].len;
			rc = trace_add(&trace, &ps, &res.extents[e]);
		}
	}
	if (!rc) {
		rr->n_queries = (size_t)qp->nq;
		rr->recall = recall_sum / (double)qp->nq;
		rr->needed_bytes = page_sets__bytes(&ps);
		rc = simulate(&trace, rr);
	}
	cachesim_trace__free(&trace);
	page_sets__free(&ps);
	return rc;
}

uint64_t query_phase__done(void *qp)
{
	return __atomic_load_n(&((struct query_phase *)qp)->done, __ATOMIC_RELAXED);
}

void query_phase__free(struct query_phase *qp)
{
	int i;

	if (!qp)
		return;
	for (i = 0; qp->clients && i < qp->n_clients; i++)
		client_fini(&qp->clients[i]);
	free(qp->clients);
	free(qp->ids);
	free(qp->recall);
	free(qp->has_recall);
	free(qp);
}
