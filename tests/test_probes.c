/*
 * test_probes — the page-cache probes (bpf/pcache.*) loaded into this kernel and
 * held to known answers: access patterns whose readahead outcome is certain, and
 * cross-checks against witnesses that do not depend on the probes (mincore,
 * /sys/block/<dev>/stat, getrusage) on the same run. Skipped, with the reason,
 * when not root or without BTF. Files live under build/ (a real disk-backed
 * filesystem; tmpfs has no readahead and no block I/O).
 */
#define _GNU_SOURCE	/* readahead(2) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/probes.h"
#include "lib/cache.h"
#include "cli/cmds.h"
#include "lib/metrics.h"
#include "report/report.h"

#define DIR		"build/test-probes"
#define SEQ_FILE	DIR "/seq-64m.bin"
#define RAND_FILE	DIR "/rand-256m.bin"
#define PF_FILE		DIR "/prefetch-16m.bin"
#define SPARSE_FILE	DIR "/sparse.bin"
#define MIB		(1024ULL * 1024)
#define PAGE		4096ULL

struct fixture {
	struct rb_probes *p;
	char why[256];
};

/* A file of real (non-sparse) data, kept between runs when its size is right. */
static int make_file(const char *path, uint64_t bytes)
{
	static char buf[1 << 20];
	struct stat st;
	uint64_t done;
	int fd, rc = 0;
	size_t i;

	if (stat(path, &st) == 0 && (uint64_t)st.st_size == bytes && st.st_blocks * 512 >= (off_t)bytes)
		return 0;
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return -errno;
	for (done = 0; done < bytes && !rc; done += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i += PAGE)
			snprintf(buf + i, 32, "%llu", (unsigned long long)(done + i));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			rc = -EIO;
	}
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	if (probes__open(&fx->p, fx->why, sizeof(fx->why)) &&
	    geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
		/* root with BTF: a failure to load is a bug, not a reason to skip */
		fprintf(stderr, "probes__open: %s\n", fx->why);
		return -1;
	}
	mkdir("build", 0755);
	mkdir(DIR, 0755);
	if (fx->p && (make_file(SEQ_FILE, 64 * MIB) || make_file(RAND_FILE, 256 * MIB) ||
		      make_file(PF_FILE, 16 * MIB)))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	probes__destroy(fx->p);
	free(fx);
	return 0;
}

/* Every test needs the real probes; say why they are not there. */
static struct rb_probes *need_probes(void **state)
{
	struct fixture *fx = *state;

	if (!fx->p) {
		print_message("SKIP: BPF probes unavailable: %s\n", fx->why);
		skip();
	}
	return fx->p;
}

static void evict(const char *path)
{
	char err[256];

	assert_int_equal(cache__evict(path, err, sizeof(err)), 0);
}

static uint64_t resident(const char *path)
{
	uint64_t res = 0, total = 0;

	assert_int_equal(cache__resident_pages(path, &res, &total), 0);
	return res;
}

static void start_on(struct rb_probes *p, const char *path)
{
	const char *paths[] = { path };

	assert_int_equal(probes__set_targets(p, paths, 1), 0);
	assert_int_equal(probes__start(p), 0);
}

/*
 * Wait (up to 2 s) until the test files' disk has no read in flight: a fault
 * returns once its own page is read, while the rest of its read-around window
 * may still wait in the queue, not yet issued — charged only if issued before
 * the probes stop.
 */
static void wait_disk_idle(void)
{
	struct rb_blockdev dev;
	unsigned long rd = 1, wr;
	char path[128];
	FILE *f;
	int i;

	if (metrics__blockdev_for(RAND_FILE, &dev))
		return;
	snprintf(path, sizeof(path), "/sys/block/%s/inflight", dev.name);
	for (i = 0; i < 2000 && rd; i++) {
		f = fopen(path, "re");
		if (!f || fscanf(f, "%lu %lu", &rd, &wr) != 2)
			rd = 0;
		if (f)
			fclose(f);
		if (rd)
			usleep(1000);
	}
}

static void stop_collect(struct rb_probes *p, struct rb_probe_result *r)
{
	wait_disk_idle();
	assert_int_equal(probes__stop(p), 0);
	assert_int_equal(probes__collect(p, r), 0);
	assert_int_equal(r->n_files, 1);
	assert_int_equal(r->files[0].c.readds, 0);
	assert_int_equal(r->overflow.chunks_full, 0);
	assert_int_equal(r->overflow.walk_truncated, 0);
}

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

/* Distinct pseudo-random pages of a file of npages (fixed seed: same pages each run). */
static void random_pages(uint64_t *out, int n, uint64_t npages, uint64_t seed)
{
	int i, j;

	for (i = 0; i < n; i++) {
		do {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			out[i] = (seed >> 33) % npages;
			for (j = 0; j < i && out[j] != out[i]; j++)
				;
		} while (j < i);
	}
}

/* Touch the pages through a mapping; returns the getrusage major-fault delta. */
static long touch_pages(const char *map, const uint64_t *pages, int n)
{
	volatile char sink = 0;
	long before = majflt();
	int i;

	for (i = 0; i < n; i++)
		sink += map[pages[i] * PAGE];
	(void)sink;
	return majflt() - before;
}

/*
 * A cold sequential read under default readahead: every page is added once,
 * all speculative pages get read (waste < 2%), the probes' adds match mincore
 * and their block bytes match /sys/block/<dev>/stat.
 */
static void test_sequential_read_wastes_nothing(void **state)
{
	struct rb_probes *p = need_probes(state);
	static char buf[256 * 1024];
	struct rb_counters before, after, io;
	struct rb_probe_result r;
	const struct rb_probe_counts *c;
	struct rb_blockdev dev;
	uint64_t pages = 64 * MIB / PAGE;
	double slack;
	ssize_t n;
	int fd;

	assert_int_equal(metrics__blockdev_for(SEQ_FILE, &dev), 0);
	evict(SEQ_FILE);
	fd = open(SEQ_FILE, O_RDONLY);
	assert_true(fd >= 0);
	start_on(p, SEQ_FILE);
	assert_int_equal(metrics__snapshot(&dev, &before), 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	assert_int_equal(metrics__snapshot(&dev, &after), 0);
	stop_collect(p, &r);
	close(fd);
	metrics__delta(&before, &after, &io);
	c = &r.files[0].c;
	print_message("added %lu (spec %lu), waste %lu, read %lu (miss %lu), block %lu B (%lu reissued) "
		      "vs stat %lu B\n", probe_counts__added(c), c->added_spec, probe_counts__waste(c),
		      c->read_pages, c->read_miss, r.block.read_bytes, r.block.reissued,
		      io.dev_read_bytes);
	assert_int_equal(probe_counts__added(c), pages);
	assert_true(c->added_spec > pages / 2);
	assert_true(probe_counts__waste_ratio(c) < 0.02);
	assert_int_equal(c->accessed, pages);
	assert_int_equal(c->read_pages, pages);
	assert_true(probe_counts__read_hit_ratio(c) > 0.9);
	/* cross-check: nothing evicted during the window, so resident == added */
	assert_int_equal(c->resident_tracked, resident(SEQ_FILE));
	/* the file's own disk reads: each page once, all of it this process's doing */
	assert_int_equal(c->block_read_bytes, 64 * MIB);
	assert_int_equal(c->block_read_bytes, io.proc_read_bytes);
	/*
	 * Block bytes: both count every read completed on the disk, other activity
	 * on the machine included, and the probes' window contains the snapshots'
	 * by microseconds each side: allow 0.1% + 256 KiB for what completed there.
	 */
	assert_true(r.block.read_bytes >= 64 * MIB);
	slack = 0.001 * (double)io.dev_read_bytes + 256 * 1024;
	assert_true(fabs((double)r.block.read_bytes - (double)io.dev_read_bytes) <= slack);
	assert_true(r.block.timed > 0);
	assert_int_equal(r.overflow.inflight_full, 0);
	probe_result__free(&r);
}

/*
 * Cold random 4 KiB faults on a 256 MiB mapping: each miss reads an 8 MiB
 * window around the faulting page, of which one page is used: waste > 80%.
 * Major faults match getrusage; resident pages match mincore.
 */
static void test_mmap_random_readaround_wastes(void **state)
{
	struct rb_probes *p = need_probes(state);
	uint64_t npages = 256 * MIB / PAGE, pages[48];
	struct rb_probe_result r;
	const struct rb_probe_counts *c;
	long ru_major;
	char *map;
	int fd;

	evict(RAND_FILE);
	fd = open(RAND_FILE, O_RDONLY);
	assert_true(fd >= 0);
	map = mmap(NULL, 256 * MIB, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	random_pages(pages, 48, npages, 42);
	start_on(p, RAND_FILE);
	ru_major = touch_pages(map, pages, 48);
	stop_collect(p, &r);
	c = &r.files[0].c;
	print_message("added %lu (demand %lu spec %lu), waste %lu (%.3f), mapped-only %lu, "
		      "faults %lu major %lu (getrusage %ld), read-around %lu\n",
		      probe_counts__added(c), c->added_demand, c->added_spec, probe_counts__waste(c),
		      probe_counts__waste_ratio(c), c->spec_mapped_only, c->faults, c->major_faults,
		      ru_major, c->ra_readaround);
	assert_true(c->ra_readaround > 0);
	assert_true(probe_counts__waste_ratio(c) > 0.8);
	assert_int_equal(c->added_demand, c->major_faults);
	/* getrusage also counts faults on anything else; the loop touches only this file */
	assert_true(labs((long)c->major_faults - ru_major) <= 1);
	assert_int_equal(c->resident_tracked, resident(RAND_FILE));
	assert_int_equal(c->block_read_bytes, probe_counts__added(c) * PAGE);
	munmap(map, 256 * MIB);
	close(fd);
	probe_result__free(&r);
}

/* The same faults under MADV_RANDOM: no read-around, every added page is used. */
static void test_mmap_random_madv_random_wastes_nothing(void **state)
{
	struct rb_probes *p = need_probes(state);
	uint64_t npages = 256 * MIB / PAGE, pages[256];
	struct rb_probe_result r;
	const struct rb_probe_counts *c;
	long ru_major;
	char *map;
	int fd;

	evict(RAND_FILE);
	fd = open(RAND_FILE, O_RDONLY);
	assert_true(fd >= 0);
	map = mmap(NULL, 256 * MIB, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(madvise(map, 256 * MIB, MADV_RANDOM), 0);
	random_pages(pages, 256, npages, 7);
	start_on(p, RAND_FILE);
	ru_major = touch_pages(map, pages, 256);
	stop_collect(p, &r);
	c = &r.files[0].c;
	print_message("added %lu (spec %lu), waste %lu, accessed %lu, major %lu (getrusage %ld)\n",
		      probe_counts__added(c), c->added_spec, probe_counts__waste(c), c->accessed,
		      c->major_faults, ru_major);
	assert_true(probe_counts__waste(c) < 0.02 * probe_counts__added(c));
	assert_int_equal(c->added_spec, 0);
	assert_int_equal(c->added_demand, 256);
	assert_int_equal(c->accessed, 256);
	assert_int_equal(c->major_faults, 256);
	assert_true(labs((long)c->major_faults - ru_major) <= 1);
	assert_int_equal(c->resident_tracked, resident(RAND_FILE));
	munmap(map, 256 * MIB);
	close(fd);
	probe_result__free(&r);
}

/*
 * fadvise(WILLNEED), readahead(2) and madvise(WILLNEED) over the whole 16 MiB:
 * every page is prefetched, none demand or speculative; reading the first 4 MiB
 * leaves exactly the other 12 MiB prefetched and unused.
 */
static void test_willneed_counts_as_prefetch(void **state)
{
	struct rb_probes *p = need_probes(state);
	static char buf[1 << 20];
	struct rb_probe_result r;
	const struct rb_probe_counts *c;
	char *map;
	int fd, i;

	evict(PF_FILE);
	fd = open(PF_FILE, O_RDONLY);
	assert_true(fd >= 0);
	map = mmap(NULL, 16 * MIB, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	start_on(p, PF_FILE);
	assert_int_equal(posix_fadvise(fd, 0, 8 * MIB, POSIX_FADV_WILLNEED), 0);
	assert_int_equal(readahead(fd, 8 * MIB, 4 * MIB), 0);
	assert_int_equal(madvise(map + 12 * MIB, 4 * MIB, MADV_WILLNEED), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pread(fd, buf, sizeof(buf), i * (off_t)MIB), (ssize_t)sizeof(buf));
	stop_collect(p, &r);
	c = &r.files[0].c;
	print_message("prefetch %lu demand %lu spec %lu, accessed %lu, unused prefetch %lu, "
		      "explicit calls %lu\n", c->added_prefetch, c->added_demand, c->added_spec,
		      c->accessed, c->prefetch_unused_resident, c->ra_explicit);
	assert_int_equal(c->added_prefetch, 16 * MIB / PAGE);
	assert_int_equal(c->added_demand, 0);
	assert_int_equal(c->added_spec, 0);
	assert_int_equal(c->accessed, 4 * MIB / PAGE);
	assert_int_equal(c->prefetch_unused_resident, 12 * MIB / PAGE);
	assert_true(c->ra_explicit >= 3);
	munmap(map, 16 * MIB);
	close(fd);
	probe_result__free(&r);
}

/*
 * A read leaves its readahead context behind; a write right after it, by the same
 * thread, to the same file, must not inherit it: written pages are demand pages.
 */
static void test_write_after_read_is_demand(void **state)
{
	struct rb_probes *p = need_probes(state);
	const char *path = DIR "/write.bin";
	static char buf[1 << 20];
	struct rb_probe_result r;
	const struct rb_probe_counts *c;
	int fd;

	assert_int_equal(make_file(path, 4 * MIB), 0);
	evict(path);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	start_on(p, path);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	assert_int_equal(pwrite(fd, buf, sizeof(buf), 16 * MIB), (ssize_t)sizeof(buf));
	stop_collect(p, &r);
	c = &r.files[0].c;
	print_message("demand %lu spec %lu read-ahead windows %lu\n", c->added_demand,
		      c->added_spec, c->ra_order);
	/* the read: 256 pages asked for, a 512-page first window; the write: 256 more */
	assert_int_equal(c->added_demand, 256 + 256);
	assert_int_equal(c->added_spec, 256);
	close(fd);
	unlink(path);
	probe_result__free(&r);
}

/*
 * More 64-page chunks than the page-state map holds (one page per 256 KiB of a
 * sparse file: holes read as zeroes, no disk I/O): the overflow is counted and
 * the per-file add counts stay exact.
 */
static void test_page_state_overflow_is_counted(void **state)
{
	struct rb_probes *p = need_probes(state);
	const uint64_t n = 140000, stride = 256 * 1024, len = n * stride;
	struct rb_probe_result r;
	const struct rb_probe_counts *c;
	volatile char sink = 0;
	const char *paths[] = { SPARSE_FILE };
	char *map;
	uint64_t i;
	int fd;

	fd = open(SPARSE_FILE, O_CREAT | O_TRUNC | O_RDWR, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(madvise(map, len, MADV_RANDOM), 0);
	assert_int_equal(probes__set_targets(p, paths, 1), 0);
	assert_int_equal(probes__start(p), 0);
	for (i = 0; i < n; i++)
		sink += map[i * stride];
	(void)sink;
	assert_int_equal(probes__stop(p), 0);
	assert_int_equal(probes__collect(p, &r), 0);
	c = &r.files[0].c;
	print_message("added %lu, untracked %lu, page_state_full %lu\n", probe_counts__added(c),
		      c->untracked, r.overflow.chunks_full);
	assert_int_equal(c->added_demand, n);
	assert_true(r.overflow.chunks_full > 0);
	assert_int_equal(c->untracked, r.overflow.chunks_full);
	munmap(map, len);
	close(fd);
	unlink(SPARSE_FILE);
	probe_result__free(&r);
}

/* Run cmd_probe with stdout captured in a file; returns its exit status. */
static int run_probe_cmd(char **argv, int argc, const char *out_path)
{
	int saved = dup(STDOUT_FILENO), fd, rc;

	fflush(stdout);
	fd = open(out_path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	rc = cmd_probe(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

/* `rabench probe --json -- dd if=FILE`: the file is named, its pages counted; status passes through. */
static void test_probe_command(void **state)
{
	const char *out = DIR "/probe.json";
	char *dd[] = { "probe", "--json", "--", "dd", "if=" SEQ_FILE, "of=/dev/null", "bs=1M",
		       "status=none", NULL };
	char *fail[] = { "probe", "--", "sh", "-c", "exit 3", NULL };
	json_object *doc, *files, *f, *v;
	char real[4096];
	size_t i;
	int found = 0;

	need_probes(state);
	evict(SEQ_FILE);
	assert_int_equal(run_probe_cmd(dd, 8, out), 0);
	doc = json_object_from_file(out);
	assert_non_null(doc);
	assert_non_null(realpath(SEQ_FILE, real));
	assert_true(json_object_object_get_ex(doc, "files", &files));
	for (i = 0; i < json_object_array_length(files); i++) {
		f = json_object_array_get_idx(files, i);
		json_object_object_get_ex(f, "path", &v);
		if (strcmp(json_object_get_string(v), real))
			continue;
		found = 1;
		json_object_object_get_ex(f, "pages_accessed", &v);
		assert_int_equal(json_object_get_int64(v), 64 * MIB / PAGE);
	}
	assert_true(found);
	json_object_put(doc);
	assert_int_equal(run_probe_cmd(fail, 5, out), 3);
	unlink(out);
}

/* A run of two repeats, the first with (made-up) probe figures, the second without. */
static void fake_run(struct rb_run *run, struct rb_repeat_result *reps)
{
	struct rb_probe_result *r = &reps[0].probes;
	struct rb_probe_counts *c;
	int i;

	memset(run, 0, sizeof(*run));
	config__defaults(&run->cfg);
	env__capture(&run->env, NULL, "/tmp");
	run->repeats = reps;
	run->n_repeats = 2;
	run->complete = true;
	run->probes_available = true;
	for (i = 0; i < 2; i++) {
		memset(&reps[i], 0, sizeof(reps[i]));
		snprintf(reps[i].strategy, sizeof(reps[i].strategy), "default");
		reps[i].repeat = i;
		reps[i].order = i;
		reps[i].clients = 1;
		reps[i].batch = 1;
	}
	reps[0].has_probes = true;
	r->files = calloc(1, sizeof(*r->files));
	assert_non_null(r->files);
	r->n_files = 1;
	snprintf(r->files[0].path, sizeof(r->files[0].path), "/data/ivf.ivfdata");
	c = &r->files[0].c;
	c->added_demand = 10;
	c->added_spec = 100;
	c->spec_unused_evicted = 30;
	c->spec_unused_resident = 20;
	c->ra_window[9] = 3;
	c->read_pages = 40;
	c->read_miss = 10;
	r->total = *c;
	r->block.reads = 2;
	r->block.read_bytes = 1 << 20;
	r->block.size_hist[19] = 2;
	snprintf(r->block.device, sizeof(r->block.device), "254:0");
}

/* Exit status of Python's jsonschema on doc against report/report.schema.json. */
static int validate(json_object *doc)
{
	const char *py = "import json, sys, jsonschema\n"
			 "s = json.load(open('report/report.schema.json'))\n"
			 "errs = list(jsonschema.Draft7Validator(s).iter_errors(json.load(open(sys.argv[1]))))\n"
			 "[print(list(e.path), e.message, file=sys.stderr) for e in errs]\n"
			 "sys.exit(1 if errs else 0)\n";
	const char *inst = DIR "/report-probes.json";
	int status;
	pid_t pid;

	mkdir("build", 0755);
	mkdir(DIR, 0755);
	assert_int_equal(json_object_to_file_ext(inst, doc, JSON_C_TO_STRING_PRETTY), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", "-c", py, inst, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(inst);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *render_md(json_object *doc)
{
	char *md = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&md, &len);

	assert_non_null(f);
	assert_int_equal(report__render_md(doc, f), 0);
	fclose(f);
	return md;
}

/* Probe figures reach report.json (valid against the schema), its summary and report.md. */
static void test_report_carries_probes(void **state)
{
	struct rb_repeat_result reps[2];
	json_object *doc, *v;
	struct rb_run run;
	char *md;

	(void)state;
	fake_run(&run, reps);
	doc = report__to_json(&run);
	assert_non_null(doc);
	assert_int_equal(validate(doc), 0);
	assert_true(json_object_object_get_ex(doc, "probes_available", &v));
	assert_true(json_object_get_boolean(v));
	v = json_object_array_get_idx(json_object_object_get(doc, "repeats"), 0);
	v = json_object_object_get(json_object_object_get(json_object_object_get(v, "probes"),
							    "total"), "waste_ratio");
	assert_true(fabs(json_object_get_double(v) - 0.5) < 1e-12);
	v = json_object_array_get_idx(json_object_object_get(doc, "repeats"), 1);
	assert_true(json_object_object_get_ex(v, "probes", &v) && v == NULL);
	v = json_object_object_get(json_object_object_get(doc, "metrics_definitions"),
				   "probes.pages_mapped_maybe_used");
	assert_non_null(strstr(json_object_get_string(v), "maybe used"));
	md = render_md(doc);
	assert_non_null(strstr(md, "## Page-cache probes"));
	assert_non_null(strstr(md, "| default | 10 | 100 | 0 | 0.50 |"));
	free(md);
	json_object_put(doc);
	free(run.repeats[0].probes.files);
}

/* Without probes the report says why, in report.json and report.md. */
static void test_report_says_why_no_probes(void **state)
{
	struct rb_repeat_result reps[2];
	json_object *doc, *v;
	struct rb_run run;
	char *md;

	(void)state;
	fake_run(&run, reps);
	probe_result__free(&reps[0].probes);
	reps[0].has_probes = false;
	run.probes_available = false;
	snprintf(run.probes_reason, sizeof(run.probes_reason), "not root");
	doc = report__to_json(&run);
	assert_non_null(doc);
	assert_int_equal(validate(doc), 0);
	assert_true(json_object_object_get_ex(doc, "probes_unavailable_reason", &v));
	assert_string_equal(json_object_get_string(v), "not root");
	md = render_md(doc);
	assert_non_null(strstr(md, "No probe figures in this run: not root."));
	free(md);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_read_wastes_nothing),
		cmocka_unit_test(test_mmap_random_readaround_wastes),
		cmocka_unit_test(test_mmap_random_madv_random_wastes_nothing),
		cmocka_unit_test(test_willneed_counts_as_prefetch),
		cmocka_unit_test(test_write_after_read_is_demand),
		cmocka_unit_test(test_page_state_overflow_is_counted),
		cmocka_unit_test(test_probe_command),
		cmocka_unit_test(test_report_carries_probes),
		cmocka_unit_test(test_report_says_why_no_probes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
