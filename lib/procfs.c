/*
 * procfs — descendants, mapped files and open files of a process (procfs.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "procfs.h"

/* The parent of pid from /proc/pid/stat (the field after the parenthesised name). */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

int procfs__descendants(pid_t root, pid_t *out, int max)
{
	pid_t pids[4096], parents[4096];
	int n = 0, k = 0, i, grew = 1;
	struct dirent *de;
	DIR *d;

	if (max < 1 || kill(root, 0) < 0)
		return 0;
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < 4096)
		if (isdigit((unsigned char)de->d_name[0])) {
			pids[n] = (pid_t)atoi(de->d_name);
			parents[n] = parent_of(pids[n]);
			n++;
		}
	closedir(d);
	out[k++] = root;
	while (grew && k < max) {	/* a generation per pass */
		grew = 0;
		for (i = 0; i < n && k < max; i++) {
			int j, have = 0, of_tree = 0;

			for (j = 0; j < k; j++) {
				have |= out[j] == pids[i];
				of_tree |= out[j] == parents[i];
			}
			if (of_tree && !have) {
				out[k++] = pids[i];
				grew = 1;
			}
		}
	}
	return k;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int add_unique(char out[][PATH_MAX], int n, int max, const char *path)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(out[i], path))
			return n;
	if (n < max)
		snprintf(out[n++], PATH_MAX, "%s", path);
	return n;
}

int procfs__mapped(pid_t pid, const char *suffix, char out[][PATH_MAX], int max)
{
	char path[64], line[PATH_MAX + 256], *name;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		name = strchr(line, '/');
		if (!name)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (ends_with(name, suffix))
			n = add_unique(out, n, max, name);
	}
	if (f)
		fclose(f);
	return n;
}

int procfs__open_files(pid_t pid, const char *suffix, char out[][PATH_MAX], int max)
{
	char dir[64], link[PATH_MAX + 80], target[PATH_MAX];
	struct dirent *de;
	ssize_t len;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (target[0] == '/' && ends_with(target, suffix))
			n = add_unique(out, n, max, target);
	}
	if (d)
		closedir(d);
	return n;
}
