/*
 * test_memcg — the memory cgroup of run.memory_limit, on the machine's real
 * cgroups: created with its limit, the process really moves in and out
 * (/proc/self/cgroup), reading a file twice the limit keeps usage under it and
 * makes the cgroup reclaim, and nothing is left behind. The file lives under
 * build/ (ext4): tmpfs pages are not page cache that reclaim can drop.
 * Skips, saying why, without root or a memory controller; the refusal of a
 * too-small limit needs neither.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/memcg.h"

#define MIB (1ULL << 20)

static char path[256];
static uint64_t limit;   /* chosen in setup: well above what the test process holds */

/* RssAnon of this process in bytes (sanitizers make it larger than one expects). */
static uint64_t anon_rss(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* A file of 2 x limit under build/, written and then evicted. */
static int make_file(void **state)
{
	char *buf = malloc(MIB);
	uint64_t i;
	int fd;

	(void)state;
	limit = (anon_rss() / MIB + 48) * MIB;
	if (limit < 64 * MIB)
		limit = 64 * MIB;
	mkdir("build", 0755);
	snprintf(path, sizeof(path), "build/test_memcg.%d.bin", getpid());
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || !buf)
		return -1;
	for (i = 0; i < MIB; i++)
		buf[i] = (char)(i * 13);
	for (i = 0; i < 2 * limit / MIB; i++)
		if (write(fd, buf, MIB) != (ssize_t)MIB)
			return -1;
	fsync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	free(buf);
	return 0;
}

static int remove_file(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Skip (with the reason printed) where no memory cgroup can be made. */
static bool usable(void)
{
	char why[512];

	if (memcg__probe(why, sizeof(why)) == 0)
		return true;
	print_message("skipping: %s\n", why);
	return false;
}

/* Is path this process's memory cgroup (v1 "N:...memory...:PATH" or v2 "0::PATH")? */
static bool in_cgroup(const char *cgpath)
{
	char line[1024], want[600];
	bool found = false;
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(want, sizeof(want), ":%s\n", cgpath);
	while (f && fgets(line, sizeof(line), f)) {
		size_t l = strlen(line), w = strlen(want);

		if (l >= w && !strcmp(line + l - w, want) &&
		    (strstr(line, "memory") || !strncmp(line, "0::", 3)))
			found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static void read_whole_file(void)
{
	char *buf = malloc(MIB);
	uint64_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_non_null(buf);
	assert_true(fd >= 0);
	while ((n = read(fd, buf, MIB)) > 0)
		total += (uint64_t)n;
	assert_int_equal(n, 0);
	assert_int_equal(total, 2 * limit);
	close(fd);
	free(buf);
}

static void test_too_small_refused(void **state)
{
	struct rb_memcg *cg = (struct rb_memcg *)1;
	char err[512] = "";

	(void)state;
	assert_int_equal(memcg__create(16 * MIB, &cg, err, sizeof(err)), -EINVAL);
	assert_null(cg);
	assert_non_null(strstr(err, "memory limit 16.0 MiB is too small to run"));
	assert_non_null(strstr(err, "at least 32 MiB"));
	/* above the floor but below what the process already holds */
	if (anon_rss() + RB_MEMCG_HEADROOM > RB_MEMCG_MIN_LIMIT) {
		assert_int_equal(memcg__create(RB_MEMCG_MIN_LIMIT, &cg, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "of anonymous memory"));
	}
	assert_int_equal(memcg__destroy(NULL, err, sizeof(err)), 0);
}

static void test_limit_enter_reclaim_leave(void **state)
{
	struct rb_memcg_stats st;
	struct rb_memcg *cg = NULL;
	char err[512] = "", dir[1100], cgpath[600];
	struct stat sb;

	(void)state;
	if (!usable())
		skip();
	if (memcg__create(limit, &cg, err, sizeof(err)))
		fail_msg("create: %s", err);
	snprintf(dir, sizeof(dir), "%s", memcg__dir(cg));
	snprintf(cgpath, sizeof(cgpath), "%s", memcg__path(cg));
	assert_non_null(strstr(cgpath, "/rabench-"));
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(memcg__read(cg, &st), 0);
	assert_true(st.version == 1 || st.version == 2);
	assert_int_equal(st.limit_bytes, limit);

	if (memcg__enter(cg, err, sizeof(err)))
		fail_msg("enter: %s", err);
	assert_true(in_cgroup(cgpath));
	read_whole_file();
	assert_int_equal(memcg__read(cg, &st), 0);
	{
		/* inside the limit, the page cache's room is the limit less the non-file usage */
		uint64_t room, nonfile;

		assert_int_equal(memcg__cache_room(&room), 1);
		assert_int_equal(memcg__current_nonfile(&nonfile), 0);
		assert_true(room <= limit && room + nonfile >= limit - (1 << 20));
	}
	print_message("cgroup v%d: limit %lu, peak %lu, page cache %lu, limit hits %lu, "
		      "pgscan %ld (-1: none in this version)\n", st.version,
		      (unsigned long)st.limit_bytes, (unsigned long)st.peak_bytes,
		      (unsigned long)st.file_bytes, (unsigned long)st.limit_hits, (long)st.pgscan);
	/* the kernel kept the cgroup at its limit while 2 x limit went through it */
	if (st.peak_bytes != RB_MEMCG_UNKNOWN) {
		assert_true(st.peak_bytes <= limit);
		assert_true(st.peak_bytes > limit / 2);
	}
	assert_true(st.usage_bytes <= limit);
	assert_true(st.file_bytes <= limit);
	assert_true(st.limit_hits != RB_MEMCG_UNKNOWN && st.limit_hits > 0);
	if (st.pgscan != RB_MEMCG_UNKNOWN)
		assert_true(st.pgscan > 0);
	if (st.pgpgout != RB_MEMCG_UNKNOWN)
		assert_true(st.pgpgout > 0);
	assert_int_equal(st.oom_kills, 0);

	if (memcg__leave(cg, err, sizeof(err)))
		fail_msg("leave: %s", err);
	assert_false(in_cgroup(cgpath));
	{
		/* outside (no limit here): MemAvailable */
		uint64_t room, limit_now;

		if (memcg__current_limit(&limit_now)) {
			assert_int_equal(memcg__cache_room(&room), 0);
			assert_true(room > 0);
		}
	}
	if (memcg__destroy(cg, err, sizeof(err)))
		fail_msg("destroy: %s", err);
	assert_int_equal(stat(dir, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

/* destroy alone takes the process back out first (the runner's error and SIGINT path). */
static void test_destroy_leaves(void **state)
{
	struct rb_memcg *cg = NULL;
	char err[512] = "", dir[1100], cgpath[600];
	struct stat sb;

	(void)state;
	if (!usable())
		skip();
	if (memcg__create(limit, &cg, err, sizeof(err)) || memcg__enter(cg, err, sizeof(err)))
		fail_msg("create/enter: %s", err);
	snprintf(dir, sizeof(dir), "%s", memcg__dir(cg));
	snprintf(cgpath, sizeof(cgpath), "%s", memcg__path(cg));
	assert_true(in_cgroup(cgpath));
	if (memcg__destroy(cg, err, sizeof(err)))
		fail_msg("destroy: %s", err);
	assert_false(in_cgroup(cgpath));
	assert_int_equal(stat(dir, &sb), -1);
}

/* Two cgroups at once get different names (rabench-<pid>-0, -1). */
static void test_unique_names(void **state)
{
	struct rb_memcg *a = NULL, *b = NULL;
	char err[512] = "";

	(void)state;
	if (!usable())
		skip();
	if (memcg__create(limit, &a, err, sizeof(err)) ||
	    memcg__create(limit, &b, err, sizeof(err)))
		fail_msg("create: %s", err);
	assert_string_not_equal(memcg__dir(a), memcg__dir(b));
	assert_int_equal(memcg__destroy(a, err, sizeof(err)), 0);
	assert_int_equal(memcg__destroy(b, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_too_small_refused),
		cmocka_unit_test(test_limit_enter_reclaim_leave),
		cmocka_unit_test(test_destroy_leaves),
		cmocka_unit_test(test_unique_names),
	};

	return cmocka_run_group_tests(tests, make_file, remove_file);
}
