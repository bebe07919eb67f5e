/*
 * test_index — the index kinds' table (datasets/indexes/): both kinds accepted,
 * a table that breaks its version or its flags' promises refused with why, the
 * names index.kind takes; the kinds themselves are exercised by test_dataset,
 * test_hnsw and every search end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "datasets/indexes/index.h"

static void test_kinds_checked(void **state)
{
	struct rb_index_ops o;
	char err[256];

	(void)state;
	assert_int_equal(index__check_ops(&index_ivf_ops, err, sizeof(err)), 0);
	assert_int_equal(index__check_ops(&index_hnsw_ops, err, sizeof(err)), 0);
	assert_ptr_equal(index__find("ivf"), &index_ivf_ops);
	assert_ptr_equal(index__find("hnsw"), &index_hnsw_ops);
	assert_null(index__find("flat"));
	assert_string_equal(index__names(), "ivf|hnsw");

	o = index_ivf_ops;
	o.version = RB_INDEX_OPS_VERSION + 1;
	assert_int_equal(index__check_ops(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));
	o = index_ivf_ops;
	o.set_prefetch = NULL;   /* RB_INDEX_LIB_PREFETCH promises it */
	assert_int_equal(index__check_ops(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "RB_INDEX_LIB_PREFETCH"));
	o = index_hnsw_ops;
	o.no_prior_hints = NULL; /* without prior hints, willneed needs the reason */
	assert_int_equal(index__check_ops(&o, err, sizeof(err)), -EINVAL);
	o = index_hnsw_ops;
	o.folder = NULL;
	assert_int_equal(index__check_ops(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "folder"));
	o = index_ivf_ops;
	o.hints = NULL;
	assert_int_equal(index__check_ops(&o, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
