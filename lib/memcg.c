/*
 * memcg — a memory cgroup per repeat (see memcg.h).
 *
 * Where the memory controller lives comes from /proc/self/cgroup (the
 * process's cgroup on each hierarchy) and /proc/mounts (where each hierarchy
 * is mounted): a v1 line naming "memory" wins, else the v2 line "0::PATH" on a
 * cgroup2 mount whose cgroup.controllers offers "memory". A v1 memory hierarchy
 * and a v2 mount without controllers side by side (systemd's hybrid layout) is
 * v1.
 *
 * v2 only lets a non-root cgroup hand a controller to its children while it has
 * no processes of its own ("no internal processes"), so when the process's own
 * cgroup does not already delegate memory, the new cgroup becomes its sibling
 * instead of its child; the process still returns to the cgroup it came from.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "memcg.h"

#define CG_PATH_MAX 512
#define CG_TEXT_MAX 8192
#define MIB (1024.0 * 1024.0)

struct rb_memcg {
	int version;                  /* 1 or 2 */
	bool made;                    /* dir exists and is ours to remove */
	bool entered;                 /* the process is inside */
	bool subtree_enabled;         /* v2: we wrote +memory into the parent's subtree_control */
	int dir_jid, subtree_jid;     /* their entries in the settings journal (-1: none) */
	char mount[CG_PATH_MAX];      /* where the hierarchy is mounted */
	char home[CG_PATH_MAX];       /* the process's cgroup before enter ("/..." or "/") */
	char parent[CG_PATH_MAX];     /* the cgroup we create under */
	char path[CG_PATH_MAX];       /* ours, as /proc/self/cgroup shows it */
	char dir[2 * CG_PATH_MAX];    /* mount + path */
};

__attribute__((format(printf, 4, 5)))
static int say(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Is word one of the sep-separated tokens of list? */
static bool has_token(const char *list, const char *seps, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p; ) {
		size_t l = strcspn(p, seps);

		if (l == wl && !strncmp(p, word, wl))
			return true;
		p += l;
		p += strspn(p, seps);
	}
	return false;
}

/* "mount + rel [/ file]": rel is "/" for the hierarchy's root. */
static void cg_file(const struct rb_memcg *cg, const char *rel, const char *file, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s%s%s%s", cg->mount, strcmp(rel, "/") ? rel : "",
		 file ? "/" : "", file ? file : "");
}

/* A process's memory cgroup: v1 line naming "memory", else the v2 "0::" line. */
static int cgroup_of(const char *proc_cgroup, int *version, char *home, size_t len)
{
	char text[CG_TEXT_MAX], *line, *save = NULL, v2[CG_PATH_MAX] = "";
	int rc = fsutil__read_text(proc_cgroup, text, sizeof(text));

	if (rc)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!path)
			continue;
		/* "ID:CONTROLLERS:PATH": cut both fields (the v2 line is "0::PATH") */
		*path++ = '\0';
		*ctl++ = '\0';
		if (has_token(ctl, ",", "memory")) {
			*version = 1;
			snprintf(home, len, "%s", path);
			return 0;
		}
		if (!strcmp(line, "0") && !*ctl)
			snprintf(v2, sizeof(v2), "%s", path);
	}
	if (!*v2)
		return -ENOENT;
	*version = 2;
	snprintf(home, len, "%s", v2);
	return 0;
}

static int own_cgroup(int *version, char *home, size_t len)
{
	return cgroup_of("/proc/self/cgroup", version, home, len);
}

/* Mount point of the v1 memory hierarchy or of cgroup2. */
static int hierarchy_mount(int version, char *mount, size_t len)
{
	char dev[256], mnt[CG_PATH_MAX], type[64], opts[1024];
	int rc = -ENOENT;
	FILE *f = fopen("/proc/mounts", "re");

	if (!f)
		return -errno;
	while (fscanf(f, "%255s %511s %63s %1023s %*[^\n]", dev, mnt, type, opts) == 4) {
		if ((version == 1 && !strcmp(type, "cgroup") && has_token(opts, ",", "memory")) ||
		    (version == 2 && !strcmp(type, "cgroup2"))) {
			snprintf(mount, len, "%s", mnt);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Does the v2 cgroup rel get the memory controller from its parent (or is it the root)? */
static bool v2_offers_memory(const struct rb_memcg *cg, const char *rel)
{
	char f[2 * CG_PATH_MAX], text[512];

	cg_file(cg, rel, "cgroup.controllers", f, sizeof(f));
	return fsutil__read_text(f, text, sizeof(text)) == 0 && has_token(text, " \n", "memory");
}

static int locate(struct rb_memcg *cg, char *err, size_t errlen)
{
	int rc = own_cgroup(&cg->version, cg->home, sizeof(cg->home));

	if (rc)
		return say(-ENOENT, err, errlen, "no memory cgroup: /proc/self/cgroup names "
			   "neither a v1 memory hierarchy nor a v2 cgroup");
	rc = hierarchy_mount(cg->version, cg->mount, sizeof(cg->mount));
	if (rc)
		return say(-ENOENT, err, errlen, "no memory cgroup: the cgroup %s hierarchy is not "
			   "mounted (/proc/mounts)", cg->version == 1 ? "v1 memory" : "v2");
	if (cg->version == 2 && !v2_offers_memory(cg, cg->home))
		return say(-ENOENT, err, errlen, "no memory cgroup: cgroup v2 at %s offers no "
			   "memory controller to %s (cgroup.controllers)", cg->mount, cg->home);
	return 0;
}

/* parent = the cgroup that contains rel ("/" stays "/"). */
static void parent_of(const char *rel, char *out, size_t len)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash && slash != rel ? (size_t)(slash - rel) : 1;

	snprintf(out, len, "%.*s", (int)n, rel);
}

/* v2: under home when it hands memory down (or can, being the root), else beside it. */
static int v2_pick_parent(struct rb_memcg *cg, char *err, size_t errlen)
{
	char f[2 * CG_PATH_MAX], text[512];

	cg_file(cg, cg->home, "cgroup.subtree_control", f, sizeof(f));
	if (fsutil__read_text(f, text, sizeof(text)) == 0 && has_token(text, " \n", "memory")) {
		snprintf(cg->parent, sizeof(cg->parent), "%s", cg->home);
		return 0;
	}
	/* only the root may delegate a controller while it has processes */
	if (!strcmp(cg->home, "/") && journal__record(RB_JOURNAL_WRITE, f, "-memory",
						      &cg->subtree_jid) == 0) {
		if (fsutil__write_text(f, "+memory")) {
			journal__forget(cg->subtree_jid);
			cg->subtree_jid = -1;
			goto not_root;
		}
		cg->subtree_enabled = true;
		snprintf(cg->parent, sizeof(cg->parent), "/");
		return 0;
	}
not_root:
	if (strcmp(cg->home, "/")) {
		parent_of(cg->home, cg->parent, sizeof(cg->parent));
		return 0;   /* home's own memory controller comes from this parent */
	}
	return say(-EBUSY, err, errlen, "cgroup v2: cannot enable the memory controller for the "
		   "children of %s (%s)", cg->mount, f);
}

/* Anonymous memory the process holds now (RssAnon), in bytes; 0 if unknown. */
static uint64_t anon_rss(void)
{
	char text[CG_TEXT_MAX], *p;
	int rc = fsutil__read_text("/proc/self/status", text, sizeof(text));

	p = rc ? NULL : strstr(text, "\nRssAnon:");
	return p ? strtoull(p + 9, NULL, 10) * 1024 : 0;
}

static int check_limit(uint64_t limit, char *err, size_t errlen)
{
	uint64_t anon = anon_rss();

	if (limit < RB_MEMCG_MIN_LIMIT)
		return say(-EINVAL, err, errlen, "memory limit %.1f MiB is too small to run "
			   "(expected at least %.0f MiB)", limit / MIB, RB_MEMCG_MIN_LIMIT / MIB);
	if (limit < anon + RB_MEMCG_HEADROOM)
		return say(-EINVAL, err, errlen, "memory limit %.1f MiB is too small to run: the "
			   "process already holds %.1f MiB of anonymous memory (expected at least "
			   "%.1f MiB)", limit / MIB, anon / MIB, (anon + RB_MEMCG_HEADROOM) / MIB);
	return 0;
}

/*
 * A run killed with SIGKILL cannot remove its cgroup; the next run removes the
 * empty ones of processes that no longer exist (rmdir refuses populated ones).
 */
static void reap_stale(const struct rb_memcg *cg)
{
	char dir[2 * CG_PATH_MAX], sub[3 * CG_PATH_MAX];
	struct dirent *de;
	int pid, n;
	DIR *d;

	cg_file(cg, cg->parent, NULL, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "rabench-%d-%d", &pid, &n) != 2 || pid == getpid() ||
		    pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		rmdir(sub);
	}
	closedir(d);
}

/* mkdir rabench-<pid>-<n>, the first free n. */
static int make_dir(struct rb_memcg *cg, char *err, size_t errlen)
{
	int n, rc = -EEXIST;

	for (n = 0; n < 100 && rc == -EEXIST; n++) {
		snprintf(cg->path, sizeof(cg->path), "%s/rabench-%d-%d",
			 strcmp(cg->parent, "/") ? cg->parent : "", (int)getpid(), n);
		cg_file(cg, cg->path, NULL, cg->dir, sizeof(cg->dir));
		rc = journal__record(RB_JOURNAL_RMDIR, cg->dir, NULL, &cg->dir_jid);
		if (rc)
			break;
		rc = mkdir(cg->dir, 0755) ? -errno : 0;
		if (rc) {
			journal__forget(cg->dir_jid);
			cg->dir_jid = -1;
		}
	}
	if (rc)
		return say(rc, err, errlen, "%s: cannot create the memory cgroup: %s%s", cg->dir,
			   strerror(-rc), rc == -EACCES || rc == -EPERM || rc == -EROFS ?
			   " (run.memory_limit needs root)" : "");
	cg->made = true;
	return 0;
}

static int set_limit(struct rb_memcg *cg, uint64_t limit, char *err, size_t errlen)
{
	char f[3 * CG_PATH_MAX], val[32];
	int rc;

	snprintf(f, sizeof(f), "%s/%s", cg->dir,
		 cg->version == 1 ? "memory.limit_in_bytes" : "memory.max");
	snprintf(val, sizeof(val), "%" PRIu64, limit);
	rc = fsutil__write_text(f, val);
	if (rc)
		return say(rc, err, errlen, "%s: cannot set the limit to %s: %s", f, val,
			   strerror(-rc));
	return 0;
}

/* A number from a file of this process's own memory cgroup (v1 name, v2 name). */
static int read_own(const char *v1, const char *v2, unsigned long long *v)
{
	char mount[CG_PATH_MAX], home[CG_PATH_MAX], path[2 * CG_PATH_MAX + 32], text[64];
	int version, rc;

	rc = own_cgroup(&version, home, sizeof(home));
	if (!rc)
		rc = hierarchy_mount(version, mount, sizeof(mount));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s%s/%s", mount, strcmp(home, "/") ? home : "",
		 version == 1 ? v1 : v2);
	rc = fsutil__read_text(path, text, sizeof(text));
	if (rc)
		return rc;
	/* v2 writes "max" for no limit: not a number */
	return sscanf(text, "%llu", v) == 1 ? 0 : -ENOENT;
}

int memcg__current_limit(uint64_t *limit)
{
	unsigned long long v;
	int rc = read_own("memory.limit_in_bytes", "memory.max", &v);

	/* v1 writes a huge number (PAGE_COUNTER_MAX pages) for no limit */
	if (!rc && v >= (1ULL << 60))
		rc = -ENOENT;
	if (!rc)
		*limit = v;
	return rc;
}

int memcg__current_room(uint64_t *room)
{
	unsigned long long usage;
	uint64_t limit;
	int rc = memcg__current_limit(&limit);

	if (!rc)
		rc = read_own("memory.usage_in_bytes", "memory.current", &usage);
	if (!rc)
		*room = usage + 4096 < limit ? limit - usage : 4096;
	return rc;
}

int memcg__probe(char *why, size_t len)
{
	struct rb_memcg cg = { 0 };
	char dir[2 * CG_PATH_MAX];
	int rc;

	rc = locate(&cg, why, len);
	if (rc)
		return rc;
	/* where new cgroups go: v2 usually puts them beside home (see v2_pick_parent) */
	if (cg.version == 1 || !strcmp(cg.home, "/"))
		snprintf(cg.parent, sizeof(cg.parent), "%s", cg.home);
	else
		parent_of(cg.home, cg.parent, sizeof(cg.parent));
	cg_file(&cg, cg.parent, NULL, dir, sizeof(dir));
	if (access(dir, W_OK)) {
		rc = -errno;
		return say(rc, why, len, "%s: cannot create memory cgroups here: %s (needs root)",
			   dir, strerror(-rc));
	}
	return 0;
}

int memcg__create(uint64_t limit_bytes, struct rb_memcg **out, char *err, size_t errlen)
{
	struct rb_memcg *cg;
	int rc;

	*out = NULL;
	rc = check_limit(limit_bytes, err, errlen);
	if (rc)
		return rc;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->dir_jid = cg->subtree_jid = -1;
	rc = locate(cg, err, errlen);
	if (!rc && cg->version == 1)
		snprintf(cg->parent, sizeof(cg->parent), "%s", cg->home);
	else if (!rc)
		rc = v2_pick_parent(cg, err, errlen);
	if (rc)
		goto fail;
	reap_stale(cg);
	rc = make_dir(cg, err, errlen);
	if (!rc)
		rc = set_limit(cg, limit_bytes, err, errlen);
	if (rc)
		goto fail;
	*out = cg;
	return 0;
fail:
	memcg__destroy(cg, NULL, 0);
	return rc;
}

/* Write our pid into the cgroup.procs of rel: every thread of the process moves. */
static int move_to(const struct rb_memcg *cg, const char *rel, char *err, size_t errlen)
{
	char f[3 * CG_PATH_MAX], pid[24];
	int rc;

	cg_file(cg, rel, "cgroup.procs", f, sizeof(f));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	rc = fsutil__write_text(f, pid);
	if (rc)
		return say(rc, err, errlen, "%s: cannot move the process there: %s", f,
			   strerror(-rc));
	return 0;
}

int memcg__enter(struct rb_memcg *cg, char *err, size_t errlen)
{
	int rc = move_to(cg, cg->path, err, errlen);

	if (!rc)
		cg->entered = true;
	return rc;
}

int memcg__leave(struct rb_memcg *cg, char *err, size_t errlen)
{
	int rc = move_to(cg, cg->home, err, errlen);

	if (!rc)
		cg->entered = false;
	return rc;
}

/* Where each figure comes from: a whole file (key NULL) or a "key value" line of it. */
struct source {
	const char *file, *key;
	size_t off;
};

#define FIG(f) offsetof(struct rb_memcg_stats, f)

static const struct source v1_sources[] = {
	{ "memory.limit_in_bytes", NULL, FIG(limit_bytes) },
	{ "memory.usage_in_bytes", NULL, FIG(usage_bytes) },
	{ "memory.max_usage_in_bytes", NULL, FIG(peak_bytes) },
	{ "memory.failcnt", NULL, FIG(limit_hits) },
	{ "memory.stat", "total_cache", FIG(file_bytes) },
	{ "memory.stat", "total_rss", FIG(anon_bytes) },
	{ "memory.stat", "total_pgpgout", FIG(pgpgout) },
	{ "memory.stat", "total_workingset_refault_file", FIG(refault_file) },
	{ "memory.stat", "total_pgmajfault", FIG(pgmajfault) },
	{ "memory.oom_control", "oom_kill", FIG(oom_kills) },
	{ NULL, NULL, 0 },
};

static const struct source v2_sources[] = {
	{ "memory.max", NULL, FIG(limit_bytes) },
	{ "memory.current", NULL, FIG(usage_bytes) },
	{ "memory.peak", NULL, FIG(peak_bytes) },   /* since Linux 5.19 */
	{ "memory.events", "max", FIG(limit_hits) },
	{ "memory.events", "oom_kill", FIG(oom_kills) },
	{ "memory.stat", "file", FIG(file_bytes) },
	{ "memory.stat", "anon", FIG(anon_bytes) },
	{ "memory.stat", "pgscan", FIG(pgscan) },
	{ "memory.stat", "pgsteal", FIG(pgsteal) },
	{ "memory.stat", "workingset_refault_file", FIG(refault_file) },
	{ "memory.stat", "pgmajfault", FIG(pgmajfault) },
	{ NULL, NULL, 0 },
};

/* The number after "key " at the start of a line of text; false if absent. */
static bool key_value(const char *text, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			*v = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

static int mem_available(uint64_t *bytes)
{
	unsigned long long kb;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");
	int rc = -ENOENT;

	while (f && rc && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			*bytes = (uint64_t)kb * 1024;
			rc = 0;
		}
	if (f)
		fclose(f);
	return f ? rc : -errno;
}

int memcg__cache_room(uint64_t *room)
{
	uint64_t limit, nonfile;

	if (!memcg__current_limit(&limit) && !memcg__current_nonfile(&nonfile)) {
		*room = limit > nonfile ? limit - nonfile : 0;
		return 1;
	}
	return mem_available(room);
}

int memcg__current_nonfile(uint64_t *bytes)
{
	char mount[CG_PATH_MAX], home[CG_PATH_MAX], path[2 * CG_PATH_MAX + 32], text[8192];
	unsigned long long usage;
	uint64_t file;
	int version, rc;

	rc = read_own("memory.usage_in_bytes", "memory.current", &usage);
	if (!rc)
		rc = own_cgroup(&version, home, sizeof(home));
	if (!rc)
		rc = hierarchy_mount(version, mount, sizeof(mount));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s%s/memory.stat", mount, strcmp(home, "/") ? home : "");
	rc = fsutil__read_text(path, text, sizeof(text));
	if (rc)
		return rc;
	if (!key_value(text, version == 1 ? "total_cache" : "file", &file))
		return -ENOENT;
	*bytes = usage > file ? usage - file : 0;
	return 0;
}

static void read_source(const struct rb_memcg *cg, const struct source *s,
			struct rb_memcg_stats *st)
{
	char f[3 * CG_PATH_MAX], text[CG_TEXT_MAX];
	uint64_t *dst = (uint64_t *)((char *)st + s->off), v;

	snprintf(f, sizeof(f), "%s/%s", cg->dir, s->file);
	if (fsutil__read_text(f, text, sizeof(text)))
		return;
	if (s->key) {
		if (key_value(text, s->key, &v))
			*dst = v;
	} else if (text[0] >= '0' && text[0] <= '9') {   /* v2 writes "max" for no limit */
		*dst = strtoull(text, NULL, 10);
	}
}

int memcg__read(const struct rb_memcg *cg, struct rb_memcg_stats *st)
{
	const struct source *s = cg->version == 1 ? v1_sources : v2_sources;
	struct stat sb;

	if (stat(cg->dir, &sb))
		return -errno;
	/* all-ones bytes make every counter RB_MEMCG_UNKNOWN until a source fills it */
	memset(st, 0xff, sizeof(*st));
	st->version = cg->version;
	for (; s->file; s++)
		read_source(cg, s, st);
	return 0;
}

const char *memcg__dir(const struct rb_memcg *cg)
{
	return cg->dir;
}

const char *memcg__path(const struct rb_memcg *cg)
{
	return cg->path;
}

int memcg__destroy(struct rb_memcg *cg, char *err, size_t errlen)
{
	char f[2 * CG_PATH_MAX];
	int rc = 0, rrc;

	if (!cg)
		return 0;
	if (cg->entered)
		rc = memcg__leave(cg, err, errlen);
	if (cg->made) {
		rrc = fsutil__rmdir_busy(cg->dir);
		if (!rrc)
			journal__forget(cg->dir_jid);
		if (rrc && !rc)
			rc = say(rrc, err, errlen, "%s: cannot remove the memory cgroup: %s",
				 cg->dir, strerror(-rrc));
	}
	if (cg->subtree_enabled) {
		/* put the root's delegation back; it fails harmlessly if others now rely on it */
		cg_file(cg, "/", "cgroup.subtree_control", f, sizeof(f));
		fsutil__write_text(f, "-memory");
		journal__forget(cg->subtree_jid);
	}
	free(cg);
	return rc;
}

/* Write this process into <mount><rel>/cgroup.procs: every thread moves. */
static int move_self(const char *mount, const char *rel, char *err, size_t errlen)
{
	char f[2 * CG_PATH_MAX + 32], pid[32];

	snprintf(f, sizeof(f), "%s%s/cgroup.procs", mount, strcmp(rel, "/") ? rel : "");
	int rc;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	rc = fsutil__write_text(f, pid);
	return rc ? say(rc, err, errlen, "%s: %s", f, strerror(-rc)) : 0;
}

int memcg__join_of(int pid, char *home, size_t len, char *err, size_t errlen)
{
	char path[64], target[CG_PATH_MAX], mount[CG_PATH_MAX];
	int v_self = 0, v_target = -1, rc;

	home[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	rc = own_cgroup(&v_self, home, len);
	if (!rc)
		rc = cgroup_of(path, &v_target, target, sizeof(target));
	if (rc || v_self != v_target || hierarchy_mount(v_self, mount, sizeof(mount))) {
		home[0] = '\0';
		return say(-ENOENT, err, errlen, "no memory cgroup shared with pid %d to join", pid);
	}
	if (!strcmp(home, target)) {
		home[0] = '\0';	/* already there: nothing to undo */
		return 0;
	}
	rc = move_self(mount, target, err, errlen);
	if (rc)
		home[0] = '\0';
	return rc;
}

int memcg__return(const char *home, char *err, size_t errlen)
{
	char mount[CG_PATH_MAX];
	int version;

	if (!home[0])
		return 0;
	if (own_cgroup(&version, mount, sizeof(mount)) || hierarchy_mount(version, mount, sizeof(mount)))
		return say(-ENOENT, err, errlen, "cannot find the memory cgroup hierarchy again");
	return move_self(mount, home, err, errlen);
}
