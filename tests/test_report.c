/*
 * test_report — the report model end to end on a hand-built run (2 strategies x
 * 2 repeats): report.json fields and summary maths, atomic write and load back,
 * load errors that name the file, the markdown and terminal renderings, and
 * validation of the document against report/report.schema.json with Python's
 * jsonschema (so the schema and the writer cannot drift apart).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/report.h"

#define MIB (1024ULL * 1024ULL)
#define NQ 100

struct fixture {
	struct rb_run run;
	json_object *doc;
	char dir[64];
};

/* One repeat; latencies are (i + 1) * scale, reversed when asked (unsorted input). */
static void fill_repeat(struct rb_repeat_result *r, const char *strategy, int repeat, int order,
			double scale, bool reversed, double wall_s, uint64_t proc, uint64_t needed)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(r->strategy, sizeof(r->strategy), "%s", strategy);
	r->repeat = repeat;
	r->order = order;
	r->clients = 1;
	r->batch = 1;
	r->n_queries = NQ;
	r->latency_us = calloc(NQ, sizeof(double));
	assert_non_null(r->latency_us);
	for (i = 0; i < NQ; i++)
		r->latency_us[i] = (double)((reversed ? NQ - i : i + 1)) * scale;
	r->wall_s = wall_s;
	r->open_s = 0.125;
	r->recall = 0.9 + 0.01 * repeat;
	r->io.proc_read_bytes = proc;
	r->io.dev_read_bytes = proc + MIB;
	r->io.dev_read_ios = 100 + (uint64_t)order;
	r->io.proc_rchar = 4096;
	r->io.majflt = 10 * (uint64_t)(repeat + 1);
	r->io.minflt = 1000 + (uint64_t)order;
	r->needed_bytes = needed;
	r->needed_bytes_sum = needed * 2;
	r->resident_pages_before = 0;
}

/*
 * Repeats in interleaved run order, fadvise-random first, so the summary must
 * follow the config's order, not the order of appearance:
 *   default r0: 1..100 us, 0.5 s, 8 MiB read / 4 MiB needed (amp 2)
 *   default r1: 2..200 us, 1.0 s, 12 MiB / 4 MiB (amp 3)
 *   fadvise-random r0: 100..1 us, 0.25 s, 4 MiB / 4 MiB (amp 1)
 *   fadvise-random r1: 1..100 us, 0.5 s, 2 MiB / 0 needed (amp null)
 */
static void build_run(struct rb_run *run)
{
	memset(run, 0, sizeof(*run));
	config__defaults(&run->cfg);
	snprintf(run->cfg.name, sizeof(run->cfg.name), "unit");
	snprintf(run->cfg.source, sizeof(run->cfg.source), "configs/unit.yaml");
	snprintf(run->cfg.strategies[0], RB_NAME_MAX, "default");
	snprintf(run->cfg.strategies[1], RB_NAME_MAX, "fadvise-random");
	run->cfg.n_strategies = 2;
	run->cfg.run_clients[0] = 1;
	run->cfg.n_clients = 1;
	run->cfg.run_repeats = 2;
	run->cfg.workload_k = 10;
	env__capture(&run->env, NULL, "/tmp");
	snprintf(run->started, sizeof(run->started), "2024-05-01T12:00:00Z");
	snprintf(run->dataset_dir, sizeof(run->dataset_dir), "/cache/ds");
	snprintf(run->index_dir, sizeof(run->index_dir), "/cache/ds/index");
	run->files_bytes = 64 * MIB;
	run->complete = true;
	run->n_repeats = 4;
	run->repeats = calloc(4, sizeof(*run->repeats));
	assert_non_null(run->repeats);
	fill_repeat(&run->repeats[0], "fadvise-random", 0, 0, 1, true, 0.25, 4 * MIB, 4 * MIB);
	fill_repeat(&run->repeats[1], "default", 0, 1, 1, false, 0.5, 8 * MIB, 4 * MIB);
	fill_repeat(&run->repeats[2], "fadvise-random", 1, 2, 1, false, 0.5, 2 * MIB, 0);
	fill_repeat(&run->repeats[3], "default", 1, 3, 2, false, 1.0, 12 * MIB, 4 * MIB);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	build_run(&f->run);
	f->doc = report__to_json(&f->run);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rabench-test-report-XXXXXX");
	if (!f->doc || !mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

/* Remove the fixture's folder and what the tests left in it (plain files only). */
static void remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	json_object_put(f->doc);
	run__free(&f->run);
	run__free(&f->run);     /* twice: must be safe */
	remove_dir(f->dir);
	free(f);
	return 0;
}

static json_object *at(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static double num(json_object *o, const char *key)
{
	json_object *v = at(o, key);

	assert_true(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int));
	return json_object_get_double(v);
}

static void assert_close(double a, double b)
{
	double d = a > b ? a - b : b - a;

	if (d > 1e-9 * (b > 1 ? b : 1))
		fail_msg("%.17g != %.17g", a, b);
}

static int count_keys(void)
{
	const struct rb_key *k = rb_config_keys;

	while (k->key)
		k++;
	return (int)(k - rb_config_keys);
}

static void test_top_level(void **state)
{
	struct fixture *f = *state;
	json_object *cfg, *v, *defs;

	assert_int_equal(json_object_get_int(at(f->doc, "schema_version")), RB_REPORT_SCHEMA_VERSION);
	assert_string_equal(json_object_get_string(at(f->doc, "tool")), "rabench");
	assert_true(json_object_get_boolean(at(f->doc, "complete")));
	assert_string_equal(json_object_get_string(at(f->doc, "started")), "2024-05-01T12:00:00Z");
	assert_string_equal(json_object_get_string(at(at(f->doc, "environment"), "kernel")),
			    f->run.env.kernel);
	assert_int_equal(json_object_get_int64(at(at(f->doc, "dataset"), "files_bytes")), 64 * MIB);

	/* every config key, typed */
	cfg = at(f->doc, "config");
	assert_int_equal(json_object_object_length(cfg), count_keys());
	v = at(cfg, "dataset.n");
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), f->run.cfg.dataset_n);
	assert_true(json_object_is_type(at(cfg, "dataset.normalize"), json_type_boolean));
	assert_true(json_object_is_type(at(cfg, "dataset.spread"), json_type_double));
	assert_true(json_object_is_type(at(cfg, "name"), json_type_string));
	v = at(cfg, "run.strategies");
	assert_true(json_object_is_type(v, json_type_array));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "fadvise-random");

	defs = at(f->doc, "metrics_definitions");
	assert_non_null(strstr(json_object_get_string(at(defs, "proc_read_bytes")), "exact"));
	assert_non_null(strstr(json_object_get_string(at(defs, "dev_read_bytes")), "/sys/block"));
}

static void test_repeats(void **state)
{
	struct fixture *f = *state;
	json_object *reps = at(f->doc, "repeats"), *r, *lat;

	assert_int_equal(json_object_array_length(reps), 4);
	r = json_object_array_get_idx(reps, 0);         /* fadvise-random r0, reversed input */
	assert_string_equal(json_object_get_string(at(r, "strategy")), "fadvise-random");
	assert_int_equal(json_object_get_int(at(r, "order")), 0);
	lat = at(r, "latency_us");
	assert_close(num(lat, "p50"), 50);
	assert_close(num(lat, "p90"), 90);
	assert_close(num(lat, "p99"), 99);
	assert_null(at(lat, "p999"));                    /* 100 queries: it would be the max */
	assert_close(num(lat, "max"), 100);
	assert_close(num(lat, "min"), 1);
	assert_close(num(lat, "mean"), 50.5);
	assert_int_equal(json_object_array_length(at(r, "latency_samples_us")), NQ);
	assert_close(json_object_get_double(json_object_array_get_idx(at(r, "latency_samples_us"), 0)),
		     100);
	assert_close(num(r, "qps"), 400);
	assert_close(num(r, "read_amplification"), 1);
	assert_int_equal(json_object_get_int64(at(r, "proc_read_bytes")), 4 * MIB);
	assert_int_equal(json_object_get_int64(at(r, "dev_read_bytes")), 5 * MIB);

	r = json_object_array_get_idx(reps, 2);         /* nothing needed: amplification null */
	assert_null(at(r, "read_amplification"));

	r = json_object_array_get_idx(reps, 3);
	assert_close(num(r, "read_amplification"), 3);
	assert_close(num(r, "qps"), 100);
}

static json_object *summary_of(json_object *doc, size_t i)
{
	json_object *list = at(at(doc, "summary"), "strategies");

	return json_object_array_get_idx(list, i);
}

static void assert_spread(json_object *s, const char *fig, double med, double lo, double hi)
{
	json_object *o = at(s, fig);

	assert_non_null(o);
	assert_close(num(o, "median"), med);
	assert_close(num(o, "min"), lo);
	assert_close(num(o, "max"), hi);
}

static void test_summary(void **state)
{
	struct fixture *f = *state;
	json_object *s;

	assert_string_equal(json_object_get_string(at(at(f->doc, "summary"), "gate_counter")),
			    "proc_read_bytes");
	assert_int_equal(json_object_array_length(at(at(f->doc, "summary"), "strategies")), 2);
	/* config order, although fadvise-random ran first */
	s = summary_of(f->doc, 0);
	assert_string_equal(json_object_get_string(at(s, "name")), "default");
	assert_int_equal(json_object_get_int(at(s, "repeats")), 2);
	/*
	 * latency percentiles pool both repeats' queries (1..100 and 2, 4, ..., 200):
	 * nearest rank of 200 samples; min..max stay the per-repeat range
	 */
	assert_spread(s, "p50_us", 67, 50, 100);
	assert_spread(s, "p99_us", 196, 99, 198);
	assert_spread(s, "max_us", 200, 100, 200);
	assert_int_equal(json_object_get_int(at(s, "latency_samples")), 200);
	assert_null(at(s, "p999_us"));                   /* 200 samples: p99.9 would be the max */
	assert_spread(s, "qps", 150, 100, 200);
	assert_spread(s, "read_amplification", 2.5, 2, 3);
	assert_spread(s, "proc_read_bytes", 10 * MIB, 8 * MIB, 12 * MIB);
	assert_spread(s, "needed_bytes", 4 * MIB, 4 * MIB, 4 * MIB);
	assert_spread(s, "majflt", 15, 10, 20);
	assert_spread(s, "wall_s", 0.75, 0.5, 1.0);
	assert_spread(s, "recall", 0.905, 0.9, 0.91);

	s = summary_of(f->doc, 1);
	assert_string_equal(json_object_get_string(at(s, "name")), "fadvise-random");
	/* the null amplification of r1 is left out, not counted as 0 */
	assert_spread(s, "read_amplification", 1, 1, 1);
	assert_spread(s, "p50_us", 50, 50, 50);
}

/* A strategy the config lists but that never ran (interrupted run): nulls. */
static void test_summary_missing_strategy(void **state)
{
	struct fixture *f = *state;
	json_object *doc, *s;

	snprintf(f->run.cfg.strategies[2], RB_NAME_MAX, "willneed");
	f->run.cfg.n_strategies = 3;
	f->run.complete = false;
	doc = report__to_json(&f->run);
	f->run.cfg.n_strategies = 2;
	f->run.complete = true;
	assert_non_null(doc);
	assert_false(json_object_get_boolean(at(doc, "complete")));
	s = summary_of(doc, 2);
	assert_string_equal(json_object_get_string(at(s, "name")), "willneed");
	assert_int_equal(json_object_get_int(at(s, "repeats")), 0);
	assert_null(at(s, "p50_us"));
	json_object_put(doc);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static size_t count_entries(const char *dir)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_write_and_load(void **state)
{
	struct fixture *f = *state;
	char err[RB_ERR_MAX] = "", path[PATH_MAX];
	json_object *back = NULL;
	const char *text = json_object_to_json_string_ext(f->doc, JSON_C_TO_STRING_PRETTY);

	assert_int_equal(report__write_atomic(f->dir, "report.json", text, err, sizeof(err)), 0);
	/* written again over itself: still one file, no temporary left behind */
	assert_int_equal(report__write_atomic(f->dir, "report.json", text, err, sizeof(err)), 0);
	assert_int_equal(count_entries(f->dir), 1);
	snprintf(path, sizeof(path), "%s/report.json", f->dir);
	assert_int_equal(report__load(path, &back, err, sizeof(err)), 0);
	assert_non_null(back);
	assert_int_equal(json_object_array_length(at(back, "repeats")), 4);
	assert_string_equal(json_object_to_json_string(at(back, "summary")),
			    json_object_to_json_string(at(f->doc, "summary")));
	json_object_put(back);
}

static void test_write_errors(void **state)
{
	struct fixture *f = *state;
	char err[RB_ERR_MAX] = "", dir[128];
	int rc;

	snprintf(dir, sizeof(dir), "%s/missing", f->dir);
	rc = report__write_atomic(dir, "report.md", "x", err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "missing/report.md"));
	assert_int_equal(report__write_atomic(f->dir, "x", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(count_entries(f->dir), 0);
}

static void expect_load_error(const char *path, int want_rc, const char *needle)
{
	char err[RB_ERR_MAX] = "";
	json_object *doc = (json_object *)1;
	int rc = report__load(path, &doc, err, sizeof(err));

	assert_int_equal(rc, want_rc);
	assert_null(doc);
	assert_non_null(strstr(err, path));
	if (!strstr(err, needle))
		fail_msg("'%s' not in '%s'", needle, err);
}

static void test_load_errors(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	json_object *copy = NULL;

	snprintf(path, sizeof(path), "%s/bad.json", f->dir);
	write_file(path, "{ \"schema_version\": 1, ");
	expect_load_error(path, -EINVAL, "not a valid JSON");

	write_file(path, "[1, 2]");
	expect_load_error(path, -EINVAL, "must be an object");

	write_file(path, "{ \"schema_version\": 2, \"tool\": \"rabench\" }");
	expect_load_error(path, -EPROTO, "schema_version 2");
	expect_load_error(path, -EPROTO, "schema_version 1");

	assert_int_equal(json_object_deep_copy(f->doc, &copy, NULL), 0);
	json_object_object_del(copy, "repeats");
	write_file(path, json_object_to_json_string(copy));
	expect_load_error(path, -EINVAL, "'repeats' is missing");

	json_object_object_add(copy, "repeats", json_object_new_string("no"));
	write_file(path, json_object_to_json_string(copy));
	expect_load_error(path, -EINVAL, "'repeats' must be an array");
	json_object_put(copy);

	snprintf(path, sizeof(path), "%s/none.json", f->dir);
	expect_load_error(path, -ENOENT, "No such file");
	snprintf(path, sizeof(path), "%s/bad.json", f->dir);
	unlink(path);
}

/* Render with fn into a string the test owns. */
static char *render(int (*fn)(json_object *, FILE *), json_object *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(fn(doc, m), 0);
	fclose(m);
	return buf;
}

/* On failure hay (a rendering) is printed whole, then freed: fail_msg longjmps. */
static void assert_contains(char *hay, const char *needle)
{
	if (strstr(hay, needle))
		return;
	fprintf(stderr, "%s\n", hay);
	free(hay);
	fail_msg("'%s' not found in the rendering above", needle);
}

/* A clients sweep: one summary entry per (strategy, clients), a scaling table, compare by level. */
static void test_clients_sweep(void **state)
{
	struct fixture *f = *state;
	json_object *doc, *list, *e;
	char *md, label[96];

	f->run.cfg.run_clients[1] = 4;
	f->run.cfg.n_clients = 2;
	f->run.repeats[1].clients = 4;
	f->run.repeats[1].client_of = calloc(NQ, sizeof(int));
	assert_non_null(f->run.repeats[1].client_of);
	for (int i = 0; i < NQ; i++)
		f->run.repeats[1].client_of[i] = i % 4;
	doc = report__to_json(&f->run);
	assert_non_null(doc);
	list = report__get(report__get(doc, "summary"), "strategies");
	/* 2 levels x 2 strategies, level-major */
	assert_int_equal(json_object_array_length(list), 4);
	e = report__entry(list, "default", 4);
	assert_non_null(e);
	assert_ptr_equal(e, json_object_array_get_idx(list, 2));
	assert_int_equal(json_object_get_int(report__get(e, "repeats")), 1);
	assert_int_equal(json_object_get_int(report__get(report__entry(list, "default", 1),
							 "repeats")), 1);
	assert_string_equal(report__entry_label(list, e, label, sizeof(label)), "default, 4 clients");
	e = json_object_array_get_idx(report__get(doc, "repeats"), 1);
	assert_int_equal(json_object_array_length(report__get(e, "per_client")), 4);
	assert_int_equal(json_object_get_int(report__get(json_object_array_get_idx(
		report__get(e, "per_client"), 3), "n_queries")), NQ / 4);
	md = render(report__render_md, doc);
	assert_contains(md, "## Throughput vs clients");
	assert_contains(md, "| strategy | 1 client | 4 clients |");
	assert_contains(md, "| default, 4 clients | 1 |");
	free(md);
	json_object_put(doc);
	free(f->run.repeats[1].client_of);
	f->run.repeats[1].client_of = NULL;
	f->run.repeats[1].clients = 1;
	f->run.cfg.n_clients = 1;
}

static void test_markdown(void **state)
{
	struct fixture *f = *state;
	char *md = render(report__render_md, f->doc);

	assert_contains(md, "# rabench report: unit");
	assert_contains(md, "2024-05-01T12:00:00Z");
	assert_contains(md, "## Environment");
	assert_contains(md, "| `dataset.n` |");
	assert_contains(md, "recall@10");
	/* default: p50 67 us of both repeats' queries pooled (50 and 100 alone); 10 MiB read, amp 2.5 */
	assert_contains(md, "| default | 2 | 0.067 (0.050..0.100) |");
	assert_contains(md, "| 10.0 (8.0..12.0) |");
	assert_contains(md, "| 2.50 (2.00..3.00) |");
	/* identical repeats: the median alone */
	assert_contains(md, "| fadvise-random | 2 | 0.050 | 0.099 |");
	assert_contains(md, "deterministic");
	assert_contains(md, "- `read_amplification`: proc_read_bytes / needed_bytes");
	assert_contains(md, "## Repeats (raw)");
	/* order, strategy, repeat, clients, batch, queries */
	assert_contains(md, "| 3 | default | 1 | 1 | 1 | 100 |");
	free(md);

	md = render(report__print_table, f->doc);
	assert_contains(md, "default");
	assert_contains(md, "fadvise-random");
	assert_contains(md, "0.067");
	free(md);
}

static void test_render_rejects_non_report(void **state)
{
	json_object *o = json_object_new_object();

	(void)state;
	assert_int_equal(report__render_md(o, stdout), -EINVAL);
	assert_int_equal(report__print_table(o, stdout), -EINVAL);
	json_object_put(o);
}

/* report/report.schema.json from the working folder or above the test binary. */
static int find_schema(char *out, size_t len)
{
	char dir[PATH_MAX];
	ssize_t n;
	char *slash;

	if (access("report/report.schema.json", R_OK) == 0)
		return snprintf(out, len, "report/report.schema.json") < (int)len ? 0 : -1;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return -1;
	dir[n] = '\0';
	while ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (snprintf(out, len, "%s/report/report.schema.json", dir) < (int)len &&
		    access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

static const char validate_py[] =
	"import json, sys, jsonschema\n"
	"schema = json.load(open(sys.argv[1]))\n"
	"doc = json.load(open(sys.argv[2]))\n"
	"jsonschema.Draft7Validator.check_schema(schema)\n"
	"errs = list(jsonschema.Draft7Validator(schema).iter_errors(doc))\n"
	"for e in errs:\n"
	"    print('schema: /' + '/'.join(map(str, e.path)) + ': ' + e.message, file=sys.stderr)\n"
	"sys.exit(1 if errs else 0)\n";

/* Exit status of the validator on doc: 0 valid, 1 invalid, else broken. */
static int validate(json_object *doc, const char *dir)
{
	char schema[PATH_MAX], inst[PATH_MAX];
	int status;
	pid_t pid;

	assert_int_equal(find_schema(schema, sizeof(schema)), 0);
	snprintf(inst, sizeof(inst), "%s/validate.json", dir);
	write_file(inst, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", "-c", validate_py, schema, inst, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(inst);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void test_schema_valid(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(validate(f->doc, f->dir), 0);
}

/* The validator must really run: a stray field in a repeat has to fail it. */
static void test_schema_rejects(void **state)
{
	struct fixture *f = *state;
	json_object *copy = NULL;

	assert_int_equal(json_object_deep_copy(f->doc, &copy, NULL), 0);
	json_object_object_add(json_object_array_get_idx(at(copy, "repeats"), 1), "bogus",
			       json_object_new_int(1));
	assert_int_equal(validate(copy, f->dir), 1);
	json_object_put(copy);
}

/*
 * Two phases in every repeat (search, fetch): per query the fetch waited 10 us
 * for I/O in default's repeats and 2 us in fadvise-random's, with one major fault
 * in every other default query; the search's wait was not measured (NaN).
 */
static void add_phases(struct rb_run *run)
{
	size_t j, i;

	for (j = 0; j < run->n_repeats; j++) {
		struct rb_repeat_result *r = &run->repeats[j];
		bool def = strcmp(r->strategy, "default") == 0;

		r->n_phases = 2;
		r->phase_names[0] = "search";
		r->phase_names[1] = "fetch";
		r->phase_us = calloc(NQ * 2, sizeof(double));
		r->phase_io_wait_us = calloc(NQ * 2, sizeof(double));
		r->phase_majflt = calloc(NQ * 2, sizeof(double));
		assert_true(r->phase_us && r->phase_io_wait_us && r->phase_majflt);
		for (i = 0; i < NQ; i++) {
			r->phase_us[i * 2] = r->phase_us[i * 2 + 1] = r->latency_us[i] / 2;
			r->phase_io_wait_us[i * 2] = NAN;
			r->phase_io_wait_us[i * 2 + 1] = def ? 10 : 2;
			r->phase_majflt[i * 2 + 1] = def && i % 2;
		}
	}
}

static void test_phase_io(void **state)
{
	struct fixture *f = *state;
	json_object *doc, *rep, *fetch, *s, *ph;
	char *md;
	size_t i;

	add_phases(&f->run);
	doc = report__to_json(&f->run);
	assert_non_null(doc);
	rep = json_object_array_get_idx(at(doc, "repeats"), 1);	/* default r0 */
	assert_string_equal(json_object_get_string(at(rep, "strategy")), "default");
	fetch = at(at(rep, "phase_io"), "fetch");
	assert_close(num(at(fetch, "io_wait_us"), "total"), 10.0 * NQ);
	assert_close(num(at(fetch, "io_wait_us"), "mean"), 10.0);
	assert_close(num(fetch, "majflt"), NQ / 2);
	/* not measured: null, not 0 */
	assert_true(at(at(at(rep, "phase_io"), "search"), "io_wait_us") == NULL);
	for (i = 0; i < json_object_array_length(at(at(doc, "summary"), "strategies")); i++) {
		s = json_object_array_get_idx(at(at(doc, "summary"), "strategies"), i);
		ph = at(at(s, "phases"), "fetch");
		assert_close(num(at(ph, "io_wait_total_us"), "median"),
			     strcmp(json_object_get_string(at(s, "name")), "default") ? 2.0 * NQ : 10.0 * NQ);
		assert_true(at(at(at(s, "phases"), "search"), "io_wait_total_us") == NULL);
	}
	assert_int_equal(validate(doc, f->dir), 0);
	md = render(report__render_md, doc);
	assert_contains(md, "## Phases");
	assert_contains(md, "| fetch I/O wait ms (all queries) | fetch major faults |");
	/* default: 1 ms of fetch I/O wait and 50 faults in each repeat */
	assert_contains(md, "| 1.000 | 50 |");
	free(md);
	md = render(report__render_html, doc);
	assert_contains(md, "<h2>Phases</h2>");
	assert_contains(md, "<th>fetch I/O wait ms</th>");
	/* default: 1.0 ms of fetch I/O wait, 50 faults; search's wait not measured */
	assert_contains(md, "<td>1.0</td><td>50</td>");
	assert_contains(md, "<td>-</td>");
	free(md);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_top_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_missing_strategy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clients_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phase_io, setup, teardown),
		cmocka_unit_test(test_render_rejects_non_report),
		cmocka_unit_test_setup_teardown(test_schema_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_rejects, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
