/*
 * test_prefetch_policy — the prefetch agent's pure decisions (bpf/prefetch_policy.c)
 * without root or a kernel: extent lookup by byte, the extent map's order and
 * merging, stream detection, when a file counts as mostly jumping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "bpf/prefetch_int.h"

static struct pf_file *file_with(const uint64_t (*ext)[2], size_t n)
{
	struct pf_file *f = calloc(1, sizeof(*f));
	size_t i;

	assert_non_null(f);
	f->ext = calloc(n, sizeof(*f->ext));
	assert_non_null(f->ext);
	for (i = 0; i < n; i++) {
		f->ext[i].off = ext[i][0];
		f->ext[i].len = ext[i][1];
	}
	f->n_ext = f->cap_ext = n;
	return f;
}

static void test_extent_lookup(void **state)
{
	const uint64_t ext[][2] = { { 0, 100 }, { 4096, 4096 }, { 10000, 100 } };
	struct pf_file *f = file_with(ext, 3);

	(void)state;
	assert_int_equal(pf_ext_floor(f, 0), 0);
	assert_int_equal(pf_ext_floor(f, 5000), 1);
	assert_int_equal(pf_ext_floor(f, 1 << 30), 2);
	assert_ptr_equal(pf_ext_at(f, 99), &f->ext[0]);
	assert_null(pf_ext_at(f, 100));          /* the gap after the first extent */
	assert_ptr_equal(pf_ext_at(f, 8191), &f->ext[1]);
	assert_null(pf_ext_at(f, 8192));
	assert_ptr_equal(pf_ext_at(f, 10099), &f->ext[2]);
	free(f->ext);
	free(f);
}

/* Unsorted extents with a duplicate offset: sorted, the longer kept, keys point at them. */
static void test_index_extents(void **state)
{
	const uint64_t ext[][2] = { { 8192, 10 }, { 0, 50 }, { 8192, 4000 }, { 4096, 1 } };
	struct prefetch *p = calloc(1, sizeof(*p));
	struct pf_file *f = file_with(ext, 4);

	(void)state;
	assert_non_null(p);
	p->files[0] = *f;
	p->n_files = 1;
	p->keys = calloc(2, sizeof(*p->keys));
	p->keys[0] = (struct pf_key){ .key = 7, .file = 0, .off = 8192 };
	p->keys[1] = (struct pf_key){ .key = 3, .file = 0, .off = 4096 };
	p->n_keys = p->cap_keys = 2;
	pf_index_extents(p);
	assert_int_equal(p->files[0].n_ext, 3);
	assert_int_equal(p->files[0].ext[0].off, 0);
	assert_int_equal(p->files[0].ext[1].off, 4096);
	assert_int_equal(p->files[0].ext[2].off, 8192);
	assert_int_equal(p->files[0].ext[2].len, 4000);   /* the longer of the two */
	assert_int_equal(p->keys[0].key, 3);               /* keys sorted by key */
	assert_int_equal(p->keys[0].ext, 1);
	assert_int_equal(p->keys[1].ext, 2);
	free(p->keys);
	free(p->files[0].ext);
	free(f);
	free(p);
}

/* A reader that goes on where it stopped continues its stream; a jump does not. */
static void test_streams(void **state)
{
	struct pf_file *f = calloc(1, sizeof(*f));
	struct pf_stream *s;
	int cont;

	(void)state;
	assert_non_null(f);
	s = pf_stream_for(f, 100, &cont);
	assert_int_equal(cont, 0);                /* nothing yet: a slot to start one */
	*s = (struct pf_stream){ .first = 100, .next = 108, .hits = 1, .last_ns = 5 };
	assert_ptr_equal(pf_stream_for(f, 108, &cont), s);
	assert_int_equal(cont, 1);
	assert_ptr_equal(pf_stream_for(f, 108 + 64, &cont), s);  /* within fault-around slack */
	assert_int_equal(cont, 1);
	pf_stream_for(f, 100000, &cont);
	assert_int_equal(cont, 0);                /* a jump */
	free(f);
}

static void test_mostly_jumps(void **state)
{
	struct pf_file f = { 0 };

	(void)state;
	f.accesses = PF_CLASSIFY_MIN - 1;
	f.jumps = f.accesses;
	assert_false(pf_mostly_jumps(&f));       /* too few to tell */
	f.accesses = 16;
	f.jumps = 12;
	assert_true(pf_mostly_jumps(&f));        /* 3 in 4 */
	f.jumps = 11;
	assert_false(pf_mostly_jumps(&f));
}

/*
 * IVF lists are not page aligned: list 7 ends at byte 10000 and list 8 begins
 * there, inside page 2. Dropping list 7 [1000, 10000) may take page 1 only
 * (page 0 holds the header's tail, page 2 list 8's head); a list inside one
 * page takes none.
 */
static void test_whole_pages(void **state)
{
	uint64_t lo, hi;

	(void)state;
	assert_true(pf_whole_pages(1000, 9000, &lo, &hi));
	assert_int_equal(lo, 4096);
	assert_int_equal(hi, 8192);
	assert_true(pf_whole_pages(8192, 8192, &lo, &hi));	/* aligned: all of it */
	assert_int_equal(lo, 8192);
	assert_int_equal(hi, 16384);
	assert_false(pf_whole_pages(5000, 3000, &lo, &hi));	/* inside page 1 */
	assert_false(pf_whole_pages(4000, 4100, &lo, &hi));	/* two partial pages */
}

/* Jobs that share a page run in queue order: the drop of list 7 and a WILLNEED of list 8 do. */
static void test_jobs_overlap(void **state)
{
	struct pf_job drop7 = { .op = PF_OP_DROP, .file = 0, .off = 1000, .len = 9000 };
	struct pf_job need8 = { .op = PF_OP_WILLNEED, .file = 0, .off = 10000, .len = 5000 };
	struct pf_job far = { .op = PF_OP_WILLNEED, .file = 0, .off = 12288, .len = 4096 };
	struct pf_job other = { .op = PF_OP_WILLNEED, .file = 1, .off = 1000, .len = 9000 };

	(void)state;
	assert_true(pf_jobs_overlap(&drop7, &need8));	/* page 2 */
	assert_true(pf_jobs_overlap(&need8, &drop7));
	assert_false(pf_jobs_overlap(&drop7, &far));	/* pages 3.. */
	assert_false(pf_jobs_overlap(&drop7, &other));	/* another file */
	assert_true(pf_jobs_overlap(&drop7, &drop7));
}

/*
 * The per-file choice before the first query: a graph of 190 MiB with no prior
 * hints keeps read-around in 1 GiB of room and is too big for 55 MiB (as in
 * hnsw-memlimit); IVF lists are hinted whatever the room; an unknown room (0)
 * takes nothing to fit.
 */
static void test_choice_for(void **state)
{
	(void)state;
	assert_int_equal(prefetch__choice_for(190ULL << 20, false, 1ULL << 30, 0), PF_KEEP);
	assert_int_equal(prefetch__choice_for(190ULL << 20, false, 55ULL << 20, 0), PF_TOO_BIG);
	assert_int_equal(prefetch__choice_for(190ULL << 20, false, 190ULL << 20, 0), PF_KEEP);
	assert_int_equal(prefetch__choice_for(13ULL << 20, true, 1ULL << 30, 0), PF_HINTED);
	assert_int_equal(prefetch__choice_for(1ULL << 30, true, 128ULL << 20, 0), PF_HINTED);
	assert_int_equal(prefetch__choice_for(4096, false, 0, 0), PF_TOO_BIG);
	/* a hinted file the device's read-around (8 MiB) would take in two faults: whole */
	assert_int_equal(prefetch__choice_for(13ULL << 20, true, 1ULL << 30, 8ULL << 20), PF_WHOLE);
	assert_int_equal(prefetch__choice_for(16ULL << 20, true, 1ULL << 30, 8ULL << 20), PF_WHOLE);
	/* ... not when larger, not with 128 KiB read-around, not beyond the room, not unhinted */
	assert_int_equal(prefetch__choice_for((16ULL << 20) + 4096, true, 1ULL << 30, 8ULL << 20),
			 PF_HINTED);
	assert_int_equal(prefetch__choice_for(13ULL << 20, true, 1ULL << 30, 128ULL << 10), PF_HINTED);
	assert_int_equal(prefetch__choice_for(13ULL << 20, true, 12ULL << 20, 8ULL << 20), PF_HINTED);
	assert_int_equal(prefetch__choice_for(13ULL << 20, true, 0, 8ULL << 20), PF_HINTED);
	assert_int_equal(prefetch__choice_for(13ULL << 20, false, 1ULL << 30, 8ULL << 20), PF_KEEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extent_lookup),
		cmocka_unit_test(test_index_extents),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_mostly_jumps),
		cmocka_unit_test(test_whole_pages),
		cmocka_unit_test(test_jobs_overlap),
		cmocka_unit_test(test_choice_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
