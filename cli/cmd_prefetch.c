/*
 * cmd_prefetch — `rabench prefetch --index F.index... (-- CMD ARGS... | --pid PID)`:
 * the bpf-prefetch agent as a tool, for a RAG process rabench did not start or
 * write (FAISS from Python, behind a web server). It reads the byte extents of
 * every inverted list from the .index files (FAISS's own reader), watches the
 * target's page-cache misses on the .ivfdata (by device and inode), attaches the
 * uprobe on FAISS's prefetch_lists in whatever object of the target defines it
 * (an executable linked with libfaiss.a, libfaiss.so, python's _swigfaiss*.so),
 * as soon as the target maps it, and prefetches whole lists through its own
 * descriptors. Runs until the target exits (Ctrl-C with --pid), then prints its
 * counters.
 *
 * What it cannot do from outside is said, not faked: MADV_RANDOM on another
 * process's mapping does not exist (process_madvise takes COLD, PAGEOUT,
 * WILLNEED, COLLAPSE), so speculative readahead stays on; --read-ahead-kb sets
 * the device's window instead (restored at the end, also on Ctrl-C).
 */
#define _GNU_SOURCE
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/index_io_c.h>
#include <faiss/c_api/error_c.h>

#include "cmds.h"
#include "lib/memcg.h"
#include "lib/metrics.h"
#include "lib/procfs.h"
#include "report/probe_table.h"
#include "bpf/probes.h"
#include "bpf/prefetch_agent.h"
#include "datasets/faiss_bridge.h"
#include "lib/clock.h"

#define MAX_INDEXES	8
#define POLL_NS		20000000L	/* 20 ms between looks at the target */

static struct prefetch_env {
	const char *index[MAX_INDEXES];
	int n_index;
	pid_t pid;
	long read_ahead_kb;		/* -1: leave the device alone */
	int probes;			/* --probes: the page-cache table of the run */
	char **cmd;
	char cg_home[512];		/* our memory cgroup, while in the target's */
} env;

static volatile sig_atomic_t stop;

static const char doc[] =
	"Run the eBPF-guided prefetcher for another process: a FAISS index on disk\n"
	"served by a program rabench did not start or write.\v"
	"The target is started (-- CMD, no shell) or found (--pid). Its FAISS lists\n"
	"are read from each --index file, or, without --index, from the .index whose\n"
	"lists are in the .ivfdata the target maps (an .index it holds open, or one\n"
	"beside the .ivfdata). A target that forks or execs (a shell, nice, a server's\n"
	"workers) is followed: the process served is the one of its tree that maps the\n"
	"index's .ivfdata. The uprobe on FAISS's prefetch_lists is\n"
	"attached in the target's FAISS object as soon as it is mapped; until then,\n"
	"and for a target without FAISS, the agent expands the target's misses to\n"
	"whole lists. Needs root (CAP_BPF and CAP_PERFMON).\n"
	"\n"
	"From outside, MADV_RANDOM cannot be set on the target's mappings: use\n"
	"--read-ahead-kb to narrow the device's readahead window instead (restored\n"
	"after).\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench prefetch -- /usr/bin/python3 search.py      (the index found in /proc)\n"
	"    rabench prefetch --index ivf.index -- /usr/bin/python3 search.py\n"
	"    rabench prefetch --index ivf.index --pid 4242          (Ctrl-C to stop)\n"
	"\n"
	"Exit status: the command's (-- CMD; 127 when it cannot be run), 0 (--pid),\n"
	"128+N stopped by signal N (forwarded to the command), 2 bad input, 1 failure.";

static const struct argp_option opts[] = {
	{ "index", 'i', "FILE.index", 0, "A FAISS IVF index with its lists on disk (repeatable; "
	  "default: the one the target maps, found in /proc)", 0 },
	{ "pid", 'p', "PID", 0, "Serve this running process instead of starting one", 0 },
	{ "read-ahead-kb", 'r', "KB", 0, "Set the device's read_ahead_kb while serving (restored after)", 0 },
	{ "probes", 'P', NULL, 0, "Also count every file's page cache while serving and print the table of `rabench probe`", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;
	long v;

	switch (key) {
	case 'i':
		if (env.n_index == MAX_INDEXES)
			argp_error(state, "at most %d --index", MAX_INDEXES);
		env.index[env.n_index++] = arg;
		break;
	case 'p':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 1 || v > INT_MAX)
			argp_error(state, "--pid: '%s' is not a process id", arg);
		env.pid = (pid_t)v;
		break;
	case 'r':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 0 || v > 1048576)
			argp_error(state, "--read-ahead-kb: '%s' is not 0..1048576", arg);
		env.read_ahead_kb = v;
		break;
	case 'P':
		env.probes = 1;
		break;
	case ARGP_KEY_ARGS:
		env.cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (env.cmd && !env.cmd[0])
			env.cmd = NULL;		/* "--" and nothing after it */
		if (!env.pid == !env.cmd)
			argp_error(state, "either -- CMD ARGS... or --pid PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void on_signal(int sig)
{
	stop = sig;
}

/* The lists of one index: its .ivfdata watched, every list's extents keyed by list number. */
static int load_index(struct prefetch *p, const char *path, char *ivfdata, size_t len,
		      char *err, size_t errlen)
{
	uint64_t co, cl, io, il;
	FaissIndex *idx = NULL;
	int64_t l, nlist;
	int file, rc = 0;

	if (access(path, R_OK)) {
		snprintf(err, errlen, "--index %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (faiss_read_index_fname(path, RBF_IO_FLAG_READ_ONLY, &idx)) {
		snprintf(err, errlen, "--index %s: FAISS cannot read it: %s", path,
			 faiss_get_last_error());
		return -EINVAL;
	}
	nlist = rbf_ivf_nlist(idx);
	if (nlist < 1 || rbf_ivf_ondisk_filename(idx, ivfdata, len)) {
		snprintf(err, errlen, "--index %s: not an IVF index with its lists on disk "
			 "(OnDiskInvertedLists): nothing to prefetch", path);
		rc = -EINVAL;
		goto cleanup;
	}
	file = prefetch__add_file(p, ivfdata, err, errlen);
	if (file < 0) {
		rc = -EINVAL;
		goto cleanup;
	}
	for (l = 0; l < nlist && !rc; l++) {
		if (rbf_ivf_list_extents(idx, l, &co, &cl, &io, &il)) {
			snprintf(err, errlen, "--index %s: list %lld: %s", path, (long long)l,
				 rbf_last_error());
			rc = -EINVAL;
			break;
		}
		if (cl)
			rc = prefetch__add_extent(p, file, l, co, cl);
		if (!rc && il)
			rc = prefetch__add_extent(p, file, l, io, il);
	}
	if (rc && !err[0])
		snprintf(err, errlen, "--index %s: bad extents: %s", path, strerror(-rc));
	printf("rabench prefetch: %s: %lld lists in %s\n", path, (long long)nlist, ivfdata);
cleanup:
	faiss_Index_free(idx);
	return rc;
}

/* The device's read_ahead_kb: set for the run, the old value kept to restore. */
struct ra_setting {
	struct rb_blockdev dev;
	bool set;
	int jid;	/* its entry in the settings journal */
};

static int ra_set(struct ra_setting *ra, const char *file, long kb, char *err, size_t errlen)
{
	int rc;

	ra->set = false;
	if (kb < 0)
		return 0;
	if (metrics__blockdev_for(file, &ra->dev) || ra->dev.read_ahead_kb < 0) {
		snprintf(err, errlen, "--read-ahead-kb: no block device under %s", file);
		return -EINVAL;
	}
	rc = metrics__change_read_ahead_kb(&ra->dev, kb, &ra->jid);
	if (rc) {
		snprintf(err, errlen, "--read-ahead-kb: /sys/block/%s/queue/read_ahead_kb: %s",
			 ra->dev.name, strerror(-rc));
		return rc;
	}
	ra->set = true;
	printf("rabench prefetch: /sys/block/%s/queue/read_ahead_kb %ld (was %ld; restored at "
	       "the end)\n", ra->dev.name, kb, ra->dev.read_ahead_kb);
	return 0;
}

static void ra_restore(const struct ra_setting *ra)
{
	if (ra->set && metrics__restore_read_ahead_kb(&ra->dev, ra->jid))
		fprintf(stderr, "rabench prefetch: cannot restore /sys/block/%s/queue/read_ahead_kb "
			"to %ld\n", ra->dev.name, ra->dev.read_ahead_kb);
}

/* --probes: every file's page cache while the target runs (rabench probe's view). */
static int start_probes(struct rb_probes **out, char *err, size_t errlen)
{
	char why[256];

	if (probes__open(out, why, sizeof(why))) {
		snprintf(err, errlen, "--probes: no probes (%s)", why);
		return -ENOTSUP;
	}
	if (probes__set_targets(*out, NULL, 0) || probes__start(*out)) {
		snprintf(err, errlen, "--probes: %s", probes__last_error(*out));
		return -EIO;
	}
	return 0;
}

static void print_probes(struct rb_probes *probes)
{
	struct rb_probe_result r;

	if (probes__stop(probes) || probes__collect(probes, &r)) {
		fprintf(stderr, "rabench prefetch: --probes: %s\n", probes__last_error(probes));
		return;
	}
	printf("\nrabench prefetch: the page cache while serving (%.2f s, pages of 4 KiB)\n\n",
	       r.window_s);
	probe_table__print(&r, 10);
	probe_result__free(&r);
}

static void print_stats(struct prefetch *p)
{
	const struct prefetch_stat_name *n = prefetch__stat_names();
	struct prefetch_stats st;
	uint64_t v;

	prefetch__collect(p, &st);
	printf("rabench prefetch: agent counters\n");
	for (; n->name; n++) {
		memcpy(&v, (const char *)&st + n->offset, sizeof(v));
		printf("  %-22s %llu\n", n->name, (unsigned long long)v);
	}
}

/*
 * A child that waits on a pipe before it execs, so the agent watches it from
 * its first page; *execd reads EOF once the exec happened (its write end is
 * close-on-exec), or the child's errno if it failed.
 */
static pid_t spawn(char **cmd, int *go, int *execd)
{
	int gate[2], done[2];
	pid_t pid;
	char c;

	if (!cmd || !cmd[0] || pipe2(gate, O_CLOEXEC))
		return -1;
	if (pipe2(done, O_CLOEXEC)) {
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int e;

		close(gate[1]);
		close(done[0]);
		if (read(gate[0], &c, 1) != 1)
			_exit(126);	/* the agent did not start: do not run unserved */
		signal(SIGPIPE, SIG_DFL);	/* rabench ignores it; the command must not */
		execvp(cmd[0], cmd);
		e = errno;
		if (write(done[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(done[1]);
	*go = gate[1];
	*execd = done[0];
	return pid;
}

/*
 * The agent's pages are charged to the memory cgroup of the process that adds
 * them: join the target's, so that what is prefetched for it counts against its
 * limit, as its own reads would. Followed again when the target moved (a
 * wrapper that enters a cgroup and execs). The first home is where we return.
 */
static void follow_cgroup(pid_t pid)
{
	char home[sizeof(env.cg_home)], err[256];

	if (memcg__join_of(pid, home, sizeof(home), err, sizeof(err))) {
		static int said;

		if (kill(pid, 0) && errno == ESRCH)
			return;	/* it has just exited: nothing to join */
		if (!said++)
			printf("rabench prefetch: prefetched pages are charged to rabench's own memory "
			       "cgroup: %s\n", err);
		return;
	}
	if (home[0] && !env.cg_home[0]) {
		snprintf(env.cg_home, sizeof(env.cg_home), "%s", home);
		printf("rabench prefetch: joined the target's memory cgroup (its prefetched pages "
		       "are charged there)\n");
		fflush(stdout);
	}
}

#define FORWARD_WAIT_S 5.0

#define MAX_TREE 256
#define FOLLOW_EVERY 5		/* polls between two walks of the target's tree */

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The process of root's tree (root first, then what it started) that maps one of
 * the n .ivfdata files of want, or any .ivfdata when n is 0 (its path into found);
 * 0 when none does (yet).
 */
static pid_t find_served(pid_t root, char want[][PATH_MAX], int n, char *found, size_t len)
{
	pid_t tree[MAX_TREE];
	char maps[8][PATH_MAX];
	int t, m, i, k, nt = procfs__descendants(root, tree, MAX_TREE);

	for (t = 0; t < nt; t++) {
		m = procfs__mapped(tree[t], ".ivfdata", maps, 8);
		for (i = 0; i < m; i++)
			for (k = 0; k < (n ? n : 1); k++)
				if (!n || same_file(maps[i], want[k])) {
					snprintf(found, len, "%s", maps[i]);
					return tree[t];
				}
	}
	return 0;
}

/* Does the .index at path keep its lists in ivfdata? */
static bool index_of(const char *path, const char *ivfdata)
{
	char lists[PATH_MAX];
	FaissIndex *idx = NULL;
	bool yes = false;

	if (access(path, R_OK) || faiss_read_index_fname(path, RBF_IO_FLAG_READ_ONLY, &idx))
		return false;
	yes = rbf_ivf_nlist(idx) > 0 && !rbf_ivf_ondisk_filename(idx, lists, sizeof(lists)) &&
	      same_file(lists, ivfdata);
	faiss_Index_free(idx);
	return yes;
}

/* The .index whose lists are in ivfdata: one pid holds open, else one beside ivfdata. */
static int find_index(pid_t pid, const char *ivfdata, char *out, size_t len)
{
	char open[8][PATH_MAX], dir[PATH_MAX], cand[2 * PATH_MAX], *slash;
	struct dirent *de;
	size_t nl;
	int i, n = procfs__open_files(pid, ".index", open, 8);
	DIR *d;

	for (i = 0; i < n; i++)
		if (index_of(open[i], ivfdata)) {
			snprintf(out, len, "%s", open[i]);
			return 0;
		}
	snprintf(dir, sizeof(dir), "%s", ivfdata);
	slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		nl = strlen(de->d_name);
		if (nl < 7 || strcmp(de->d_name + nl - 6, ".index"))
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
		if (index_of(cand, ivfdata)) {
			snprintf(out, len, "%s", cand);
			closedir(d);
			return 0;
		}
	}
	if (d)
		closedir(d);
	return -ENOENT;
}

static bool alive(pid_t pid, bool child, int *status)
{
	if (child)
		return waitpid(pid, status, WNOHANG) == 0;
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Serve until the target exits: follow the process of its tree that maps the
 * index's lists (a wrapper that forks, a server's new worker), its memory cgroup,
 * and attach the uprobe once that process maps FAISS.
 */
static int serve(struct prefetch *p, pid_t pid, pid_t served, bool child, char want[][PATH_MAX],
		 int n_want)
{
	struct timespec poll = { 0, POLL_NS };
	char faiss[PATH_MAX] = "", mapped[PATH_MAX];
	int status = 0, hinted = 0, polls = 0;
	double forwarded = 0;
	pid_t s;

	while (alive(pid, child, &status)) {
		/*
		 * Every FOLLOW_EVERY polls: the served process stopped mapping the lists (or
		 * never did, a wrapper): who in the tree does. A walk of /proc, so not at
		 * every poll: the uprobe of a process already served must not wait for it.
		 */
		s = served;
		if (polls++ % FOLLOW_EVERY == 0 &&
		    find_served(served, want, n_want, mapped, sizeof(mapped)) != served)
			s = find_served(pid, want, n_want, mapped, sizeof(mapped));
		if (s > 0 && s != served) {
			prefetch__retarget(p, s);
			served = s;
			hinted = 0;
			printf("rabench prefetch: following pid %d (of pid %d's tree), which maps %s\n",
			       (int)s, (int)pid, mapped);
			fflush(stdout);
		}
		/* before the hints start: what the agent adds from then on is charged there */
		follow_cgroup(served);
		if (!hinted && (hinted = prefetch__attach_hints_found(p, faiss, sizeof(faiss)) > 0)) {
			printf("rabench prefetch: uprobe on FAISS prefetch_lists in %s (pid %d)\n", faiss,
			       (int)served);
			fflush(stdout);
		}
		if (stop && !child)
			break;
		if (stop && !forwarded) {
			/* our command: it gets the signal too, and we put everything back after it */
			kill(pid, stop);
			forwarded = clock__now_s();
		}
		if (forwarded && clock__now_s() - forwarded > FORWARD_WAIT_S)
			return 128 + stop;	/* it outlives the signal: served no more */
		nanosleep(&poll, NULL);
	}
	if (!hinted)
		printf("rabench prefetch: the target never mapped an object defining FAISS's "
		       "prefetch_lists: it was served from its misses alone\n");
	if (stop)
		return 128 + stop;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Let the spawned command run (it waits on the gate); 0, or 127 when its exec
 * failed (the reason in err, as a shell says it), 1 when it could not be released.
 */
static int release(int *go, int execd, pid_t pid, char *err, size_t errlen)
{
	ssize_t n;
	int e, status;

	if (*go < 0)
		return 0;
	if (write(*go, "g", 1) != 1) {
		snprintf(err, errlen, "cannot start the command: %s", strerror(errno));
		return 1;
	}
	close(*go);
	*go = -1;
	/* the uprobe must go into the command's image, not the fork of ours */
	while ((n = read(execd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(e)) {
		snprintf(err, errlen, "execvp: %s: %s", env.cmd[0], strerror(e));
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return 127;
	}
	return 0;
}

/*
 * No --index: the target runs first (what it maps is the only way to know), until a
 * process of its tree maps an .ivfdata whose .index can be found. The served pid
 * into *served; 0, or the target's exit status (it exited first), or 1.
 */
static int discover(pid_t pid, bool child, pid_t *served, char *index, size_t len, char *err,
		    size_t errlen)
{
	struct timespec poll = { 0, POLL_NS };
	char ivfdata[PATH_MAX];
	int status = 0;

	printf("rabench prefetch: no --index: waiting for pid %d (or a process it starts) to map "
	       "a FAISS .ivfdata\n", (int)pid);
	fflush(stdout);
	while (!stop && alive(pid, child, &status)) {
		*served = find_served(pid, NULL, 0, ivfdata, sizeof(ivfdata));
		if (*served > 0) {
			if (find_index(*served, ivfdata, index, len) == 0) {
				printf("rabench prefetch: pid %d maps %s: its index is %s\n", (int)*served,
				       ivfdata, index);
				return 0;
			}
			snprintf(err, errlen, "pid %d maps %s, but no .index it holds open or beside "
				 "it keeps its lists there: give it with --index", (int)*served, ivfdata);
			return 1;
		}
		nanosleep(&poll, NULL);
	}
	if (stop)
		return 128 + stop;
	snprintf(err, errlen, "the target exited without mapping a FAISS .ivfdata: nothing was "
		 "served");
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : child ? WEXITSTATUS(status) : 0;
}

int cmd_prefetch(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "(-- CMD ARGS... | --pid PID)", doc,
					  NULL, NULL, NULL };
	struct prefetch_opts po = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ra_setting ra = { .set = false };
	struct prefetch *p = NULL;
	struct rb_probes *probes = NULL;
	char err[512] = "", want[MAX_INDEXES][PATH_MAX], found[PATH_MAX];
	uint64_t room;
	int i, rc = 2, go = -1, execd = -1;
	pid_t pid, served;

	memset(&env, 0, sizeof(env));
	env.read_ahead_kb = -1;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL))
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "rabench prefetch: needs root (CAP_BPF and CAP_PERFMON) to load BPF "
			"programs and attach a uprobe to another process (uid %u)\n", (unsigned)geteuid());
		return 2;
	}
	if (env.pid && kill(env.pid, 0) && errno == ESRCH) {
		fprintf(stderr, "rabench prefetch: --pid %d: no such process\n", (int)env.pid);
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < RB_N_STOP_SIGNALS; i++)
		sigaction(rb_stop_signals[i], &sa, NULL);
	pid = env.pid ? env.pid : spawn(env.cmd, &go, &execd);
	if (pid < 0) {
		perror("rabench prefetch: fork");
		return 1;
	}
	served = pid;
	if (!env.n_index) {
		rc = release(&go, execd, pid, err, sizeof(err));
		if (!rc)
			rc = discover(pid, env.cmd != NULL, &served, found, sizeof(found), err,
				      sizeof(err));
		if (rc)
			goto cleanup;
		env.index[env.n_index++] = found;
	}
	po.pid = served;
	po.drop_after_scan = true;	/* it serves FAISS's prefetch_lists */
	rc = 1;
	if (prefetch__open(&p, &po, err, sizeof(err)))
		goto cleanup;
	/* the indexes are read into rabench's own memory before it joins the target's cgroup */
	rc = 2;		/* one that is no index is bad input: the command never ran */
	for (i = 0; i < env.n_index; i++)
		if (load_index(p, env.index[i], want[i], sizeof(want[i]), err, sizeof(err)))
			goto cleanup;
	rc = 1;
	/* the window of the device under the (first) index's lists */
	if (ra_set(&ra, want[0], env.read_ahead_kb, err, sizeof(err)))
		goto cleanup;
	/* then into the target's memory cgroup: its limit bounds what the agent prefetches */
	follow_cgroup(served);
	if (memcg__current_room(&room))
		room = 0;
	prefetch__set_room(p, room);
	if (env.probes && start_probes(&probes, err, sizeof(err)))
		goto cleanup;
	if (prefetch__start(p, err, sizeof(err)))
		goto cleanup;
	printf("rabench prefetch: serving pid %d (MADV_RANDOM cannot be set on another "
	       "process's mappings: speculative readahead stays as the device sets it)\n",
	       (int)served);
	fflush(stdout);
	/* the target runs from here, watched: its exit status becomes ours */
	rc = release(&go, execd, pid, err, sizeof(err));
	if (rc)
		goto cleanup;
	rc = serve(p, pid, served, env.cmd != NULL, want, env.n_index);
	print_stats(p);
	if (probes)
		print_probes(probes);
cleanup:
	if (err[0])
		fprintf(stderr, "rabench prefetch: %s\n", err);
	if (go >= 0) {		/* never started: the child exits without running the command */
		close(go);
		waitpid(pid, NULL, 0);
	}
	if (execd >= 0)
		close(execd);
	if (prefetch__destroy(p))
		fprintf(stderr, "rabench prefetch: some settings could not be restored\n");
	probes__destroy(probes);
	ra_restore(&ra);
	if (memcg__return(env.cg_home, err, sizeof(err)))
		fprintf(stderr, "rabench prefetch: cannot return to memory cgroup %s: %s\n",
			env.cg_home, err);
	return rc;
}
