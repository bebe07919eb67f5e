/*
 * journal — changes to the machine written down before they are made, replayed
 * by the next rabench when their owner died (see journal.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"

#define MAX_ENTRIES 32
#define TARGET_MAX 512
#define VALUE_MAX 64

struct entry {
	bool used;
	enum rb_journal_kind kind;
	char target[TARGET_MAX];
	char original[VALUE_MAX];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry entries[MAX_ENTRIES];

static const char *const kind_names[] = {
	[RB_JOURNAL_WRITE] = "write",
	[RB_JOURNAL_RMDIR] = "rmdir",
	[RB_JOURNAL_UPROBES] = "uprobes",
};

const char *journal__dir(void)
{
	const char *d = getenv("RABENCH_RUN_DIR");

	return d && d[0] ? d : RB_JOURNAL_DIR;
}

/* Field 22 of /proc/PID/stat: when the process started (tells a reused pid apart). */
static unsigned long long start_time(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	p = strrchr(buf, ')');	/* the command name may hold spaces */
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

static void journal_path(int pid, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d.journal", journal__dir(), pid);
}

/* Rewrite this process's journal from entries[] (lock held): temp file, fsync, rename. */
static int save(void)
{
	char path[TARGET_MAX], tmp[TARGET_MAX + 16];
	bool any = false;
	FILE *f;
	int i, rc = 0;

	journal_path(getpid(), path, sizeof(path));
	for (i = 0; i < MAX_ENTRIES; i++)
		any |= entries[i].used;
	if (!any) {
		if (unlink(path) && errno != ENOENT)
			return -errno;
		return fsutil__fsync_path(journal__dir());
	}
	rc = fsutil__mkdir_p(journal__dir(), 0755, 0);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# rabench: what process %d changed, put back by the next rabench if it dies\n",
		(int)getpid());
	fprintf(f, "owner %d %llu\n", (int)getpid(), start_time(getpid()));
	for (i = 0; i < MAX_ENTRIES; i++)
		if (entries[i].used)
			fprintf(f, "%s %s %s\n", kind_names[entries[i].kind],
				entries[i].original[0] ? entries[i].original : "-", entries[i].target);
	if (fflush(f) || fsync(fileno(f)))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return fsutil__fsync_path(journal__dir());
}

int journal__record(enum rb_journal_kind kind, const char *target, const char *original, int *id)
{
	int i, rc;

	*id = -1;
	if (strlen(target) >= TARGET_MAX || (original && strlen(original) >= VALUE_MAX) ||
	    strchr(target, '\n') || (original && strpbrk(original, " \n")))
		return -EINVAL;
	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_ENTRIES && entries[i].used; i++)
		;
	if (i == MAX_ENTRIES) {
		pthread_mutex_unlock(&lock);
		return -ENOSPC;
	}
	entries[i] = (struct entry){ .used = true, .kind = kind };
	snprintf(entries[i].target, TARGET_MAX, "%s", target);
	snprintf(entries[i].original, VALUE_MAX, "%s", original ? original : "");
	rc = save();
	if (rc)
		entries[i].used = false;
	else
		*id = i;
	pthread_mutex_unlock(&lock);
	return rc;
}

void journal__forget(int id)
{
	if (id < 0 || id >= MAX_ENTRIES)
		return;
	pthread_mutex_lock(&lock);
	if (entries[id].used) {
		entries[id].used = false;
		save();
	}
	pthread_mutex_unlock(&lock);
}

/* A dead run's memory cgroup: tasks it left (a client) move to the parent, then rmdir. */
static int undo_rmdir(const char *dir)
{
	char procs[TARGET_MAX + 16], parent[TARGET_MAX + 16], line[32];
	FILE *f;
	char *slash;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash)
		snprintf(slash, sizeof(parent) - (size_t)(slash - parent), "/cgroup.procs");
	f = fopen(procs, "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		fsutil__write_text(parent, line);
	}
	if (f)
		fclose(f);
	return fsutil__rmdir_busy(dir);
}

/* libbpf's legacy (tracefs) uprobe events of process pid: "libbpf_<pid>_..." */
static int undo_uprobes(const char *pid)
{
	static const char *const files[] = { "/sys/kernel/tracing/uprobe_events",
					     "/sys/kernel/debug/tracing/uprobe_events" };
	char line[1024], tag[64], name[512], cmd[520], *colon, *sp;
	size_t f;
	int rc = 0;
	FILE *in;

	snprintf(tag, sizeof(tag), "libbpf_%s_", pid);
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		in = fopen(files[f], "re");
		if (!in)
			continue;
		while (fgets(line, sizeof(line), in)) {
			/* "p:uprobes/libbpf_812_faiss_0x1234_0 /path:0x..." */
			colon = strchr(line, ':');
			sp = colon ? strchr(colon, ' ') : NULL;
			if (!sp || !strstr(line, tag))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(sp - colon - 1), colon + 1);
			snprintf(cmd, sizeof(cmd), "-:%s", name);
			fclose(in);
			in = NULL;
			rc = fsutil__write_text(files[f], cmd) ? -EBUSY : rc;
			in = fopen(files[f], "re");	/* the list changed: read it again */
			if (!in)
				break;
		}
		if (in)
			fclose(in);
		break;	/* one tracefs is enough: the second is the same list */
	}
	return rc;
}

/* Undo one line of a dead process's journal; a phrase for the summary into say. */
static int undo(const char *kind, const char *value, const char *target, char *say, size_t len)
{
	char old[VALUE_MAX];
	int rc;

	if (!strcmp(kind, "write")) {
		if (fsutil__read_text(target, old, sizeof(old)))
			snprintf(old, sizeof(old), "?");
		old[strcspn(old, "\n")] = '\0';
		rc = fsutil__write_text(target, value);
		snprintf(say, len, "%s %s -> %s%s", target, old, value, rc ? " FAILED" : "");
	} else if (!strcmp(kind, "rmdir")) {
		rc = undo_rmdir(target);
		snprintf(say, len, "removed cgroup %s%s", target, rc ? " FAILED" : "");
	} else if (!strcmp(kind, "uprobes")) {
		rc = undo_uprobes(target);
		snprintf(say, len, "uprobes of pid %s%s", target, rc ? " FAILED" : " gone");
	} else {
		rc = -EINVAL;
		snprintf(say, len, "unknown entry '%s'", kind);
	}
	return rc;
}

/* Owner line of a journal: alive means same pid and same start time. */
static bool owner_alive(int pid, unsigned long long started)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	return start_time(pid) == started;
}

/* Replay one claimed journal file (newest entry first); one summary line to out. */
static int replay(const char *path, int owner, FILE *out)
{
	char lines[MAX_ENTRIES][TARGET_MAX + VALUE_MAX + 16], buf[sizeof(lines[0])];
	char kind[16], value[VALUE_MAX], *target, msg[2048] = "", one[TARGET_MAX + 128];
	int n = 0, i, failed = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (n < MAX_ENTRIES && fgets(buf, sizeof(buf), f))
		if (buf[0] != '#' && strncmp(buf, "owner ", 6))
			snprintf(lines[n++], sizeof(lines[0]), "%s", buf);
	fclose(f);
	for (i = n - 1; i >= 0; i--) {
		lines[i][strcspn(lines[i], "\n")] = '\0';
		if (sscanf(lines[i], "%15s %63s", kind, value) != 2)
			continue;
		target = strchr(lines[i], ' ');
		target = target ? strchr(target + 1, ' ') : NULL;
		if (!target)
			continue;
		failed |= undo(kind, value, target + 1, one, sizeof(one)) != 0;
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s", msg[0] ? "; " : "",
			 one);
	}
	if (out)
		fprintf(out, "rabench: put back what process %d left changed when it died: %s\n",
			owner, n ? msg : "nothing was left");
	if (failed)
		return -EIO;	/* keep the file: `rabench restore` as root can try again */
	unlink(path);
	fsutil__fsync_path(journal__dir());
	return 0;
}

int journal__repair(FILE *out)
{
	char path[TARGET_MAX], claim[TARGET_MAX + 32], line[128];
	unsigned long long started;
	struct dirent *de;
	int owner, pid, done = 0, failed = 0, rc;
	DIR *d = opendir(journal__dir());
	FILE *f;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "%d.journal", &pid) != 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "%s/%s", journal__dir(), de->d_name);
		if (strcmp(strchr(de->d_name, '.'), ".journal"))
			continue;	/* a .tmp or a claimed file */
		f = fopen(path, "re");
		if (!f)
			continue;
		owner = -1;
		started = 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "owner %d %llu", &owner, &started) == 2)
				break;
		fclose(f);
		if (owner_alive(owner, started))
			continue;
		/* claim it: of two rabench starting at once, one replays it */
		snprintf(claim, sizeof(claim), "%s.repair-%d", path, (int)getpid());
		if (rename(path, claim)) {
			failed |= errno == EACCES || errno == EPERM || errno == EROFS;
			if ((errno == EACCES || errno == EPERM || errno == EROFS) && out)
				fprintf(out, "rabench: process %d died leaving settings changed (%s); "
					"'rabench restore' as root puts them back\n", owner, path);
			continue;
		}
		rc = replay(claim, owner, out);
		if (rc) {
			rename(claim, path);
			failed = 1;
		} else {
			done++;
		}
	}
	closedir(d);
	return failed ? -EIO : done;
}
