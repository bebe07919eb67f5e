/*
 * test_journal — the settings journal (lib/journal.c) and the /proc readers of
 * rabench prefetch (lib/procfs.c), without root: the journal's targets here are
 * plain files in a folder of the test's own (RABENCH_RUN_DIR), so what a repair
 * writes back is checked byte for byte. A journal is on disk before the change it
 * names and gone after the undo; one whose owner died is replayed newest first and
 * removed; one whose owner lives (or whose pid was reused: another start time) is
 * replayed only in the second case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/journal.h"
#include "lib/procfs.h"

static char dir[64], target[128], journal[128];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void expect(const char *path, const char *text)
{
	char buf[256];

	assert_int_equal(fsutil__read_text(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, text);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "build/test-journal.%d", (int)getpid());
	fsutil__rm_rf(dir);
	assert_int_equal(fsutil__mkdir_p(dir, 0755, 0), 0);
	setenv("RABENCH_RUN_DIR", dir, 1);
	snprintf(target, sizeof(target), "%s/read_ahead_kb", dir);
	snprintf(journal, sizeof(journal), "%s/%d.journal", dir, (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fsutil__rm_rf(dir);
	unsetenv("RABENCH_RUN_DIR");
	return 0;
}

/* On disk (with the original) before the change, gone after the undo. */
static void test_record_then_forget(void **state)
{
	char text[512];
	int id;

	(void)state;
	put(target, "8192");
	assert_int_equal(journal__record(RB_JOURNAL_WRITE, target, "8192", &id), 0);
	assert_true(id >= 0);
	assert_int_equal(fsutil__read_text(journal, text, sizeof(text)), 0);
	assert_non_null(strstr(text, "owner "));
	assert_non_null(strstr(text, "write 8192 "));
	assert_non_null(strstr(text, target));
	/* our own journal is never replayed while we live */
	assert_int_equal(journal__repair(NULL), 0);
	assert_int_equal(access(journal, F_OK), 0);
	journal__forget(id);
	assert_int_equal(access(journal, F_OK), -1);
	/* a value with a space cannot be written back as one token: refused */
	assert_int_equal(journal__record(RB_JOURNAL_WRITE, target, "8 192", &id), -EINVAL);
	assert_int_equal(id, -1);
}

/* A child records two changes of one file and dies: the oldest value comes back. */
static void test_dead_owner_replayed_newest_first(void **state)
{
	char out[1024] = "";
	int status, id;
	pid_t pid;
	FILE *mem;

	(void)state;
	put(target, "8192");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		journal__record(RB_JOURNAL_WRITE, target, "8192", &id);
		put(target, "16");
		journal__record(RB_JOURNAL_WRITE, target, "16", &id);
		put(target, "4");
		_exit(0);	/* as SIGKILL would: nothing undone */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	expect(target, "4");
	mem = fmemopen(out, sizeof(out) - 1, "w");
	assert_int_equal(journal__repair(mem), 1);
	fclose(mem);
	expect(target, "8192");
	assert_non_null(strstr(out, "put back what process"));
	assert_non_null(strchr(out, '\n'));
	assert_ptr_equal(strchr(out, '\n'), strrchr(out, '\n'));	/* one line */
	snprintf(journal, sizeof(journal), "%s/%d.journal", dir, (int)pid);
	assert_int_equal(access(journal, F_OK), -1);
	assert_int_equal(journal__repair(NULL), 0);
	snprintf(journal, sizeof(journal), "%s/%d.journal", dir, (int)getpid());
}

/* A live owner's journal is left alone; the same pid with another start time is not it. */
static void test_live_owner_and_reused_pid(void **state)
{
	char path[128], text[512];

	(void)state;
	put(target, "32");
	/* pid 1 lives; its journal names the start time it really has: left alone */
	snprintf(path, sizeof(path), "%s/1.journal", dir);
	assert_int_equal(fsutil__read_text("/proc/1/stat", text, sizeof(text)), 0);
	{
		char *p = strrchr(text, ')'), journal1[512];
		unsigned long long start = 0;
		int i;

		for (i = 2; p && i < 22; i++)
			p = strchr(p + 1, ' ');
		assert_non_null(p);
		start = strtoull(p + 1, NULL, 10);
		snprintf(journal1, sizeof(journal1), "owner 1 %llu\nwrite 8192 %s\n", start, target);
		put(path, journal1);
		assert_int_equal(journal__repair(NULL), 0);
		expect(target, "32");
		/* the same pid, another start time: its owner is gone, replayed */
		snprintf(journal1, sizeof(journal1), "owner 1 %llu\nwrite 8192 %s\n", start + 1, target);
		put(path, journal1);
		assert_int_equal(journal__repair(NULL), 1);
		expect(target, "8192");
		assert_int_equal(access(path, F_OK), -1);
	}
}

/* What cannot be put back is kept for a later try, and said (-EIO). */
static void test_failed_undo_kept(void **state)
{
	char path[128], text[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/999999.journal", dir);
	snprintf(text, sizeof(text), "owner 999999 1\nwrite 8192 %s/no/such/file\n", dir);
	put(path, text);
	assert_int_equal(journal__repair(NULL), -EIO);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

/* A child and the file it maps are found from its parent, as rabench prefetch finds them. */
static void test_procfs_tree_and_maps(void **state)
{
	char file[128], found[4][PATH_MAX], ready;
	int p[2], fd, n, i, k;
	pid_t pid, tree[16];

	(void)state;
	snprintf(file, sizeof(file), "%s/lists.ivfdata", dir);
	put(file, "0123456789");
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(file, O_RDONLY);
		if (fd < 0 || mmap(NULL, 10, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &ready, 1), 1);
	close(p[0]);
	n = procfs__descendants(getpid(), tree, 16);
	for (i = 0, k = 0; i < n; i++)
		k |= tree[i] == pid;
	assert_int_equal(tree[0], getpid());
	assert_true(k);
	n = procfs__mapped(pid, ".ivfdata", found, 4);
	assert_int_equal(n, 1);
	assert_non_null(strstr(found[0], "lists.ivfdata"));
	assert_int_equal(procfs__mapped(pid, ".index", found, 4), 0);
	assert_true(procfs__open_files(pid, ".ivfdata", found, 4) >= 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(procfs__mapped(pid, ".ivfdata", found, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_then_forget),
		cmocka_unit_test(test_dead_owner_replayed_newest_first),
		cmocka_unit_test(test_live_owner_and_reused_pid),
		cmocka_unit_test(test_failed_undo_kept),
		cmocka_unit_test(test_procfs_tree_and_maps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
