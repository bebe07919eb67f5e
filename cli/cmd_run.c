/*
 * cmd_run — `rabench run CONFIG`: load and check the config, prepare (or reuse)
 * the dataset and index, run the interleaved plan, write report.json and
 * report.md, report.html and report.csv into results/<name>/<timestamp>/ and
 * print the comparison table.
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT stop the run between queries; the strategy in
 * force is undone and what was measured is written, marked "complete": false.
 * SIGPIPE is ignored (cli/main.c): a client that went away fails its query.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "config/config.h"
#include "lib/env.h"
#include "lib/fsutil.h"
#include "harness/live.h"
#include "harness/plan.h"
#include "report/report.h"
#include "harness/runner.h"
#include "harness/stream.h"
#include "datasets/dataset.h"
#include "db/db.h"
#include "harness/dataset_spec.h"
#include "harness/workload_params.h"

#define MAX_SETS 64

static struct run_env {
	const char *config;
	const char *sets[MAX_SETS];
	int n_sets;
	int quiet;
	int dry_run;
	int live;
	const char *db;		/* --db */
	int no_db;
	int db_required;
	char db_target[RB_DB_URL_MAX];	/* resolved before run.db is redacted */
	char **client;		/* after "--": the external client's command */
} env;

/* The signal (rb_stop_signals) that asked the run to stop; 0 while none did. */
static volatile sig_atomic_t stop_requested;

static const char doc[] =
	"Run a benchmark described by a YAML config.\n"
	"\n"
	"Prepares the dataset and the on-disk FAISS index on first use (reused\n"
	"afterwards, keyed by their parameters), runs the workload under every\n"
	"strategy in run.strategies, run.repeats times each, interleaved, and writes\n"
	"results/<name>/<timestamp>/report.json, .md, .html and .csv. The table\n"
	"goes to stdout, progress to stderr.\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench run configs/ivf.yaml\n"
	"    rabench run configs/ci.yaml --set run.repeats=5 --set workload.nprobe=32\n"
	"    rabench run configs/ivf.yaml --dry-run     # show the resolved config and plan\n"
	"    rabench run configs/ci.yaml -- /usr/bin/python3 workloads/faiss_client.py\n"
	"        (an external client serves the queries: line protocol in workloads/ivf_client.c)\n"
	"\n"
	"Exit status: 0 done, 1 the run failed (a report of the repeats that completed is\n"
	"still written), 2 bad config or options, 128+N stopped by signal N (SIGINT 130,\n"
	"SIGTERM 143, SIGHUP 129, SIGQUIT 131: the repeats done so far, marked incomplete).\n"
	"Every run is also recorded into the results database (results/rabench.db, or\n"
	"run.db, $RABENCH_DB, --db: a SQLite file or a postgresql:// URL), opened and\n"
	"checked before any work: a bad one is exit 2. A failed write after the run\n"
	"keeps the report and says so (exit 0; 1 with --db-required); 'rabench db import'\n"
	"records it later.\n"
	"Every setting a strategy changes is journaled in /run/rabench first and put back\n"
	"on every exit; after a SIGKILL the next rabench (or 'rabench restore') does it.\n"
	"'rabench list keys' documents every config key.";

static const struct argp_option opts[] = {
	{ "set", 's', "KEY=VALUE", 0, "Override a config key (repeatable), e.g. --set run.repeats=5", 0 },
	{ "quiet", 'q', NULL, 0, "No progress lines on stderr", 0 },
	{ "dry-run", 'n', NULL, 0, "Print the resolved config and the plan, run nothing", 0 },
	{ "db", 'D', "PATH|URL", 0, "Results database to record the run into (a SQLite file or postgresql://...; overrides RABENCH_DB and run.db)", 0 },
	{ "no-db", 'N', NULL, 0, "Do not record the run into a results database", 0 },
	{ "db-required", 'R', NULL, 0, "Exit 1 when recording the run into the database fails (the report is written anyway)", 0 },
	{ "live", 'l', NULL, 0, "A live view on stderr: a screen refreshed 4 times a second on a terminal, a line a second otherwise", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 's':
		if (env.n_sets == MAX_SETS)
			argp_error(state, "at most %d --set options", MAX_SETS);
		env.sets[env.n_sets++] = arg;
		break;
	case 'q':
		env.quiet = 1;
		break;
	case 'n':
		env.dry_run = 1;
		break;
	case 'l':
		env.live = 1;
		break;
	case 'D':
		env.db = arg;
		break;
	case 'N':
		env.no_db = 1;
		break;
	case 'R':
		env.db_required = 1;
		break;
	case ARGP_KEY_ARG:
		if (env.config)
			argp_error(state, "one config file only (got '%s' and '%s')", env.config, arg);
		env.config = arg;
		break;
	case ARGP_KEY_END:
		if (!env.config)
			argp_error(state, "which config? e.g. rabench run configs/ivf.yaml");
		if (env.no_db && (env.db || env.db_required))
			argp_error(state, "--no-db conflicts with --db and --db-required");
		if (env.live && env.quiet)
			argp_error(state, "--live and --quiet conflict: the live view is progress output");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void on_signal(int sig)
{
	stop_requested = sig;
}

/* The shell's status for "stopped by a signal": 130 for SIGINT, 143 for SIGTERM, 129 SIGHUP. */
static int interrupted_status(void)
{
	return 128 + (int)stop_requested;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < RB_N_STOP_SIGNALS; i++)
		sigaction(rb_stop_signals[i], &sa, NULL);
}

/*
 * A replay file is read now, before any preparing: a bad one is bad input (exit
 * 2), not a failed run. Ids are checked against dataset.queries here; an import
 * with fewer queries than that is caught again when the run builds its stream.
 */
static int check_replay(const struct rb_config *cfg, char *err, size_t errlen)
{
	int64_t *ids = NULL;
	int rc;

	if (strcmp(cfg->workload_stream, "replay"))
		return 0;
	rc = stream__build(cfg, cfg->dataset_queries, &ids, err, errlen);
	free(ids);
	return rc;
}

/*
 * `-- CMD ARGS...`: an external client replaces ivf-search's built-in search
 * (workloads/ivf_client.c). One client process, so one clients level of 1.
 */
static int check_client(struct rb_config *cfg, char *err, size_t errlen)
{
	if (!env.client)
		return 0;
	if (!env.client[0] || !env.client[0][0]) {
		snprintf(err, errlen, "which client? rabench run CONFIG -- CMD ARGS...");
		return -EINVAL;
	}
	if (strcmp(cfg->workload_type, "ivf-search")) {
		snprintf(err, errlen, "workload.type: an external client serves ivf-search's index and "
			 "queries (got '%s')", cfg->workload_type);
		return -EINVAL;
	}
	if (cfg->n_clients != 1 || cfg->run_clients[0] != 1) {
		snprintf(err, errlen, "run.clients: one external client process (got a clients "
			 "sweep; expected [1])");
		return -EINVAL;
	}
	cfg->client_argv = env.client;
	return 0;
}

static int load_config(struct rb_config *cfg)
{
	char err[RB_ERR_MAX];
	int i;

	config__defaults(cfg);
	if (config__load(cfg, env.config, err, sizeof(err)))
		goto bad;
	for (i = 0; i < env.n_sets; i++)
		if (config__set(cfg, env.sets[i], err, sizeof(err)))
			goto bad;
	if (config__validate(cfg, err, sizeof(err)) || config__validate_workload(cfg, err, sizeof(err)) ||
	    check_replay(cfg, err, sizeof(err)) ||
	    check_client(cfg, err, sizeof(err)))
		goto bad;
	return 0;
bad:
	fprintf(stderr, "rabench: %s\n", err);
	return -EINVAL;
}

static void print_plan(const struct rb_config *cfg, const struct rb_plan *plan)
{
	const struct rb_key *k;
	char val[RB_PATH_MAX + 64];
	size_t i;

	printf("# resolved config (%s)\n", env.config);
	for (k = rb_config_keys; k->key; k++) {
		config__format_value(cfg, k, val, sizeof(val));
		printf("%s: %s\n", k->key, val);
	}
	printf("# plan: %zu steps (%s cache)\n", plan->n_steps, cfg->run_cache);
	for (i = 0; i < plan->n_steps; i++)
		printf("%3zu  %-20s clients %-3d repeat %d\n", i + 1,
		       cfg->strategies[plan->steps[i].strategy], plan->steps[i].clients,
		       plan->steps[i].repeat + 1);
}

static uint64_t run_files_bytes(const struct rb_config *cfg, const struct rb_dataset *ds)
{
	struct rb_workload_params wp;
	const struct workload_ops *ops = workload__of_config(cfg, &wp);
	char paths[RB_MAX_FILES][512];
	uint64_t sum = 0;
	struct stat st;
	int i, n;

	n = ops ? ops->list_files(&wp, ds, paths, RB_MAX_FILES) : 0;
	for (i = 0; i < n; i++)
		if (stat(paths[i], &st) == 0)
			sum += (uint64_t)st.st_size;
	return sum;
}

/*
 * Errors of a folder or file the user pointed rabench at (full, read-only, not
 * ours to write, not a folder): bad input, exit 2, not a failed run.
 */
static bool is_input_error(int rc)
{
	return rc == -ENOSPC || rc == -EDQUOT || rc == -EROFS || rc == -EACCES || rc == -EPERM ||
	       rc == -ENOTDIR || rc == -ENAMETOOLONG || rc == -EISDIR;
}

/*
 * Before spending any time: results/<name>/ must be a folder this process can
 * create files in (a file is created there and removed again).
 */
static int check_results_dir(const struct rb_config *cfg)
{
	char dir[RB_PATH_MAX + RB_NAME_MAX + 2], probe[RB_PATH_MAX + RB_NAME_MAX + 40];
	int rc, fd;

	snprintf(dir, sizeof(dir), "%s/%s", cfg->results_dir, cfg->name);
	rc = fsutil__mkdir_p(dir, 0755, 0);
	if (!rc) {
		snprintf(probe, sizeof(probe), "%s/.rabench-probe-%ld", dir, (long)getpid());
		fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		rc = fd < 0 ? -errno : 0;
		if (fd >= 0) {
			close(fd);
			unlink(probe);
		}
	}
	if (rc)
		fprintf(stderr, "rabench: run.results_dir: %s: cannot write there: %s\n", dir,
			strerror(-rc));
	return rc;
}

/* results/<name>/<UTC stamp>[-N]/ — a new folder per run, never overwritten. */
static int make_result_dir(const struct rb_config *cfg, const char *stamp, char *dir,
			   size_t len, char *err, size_t errlen)
{
	int i, rc;

	for (i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(dir, len, "%s/%s/%s", cfg->results_dir, cfg->name, stamp);
		else
			snprintf(dir, len, "%s/%s/%s-%d", cfg->results_dir, cfg->name, stamp, i);
		rc = fsutil__mkdir_p(dir, 0755, 1);
		if (rc != -EEXIST)
			break;
	}
	if (rc)
		snprintf(err, errlen, "%s: cannot create the results folder: %s", dir, strerror(-rc));
	return rc;
}

/* Every format rendered from report.json, written next to it. */
static const struct {
	const char *file;
	int (*render)(json_object *report, FILE *out);
} renderers[] = {
	{ "report.md", report__render_md },
	{ "report.html", report__render_html },
	{ "report.csv", report__render_csv },
};

static int write_rendered(json_object *doc, const char *dir, const char *file,
			  int (*render)(json_object *, FILE *), char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int rc;

	if (!mem)
		return -ENOMEM;
	rc = render(doc, mem);
	fclose(mem);
	if (rc)
		snprintf(err, errlen, "%s: cannot render: %s", file, strerror(-rc));
	else
		rc = report__write_atomic(dir, file, text, err, errlen);
	free(text);
	return rc;
}

static int write_reports(struct rb_run *run, const char *stamp, int quiet, char *dir, size_t dirlen)
{
	char err[RB_ERR_MAX];
	json_object *doc = report__to_json(run);
	size_t i;
	int rc;

	if (!doc)
		return -ENOMEM;
	rc = make_result_dir(&run->cfg, stamp, dir, dirlen, err, sizeof(err));
	if (rc)
		goto cleanup;
	rc = report__write_atomic(dir, "report.json",
				  json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY),
				  err, sizeof(err));
	if (rc) {
		/* no report.json, no result: leave no folder that looks like one */
		rmdir(dir);
		goto cleanup;
	}
	for (i = 0; rc == 0 && i < sizeof(renderers) / sizeof(renderers[0]); i++)
		rc = write_rendered(doc, dir, renderers[i].file, renderers[i].render, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "rabench: %s\n", err);
		fprintf(stderr, "rabench: %s/report.json is complete; `rabench report` renders the "
			"rest once there is room\n", dir);
		json_object_put(doc);
		return rc;
	}
	report__print_table(doc, stdout);
	if (!quiet)
		fprintf(stderr, "rabench: wrote %s/report.{json,md,html,csv}\n", dir);
cleanup:
	if (rc)
		fprintf(stderr, "rabench: %s\n", err);
	json_object_put(doc);
	return rc;
}

static void utc_stamps(char *iso, size_t isolen, char *stamp, size_t stamplen)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(iso, isolen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(stamp, stamplen, "%Y%m%dT%H%M%SZ", &tm);
}

/* The device in the report (run.calibrate): measured once a day, a few seconds. */
static void describe_device(const struct rb_config *cfg, const struct rb_dataset *ds,
			    const struct rb_blockdev *dev, struct rb_calibration *c)
{
	char file[RB_PATH_MAX];

	if (!cfg->run_calibrate) {
		memset(c, 0, sizeof(*c));
		snprintf(c->why, sizeof(c->why), "run.calibrate is false");
		return;
	}
	if (runner__largest_file(cfg, ds, file, sizeof(file)))
		file[0] = '\0';
	if (!env.quiet)
		fprintf(stderr, "rabench: describing the device %s (O_DIRECT reads, ~3 s, once a day)\n",
			dev->name[0] ? dev->name : "?");
	calibrate__device(dev->name, file[0] ? file : NULL, cfg->cache_dir, c);
	/* the roofline's bandwidth, in this run: a day-old figure bounds nothing today */
	calibrate__seq_now(dev->name, file[0] ? file : NULL, 0.5, c);
}

/*
 * The run into the results database, from the report.json just written (read back,
 * so a later `rabench db import` of that file is the same run). A failure is said,
 * never fatal: the report is the source of truth. 0, or -errno.
 */
static int record_run(struct rb_db *db, const char *dir)
{
	char path[RB_PATH_MAX + 160], err[RB_ERR_MAX], key[17], ended[32];
	json_object *doc = NULL;
	time_t t = time(NULL);
	struct tm tm;
	int rc, inserted = 0;

	gmtime_r(&t, &tm);
	strftime(ended, sizeof(ended), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	rc = report__load(path, &doc, err, sizeof(err));
	if (!rc)
		rc = db__record(db, doc, ended, &inserted, key, sizeof(key), err, sizeof(err));
	json_object_put(doc);
	if (rc) {
		fprintf(stderr, "rabench: the results database write failed: %s\n"
			"rabench: %s is complete; 'rabench db import %s' records it later\n",
			err, path, path);
		return rc;
	}
	if (!env.quiet)
		fprintf(stderr, "rabench: recorded run %s into the %s results database\n", key,
			db__engine(db));
	return 0;
}

static int execute(struct rb_run *run, const struct rb_plan *plan, struct rb_db *db)
{
	char dir[RB_PATH_MAX + 128] = "";
	struct rb_runner_opts ropts = { .stop = &stop_requested, .quiet = env.quiet };
	struct rb_dataset ds = { 0 };
	struct rb_blockdev dev;
	char err[RB_ERR_MAX] = "", stamp[32];
	int rc, wrc, drc = 0;

	runner__memory_policy(&run->cfg);
	/* a signal while preparing stops it between chunks; nothing half-built is kept */
	dataset__set_stop(&stop_requested);
	rc = dataset_spec__prepare(&run->cfg, &ds, err, sizeof(err));
	dataset__set_stop(NULL);
	if (rc == -EINTR) {
		fprintf(stderr, "rabench: interrupted while preparing the dataset; nothing was "
			"measured or written\n");
		return interrupted_status();
	}
	if (rc) {
		fprintf(stderr, "rabench: preparing the dataset: %s\n", err);
		dataset__free(&ds);
		return stop_requested ? interrupted_status() : is_input_error(rc) ? 2 : 1;
	}
	runner__blockdev(&run->cfg, &ds, &dev);
	env__capture(&run->env, dev.name[0] ? &dev : NULL, ds.dir);
	describe_device(&run->cfg, &ds, &dev, &run->env.calib);
	utc_stamps(run->started, sizeof(run->started), stamp, sizeof(stamp));
	snprintf(run->dataset_dir, sizeof(run->dataset_dir), "%s", ds.dir);
	snprintf(run->index_dir, sizeof(run->index_dir), "%s", ds.index_dir);
	run->files_bytes = run_files_bytes(&run->cfg, &ds);
	run->store_interior_bytes = ds.store_interior_bytes;

	if (env.live && live__start(&ropts.live, dev.name[0] ? &dev : NULL))
		fprintf(stderr, "rabench: --live: cannot start the live view; running without it\n");
	rc = runner__execute(&run->cfg, &ds, plan, &ropts, run, err, sizeof(err));
	live__stop(ropts.live);
	if (rc && rc != -EINTR)
		fprintf(stderr, "rabench: %s\n", err);
	if (rc == -EINTR)
		fprintf(stderr, "rabench: interrupted; writing the %zu completed repeats, "
			"marked incomplete\n", run->n_repeats);
	wrc = (rc == 0 || run->n_repeats > 0) ?
		write_reports(run, stamp, env.quiet, dir, sizeof(dir)) : 0;
	if (db && !wrc && dir[0] && (rc == 0 || run->n_repeats > 0))
		drc = record_run(db, dir);
	dataset__free(&ds);
	if (wrc && is_input_error(wrc))
		return 2;   /* the results folder filled up or went read-only under us */
	if (rc == -EINTR)
		return interrupted_status();
	if (rc == 0 && run->n_repeats == 0) {
		/* every strategy was skipped: the report says why, but nothing was measured */
		fprintf(stderr, "rabench: no strategy could run on this machine (%s: %s)\n",
			run->skipped[0], run->skipped_reason[0]);
		return 1;
	}
	return rc || wrc || (drc && env.db_required) ? 1 : 0;
}

/*
 * The results database, opened (and migrated) before any work: a bad URL, an
 * unreachable server, a file that is not a database is bad input. *db NULL with --no-db.
 */
static int open_db(struct rb_config *cfg, struct rb_db **db)
{
	char err[RB_ERR_MAX];
	int rc;

	(void)cfg;
	*db = NULL;
	if (env.no_db)
		return 0;
	rc = db__open(env.db_target, db, err, sizeof(err));
	if (rc)
		fprintf(stderr, "rabench: results database: %s\n"
			"rabench: nothing was run (--no-db runs without recording)\n", err);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "CONFIG [-- CLIENT ARGS...]", doc, NULL, NULL, NULL };
	struct rb_run run = { 0 };
	struct rb_plan plan = { 0 };
	struct rb_db *db = NULL;
	int rc;

	memset(&env, 0, sizeof(env));
	/* everything after "--" is the client's command line, never options of ours */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			env.client = argv + i + 1;
			argc = i;
			break;
		}
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (load_config(&run.cfg))
		return 2;
	/* the target kept aside; run.db redacted, so no report or --dry-run shows a password */
	snprintf(env.db_target, sizeof(env.db_target), "%s", db__resolve(env.db, run.cfg.run_db));
	db__redact(run.cfg.run_db, run.cfg.run_db, sizeof(run.cfg.run_db));
	if (plan__build(&run.cfg, &plan)) {
		fprintf(stderr, "rabench: cannot build the plan\n");
		return 2;
	}
	if (env.dry_run) {
		print_plan(&run.cfg, &plan);
		plan__free(&plan);
		return 0;
	}
	if (open_db(&run.cfg, &db) || check_results_dir(&run.cfg)) {
		db__close(db);
		plan__free(&plan);
		return 2;
	}
	install_signal_handlers();
	rc = execute(&run, &plan, db);
	db__close(db);
	plan__free(&plan);
	run__free(&run);
	return rc;
}
