/*
 * test_bpf_prefetch — the prefetch agent behind the bpf-prefetch strategy, on
 * real files in the real page cache (under build/, ext4):
 *   - a miss expands to its whole extent: one page touched cold per extent of a
 *     mapping, and mincore then shows every extent resident, the gaps not;
 *   - the uprobe fires and the probed keys are prefetched before anything
 *     touches them (a uprobe on a function of this test with FAISS's
 *     prefetch_lists signature), long calls are cut and the cut counted;
 *   - a sequential reader is detected as a stream, a random one gets readahead
 *     switched off (MADV_RANDOM shows as the "rr" VmFlag);
 *   - stop() restores what it changed — the advice each mapping had before,
 *     POSIX_FADV_NORMAL on descriptors — also after a SIGINT mid-run.
 * Skipped, with the reason, without root or kernel BTF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpf/prefetch_agent.h"
#include "lib/cache.h"
#include "tests/smaps.h"

#define PAGE 4096ULL
#define MIB (1ULL << 20)
#define FILE_BYTES (32 * MIB)
#define N_EXT 16
#define EXT_STRIDE (2 * MIB)
#define EXT_LEN (512 * 1024ULL)

struct fixture {
	char dir[256];
	char ext_path[300];   /* a file with an extent map: N_EXT extents, gaps between */
	char seq_path[300];   /* files without one */
	char rnd_path[300];
};

static volatile sig_atomic_t got_sigint;

/* FAISS's prefetch_lists(this, list_nos, n) as far as the uprobe can tell. */
__attribute__((noinline, noipa, used)) void rb_test_prefetch_lists(void *self, const int64_t *lists,
								   int n)
{
	asm volatile("" : : "r"(self), "r"(lists), "r"(n) : "memory");
}

static uint64_t ext_off(int i)
{
	return (uint64_t)i * EXT_STRIDE + MIB;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int make_file(const char *path, uint64_t size)
{
	char *buf = malloc(MIB);
	uint64_t off;
	int fd, rc = 0;

	if (!buf)
		return -1;
	memset(buf, 0x5a, MIB);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (off = 0; fd >= 0 && off < size && rc == 0; off += MIB)
		rc = pwrite(fd, buf, MIB, (off_t)off) == (ssize_t)MIB ? 0 : -1;
	if (fd < 0 || fsync(fd) || close(fd))
		rc = -1;
	free(buf);
	return rc;
}

static void evict(const char *path)
{
	char err[256];
	uint64_t res, total;

	assert_int_equal(cache__evict(path, err, sizeof(err)), 0);
	assert_int_equal(cache__resident_pages(path, &res, &total), 0);
	assert_int_equal(res, 0);
}

/* Resident pages of [off, off + len) of a mapping. */
static uint64_t resident(const void *map, uint64_t off, uint64_t len)
{
	uint64_t first = off / PAGE, last = (off + len + PAGE - 1) / PAGE, n = 0, i;
	unsigned char *vec = calloc(last - first, 1);

	assert_non_null(vec);
	assert_int_equal(mincore((char *)map + first * PAGE, (last - first) * PAGE, vec), 0);
	for (i = 0; i < last - first; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

static int all_resident(const void *map, const int *which, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (resident(map, ext_off(which[i]), EXT_LEN) != EXT_LEN / PAGE)
			return 0;
	return 1;
}

/* Wait up to 3 s for every extent in which[] to be resident. */
static int wait_resident(const void *map, const int *which, int n)
{
	double t0 = now_s();

	while (!all_resident(map, which, n)) {
		if (now_s() - t0 > 3)
			return 0;
		usleep(2000);
	}
	return 1;
}

/* The mapping's VmFlags; the mapping must exist. */
static void vmflags_of(const void *addr, char *flags, size_t len)
{
	assert_int_equal(smaps__vmflags(addr, flags, len), 0);
}

static int has_flag(const void *addr, const char *flag)
{
	char flags[512];

	vmflags_of(addr, flags, sizeof(flags));
	return strstr(flags, flag) != NULL;
}

static void *map_file(const char *path, uint64_t len)
{
	int fd = open(path, O_RDONLY);
	void *m;

	assert_true(fd >= 0);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(m != MAP_FAILED);
	return m;
}

/* An agent on the extent file (file 0), keys 0..N_EXT-1; symbol "" = no uprobe. */
static struct prefetch *agent_on_extents(struct fixture *f, const char *symbol)
{
	struct prefetch_opts opts = { .symbol = symbol };
	struct prefetch *p;
	char err[512] = "";
	int i;

	assert_int_equal(prefetch__open(&p, &opts, err, sizeof(err)), 0);
	assert_int_equal(prefetch__add_file(p, f->ext_path, err, sizeof(err)), 0);
	for (i = 0; i < N_EXT; i++)
		assert_int_equal(prefetch__add_extent(p, 0, i, ext_off(i), EXT_LEN), 0);
	return p;
}

/* What the agent saw, for a failure message. */
static void fail_with_stats(struct prefetch *p)
{
	const struct prefetch_stat_name *n = prefetch__stat_names();
	struct prefetch_stats st;
	uint64_t v;

	prefetch__collect(p, &st);
	for (; n->name; n++) {
		memcpy(&v, (const char *)&st + n->offset, sizeof(v));
		print_message("  %s %llu\n", n->name, (unsigned long long)v);
	}
	fail_msg("the extents did not become resident within 3 s");
}

static void start(struct prefetch *p)
{
	char err[512] = "";

	if (prefetch__start(p, err, sizeof(err)))
		fail_msg("prefetch__start: %s", err);
}

static void test_miss_expands_to_the_extent(void **state)
{
	struct fixture *f = *state;
	int all[N_EXT], i;
	struct prefetch_stats st;
	struct prefetch *p;
	volatile char c;
	char *map;

	evict(f->ext_path);
	map = map_file(f->ext_path, FILE_BYTES);
	p = agent_on_extents(f, "");
	start(p);
	/* an extent-mapped file is read extent by extent: speculative readahead off */
	assert_true(has_flag(map, " rr"));
	for (i = 0; i < N_EXT; i++) {
		all[i] = i;
		c = map[ext_off(i) + EXT_LEN / 2];   /* one page, cold */
	}
	c = map[ext_off(3) + EXT_LEN + MIB / 2];   /* in a gap: nothing to expand to */
	(void)c;
	if (!wait_resident(map, all, N_EXT))
		fail_with_stats(p);
	prefetch__collect(p, &st);
	assert_int_equal(st.miss_expanded, N_EXT);
	assert_int_equal(st.miss_outside, 1);
	assert_true(st.pages_prefetched >= N_EXT * (EXT_LEN / PAGE - 1));
	/* only what the extents hold: a gap holds just the page touched in it */
	assert_int_equal(resident(map, ext_off(3) + EXT_LEN, EXT_STRIDE - EXT_LEN), 1);
	assert_int_equal(resident(map, ext_off(5) + EXT_LEN, EXT_STRIDE - EXT_LEN), 0);
	assert_int_equal(prefetch__destroy(p), 0);
	assert_false(has_flag(map, " rr"));
	munmap(map, FILE_BYTES);
}

/*
 * The residency the agent keeps in BPF (from every process's page-cache adds and
 * deletes) agrees with mincore on a constructed pattern, and an evicted extent is
 * known evicted: the agent fetches what was evicted, skips what is cached.
 */
static void test_residency_agrees_with_mincore(void **state)
{
	struct fixture *f = *state;
	uint64_t first, n = FILE_BYTES / PAGE, got;
	struct prefetch_stats st;
	struct prefetch *p;
	char buf[4096];
	int fd, i;
	char *map;

	evict(f->ext_path);
	map = map_file(f->ext_path, FILE_BYTES);
	p = agent_on_extents(f, "");
	start(p);
	fd = open(f->ext_path, O_RDONLY);
	assert_true(fd >= 0);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);	/* exactly the pages read, no readahead */
	/* a pattern before the first extent (no miss there expands): every 5th page of 200 */
	for (i = 0; i < 40; i++)
		assert_int_equal(pread(fd, buf, sizeof(buf), (off_t)(i * 5 * PAGE)), 4096);
	first = 0;
	assert_int_equal(prefetch__resident_pages(p, 0, first, 200, &got), 0);
	assert_int_equal(got, 40);
	assert_int_equal(got, resident(map, 0, 200 * PAGE));
	assert_int_equal(prefetch__resident_pages(p, 0, 0, n, &got), 0);
	assert_int_equal(got, resident(map, 0, FILE_BYTES));
	/* evicted: the map says so */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	assert_int_equal(resident(map, 0, FILE_BYTES), 0);
	assert_int_equal(prefetch__resident_pages(p, 0, 0, n, &got), 0);
	assert_int_equal(got, 0);
	prefetch__collect(p, &st);
	close(fd);
	assert_int_equal(prefetch__destroy(p), 0);
	munmap(map, FILE_BYTES);
}

static void test_uprobe_prefetches_the_probed_keys(void **state)
{
	struct fixture *f = *state;
	int64_t lists[] = { 3, 7, -1, 11 }, *many;
	int probed[] = { 3, 7, 11 }, i;
	struct prefetch_stats st;
	struct prefetch *p;
	char *map;

	evict(f->ext_path);
	map = map_file(f->ext_path, FILE_BYTES);
	p = agent_on_extents(f, "rb_test_prefetch_lists");
	start(p);
	rb_test_prefetch_lists(NULL, lists, 4);
	/* nothing touched the file: the agent alone brought the probed extents in */
	if (!wait_resident(map, probed, 3))
		fail_with_stats(p);
	assert_int_equal(resident(map, ext_off(0), EXT_LEN), 0);
	assert_int_equal(resident(map, ext_off(12), EXT_LEN), 0);
	/* one call longer than the uprobe sends: the rest is cut, and counted */
	many = malloc((4096 + 100) * sizeof(*many));
	assert_non_null(many);
	for (i = 0; i < 4096 + 100; i++)
		many[i] = -1;
	many[5] = 1;
	rb_test_prefetch_lists(NULL, many, 4096 + 100);
	free(many);
	probed[0] = 1;
	assert_true(wait_resident(map, probed, 1));
	prefetch__collect(p, &st);
	assert_int_equal(st.hint_calls, 2);
	assert_int_equal(st.hint_lists, 4 + 4096);
	assert_int_equal(st.hint_truncated, 100);
	assert_int_equal(st.hint_events, 1 + 16);
	assert_int_equal(st.lists_prefetched, 4);
	assert_int_equal(st.miss_pages, 0);
	assert_int_equal(st.ringbuf_drops, 0);
	assert_int_equal(prefetch__destroy(p), 0);
	munmap(map, FILE_BYTES);
}

/* Read every page of extent i through the mapping: a scan. */
static void scan(const char *map, int i)
{
	volatile char c;
	uint64_t o;

	for (o = 0; o < EXT_LEN; o += PAGE)
		c = map[ext_off(i) + o];
	(void)c;
}

/*
 * Under a memory limit that leaves less room than the extents, a thread's next
 * call means its previous call's lists were scanned: the most popular lists that
 * fit in 70 % of the room (here one list: the one two calls named) stay, the
 * others are paged out. Checked with mincore. The test scans the lists itself
 * (a 1 MiB room leaves the agent a 256 KiB budget, less than one list).
 */
static void test_drops_cold_lists(void **state)
{
	struct fixture *f = *state;
	struct prefetch_opts opts = { .symbol = "rb_test_prefetch_lists", .mem_room_bytes = MIB,
				      .drop_after_scan = true };
	int64_t a[] = { 0, 1, 2 }, b[] = { 0, 3 }, c[] = { 4 };
	struct prefetch_stats st;
	struct prefetch *p;
	char err[512] = "";
	char *map;
	int i;

	evict(f->ext_path);
	map = map_file(f->ext_path, FILE_BYTES);
	assert_int_equal(prefetch__open(&p, &opts, err, sizeof(err)), 0);
	assert_int_equal(prefetch__add_file(p, f->ext_path, err, sizeof(err)), 0);
	for (i = 0; i < N_EXT; i++)
		assert_int_equal(prefetch__add_extent(p, 0, i, ext_off(i), EXT_LEN), 0);
	start(p);
	rb_test_prefetch_lists(NULL, a, 3);
	for (i = 0; i < 3; i++)
		scan(map, i);
	rb_test_prefetch_lists(NULL, b, 2);	/* a's lists were scanned: 1 and 2 are cold, 0 named again */
	scan(map, 0);
	scan(map, 3);
	rb_test_prefetch_lists(NULL, c, 1);	/* b's: 0 is hot (two calls), 3 cold */
	prefetch__collect(p, &st);
	assert_int_equal(st.drop_pressure, 1);
	assert_int_equal(st.hot_min_calls, 2);
	assert_int_equal(st.lists_dropped, 3);
	/* 0 after a: named by b, the same thread's next scan; after b: hot */
	assert_int_equal(st.lists_kept_busy, 1);
	assert_int_equal(st.lists_kept_hot, 1);
	assert_int_equal(st.bytes_dropped, 3 * EXT_LEN);
	assert_int_equal(st.errors, 0);
	assert_int_equal(resident(map, ext_off(1), EXT_LEN), 0);
	assert_int_equal(resident(map, ext_off(2), EXT_LEN), 0);
	assert_int_equal(resident(map, ext_off(3), EXT_LEN), 0);
	assert_int_equal(resident(map, ext_off(0), EXT_LEN), EXT_LEN / PAGE);
	assert_int_equal(prefetch__destroy(p), 0);
	munmap(map, FILE_BYTES);
}

/* Without a memory limit nothing is dropped, whatever the popularity. */
static void test_no_drops_without_a_limit(void **state)
{
	struct fixture *f = *state;
	int64_t a[] = { 5 }, b[] = { 6 };
	int which[] = { 5, 6 };
	struct prefetch_stats st;
	struct prefetch *p;
	char *map;

	evict(f->ext_path);
	map = map_file(f->ext_path, FILE_BYTES);
	p = agent_on_extents(f, "rb_test_prefetch_lists");
	start(p);
	rb_test_prefetch_lists(NULL, a, 1);
	rb_test_prefetch_lists(NULL, b, 1);
	if (!wait_resident(map, which, 2))
		fail_with_stats(p);
	prefetch__collect(p, &st);
	assert_int_equal(st.drop_pressure, 0);
	assert_int_equal(st.lists_dropped, 0);
	assert_int_equal(resident(map, ext_off(5), EXT_LEN), EXT_LEN / PAGE);
	assert_int_equal(prefetch__destroy(p), 0);
	munmap(map, FILE_BYTES);
}

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/*
 * Pages two cold 4 KiB preads in a row at off bring in: 2 under FADV_RANDOM;
 * more with readahead, which opens a window on the second (a sequential miss).
 */
static uint64_t pread_brings(int fd, const void *map, uint64_t off)
{
	char buf[PAGE];

	assert_int_equal(pread(fd, buf, PAGE, (off_t)off), (ssize_t)PAGE);
	assert_int_equal(pread(fd, buf, PAGE, (off_t)(off + PAGE)), (ssize_t)PAGE);
	return resident(map, off, 64 * PAGE);
}

static void test_restores_after_sigint(void **state)
{
	struct fixture *f = *state;
	int64_t lists[] = { 9 };
	int probed[] = { 9 }, fd;
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	struct prefetch_stats st;
	struct prefetch *p;
	char *a, *b;

	evict(f->ext_path);
	a = map_file(f->ext_path, FILE_BYTES);
	b = map_file(f->ext_path, FILE_BYTES);
	assert_int_equal(madvise(b, FILE_BYTES, MADV_SEQUENTIAL), 0);   /* advice of its own */
	fd = open(f->ext_path, O_RDONLY);                               /* the "workload's" fd */
	assert_true(fd >= 0);
	p = agent_on_extents(f, "rb_test_prefetch_lists");
	start(p);
	assert_true(has_flag(a, " rr") && has_flag(b, " rr"));
	prefetch__collect(p, &st);
	assert_int_equal(st.maps_advised, 2);
	assert_int_equal(st.fds_advised, 1);
	assert_int_equal(pread_brings(fd, a, ext_off(2) + EXT_LEN + PAGE), 2);   /* FADV_RANDOM */

	got_sigint = 0;
	assert_int_equal(sigaction(SIGINT, &sa, &old), 0);
	assert_int_equal(kill(getpid(), SIGINT), 0);
	while (!got_sigint)
		usleep(1000);
	/* the agent kept working through it (it takes no signals) */
	rb_test_prefetch_lists(NULL, lists, 1);
	assert_true(wait_resident(a, probed, 1));
	assert_int_equal(prefetch__destroy(p), 0);
	assert_int_equal(sigaction(SIGINT, &old, NULL), 0);

	assert_false(has_flag(a, " rr"));
	assert_false(has_flag(a, " sr"));
	assert_true(has_flag(b, " sr"));     /* what it had, not NORMAL */
	assert_false(has_flag(b, " rr"));
	assert_true(pread_brings(fd, a, ext_off(6) + EXT_LEN + PAGE) > 2);   /* readahead is back */
	close(fd);
	munmap(a, FILE_BYTES);
	munmap(b, FILE_BYTES);
}

static void test_streams_and_random_files(void **state)
{
	struct fixture *f = *state;
	struct prefetch_opts opts = { .symbol = "" };
	int seq, rnd, i;
	struct prefetch_stats st;
	struct prefetch *p;
	char buf[64 * 1024], err[512] = "";
	double t0;
	char *map;

	evict(f->seq_path);
	evict(f->rnd_path);
	seq = open(f->seq_path, O_RDONLY);
	rnd = open(f->rnd_path, O_RDONLY);
	assert_true(seq >= 0 && rnd >= 0);
	map = map_file(f->rnd_path, FILE_BYTES);
	assert_int_equal(prefetch__open(&p, &opts, err, sizeof(err)), 0);
	assert_int_equal(prefetch__add_file(p, f->seq_path, err, sizeof(err)), 0);
	assert_int_equal(prefetch__add_file(p, f->rnd_path, err, sizeof(err)), 1);
	start(p);
	assert_false(has_flag(map, " rr"));   /* no extent map: nothing decided yet */
	for (i = 0; i < 256; i++)             /* 16 MiB in order */
		assert_int_equal(pread(seq, buf, sizeof(buf), (off_t)i * (off_t)sizeof(buf)),
				 (ssize_t)sizeof(buf));
	for (i = 0; i < 64; i++)              /* 4 KiB here and there */
		assert_int_equal(pread(rnd, buf, PAGE, (off_t)(((i * 7919) % 8000) * PAGE)),
				 (ssize_t)PAGE);
	t0 = now_s();
	do {
		usleep(2000);
		prefetch__collect(p, &st);
	} while ((!st.files_random || !st.stream_bytes_advised) && now_s() - t0 < 3);
	assert_true(st.streams_detected >= 1);
	assert_true(st.stream_bytes_advised > 0);
	assert_int_equal(st.files_random, 1);
	assert_true(st.fds_advised >= 1);
	assert_true(has_flag(map, " rr"));
	assert_int_equal(prefetch__destroy(p), 0);
	assert_false(has_flag(map, " rr"));
	close(seq);
	close(rnd);
	munmap(map, FILE_BYTES);
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	struct prefetch_opts opts = { .symbol = "no_such_symbol_anywhere" };
	struct prefetch *p;
	char err[512] = "";

	assert_int_equal(prefetch__open(&p, &opts, err, sizeof(err)), 0);
	assert_true(prefetch__add_file(p, "build/no/such/file", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "build/no/such/file"));
	assert_int_equal(prefetch__add_file(p, f->ext_path, err, sizeof(err)), 0);
	assert_int_equal(prefetch__add_extent(p, 1, 0, 0, PAGE), -EINVAL);
	/* a failed start (no such symbol) still leaves nothing behind */
	assert_true(prefetch__start(p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "no_such_symbol_anywhere"));
	assert_int_equal(prefetch__destroy(p), 0);
	assert_int_equal(prefetch__destroy(NULL), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "build/test-bpf-prefetch.%d", (int)getpid());
	snprintf(f->ext_path, sizeof(f->ext_path), "%s/extents", f->dir);
	snprintf(f->seq_path, sizeof(f->seq_path), "%s/seq", f->dir);
	snprintf(f->rnd_path, sizeof(f->rnd_path), "%s/rnd", f->dir);
	if (mkdir(f->dir, 0755) || make_file(f->ext_path, FILE_BYTES) ||
	    make_file(f->seq_path, FILE_BYTES) || make_file(f->rnd_path, FILE_BYTES))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->ext_path);
	unlink(f->seq_path);
	unlink(f->rnd_path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Why BPF cannot run here, or NULL. */
static const char *no_bpf(void)
{
	if (geteuid() != 0)
		return "not root";
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "no kernel BTF (/sys/kernel/btf/vmlinux)";
	return NULL;
}

static void test_skipped(void **state)
{
	(void)state;
	print_message("SKIP bpf-prefetch agent tests: %s\n", no_bpf());
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_miss_expands_to_the_extent),
		cmocka_unit_test(test_uprobe_prefetches_the_probed_keys),
		cmocka_unit_test(test_residency_agrees_with_mincore),
		cmocka_unit_test(test_drops_cold_lists),
		cmocka_unit_test(test_no_drops_without_a_limit),
		cmocka_unit_test(test_restores_after_sigint),
		cmocka_unit_test(test_streams_and_random_files),
		cmocka_unit_test(test_bad_input),
	};
	const struct CMUnitTest skipped[] = { cmocka_unit_test(test_skipped) };

	if (no_bpf())
		return cmocka_run_group_tests(skipped, NULL, NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
