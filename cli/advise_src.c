/*
 * advise_src — where `rabench advise` gets its observations (advise_src.h):
 * a live window's probes plus the room this process has, or a report.json's
 * repeat of `default` (else the first with probes) plus the room its config
 * gave; both printed through report/advise_print.c. With a report of several
 * strategies it also says whether the measured best agrees with the advice.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise_src.h"
#include "report/report.h"
#include "datasets/dataset.h"
#include "datasets/indexes/index.h"
#include "lib/memcg.h"
#include "lib/metrics.h"

#define MIB(b) ((double)(b) / 1048576.0)
#define AGREE_RATIO 0.90	/* the advised strategy within 10% of the best q/s */

void advise_src__live_room(struct advise_env *e)
{
	uint64_t limit;

	memset(e, 0, sizeof(*e));
	e->read_ahead_kb = -1;
	e->io_wait_s = -1;
	if (memcg__cache_room(&e->room_bytes) == 1 && !memcg__current_limit(&limit)) {
		e->limit_bytes = limit;
		snprintf(e->room_source, sizeof(e->room_source),
			 "memory cgroup limit minus its non-file usage at start");
		return;
	}
	snprintf(e->room_source, sizeof(e->room_source), "MemAvailable at start, no cgroup limit");
}

static bool listed(const char *path, const char (*files)[PATH_MAX], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(path, files[i]))
			return true;
	return false;
}

/*
 * Keep only the watched process's files: those it mapped or held open at a
 * sample, and those its own events touched (the probes' mark). All without a list.
 */
static size_t filter(struct advise_obs *v, size_t n, const char (*files)[PATH_MAX], int nf)
{
	size_t i, k = 0;

	if (!files)
		return n;
	for (i = 0; i < n; i++)
		if (v[i].watched || listed(v[i].path, files, nf))
			v[k++] = v[i];
	return k;
}

/* The device under the largest file, and its read_ahead_kb. */
static void device_of(const struct advise_obs *v, size_t n, struct advise_env *e)
{
	struct rb_blockdev dev;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].path[0] && !metrics__blockdev_for(v[i].path, &dev)) {
			e->read_ahead_kb = dev.read_ahead_kb;
			snprintf(e->device, sizeof(e->device), "%s", dev.name);
			return;
		}
}

/*
 * Print (or add to doc's "files") every file, largest first; text shows the top
 * ones with evidence and counts the rest. How many files had evidence.
 */
static size_t emit_files(const struct advise_cli *c, const struct advise_env *e,
			 const struct advise_obs *v, size_t n, json_object *doc,
			 struct advise_rec *first)
{
	json_object *files = json_object_new_array();
	size_t i, shown = 0, evident = 0;
	struct advise_rec r;

	for (i = 0; i < n; i++) {
		advise__decide(&v[i], e, &r);
		if (r.kind == ADV_NO_EVIDENCE && !c->json)
			continue;
		if (r.kind != ADV_NO_EVIDENCE && !evident++ && first)
			*first = r;
		if (c->json) {
			json_object_array_add(files, advise_json__file(&v[i], e, &r));
		} else if (!c->top || shown < (size_t)c->top) {
			printf("\n");
			advise_print__file(stdout, &v[i], e, &r);
			shown++;
		}
	}
	if (c->json)
		json_object_object_add(doc, "files", files);
	else {
		json_object_put(files);
		printf("\n%zu file(s) with enough events, %zu shown; %zu with too few events: "
		       "no recommendation (--json lists them)\n", evident, shown, n - evident);
	}
	return evident;
}

static void print_doc(json_object *doc)
{
	printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
}

int advise_src__print_live(const struct advise_cli *c, struct advise_live *l, json_object *probes,
			   const char (*files)[PATH_MAX], int nf)
{
	json_object *doc = json_object_new_object();
	struct advise_obs *v = NULL;
	char err[256];
	size_t n, evident;

	if (advise__obs_list(probes, &v, &n, err, sizeof(err))) {
		fprintf(stderr, "rabench advise: %s\n", err);
		json_object_put(doc);
		return 2;
	}
	n = filter(v, n, files, nf);
	device_of(v, n, &l->env);
	if (c->json) {
		json_object_object_add(doc, "source", json_object_new_string(l->pid > 0 ? "pid" : "command"));
		json_object_object_add(doc, l->pid > 0 ? "pid" : "command", l->pid > 0 ?
				       json_object_new_int(l->pid) : json_object_new_string(c->cmd[0]));
		json_object_object_add(doc, "environment", advise_json__env(&l->env));
	} else {
		printf("rabench advise: %s %s%s, %.2f s window, %zu files read\n",
		       l->pid > 0 ? "process" : "command", l->pid > 0 ? "" : c->cmd[0],
		       l->pid > 0 ? "(--pid)" : "", l->env.window_s, n);
		advise_print__env(stdout, &l->env);
	}
	evident = emit_files(c, &l->env, v, n, doc, NULL);
	if (c->json)
		print_doc(doc);
	json_object_put(doc);
	free(v);
	if (!evident)
		fprintf(stderr, "rabench advise: nothing to advise on: no file had enough events in "
			"%.2f s (a command that exits at once, or reads nothing from disk)\n",
			l->env.window_s);
	return evident ? 0 : 2;
}

/* d[key] as an object/number, NULL if absent or null. */
static json_object *get(json_object *d, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(d, key, &v) ? v : NULL;
}

/* The repeat whose probes to read: default's first with probes, else any's. */
static json_object *pick_repeat(json_object *doc)
{
	json_object *reps = get(doc, "repeats"), *r, *any = NULL;
	size_t i;

	for (i = 0; reps && i < json_object_array_length(reps); i++) {
		r = json_object_array_get_idx(reps, i);
		if (!get(r, "probes"))
			continue;
		if (!strcmp(json_object_get_string(get(r, "strategy")), "default"))
			return r;
		if (!any)
			any = r;
	}
	return any;
}

static void report_env(json_object *doc, json_object *rep, struct advise_env *e)
{
	json_object *envo = get(doc, "environment"), *cfg = get(doc, "config");
	json_object *mc = get(rep, "memcg"), *io = get(rep, "io_wait_us");
	uint64_t limit = (uint64_t)json_object_get_int64(get(cfg, "run.memory_limit"));
	uint64_t anon = mc ? (uint64_t)json_object_get_int64(get(mc, "anon_bytes")) : 0;

	memset(e, 0, sizeof(*e));
	e->read_ahead_kb = get(envo, "read_ahead_kb") ? json_object_get_int64(get(envo, "read_ahead_kb")) : -1;
	e->io_wait_s = io && get(io, "total") ? json_object_get_double(get(io, "total")) / 1e6 : -1;
	e->window_s = json_object_get_double(get(get(rep, "probes"), "window_s"));
	snprintf(e->device, sizeof(e->device), "%s", json_object_get_string(get(envo, "device")) ?: "");
	if (limit) {
		e->limit_bytes = limit;
		e->room_bytes = limit > anon ? limit - anon : 0;
		snprintf(e->room_source, sizeof(e->room_source),
			 "run.memory_limit minus the repeat's anonymous memory");
	} else {
		e->room_bytes = (uint64_t)json_object_get_int64(get(envo, "mem_total_bytes"));
		snprintf(e->room_source, sizeof(e->room_source),
			 "MemTotal at capture (the report has no MemAvailable), no limit");
	}
}

static double entry_qps(json_object *entry)
{
	json_object *q = get(entry, "qps");

	return q && get(q, "median") ? json_object_get_double(get(q, "median")) : NAN;
}

/* Whether the strategy the advice maps to is the measured best (within 10%). */
static void compare(const struct advise_cli *c, json_object *doc, const struct advise_rec *first,
		    json_object *out)
{
	json_object *strats = get(get(doc, "summary"), "strategies"), *best = NULL, *adv = NULL, *e;
	json_object *o;
	double bq = -1, aq = NAN, q;
	size_t i, n = strats ? json_object_array_length(strats) : 0;

	if (n < 2 || !first->strategy)
		return;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(strats, i);
		q = entry_qps(e);
		if (!isnan(q) && q > bq)
			bq = q, best = e;
		if (!strcmp(json_object_get_string(get(e, "name")), first->strategy))
			adv = e, aq = q;
	}
	if (!best)
		return;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "advised", json_object_new_string(first->strategy));
		json_object_object_add(o, "advised_measured", json_object_new_boolean(adv != NULL));
		json_object_object_add(o, "advised_qps", isnan(aq) ? NULL : json_object_new_double(aq));
		json_object_object_add(o, "best", json_object_get(get(best, "name")));
		json_object_object_add(o, "best_qps", json_object_new_double(bq));
		json_object_object_add(o, "ratio", isnan(aq) ? NULL : json_object_new_double(aq / bq));
		json_object_object_add(o, "agrees", isnan(aq) ? NULL : json_object_new_boolean(aq >= AGREE_RATIO * bq));
		json_object_object_add(out, "comparison", o);
		return;
	}
	printf("\nmeasured best: %s at %.1f q/s; ", json_object_get_string(get(best, "name")), bq);
	if (isnan(aq))
		printf("the advised strategy (%s) was not measured in this report\n", first->strategy);
	else
		printf("advised (largest file): %s at %.1f q/s = %.2f of the best: %s\n",
		       first->strategy, aq, aq / bq,
		       aq >= AGREE_RATIO * bq ? "agrees (within 10%)" : "DISAGREES (more than 10% slower)");
}

/*
 * The report's process was rabench, whose search of an index kind with a hint
 * symbol (HNSW) or prior hints (IVF, through FAISS's prefetch_lists) names what
 * it reads next: the kind's data file has a hint source (its ops table says
 * which file that is).
 */
static void mark_hint_sources(json_object *doc, struct advise_obs *v, size_t n)
{
	const struct rb_index_ops *ops = index__find(json_object_get_string(
		get(get(doc, "config"), "index.kind")));
	const char *dir = json_object_get_string(get(get(doc, "dataset"), "index_dir"));
	struct rb_dataset ds = { 0 };
	const char *data;
	size_t i;

	if (!ops || !dir || (!ops->hint_symbol && !(ops->flags & RB_INDEX_PRIOR_HINTS)))
		return;
	snprintf(ds.index_dir, sizeof(ds.index_dir), "%s", dir);
	if (ops->paths(&ds) || !(data = ops->data_path(&ds)))
		return;
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].path, data))
			v[i].hint_source = true;
}

static int report_advise(const struct advise_cli *c, json_object *doc)
{
	json_object *rep = pick_repeat(doc), *out = json_object_new_object();
	struct advise_rec first = { 0 };
	struct advise_obs *v = NULL;
	struct advise_env e;
	char err[256];
	size_t n;
	int rc = 2;

	if (!rep) {
		fprintf(stderr, "rabench advise: %s has no probe figures (%s)\n", c->report,
			json_object_get_string(get(doc, "probes_unavailable_reason")));
		goto out;
	}
	if (advise__obs_list(get(rep, "probes"), &v, &n, err, sizeof(err))) {
		fprintf(stderr, "rabench advise: %s: %s\n", c->report, err);
		goto out;
	}
	mark_hint_sources(doc, v, n);
	report_env(doc, rep, &e);
	if (c->json) {
		json_object_object_add(out, "source", json_object_new_string("report"));
		json_object_object_add(out, "report", json_object_new_string(c->report));
		json_object_object_add(out, "strategy_probed", json_object_get(get(rep, "strategy")));
		json_object_object_add(out, "environment", advise_json__env(&e));
	} else {
		printf("rabench advise: %s, probes of '%s' repeat %d, %.2f s window, %zu files\n",
		       c->report, json_object_get_string(get(rep, "strategy")),
		       json_object_get_int(get(rep, "repeat")), e.window_s, n);
		advise_print__env(stdout, &e);
	}
	rc = emit_files(c, &e, v, n, out, &first) ? 0 : 2;
	compare(c, doc, &first, out);
	if (c->json)
		print_doc(out);
	if (rc)
		fprintf(stderr, "rabench advise: %s: no file had enough events to advise on\n", c->report);
out:
	free(v);
	json_object_put(out);
	return rc;
}

int advise_src__report(const struct advise_cli *c)
{
	json_object *doc = NULL;
	char err[512];
	int rc;

	if (report__load(c->report, &doc, err, sizeof(err))) {
		fprintf(stderr, "rabench advise: %s\n", err);
		return 2;
	}
	rc = report_advise(c, doc);
	json_object_put(doc);
	return rc;
}
