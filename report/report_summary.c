/*
 * report_summary — the "summary" of report.json: per (strategy, clients) pair each
 * figure's median, min and max across its repeats, except the latency
 * percentiles, which come from every query of the repeats pooled (a batch counted
 * once); per-phase spreads for multi-phase workloads.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_json_int.h"


/* {"median","min","max"} of the finite values, or null if there are none. */
static json_object *spread_to_json(const double *v, size_t n, int *err)
{
	struct rb_spread s;
	json_object *o;

	if (stats__spread(v, n, &s))
		return NULL;
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_put(o, "median", report__json_double(s.median), err);
	rj_put(o, "min", report__json_double(s.min), err);
	rj_put(o, "max", report__json_double(s.max), err);
	return o;
}

/* A summary entry's repeats: one strategy at one clients level. */
struct group {
	const char *name;
	int clients;
};

static bool in_group(const struct rb_repeat_result *r, const struct group *g)
{
	return strcmp(r->strategy, g->name) == 0 && r->clients == g->clients;
}

/* One phase's p50/p99/mean across the group's repeats: {"p50_us": spread, ...}. */
static json_object *phase_spread(const struct rb_run *run, const struct group *g, int p,
				 double *scratch, int *err)
{
	static const char *const keys[] = { "p50_us", "p99_us", "mean_us" };
	struct rb_latency_summary ls;
	json_object *o = json_object_new_object();
	size_t j, n, i;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		for (j = 0, n = 0; j < run->n_repeats; j++) {
			if (!in_group(&run->repeats[j], g) ||
			    rj_phase_summary(&run->repeats[j], p, &ls))
				continue;
			scratch[n] = i == 0 ? ls.p50 : i == 1 ? ls.p99 : ls.mean;
			n += isfinite(scratch[n]);	/* a p99 of too few queries is no figure */
		}
		rj_put(o, keys[i], spread_to_json(scratch, n, err), err);
	}
	/* what the phase waited for I/O and faulted in each repeat (the fetch: a chunk prefetcher) */
	for (i = 0; i < 2; i++) {
		double wait, majflt;

		for (j = 0, n = 0; j < run->n_repeats; j++) {
			if (!in_group(&run->repeats[j], g) ||
			    rj_phase_io(&run->repeats[j], p, &wait, &majflt))
				continue;
			scratch[n] = i == 0 ? wait : majflt;
			n += isfinite(scratch[n]);
		}
		rj_put(o, i == 0 ? "io_wait_total_us" : "majflt", spread_to_json(scratch, n, err), err);
	}
	return o;
}

/* Per phase of a multi-phase workload (named by the first repeat that has phases), or null. */
static json_object *phases_summary(const struct rb_run *run, const struct group *g,
				   double *scratch, int *err)
{
	const struct rb_repeat_result *first = NULL;
	json_object *o;
	size_t j;
	int p;

	for (j = 0; j < run->n_repeats && !first; j++)
		if (run->repeats[j].n_phases && run->repeats[j].phase_us)
			first = &run->repeats[j];
	if (!first)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	for (p = 0; p < first->n_phases; p++)
		rj_put(o, first->phase_names[p], phase_spread(run, g, p, scratch, err), err);
	return o;
}

/* Where summary figure name lives in struct rep_figs. */
static size_t fig_offset(const char *name)
{
	size_t i;

	for (i = 0; i < rj_n_summary_figs; i++)
		if (!strcmp(rj_summary_figs[i].name, name))
			return rj_summary_figs[i].offset;
	return 0;	/* not reached: keys[] names summary figures */
}

/*
 * The latency percentiles of a summary entry come from every query of its
 * repeats pooled (a p99 of 3 x 100 queries is a p99 of 300, not the median of
 * three second-largest samples); min and max stay the per-repeat range (null
 * when a repeat alone is too small for the percentile). A percentile the pooled
 * samples are too few for is null (stats__min_samples). A batch's queries share
 * one latency and count once.
 */
static void pooled_latency(const struct rb_run *run, const struct rep_figs *figs,
			   const struct group *g, json_object *o, int *err)
{
	/* the summary_figs entries that are latency percentiles, in pooled[] order */
	static const char *const keys[] = { "p50_us", "p90_us", "p99_us", "p999_us", "max_us",
					    "mean_us" };
	struct rb_latency_summary ls;
	size_t total = 0, n = 0, i, j;
	double *all, lo, hi, v;
	json_object *e;

	for (j = 0; j < run->n_repeats; j++)
		if (in_group(&run->repeats[j], g))
			total += run->repeats[j].n_queries;
	all = calloc(total + 1, sizeof(*all));
	if (!all) {
		*err = -ENOMEM;
		return;
	}
	for (j = 0; j < run->n_repeats; j++)
		if (in_group(&run->repeats[j], g))
			n += rj_call_samples(&run->repeats[j], all + n);
	if (n == 0 || stats__summarize(all, n, &ls)) {
		free(all);
		return;
	}
	const double pooled[] = { ls.p50, ls.p90, ls.p99, ls.p999, ls.max, ls.mean };

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		lo = INFINITY;
		hi = -INFINITY;
		for (j = 0; j < run->n_repeats; j++) {
			v = *(const double *)((const char *)&figs[j] + fig_offset(keys[i]));
			if (in_group(&run->repeats[j], g) && isfinite(v)) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
			}
		}
		e = NULL;
		if (isfinite(pooled[i])) {
			e = json_object_new_object();
			rj_put(e, "median", report__json_double(pooled[i]), err);
			rj_put(e, "min", isfinite(lo) ? report__json_double(lo) : NULL, err);
			rj_put(e, "max", isfinite(hi) ? report__json_double(hi) : NULL, err);
		}
		rj_put(o, keys[i], e, err);
	}
	rj_put(o, "latency_samples", json_object_new_int64((int64_t)n), err);
	free(all);
}

/* One summary entry: figs holds the per-repeat figures of every repeat. */
static json_object *strategy_summary(const struct rb_run *run, const struct rep_figs *figs,
				     const struct group *g, double *scratch, int *err)
{
	json_object *o = json_object_new_object();
	size_t i, j, n, count = 0;
	bool race = false;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}

	for (j = 0; j < run->n_repeats; j++) {
		count += in_group(&run->repeats[j], g);
		race |= in_group(&run->repeats[j], g) && run->repeats[j].faults_race;
	}
	rj_put(o, "name", json_object_new_string(g->name), err);
	rj_put(o, "clients", json_object_new_int(g->clients), err);
	rj_put(o, "repeats", rj_ju64(count), err);
	/* its fault counts are timing: shown by compare, not judged */
	if (race)
		rj_put(o, "faults_race", json_object_new_boolean(1), err);
	for (i = 0; i < rj_n_summary_figs; i++) {
		for (j = 0, n = 0; j < run->n_repeats; j++) {
			double v = *(const double *)((const char *)&figs[j] + rj_summary_figs[i].offset);

			if (in_group(&run->repeats[j], g) && isfinite(v))
				scratch[n++] = v;
		}
		rj_put(o, rj_summary_figs[i].name, spread_to_json(scratch, n, err), err);
	}
	rj_put(o, "phases", phases_summary(run, g, scratch, err), err);
	pooled_latency(run, figs, g, o, err);
	return o;
}

/* Has (name, clients) been listed already (among the first n groups)? */
static bool listed(const struct group *groups, size_t n, const char *name, int clients)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(groups[i].name, name) == 0 && groups[i].clients == clients)
			return true;
	return false;
}

/*
 * Entry order: clients levels in config order, within a level the config's
 * strategies; then any pair that only the repeats name (a hand-built or edited
 * run), in order of first appearance.
 */
static size_t group_order(const struct rb_run *run, struct group *groups)
{
	size_t n = 0, j;
	int i, l;

	for (l = 0; l < run->cfg.n_clients && l < RB_MAX_CLIENT_LEVELS; l++)
		for (i = 0; i < run->cfg.n_strategies && i < RB_MAX_STRATEGIES; i++)
			if (!listed(groups, n, run->cfg.strategies[i], (int)run->cfg.run_clients[l]))
				groups[n++] = (struct group){ run->cfg.strategies[i],
							      (int)run->cfg.run_clients[l] };
	for (j = 0; j < run->n_repeats; j++)
		if (!listed(groups, n, run->repeats[j].strategy, run->repeats[j].clients))
			groups[n++] = (struct group){ run->repeats[j].strategy, run->repeats[j].clients };
	return n;
}

json_object *rj_summary_to_json(const struct rb_run *run, int *err)
{
	size_t cap = (size_t)RB_MAX_STRATEGIES * RB_MAX_CLIENT_LEVELS + run->n_repeats + 1, n, i;
	struct group *groups = calloc(cap, sizeof(*groups));
	struct rep_figs *figs = calloc(run->n_repeats + 1, sizeof(*figs));
	double *scratch = calloc(run->n_repeats + 1, sizeof(*scratch));
	json_object *o = json_object_new_object(), *list = json_object_new_array();

	if (!groups || !figs || !scratch || !o || !list) {
		*err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < run->n_repeats; i++)
		rj_compute_figs(&run->repeats[i], &figs[i]);
	n = group_order(run, groups);
	for (i = 0; i < n; i++)
		if (json_object_array_add(list, strategy_summary(run, figs, &groups[i], scratch, err)))
			*err = -ENOMEM;
	rj_put(o, "gate_counter", json_object_new_string(GATE_COUNTER), err);
	rj_put(o, "strategies", list, err);
	list = NULL;
cleanup:
	json_object_put(list);
	free(groups);
	free(figs);
	free(scratch);
	return o;
}

