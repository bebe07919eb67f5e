/*
 * test_advise — the rules of `rabench advise` (report/advise_rules.c) on
 * constructed observations, each built to meet one rule, with the expected
 * effect computed by hand from the counts; and the shape of the JSON a file's
 * advice is written as. No root, no probes: the rules are pure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "report/advise.h"

#define MIB (1024ULL * 1024)

static struct advise_env roomy(void)
{
	struct advise_env e = { .room_bytes = 1024 * MIB, .read_ahead_kb = 128,
				.io_wait_s = -1, .window_s = 10 };

	strcpy(e.room_source, "test");
	strcpy(e.device, "vda");
	return e;
}

/* A 64 MiB file served from the page cache: re-read, nothing added. */
static void test_fits_reread_leave(void **state)
{
	struct advise_obs o = { .path = "/data/hot.bin", .size_bytes = 64 * MIB,
				.faults = 5000, .major_faults = 0, .read_pages = 2000,
				.read_miss = 10, .demand = 10,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_LEAVE);
	assert_string_equal(r.rule, "cached");
	assert_string_equal(r.strategy, "default");
	assert_int_equal(r.bytes_delta, 0);
	assert_int_equal(r.major_faults_delta, 0);
}

/*
 * A 4 GiB file read at random through mmap: 1000 read-around windows of 32 pages,
 * 31000 speculative pages, 30500 never used: fadvise-random saves 30500 pages of
 * reads and adds the 500 misses the read-around had saved.
 */
static void test_random_waste(void **state)
{
	struct advise_obs o = { .path = "/data/big.idx", .size_bytes = 4096 * MIB,
				.demand = 1000, .spec = 31000, .waste = 30500, .accessed = 1500,
				.faults = 1500, .major_faults = 1000, .ra_readaround = 1000,
				.block_read_bytes = 32000 * 4096ULL,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;
	struct advise_fig f;

	(void)state;
	advise__derive(&o, &f);
	assert_int_equal(f.spec_used, 500);
	assert_int_equal(f.windows, 1000);
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_RANDOM);
	assert_string_equal(r.rule, "random");
	assert_string_equal(r.strategy, "fadvise-random");
	assert_int_equal(r.bytes_delta, -(int64_t)(30500 * 4096ULL));
	assert_int_equal(r.major_faults_delta, 500);
}

/* Too few events: no recommendation, whatever the ratios. */
static void test_too_few_events(void **state)
{
	struct advise_obs o = { .path = "/etc/ld.so.cache", .demand = 3, .spec = 20, .waste = 20,
				.faults = 2, .major_faults = 2, .ra_readaround = 1,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_NO_EVIDENCE);
	assert_string_equal(r.rule, "evidence");
	assert_null(r.strategy);
	assert_non_null(strstr(r.reason, "not enough evidence"));
}

/* Waste is high but each window served 6 pages: shrink the window, not RANDOM. */
static void test_shrink(void **state)
{
	struct advise_obs o = { .path = "/data/mid.bin", .size_bytes = 4096 * MIB,
				.demand = 1000, .spec = 31000, .waste = 25000, .accessed = 7000,
				.faults = 7000, .major_faults = 1000, .ra_readaround = 1000,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_READ_AHEAD_KB);
	assert_int_equal(r.read_ahead_kb, 32);	/* 4 KiB x (6 + 1) = 28 -> 32 */
	/* waste x (1 - 32/128) */
	assert_int_equal(r.bytes_delta, -(int64_t)(25000 * 4096ULL * 3 / 4));
	assert_non_null(strstr(r.action, "/sys/block/vda/queue/read_ahead_kb"));
}

/* A FAISS .ivfdata whose hot set does not fit and is evicted: rabench prefetch. */
static void test_thrash_ivf(void **state)
{
	struct advise_obs o = { .path = "/idx/ivf.ivfdata", .size_bytes = 1024 * MIB,
				.demand = 50000, .spec = 10000, .waste = 2000, .accessed = 55000,
				.faults = 60000, .major_faults = 40000, .evicted_tracked = 30000,
				.ra_readaround = 5000,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	e.room_bytes = 100 * MIB;
	e.limit_bytes = 128 * MIB;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_PREFETCH);
	assert_string_equal(r.strategy, "bpf-prefetch");
	assert_int_equal(r.major_faults_delta, -40000);

	/* an HNSW graph thrashing, read-ahead mostly waste: RANDOM, unless a hint source names its nodes */
	strcpy(o.path, "/idx/hnsw.bin");
	o.spec = 40000;
	o.waste = 39000;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_RANDOM);
	o.hint_source = true;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_PREFETCH);
	assert_string_equal(r.strategy, "bpf-prefetch");
	/* hot set 55000 pages = 214.8 MiB; limit 128 + (214.8 - 100), rounded up to MiB */
	assert_int_equal(r.limit_bytes, 243 * MIB);
}

/* The same evicted hot set in a file that is not an IVF index: the memory limit. */
static void test_thrash_memory_limit(void **state)
{
	struct advise_obs o = { .path = "/db/data.mdb", .size_bytes = 1024 * MIB,
				.demand = 50000, .spec = 10000, .waste = 2000, .accessed = 55000,
				.faults = 60000, .major_faults = 40000, .evicted_tracked = 30000,
				.ra_readaround = 5000,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	e.room_bytes = 100 * MIB;
	e.limit_bytes = 128 * MIB;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_MEMORY_LIMIT);
	assert_int_equal(r.bytes_delta, -(int64_t)(30000 * 4096ULL));
	assert_int_equal(r.limit_bytes, 243 * MIB);
}

/* A small file read whole with many misses: WILLNEED of 0..size. */
static void test_willneed(void **state)
{
	struct advise_obs o = { .path = "/idx/graph.bin", .size_bytes = 40 * MIB,
				.demand = 2000, .spec = 3000, .waste = 1000, .accessed = 4000,
				.faults = 6000, .major_faults = 2000, .ra_readaround = 1000,
				.block_read_bytes = 5000 * 4096ULL,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_WILLNEED);
	assert_int_equal(r.range_off, 0);
	assert_int_equal(r.range_len, 40 * MIB);
	assert_int_equal(r.bytes_delta, (int64_t)(40 * MIB) - (int64_t)(5000 * 4096ULL));
	assert_int_equal(r.major_faults_delta, -2000);

	/* a stream (60 of 66 windows async): readahead keeps ahead of it, not this rule's */
	o.size_bytes = 480 * MIB;
	o.faults = 0;
	o.major_faults = 0;
	o.read_pages = 380000;
	o.read_miss = 500;
	o.demand = 500;
	o.spec = 125000;
	o.waste = 0;
	o.accessed = 125500;
	o.ra_readaround = 0;
	o.ra_sync = 6;
	o.ra_async = 60;
	advise__decide(&o, &e, &r);
	assert_string_not_equal(r.rule, "willneed");
}

/*
 * A chunk store read by pread at scattered offsets (chunk-fetch.yaml's default
 * probes, rounded): 10000 pages asked for, 3000 missed, 5400 pages added (1.8
 * per miss), 40% of read-ahead unused: WILLNEED each batch first, not a
 * smaller window. The same counts through a mapping (faults, not read()) or
 * with large windows (20 pages per miss) are not this rule's.
 */
static void test_batch(void **state)
{
	struct advise_obs o = { .path = "/corpus/chunks.dat", .size_bytes = 64 * MIB,
				.demand = 3000, .spec = 2400, .waste = 960, .accessed = 4400,
				.read_pages = 10000, .read_miss = 3000, .ra_sync = 2800,
				.waste_known = true, .faults_known = true, .ra_known = true };
	struct advise_env e = roomy();
	struct advise_rec r;

	(void)state;
	advise__decide(&o, &e, &r);
	assert_int_equal(r.kind, ADV_WILLNEED_BATCH);
	assert_string_equal(r.rule, "batch");
	assert_string_equal(r.strategy, "willneed");
	assert_int_equal(r.bytes_delta, -(int64_t)(960 * 4096ULL));
	assert_int_equal(r.read_misses_delta, -3000);
	assert_string_equal(advise__kind_name(r.kind), "willneed-batch");

	o.faults = 10000;	/* a mapping: the faults are the lookups */
	o.major_faults = 3000;
	o.read_pages = o.read_miss = 0;
	advise__decide(&o, &e, &r);
	assert_string_not_equal(r.rule, "batch");

	o.faults = o.major_faults = 0;
	o.read_pages = 10000;
	o.read_miss = 300;	/* 5400 pages / 300 misses = 18 per miss: readahead guesses */
	advise__decide(&o, &e, &r);
	assert_string_not_equal(r.rule, "batch");
}

/* Every rule has its counters and thresholds documented, evidence first, leave last. */
static void test_explain_table(void **state)
{
	const struct advise_rule_doc *d;
	size_t i, n;

	(void)state;
	d = advise__rules(&n);
	assert_true(n >= 6);
	assert_string_equal(d[0].name, "evidence");
	assert_string_equal(d[n - 1].name, "leave");
	for (i = 0; i < n; i++)
		assert_true(d[i].counters[0] && d[i].when[0] && d[i].then[0]);
}

static json_object *field(json_object *o, const char *k)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	return v;
}

/* The observation is read back from the probes' JSON and the advice written as JSON. */
static void test_json_shape(void **state)
{
	const char *probe = "{\"path\": \"/nonexistent/big.idx\", \"pages_added_demand\": 1000,"
		"\"pages_added_speculative\": 31000, \"pages_added_prefetch\": 0,"
		"\"pages_accessed\": 1500, \"pages_mapped_maybe_used\": 0, \"waste_pages\": 30500,"
		"\"speculative_mapped_only\": 0, \"read_pages\": 0, \"read_miss_pages\": 0,"
		"\"faults\": 1500, \"major_faults\": 1000, \"ra_sync\": 0, \"ra_async\": 0,"
		"\"ra_mmap_readaround\": 1000, \"pages_evicted_tracked\": 0,"
		"\"block_read_bytes\": 131072000}";
	json_object *in = json_tokener_parse(probe), *out, *rec, *exp;
	struct advise_env e = roomy();
	struct advise_obs o;
	struct advise_rec r;
	char err[128];

	(void)state;
	assert_non_null(in);
	assert_int_equal(advise__obs_from_json(in, &o, err, sizeof(err)), 0);
	assert_int_equal(o.waste, 30500);
	assert_true(o.faults_known && o.ra_known && o.waste_known);
	advise__decide(&o, &e, &r);
	out = advise_json__file(&o, &e, &r);
	assert_string_equal(json_object_get_string(field(out, "path")), "/nonexistent/big.idx");
	assert_int_equal(json_object_get_int64(field(field(out, "observed"), "waste_bytes")),
			 30500 * 4096LL);
	rec = field(out, "recommendation");
	assert_string_equal(json_object_get_string(field(rec, "kind")), "fadvise-random");
	assert_string_equal(json_object_get_string(field(rec, "rule")), "random");
	assert_string_equal(json_object_get_string(field(rec, "strategy")), "fadvise-random");
	exp = field(rec, "expected");
	assert_int_equal(json_object_get_int64(field(exp, "bytes_read_delta")), -30500 * 4096LL);
	assert_int_equal(json_object_get_int64(field(exp, "major_faults_delta")), 500);
	json_object_put(out);
	/* a null figure: known false, not 0 */
	json_object_object_add(in, "major_faults", NULL);
	assert_int_equal(advise__obs_from_json(in, &o, err, sizeof(err)), 0);
	assert_false(o.faults_known);
	/* no pages_added_*: not probe figures at all */
	json_object_object_add(in, "pages_added_demand", NULL);
	assert_int_equal(advise__obs_from_json(in, &o, err, sizeof(err)), -ENODATA);
	json_object_put(in);
}

/* A probes object without files is refused with a message. */
static void test_no_files(void **state)
{
	json_object *p = json_tokener_parse("{\"mode\": \"targets\"}");
	struct advise_obs *v;
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(advise__obs_list(p, &v, &n, err, sizeof(err)), -ENODATA);
	assert_non_null(strstr(err, "no probe figures"));
	json_object_put(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_reread_leave),
		cmocka_unit_test(test_random_waste),
		cmocka_unit_test(test_too_few_events),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_thrash_ivf),
		cmocka_unit_test(test_thrash_memory_limit),
		cmocka_unit_test(test_willneed),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_explain_table),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_no_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
