/*
 * test_hooks — the kernel checks and the attach choice of bpf/hooks.c without
 * a kernel to vary: the kernel's BTF is replaced by small ones built here (a
 * folio kernel, a struct page kernel like 5.15, one without bpf_loop), and the
 * choice runs on the real pcache object, opened but never loaded (no root).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>
#include "bpf/hooks.h"
#include "bpf/pcache.h"
#include "pcache.skel.h"

/* A BTF with btf_trace_mm_filemap_add_to_page_cache(void *, struct ARG *) and enum bpf_func_id. */
static struct btf *fake_kernel(const char *arg, bool has_loop)
{
	struct btf *btf = btf__new_empty();
	int s, ps, proto, ptr, e, vp;

	assert_non_null(btf);
	s = btf__add_struct(btf, arg, 8);
	ps = btf__add_ptr(btf, s);
	vp = btf__add_ptr(btf, 0);
	proto = btf__add_func_proto(btf, 0);
	assert_int_equal(btf__add_func_param(btf, "__data", vp), 0);
	assert_int_equal(btf__add_func_param(btf, "folio", ps), 0);
	ptr = btf__add_ptr(btf, proto);
	assert_true(btf__add_typedef(btf, "btf_trace_mm_filemap_add_to_page_cache", ptr) > 0);
	e = btf__add_enum(btf, "bpf_func_id", 4);
	assert_true(e > 0);
	assert_int_equal(btf__add_enum_value(btf, "BPF_FUNC_unspec", 0), 0);
	if (has_loop)
		assert_int_equal(btf__add_enum_value(btf, "BPF_FUNC_loop", 181), 0);
	return btf;
}

static void test_folio_kernel_accepted(void **state)
{
	struct btf *btf = fake_kernel("folio", true);
	char why[256] = "";

	(void)state;
	assert_int_equal(hooks__check_kernel(btf, why, sizeof(why)), 0);
	assert_true(hooks__tracepoint_exists(btf, "mm_filemap_add_to_page_cache"));
	assert_false(hooks__tracepoint_exists(btf, "mm_filemap_fault"));
	btf__free(btf);
}

/* 5.15 (Ubuntu 22.04), 5.14 (RHEL 9): struct page in the tracepoint: one-line refusal. */
static void test_page_kernel_refused(void **state)
{
	struct btf *btf = fake_kernel("page", true);
	char why[256] = "";

	(void)state;
	assert_int_equal(hooks__check_kernel(btf, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "kernel before folios"));
	assert_non_null(strstr(why, "struct page"));
	assert_null(strchr(why, '\n'));
	btf__free(btf);
}

static void test_no_bpf_loop_refused(void **state)
{
	struct btf *btf = fake_kernel("folio", false);
	char why[256] = "";

	(void)state;
	assert_int_equal(hooks__check_kernel(btf, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "bpf_loop"));
	btf__free(btf);
}

static void test_no_tracepoint_refused(void **state)
{
	struct btf *btf = btf__new_empty();
	char why[256] = "";

	(void)state;
	assert_int_equal(hooks__check_kernel(btf, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "mm_filemap_add_to_page_cache"));
	btf__free(btf);
}

static const struct rb_hook_def defs[] = {
	{ "add", "mm_filemap_add_to_page_cache", NULL, true },
	{ "fault", "mm_filemap_fault", "filemap_fault", false },
};

/* One variant kept per point, the others' autoload off; the choice says which. */
static void test_choose_on_this_kernel(void **state)
{
	struct pcache_bpf *skel = pcache_bpf__open();
	struct rb_hook_state st[2];
	char err[256] = "";
	bool kp = hooks__kprobe_exists("filemap_fault");

	(void)state;
	assert_non_null(skel);
	unsetenv("RABENCH_ATTACH");
	assert_int_equal(hooks__choose(skel->obj, "pc", defs, 2, st, err, sizeof(err)), 0);
	assert_int_equal(st[0].mech, RB_MECH_TP_BTF);
	assert_true(bpf_program__autoload(skel->progs.pc_add_tp));
	if (st[1].mech == RB_MECH_TP_BTF) {
		assert_true(bpf_program__autoload(skel->progs.pc_fault_tp));
		assert_false(bpf_program__autoload(skel->progs.pc_fault_fentry));
		assert_false(bpf_program__autoload(skel->progs.pc_fault_kprobe));
	}
	/* kprobes forced: the tracepoint-only point keeps its tracepoint */
	setenv("RABENCH_ATTACH", "kprobe", 1);
	assert_int_equal(hooks__choose(skel->obj, "pc", defs, 2, st, err, sizeof(err)), 0);
	assert_int_equal(st[0].mech, RB_MECH_TP_BTF);
	assert_int_equal(st[1].mech, kp ? RB_MECH_KPROBE : RB_MECH_NONE);
	assert_false(bpf_program__autoload(skel->progs.pc_fault_tp));
	assert_int_equal(bpf_program__autoload(skel->progs.pc_fault_kprobe), kp);
	if (!kp)
		assert_string_equal(st[1].why, "no kprobe filemap_fault");
	setenv("RABENCH_ATTACH", "tp_btf,uprobe", 1);
	assert_int_equal(hooks__choose(skel->obj, "pc", defs, 2, st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown mechanism 'uprobe'"));
	unsetenv("RABENCH_ATTACH");
	assert_string_equal(hooks__mech_name(RB_MECH_FENTRY), "fentry");
	pcache_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folio_kernel_accepted),
		cmocka_unit_test(test_page_kernel_refused),
		cmocka_unit_test(test_no_bpf_loop_refused),
		cmocka_unit_test(test_no_tracepoint_refused),
		cmocka_unit_test(test_choose_on_this_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
