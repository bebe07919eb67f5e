/*
 * ivf-client — ivf-search's data served by a process rabench did not write
 * (`rabench run CONFIG -- CMD ARGS...`): a RAG server's retrieval step, in
 * Python over python3-faiss (workloads/faiss_client.py) or in anything that
 * speaks this line protocol on its stdin/stdout:
 *
 *   environment  RABENCH_INDEX (the .index), RABENCH_QUERIES (.fvecs),
 *                RABENCH_K, RABENCH_NPROBE
 *   client       "ready"                      once the index is loaded
 *   rabench      "q ID [ID...]"               query ids (a batch: several)
 *   client       "r ID HIT1 ... HITk"         one line per id, in order (-1: none)
 *   rabench      closes stdin                 the client exits
 *
 * The client is started per repeat (its load time is the repeat's open_s), with
 * execvp and no shell; every query is timed from here, with a timeout
 * (workload.client_timeout; ten of them for "ready"). rabench
 * itself opens the index too (index_io.c, never reading the lists), for what
 * the strategies need: the probed lists' extents, the extent map. The client's
 * pid goes in w->target_pid: counters, probes and strategies follow it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "index_io.h"
#include "workload.h"
#include "datasets/dataset.h"

extern const struct workload_ops ivf_search_ops;

#define LINE_MAX_BYTES	65536
#define READY_FACTOR	10	/* loading the index may take 10 query timeouts */

struct ivf_client {
	struct index_io io;	/* first: ivf-search's client hooks take w->priv as an index_io */
	pid_t pid;
	int to, from;		/* its stdin, its stdout */
	char buf[LINE_MAX_BYTES];
	size_t have;		/* bytes buffered from the client */
	int timeout_ms;
	char why[256];		/* what went wrong with the client, for the error message */
};

static int ivf_client_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
				 char paths[][512], int max)
{
	return ivf_search_ops.list_files(wp, ds, paths, max);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* One line from the client into line (without '\n'), within timeout_ms. 0 or -errno. */
static int read_line(struct ivf_client *cl, char *line, size_t len, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	struct pollfd p = { .fd = cl->from, .events = POLLIN };
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(cl->buf, '\n', cl->have);
		if (nl) {
			size_t l = (size_t)(nl - cl->buf);

			if (l >= len)
				return -E2BIG;
			memcpy(line, cl->buf, l);
			line[l] = '\0';
			cl->have -= l + 1;
			memmove(cl->buf, nl + 1, cl->have);
			return 0;
		}
		if (cl->have == sizeof(cl->buf))
			return -E2BIG;
		int left = (int)(end - now_ms());

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			return -EINTR;	/* a signal: the runner stops between queries */
		if (n <= 0)
			continue;
		n = read(cl->from, cl->buf + cl->have, sizeof(cl->buf) - cl->have);
		if (n == 0)
			return -EPIPE;	/* the client closed its stdout: it died or quit */
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			cl->have += (size_t)n;
	}
}

static int send_line(struct ivf_client *cl, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t n;

	while (off < len) {
		n = write(cl->to, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		off += (size_t)n;
	}
	return 0;
}

static void stop_client(struct ivf_client *cl)
{
	int i, status;

	if (cl->to >= 0)
		close(cl->to);
	cl->to = -1;
	for (i = 0; cl->pid > 0 && i < 500; i++) {	/* 5 s to exit on EOF */
		if (waitpid(cl->pid, &status, WNOHANG) == cl->pid) {
			cl->pid = 0;
			break;
		}
		usleep(10000);
	}
	if (cl->pid > 0) {
		kill(cl->pid, SIGKILL);
		waitpid(cl->pid, &status, 0);
		cl->pid = 0;
	}
	if (cl->from >= 0)
		close(cl->from);
	cl->from = -1;
}

static void ivf_client_close(struct rb_workload *w)
{
	struct ivf_client *cl = w->priv;

	if (!cl)
		return;
	stop_client(cl);
	index_io__close(&cl->io, w);
	free(cl);
	w->priv = NULL;
	w->n_files = 0;
	w->target_pid = 0;
}

static void setenv_num(const char *name, long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", v);
	setenv(name, s, 1);
}

/* fork + execvp with the protocol's environment; pipes on its stdin and stdout. */
static int start_client(struct ivf_client *cl, const struct rb_workload_params *wp,
			const struct rb_dataset *ds, char *err, size_t errlen)
{
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		snprintf(err, errlen, "client: pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(NULL);
	cl->pid = fork();
	if (cl->pid < 0) {
		snprintf(err, errlen, "client: fork: %s", strerror(errno));
		return -errno;
	}
	if (cl->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		setenv("RABENCH_INDEX", ds->index_path, 1);
		setenv("RABENCH_QUERIES", ds->queries_path, 1);
		setenv_num("RABENCH_K", wp->k);
		setenv_num("RABENCH_NPROBE", wp->nprobe);
		signal(SIGPIPE, SIG_DFL);	/* rabench ignores it; the command must not */
		execvp(wp->client_argv[0], wp->client_argv);
		fprintf(stderr, "rabench: client: cannot run '%s': %s\n", wp->client_argv[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	cl->to = in[1];
	cl->from = out[0];
	return 0;
}

static int ivf_client_open(struct rb_workload *w, const struct rb_workload_params *wp,
			   const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct ivf_client *cl = calloc(1, sizeof(*cl));
	char line[256];
	int rc;

	if (!cl)
		return -ENOMEM;
	cl->to = cl->from = -1;
	cl->timeout_ms = (int)(wp->client_timeout * 1000);
	w->priv = cl;
	rc = index_io__open(&cl->io, w, 0, wp, ds, err, errlen);
	if (!rc)
		rc = start_client(cl, wp, ds, err, errlen);
	if (!rc) {
		rc = read_line(cl, line, sizeof(line), cl->timeout_ms * READY_FACTOR);
		if (!rc && strcmp(line, "ready")) {
			snprintf(err, errlen, "client '%s': said '%.60s' instead of 'ready'",
				 wp->client_argv[0], line);
			rc = -EPROTO;
		} else if (rc) {
			snprintf(err, errlen, "client '%s': no 'ready' line: %s", wp->client_argv[0],
				 rc == -EPIPE ? "it exited" : strerror(-rc));
		}
	}
	if (rc) {
		ivf_client_close(w);
		return rc == -EINTR ? rc : -EIO;
	}
	w->n_files = 1;
	w->target_pid = cl->pid;
	return 0;
}

static int ivf_client_client_open(struct rb_client *c)
{
	return ivf_search_ops.client_open(c);
}

static void ivf_client_client_close(struct rb_client *c)
{
	ivf_search_ops.client_close(c);
}

/* "r ID HIT1 ... HITk" for query qi into ids[k]; -EPROTO on anything else. */
static int parse_result(const char *line, int64_t qi, int64_t *ids, int64_t k)
{
	const char *p = line;
	char *end;
	long long v;
	int64_t i;

	if (strncmp(p, "r ", 2))
		return -EPROTO;
	p += 2;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno || end == p || v != qi)
		return -EPROTO;
	for (i = 0; i < k; i++) {
		p = end;
		v = strtoll(p, &end, 10);
		if (errno || end == p || v < -1)
			return -EPROTO;
		ids[i] = v;
	}
	while (*end == ' ')
		end++;
	return *end ? -EPROTO : 0;
}

static int ivf_client_run_batch(struct rb_client *c, const int64_t *qi, int n,
				struct rb_query_result *res)
{
	struct ivf_client *cl = c->w->priv;
	struct index_buf *b = c->priv;
	char req[LINE_MAX_BYTES], line[LINE_MAX_BYTES];
	size_t off = 0;
	int i, rc;

	off += (size_t)snprintf(req, sizeof(req), "q");
	for (i = 0; i < n && off < sizeof(req) - 24; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, " %" PRId64, qi[i]);
	snprintf(req + off, sizeof(req) - off, "\n");
	rc = send_line(cl, req);
	for (i = 0; i < n && !rc; i++) {
		rc = read_line(cl, line, sizeof(line), cl->timeout_ms);
		if (!rc)
			rc = parse_result(line, qi[i], b->s.ids + (size_t)i * index_io__k(&cl->io),
					  index_io__k(&cl->io));
		res[i].ids = b->s.ids + (size_t)i * index_io__k(&cl->io);
	}
	if (rc && rc != -EINTR)
		fprintf(stderr, "rabench: client pid %d, query %" PRId64 ": %s\n", (int)cl->pid, qi[0],
			rc == -EPIPE ? "the client exited" : rc == -ETIMEDOUT ?
			"no answer within workload.client_timeout" : rc == -EPROTO ?
			"an answer that is not 'r ID HIT...' with k hits" : strerror(-rc));
	return rc;
}

static int ivf_client_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	return ivf_client_run_batch(c, &qi, 1, res);
}

static int ivf_client_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	return ivf_search_ops.extents(c, qi, res);
}

static int ivf_client_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out,
				 size_t max)
{
	struct ivf_client *cl = w->priv;

	return index_io__extent_of(&cl->io, key, out, max);
}

const struct workload_ops ivf_client_ops = {
	.name = "ivf-client",
	.version = RB_WORKLOAD_VERSION,
	.flags = RB_WL_BATCH | RB_WL_IVF | RB_WL_EXTENT_MAP,
	.help = "ivf-search's index and queries served by an external client process (rabench run CONFIG -- CMD): line protocol on its stdin/stdout",
	.list_files = ivf_client_list_files,
	.open = ivf_client_open,
	.client_open = ivf_client_client_open,
	.client_close = ivf_client_client_close,
	.run_query = ivf_client_run_query,
	.extents = ivf_client_extents,
	.close = ivf_client_close,
	.run_batch = ivf_client_run_batch,
	.extent_map = ivf_client_extent_map,
};
