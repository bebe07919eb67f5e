/*
 * live — the view's state and thread (see live.h). Rates are deltas of the same
 * witnesses the report uses (/sys/block/<dev>/stat, the process's counters) over
 * the last second, so the live view and the report never disagree on what they
 * count.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"
#include "live_tui.h"
#include "timeline.h"
#include "bpf/probes.h"

#define TICK_MS 250		/* screen refresh */

struct rb_live {
	pthread_t thread;
	pthread_mutex_t lock;          /* guards step, probes, sampler, log */
	pthread_cond_t wake;
	int stopping;
	bool tui;                      /* drawing on the terminal */
	char step[96];
	struct rb_probes *probes;
	struct timeline_sampler *sampler;
	atomic_uint_fast64_t queries;
	atomic_uint_fast64_t lat[LIVE_LAT_SLOTS];
	char log[LIVE_LOG_LINES][160];
	char *history;                 /* every logged line, printed once the screen is gone */
	size_t history_len;
	struct rb_blockdev dev;
	int have_dev;
	struct rb_timeline_sample last;	/* the last repeat's figures, between query phases */
	struct rb_probe_counts last_counts;
	bool have_last;
};

/* The once-a-second line (stderr is not a terminal). */
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

/* One screen from what the sampler, the device and the histograms say now. */
static void live_frame(struct rb_live *l, const struct rb_counters *prev,
		       const struct rb_counters *now, uint64_t dq, double dt)
{
	struct live_frame f = { .hit_ratio = NAN, .have_dev = l->have_dev };
	struct rb_timeline_sample s;
	struct rb_probe_counts c;
	int i;

	f.qps = dq / dt;
	f.dev_mbs = (now->dev_read_bytes - prev->dev_read_bytes) / 1e6 / dt;
	f.proc_mbs = (now->proc_read_bytes - prev->proc_read_bytes) / 1e6 / dt;
	f.majflt_s = (now->majflt - prev->majflt) / dt;
	for (i = 0; i < LIVE_LAT_SLOTS; i++)
		f.lat[i] = atomic_load(&l->lat[i]);
	pthread_mutex_lock(&l->lock);
	snprintf(f.step, sizeof(f.step), "%s", l->step);
	memcpy(f.log, l->log, sizeof(f.log));
	if (timeline__latest(l->sampler, &s, &c)) {
		l->last = s;
		l->last_counts = c;
		l->have_last = true;
	} else {
		s = l->last;
		c = l->last_counts;
	}
	f.have_probes = l->probes != NULL;
	if (l->have_last) {
		f.elapsed_s = s.t_s;
		f.added[0] = c.added_demand;
		f.added[1] = c.added_spec;
		f.added[2] = c.added_prefetch;
		f.waste = c.spec_unused_evicted + c.prefetch_unused_evicted;
		if (s.lookups)
			f.hit_ratio = (double)s.hits / (double)s.lookups;
		for (i = 0; i < LIVE_WIN_SLOTS && i < RB_PROBE_WIN_SLOTS; i++)
			f.win[i] = c.ra_window[i];
	}
	pthread_mutex_unlock(&l->lock);
	tui__draw(&f);
}

static void *live_thread(void *arg)
{
	struct rb_live *l = arg;
	struct rb_counters prev, now, sec_prev;
	uint64_t q, last_q = 0, sec_q = 0;
	struct timespec until;
	int t = 0, ticks = 0, per_s = 1000 / TICK_MS;

	metrics__snapshot(l->have_dev ? &l->dev : NULL, &prev);
	sec_prev = prev;
	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (l->tui ? TICK_MS : 1000) * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&l->wake, &l->lock, &until) != ETIMEDOUT)
			continue;   /* woken to stop (or spuriously): check the flag */
		pthread_mutex_unlock(&l->lock);
		metrics__snapshot(l->have_dev ? &l->dev : NULL, &now);
		q = atomic_load(&l->queries);
		if (!l->tui) {
			live_line(l, &prev, &now, q - last_q, ++t);
			prev = now;
			last_q = q;
		} else {
			/* rates over the last second, refreshed every tick */
			live_frame(l, &sec_prev, &now, q - sec_q, (ticks % per_s + 1) * TICK_MS / 1000.0);
			if (++ticks % per_s == 0) {
				sec_prev = now;
				sec_q = q;
			}
		}
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int live__start(struct rb_live **out, const struct rb_blockdev *dev)
{
	struct rb_live *l = calloc(1, sizeof(*l));
	int rc, i;

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
	for (i = 0; i < LIVE_LAT_SLOTS; i++)
		atomic_init(&l->lat[i], 0);
	l->tui = tui__open();
	rc = pthread_create(&l->thread, NULL, live_thread, l);
	if (rc) {
		tui__close();
		free(l);
		return -rc;
	}
	*out = l;
	return 0;
}

void live__set_step(struct rb_live *l, const char *strategy, int repeat)
{
	int i;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	snprintf(l->step, sizeof(l->step), "%s r%d", strategy, repeat + 1);
	for (i = 0; i < LIVE_LAT_SLOTS; i++)
		atomic_store(&l->lat[i], 0);
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

void live__set_sampler(struct rb_live *l, struct timeline_sampler *ts)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->sampler = ts;
	pthread_mutex_unlock(&l->lock);
}

void live__query_done(struct rb_live *l, double latency_us)
{
	int slot = 0;

	if (!l)
		return;
	atomic_fetch_add(&l->queries, 1);
	while (slot < LIVE_LAT_SLOTS - 1 && latency_us >= (double)(2ULL << slot))
		slot++;
	atomic_fetch_add(&l->lat[slot], 1);
}

bool live__owns_terminal(const struct rb_live *l)
{
	return l && l->tui;
}

void live__log(struct rb_live *l, const char *line)
{
	if (!l)
		return;
	size_t n = strlen(line);
	char *grown;

	pthread_mutex_lock(&l->lock);
	memmove(l->log[0], l->log[1], sizeof(l->log[0]) * (LIVE_LOG_LINES - 1));
	snprintf(l->log[LIVE_LOG_LINES - 1], sizeof(l->log[0]), "%s", line);
	grown = realloc(l->history, l->history_len + n + 2);
	if (grown) {
		l->history = grown;
		memcpy(l->history + l->history_len, line, n);
		l->history_len += n;
		l->history[l->history_len++] = '\n';
		l->history[l->history_len] = '\0';
	}
	pthread_mutex_unlock(&l->lock);
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
	if (l->tui)
		tui__close();
	/* what was shown under the screen stays readable after it */
	if (l->history)
		fputs(l->history, stderr);
	free(l->history);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->wake);
	free(l);
}
