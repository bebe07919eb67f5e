/*
 * test_cache — cold eviction really empties the page cache (checked with mincore),
 * warm really fills it, and the I/O witnesses see a cold read. Real files in a
 * real page cache: the test file lives next to the build (not tmpfs, whose pages
 * cannot be evicted), under build/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cache.h"
#include "lib/metrics.h"

#define FILE_MB 8

static char path[256];

static int make_file(void **state)
{
	char buf[65536];
	int fd, i;

	(void)state;
	mkdir("build", 0755);
	snprintf(path, sizeof(path), "build/test_cache.%d.bin", getpid());
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return -1;
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	for (i = 0; i < FILE_MB * 16; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
	fsync(fd);
	close(fd);
	return 0;
}

static int remove_file(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_warm_then_evict_empties_cache(void **state)
{
	uint64_t res, total;
	char err[256];

	(void)state;
	assert_int_equal(cache__warm(path, err, sizeof(err)), 0);
	assert_int_equal(cache__resident_pages(path, &res, &total), 0);
	assert_int_equal(total, FILE_MB * 256);
	assert_int_equal(res, total);
	assert_int_equal(cache__evict(path, err, sizeof(err)), 0);
	assert_int_equal(cache__resident_pages(path, &res, &total), 0);
	assert_int_equal(res, 0);
}

static void test_cold_read_is_counted_by_witnesses(void **state)
{
	struct rb_counters before, after, d;
	struct rb_blockdev dev;
	char err[256];
	int have_dev;

	(void)state;
	have_dev = metrics__blockdev_for(path, &dev) == 0;
	assert_int_equal(cache__evict(path, err, sizeof(err)), 0);
	assert_int_equal(metrics__snapshot(have_dev ? &dev : NULL, &before), 0);
	assert_int_equal(cache__warm(path, err, sizeof(err)), 0);
	assert_int_equal(metrics__snapshot(have_dev ? &dev : NULL, &after), 0);
	metrics__delta(&before, &after, &d);
	/* the whole file came from the device, and not much more than the file */
	assert_true(d.proc_read_bytes >= FILE_MB * 1048576ULL);
	assert_true(d.proc_read_bytes <= (FILE_MB + 1) * 1048576ULL);
	assert_true(d.proc_rchar >= FILE_MB * 1048576ULL);
	if (have_dev)
		assert_true(d.dev_read_bytes >= FILE_MB * 1048576ULL);
	else
		print_message("no block device under build/: device counter not checked\n");

	/* a warm read reads nothing from storage */
	assert_int_equal(metrics__snapshot(NULL, &before), 0);
	assert_int_equal(cache__warm(path, err, sizeof(err)), 0);
	assert_int_equal(metrics__snapshot(NULL, &after), 0);
	metrics__delta(&before, &after, &d);
	assert_int_equal(d.proc_read_bytes, 0);
}

static void test_evict_missing_file_names_it(void **state)
{
	char err[256] = "";

	(void)state;
	assert_true(cache__evict("build/no-such-file.bin", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "build/no-such-file.bin"));
}

static void test_blockdev_of_root(void **state)
{
	struct rb_blockdev dev;

	(void)state;
	if (metrics__blockdev_for("/", &dev)) {
		skip();
		return;
	}
	assert_true(dev.name[0] != '\0');
	assert_non_null(strstr(dev.stat_path, dev.name));
	assert_true(dev.read_ahead_kb >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warm_then_evict_empties_cache),
		cmocka_unit_test(test_cold_read_is_counted_by_witnesses),
		cmocka_unit_test(test_evict_missing_file_names_it),
		cmocka_unit_test(test_blockdev_of_root),
	};
	return cmocka_run_group_tests(tests, make_file, remove_file);
}
