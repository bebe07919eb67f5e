/*
 * query — reading runs back out of the results database: the points of a history
 * (a figure per run and strategy, with the groups that put like beside like) and
 * the last runs comparable with a new report, rebuilt as report-shaped documents
 * so that the existing gate (report/compare.c) judges them unchanged.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

static double num(const char *s)
{
	return s ? strtod(s, NULL) : NAN;
}

static void cpy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

/* ---- history ---- */

static int on_point(void *arg, int nc, const char *const *v)
{
	struct rb_history *h = arg;
	struct rb_hist_point *p, *grown;
	json_object *env;

	if (nc < 10)
		return -EIO;
	grown = realloc(h->pts, (h->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	h->pts = grown;
	p = &h->pts[h->n++];
	memset(p, 0, sizeof(*p));
	cpy(p->run_key, sizeof(p->run_key), v[0]);
	cpy(p->name, sizeof(p->name), v[1]);
	cpy(p->started, sizeof(p->started), v[2]);
	cpy(p->git_rev, sizeof(p->git_rev), v[3]);
	cpy(p->kernel, sizeof(p->kernel), v[4]);
	cpy(p->host, sizeof(p->host), v[5]);
	env = v[6] ? json_tokener_parse(v[6]) : NULL;
	snprintf(p->env_fp, sizeof(p->env_fp), "%016llx",
		 (unsigned long long)db__env_hash(env, NULL));
	snprintf(p->env_fp_nokernel, sizeof(p->env_fp_nokernel), "%016llx",
		 (unsigned long long)db__env_hash(env, "kernel"));
	json_object_put(env);
	cpy(p->strategy, sizeof(p->strategy), v[7]);
	p->clients = v[8] ? atoi(v[8]) : 1;
	p->value = num(v[9]);
	return 0;
}

static int is_hex_prefix(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n >= 4 && n <= 16 && !s[n];
}

int db__history(struct rb_db *db, const char *what, const char *strategy, const char *metric,
		struct rb_history *out, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT r.run_key, r.name, r.started, r.git_rev, r.kernel, r.host, r.env_json, "
		"s.strategy, s.clients, s.median FROM runs r JOIN strategy_summaries s "
		"ON s.run_key = r.run_key WHERE (r.name = $1 OR r.config_source = $1 OR "
		"r.config_fp LIKE $2) AND s.metric = $3 AND ($4 = '' OR s.strategy = $4) "
		"ORDER BY r.started, r.run_key, s.clients, s.strategy";
	char like[32];
	const char *p[4] = { what, like, metric, strategy ? strategy : "" };
	int rc;

	memset(out, 0, sizeof(*out));
	cpy(out->metric, sizeof(out->metric), metric);
	snprintf(like, sizeof(like), "%s%%", is_hex_prefix(what) ? what : "-");
	rc = db__query(db, sql, 4, p, on_point, out, NULL, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc)
		db__history_free(out);
	return rc;
}

void db__history_free(struct rb_history *h)
{
	free(h->pts);
	h->pts = NULL;
	h->n = 0;
}

/* ---- comparable runs, rebuilt ---- */

struct keys {
	char (*k)[17];
	int n, cap;
};

static int on_key(void *arg, int nc, const char *const *v)
{
	struct keys *ks = arg;

	if (nc < 1 || ks->n == ks->cap)
		return 0;
	cpy(ks->k[ks->n++], 17, v[0]);
	return 0;
}

static json_object *jnum(const char *s)
{
	return s ? json_object_new_double(strtod(s, NULL)) : NULL;
}

struct build {
	json_object *doc;
	json_object *strategies;	/* summary.strategies */
	json_object *repeats;
};

static json_object *entry_of(json_object *list, const char *name, int clients)
{
	json_object *e, *v;
	size_t i;

	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(e, "name", &v) && !strcmp(json_object_get_string(v), name) &&
		    json_object_object_get_ex(e, "clients", &v) && json_object_get_int(v) == clients)
			return e;
	}
	e = json_object_new_object();
	json_object_object_add(e, "name", json_object_new_string(name));
	json_object_object_add(e, "clients", json_object_new_int(clients));
	json_object_array_add(list, e);
	return e;
}

static int on_run(void *arg, int nc, const char *const *v)
{
	struct build *b = arg;

	if (nc < 3)
		return -EIO;
	json_object_object_add(b->doc, "config", v[0] ? json_tokener_parse(v[0]) : NULL);
	json_object_object_add(b->doc, "environment", v[1] ? json_tokener_parse(v[1]) : NULL);
	json_object_object_add(b->doc, "started", json_object_new_string(v[2] ? v[2] : ""));
	return 0;
}

static int on_summary(void *arg, int nc, const char *const *v)
{
	struct build *b = arg;
	json_object *e, *spread;

	if (nc < 6 || !v[0] || !v[2])
		return 0;
	e = entry_of(b->strategies, v[0], v[1] ? atoi(v[1]) : 1);
	if (!v[3] && !v[4]) {
		json_object_object_add(e, v[2], NULL);
		return 0;
	}
	spread = json_object_new_object();
	json_object_object_add(spread, "median", jnum(v[3]));
	json_object_object_add(spread, "min", jnum(v[4]));
	json_object_object_add(spread, "max", jnum(v[5]));
	json_object_object_add(e, v[2], spread);
	return 0;
}

static int on_repeat(void *arg, int nc, const char *const *v)
{
	struct build *b = arg;
	json_object *r = json_object_new_object();

	if (nc < 5)
		return -EIO;
	json_object_object_add(r, "seq", json_object_new_int(atoi(v[0])));
	json_object_object_add(r, "strategy", json_object_new_string(v[1] ? v[1] : ""));
	json_object_object_add(r, "repeat", json_object_new_int(v[2] ? atoi(v[2]) : 0));
	json_object_object_add(r, "clients", json_object_new_int(v[3] ? atoi(v[3]) : 1));
	json_object_object_add(r, "batch", json_object_new_int(v[4] ? atoi(v[4]) : 1));
	json_object_object_add(r, "latency_samples_us", json_object_new_array());
	json_object_array_add(b->repeats, r);
	return 0;
}

/* latencies arrive ordered by seq, which is the repeat's index in repeats[] */
static int on_latency(void *arg, int nc, const char *const *v)
{
	struct build *b = arg;
	json_object *r, *lat;
	size_t seq;

	if (nc < 2 || !v[0] || !v[1])
		return 0;
	seq = (size_t)atol(v[0]);
	if (seq >= json_object_array_length(b->repeats))
		return 0;
	r = json_object_array_get_idx(b->repeats, seq);
	if (json_object_object_get_ex(r, "latency_samples_us", &lat))
		json_object_array_add(lat, json_object_new_double(strtod(v[1], NULL)));
	return 0;
}

static int rebuild(struct rb_db *db, const char *key, json_object **out, char *err, size_t errlen)
{
	struct build b = { json_object_new_object(), json_object_new_array(), json_object_new_array() };
	json_object *summary = json_object_new_object();
	const char *p[1] = { key };
	int rc;

	json_object_object_add(b.doc, "schema_version", json_object_new_int(1));
	json_object_object_add(b.doc, "tool", json_object_new_string("rabench"));
	json_object_object_add(b.doc, "complete", json_object_new_boolean(1));
	json_object_object_add(b.doc, "run_key", json_object_new_string(key));
	json_object_object_add(summary, "strategies", b.strategies);
	json_object_object_add(b.doc, "summary", summary);
	json_object_object_add(b.doc, "repeats", b.repeats);
	rc = db__query(db, "SELECT config_json, env_json, started FROM runs WHERE run_key = $1",
		       1, p, on_run, &b, NULL, err, errlen);
	if (!rc)
		rc = db__query(db, "SELECT strategy, clients, metric, median, min, max FROM "
			       "strategy_summaries WHERE run_key = $1 ORDER BY clients, strategy, metric",
			       1, p, on_summary, &b, NULL, err, errlen);
	if (!rc)
		rc = db__query(db, "SELECT seq, strategy, repeat, clients, batch FROM repeats "
			       "WHERE run_key = $1 ORDER BY seq", 1, p, on_repeat, &b, NULL, err, errlen);
	if (!rc)
		rc = db__query(db, "SELECT seq, latency_us FROM query_latencies WHERE run_key = $1 "
			       "ORDER BY seq, query", 1, p, on_latency, &b, NULL, err, errlen);
	if (rc) {
		json_object_put(b.doc);
		return rc;
	}
	*out = b.doc;
	return 0;
}

int db__comparable_runs(struct rb_db *db, json_object *report, int n, json_object ***docs,
			int *got, char *err, size_t errlen)
{
	char key[17], cfp[17], efp[17], sql[256];
	const char *p[3] = { cfp, efp, key };
	struct keys ks = { NULL, 0, n };
	int rc, i;

	*docs = NULL;
	*got = 0;
	if (n < 1)
		return -EINVAL;
	db__fingerprints(report, key, cfp, efp);
	ks.k = calloc((size_t)n, sizeof(*ks.k));
	*docs = calloc((size_t)n, sizeof(**docs));
	if (!ks.k || !*docs) {
		free(ks.k);
		free(*docs);
		*docs = NULL;
		return -ENOMEM;
	}
	snprintf(sql, sizeof(sql), "SELECT run_key FROM runs WHERE config_fp = $1 AND env_fp = $2 "
		 "AND run_key <> $3 ORDER BY started DESC, run_key DESC LIMIT %d", n);
	rc = db__query(db, sql, 3, p, on_key, &ks, NULL, err, errlen);
	/* oldest first */
	for (i = 0; !rc && i < ks.n; i++)
		rc = rebuild(db, ks.k[ks.n - 1 - i], &(*docs)[i], err, errlen);
	*got = rc ? i : ks.n;
	free(ks.k);
	return rc;
}

/* ---- the runs, listed ---- */

static int on_run_line(void *arg, int nc, const char *const *v)
{
	if (nc < 6)
		return -EIO;
	fprintf(arg, "%s %s %s repeats=%s queries=%s latencies=%s\n", v[0], v[1] ? v[1] : "",
		v[2] ? v[2] : "", v[3] ? v[3] : "0", v[4] ? v[4] : "0", v[5] ? v[5] : "0");
	return 0;
}

int db__print_runs(struct rb_db *db, FILE *out, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT r.run_key, r.name, r.started, "
		"(SELECT COUNT(*) FROM repeats p WHERE p.run_key = r.run_key), "
		"(SELECT SUM(p.n_queries) FROM repeats p WHERE p.run_key = r.run_key), "
		"(SELECT COUNT(*) FROM query_latencies q WHERE q.run_key = r.run_key) "
		"FROM runs r ORDER BY r.started, r.run_key";

	return db__query(db, sql, 0, NULL, on_run_line, out, NULL, err, errlen);
}
