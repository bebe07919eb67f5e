/*
 * live — the per-second view (see live.h). Rates are deltas of the same
 * witnesses the report uses (/sys/block/<dev>/stat, getrusage) over the last
 * second, so the live view and the report never disagree on what they count.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"
#include "../bpf/probes.h"

struct rb_live {
	pthread_t thread;
	pthread_mutex_t lock;          /* guards step and probes */
	pthread_cond_t wake;
	int stopping;
	char step[96];
	struct rb_probes *probes;
	atomic_uint_fast64_t queries;
	struct rb_blockdev dev;
	int have_dev;
};

static void live_line(struct rb_live *l, const struct rb_counters *prev,
		      const struct rb_counters *now, uint64_t dq, int t)
{
	uint64_t added = 0, waste = 0;
	char step[96];
	int peeked;

	pthread_mutex_lock(&l->lock);
	snprintf(step, sizeof(step), "%s", l->step);
	/* under the lock: the runner clears probes before destroying them */
	peeked = l->probes && probes__peek(l->probes, &added, &waste) == 0;
	pthread_mutex_unlock(&l->lock);
	fprintf(stderr, "live %4ds  %-26s queries/s %6llu", t, step, (unsigned long long)dq);
	if (l->have_dev)
		fprintf(stderr, "  device %7.1f MB/s",
			(now->dev_read_bytes - prev->dev_read_bytes) / 1e6);
	fprintf(stderr, "  process %7.1f MB/s  majflt/s %6llu",
		(now->proc_read_bytes - prev->proc_read_bytes) / 1e6,
		(unsigned long long)(now->majflt - prev->majflt));
	if (peeked)
		fprintf(stderr, "  this repeat: pages added %8llu, readahead waste so far %8llu",
			(unsigned long long)added, (unsigned long long)waste);
	fputc('\n', stderr);
}

static void *live_thread(void *arg)
{
	struct rb_live *l = arg;
	struct rb_counters prev, now;
	uint64_t q, last_q = 0;
	struct timespec until;
	int t = 0;

	metrics__snapshot(l->have_dev ? &l->dev : NULL, &prev);
	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		if (pthread_cond_timedwait(&l->wake, &l->lock, &until) != ETIMEDOUT)
			continue;   /* woken to stop (or spuriously): check the flag */
		pthread_mutex_unlock(&l->lock);
		metrics__snapshot(l->have_dev ? &l->dev : NULL, &now);
		q = atomic_load(&l->queries);
		live_line(l, &prev, &now, q - last_q, ++t);
		prev = now;
		last_q = q;
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int live__start(struct rb_live **out, const struct rb_blockdev *dev)
{
	struct rb_live *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	if (dev) {
		l->dev = *dev;
		l->have_dev = 1;
	}
	snprintf(l->step, sizeof(l->step), "preparing");
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	atomic_init(&l->queries, 0);
	rc = pthread_create(&l->thread, NULL, live_thread, l);
	if (rc) {
		free(l);
		return -rc;
	}
	*out = l;
	return 0;
}

void live__set_step(struct rb_live *l, const char *strategy, int repeat)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	snprintf(l->step, sizeof(l->step), "%s r%d", strategy, repeat + 1);
	pthread_mutex_unlock(&l->lock);
}

void live__set_probes(struct rb_live *l, struct rb_probes *probes)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->probes = probes;
	pthread_mutex_unlock(&l->lock);
}

void live__query_done(struct rb_live *l)
{
	if (l)
		atomic_fetch_add(&l->queries, 1);
}

void live__stop(struct rb_live *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = 1;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->wake);
	free(l);
}
