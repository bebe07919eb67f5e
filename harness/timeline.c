/*
 * timeline — the sampler thread (see timeline.h). Each sample reads the same
 * witnesses the report's totals come from (/proc/PID/io, getrusage or
 * /proc/PID/stat via metrics.c, the BPF probes' maps), so the last sample and the
 * repeat's figures agree.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/metrics.h"
#include "timeline.h"
#include "lib/clock.h"

struct timeline_sampler {
	pthread_t thread;
	pthread_mutex_t lock;            /* tl, latest, counts, stop */
	pthread_cond_t wake;
	int stop;
	uint64_t (*queries)(void *ctx);
	void *ctx;
	int pid;
	struct rb_probes *probes;
	struct rb_counters base;
	struct rb_counters self_base;	/* an external client: what rabench reads for it counts too */
	double t0;
	struct rb_timeline tl;
	size_t cap;
	struct rb_probe_counts counts;   /* of the latest sample */
};

static void sample(struct timeline_sampler *ts)
{
	struct rb_timeline_sample s = { .t_s = clock__now_s() - ts->t0 };
	struct rb_probe_counts c = { 0 };
	struct rb_counters now;
	void *grown;

	s.queries = ts->queries(ts->ctx);
	if (metrics__snapshot_of(NULL, ts->pid, &now) == 0) {
		s.read_bytes = now.proc_read_bytes - ts->base.proc_read_bytes;
		s.majflt = now.majflt - ts->base.majflt;
	}
	if (ts->pid && metrics__snapshot(NULL, &now) == 0)
		s.read_bytes += now.proc_read_bytes - ts->self_base.proc_read_bytes;
	if (ts->probes && probes__peek_counts(ts->probes, &c) == 0) {
		s.added_demand = c.added_demand;
		s.added_spec = c.added_spec;
		s.added_prefetch = c.added_prefetch;
		s.lookups = c.read_pages + c.faults;
		s.hits = s.lookups - (c.read_miss + c.major_faults < s.lookups ?
				      c.read_miss + c.major_faults : s.lookups);
	}
	pthread_mutex_lock(&ts->lock);
	ts->counts = c;
	if (ts->tl.n == RB_TIMELINE_MAX) {
		ts->tl.truncated = true;
	} else {
		if (ts->tl.n == ts->cap) {
			grown = realloc(ts->tl.s, (ts->cap ? 2 * ts->cap : 64) * sizeof(*ts->tl.s));
			if (grown) {
				ts->tl.s = grown;
				ts->cap = ts->cap ? 2 * ts->cap : 64;
			}
		}
		if (ts->tl.n < ts->cap)
			ts->tl.s[ts->tl.n++] = s;
	}
	pthread_mutex_unlock(&ts->lock);
}

static void *sampler_main(void *arg)
{
	struct timeline_sampler *ts = arg;
	struct timespec until;
	double next = ts->t0;

	pthread_mutex_lock(&ts->lock);
	while (!ts->stop) {
		/* on a fixed grid from the start, so a slow sample does not shift the rest */
		next += RB_TIMELINE_MS / 1000.0;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)((next - clock__now_s()) * 1e9);
		if (until.tv_nsec < 0)
			until.tv_nsec = 0;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&ts->wake, &ts->lock, &until) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&ts->lock);
		sample(ts);
		pthread_mutex_lock(&ts->lock);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

int timeline__start(struct timeline_sampler **out, uint64_t (*queries)(void *ctx), void *ctx,
		    int pid, struct rb_probes *probes)
{
	struct timeline_sampler *ts = calloc(1, sizeof(*ts));
	int rc;

	*out = NULL;
	if (!ts)
		return -ENOMEM;
	ts->queries = queries;
	ts->ctx = ctx;
	ts->pid = pid;
	ts->probes = probes;
	ts->tl.interval_ms = RB_TIMELINE_MS;
	ts->tl.has_probes = probes != NULL;
	pthread_mutex_init(&ts->lock, NULL);
	pthread_cond_init(&ts->wake, NULL);
	metrics__snapshot_of(NULL, pid, &ts->base);
	if (pid)
		metrics__snapshot(NULL, &ts->self_base);
	ts->t0 = clock__now_s();
	rc = pthread_create(&ts->thread, NULL, sampler_main, ts);
	if (rc) {
		pthread_mutex_destroy(&ts->lock);
		pthread_cond_destroy(&ts->wake);
		free(ts);
		return -rc;
	}
	*out = ts;
	return 0;
}

void timeline__stop(struct timeline_sampler *ts, const struct rb_counters *total,
		    struct rb_timeline *out)
{
	memset(out, 0, sizeof(*out));
	if (!ts)
		return;
	pthread_mutex_lock(&ts->lock);
	ts->stop = 1;
	pthread_cond_signal(&ts->wake);
	pthread_mutex_unlock(&ts->lock);
	pthread_join(ts->thread, NULL);
	sample(ts);	/* the end of the phase */
	if (total && ts->tl.n) {
		/* the repeat's own totals, measured at the same instant: the series ends on them */
		ts->tl.s[ts->tl.n - 1].read_bytes = total->proc_read_bytes;
		ts->tl.s[ts->tl.n - 1].majflt = total->majflt;
	}
	*out = ts->tl;
	pthread_mutex_destroy(&ts->lock);
	pthread_cond_destroy(&ts->wake);
	free(ts);
}

bool timeline__latest(struct timeline_sampler *ts, struct rb_timeline_sample *s,
		      struct rb_probe_counts *c)
{
	bool have;

	if (!ts)
		return false;
	pthread_mutex_lock(&ts->lock);
	have = ts->tl.n > 0;
	if (have) {
		*s = ts->tl.s[ts->tl.n - 1];
		*c = ts->counts;
	}
	pthread_mutex_unlock(&ts->lock);
	return have;
}

void timeline__free(struct rb_timeline *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}
