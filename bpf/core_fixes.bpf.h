/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * core_fixes.bpf.h — the kernel structures rabench's BPF programs read that
 * changed between the kernels it runs on (Debian's 6.1 and 6.12, 6.18), each
 * behind a CO-RE check, and the one folio helper both programs share
 * (libbpf-tools' core_fixes.bpf.h pattern).
 *
 * The flavours below are local: the build's vmlinux.h comes from whatever
 * kernel built rabench, so nothing here may rely on it having a given field.
 * Every read goes through BPF_CORE_READ (bpf_probe_read_kernel), so the same
 * bodies run from tp_btf, fentry and kprobe programs alike.
 */
#ifndef RB_CORE_FIXES_BPF_H
#define RB_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * folio->flags: a plain unsigned long in 6.1 and 6.12 (read from Debian's
 * kernels' BTF); in 6.18 a memdesc_flags_t struct wrapping it in member f.
 */
struct rb_memdesc_flags {
	unsigned long f;
};

struct folio___memdesc {
	struct rb_memdesc_flags flags;
} __attribute__((preserve_access_index));

struct folio___plain {
	unsigned long flags;
} __attribute__((preserve_access_index));

/*
 * The page count of a large folio: _nr_pages in 6.18, _folio_nr_pages in 6.1
 * and 6.12 (their BTF); kernels before 6.1 keep only the order, _folio_order.
 */
struct folio___nr {
	unsigned int _nr_pages;
} __attribute__((preserve_access_index));

struct folio___folio_nr {
	unsigned int _folio_nr_pages;
} __attribute__((preserve_access_index));

struct folio___order {
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

static __always_inline unsigned long rb_folio_flags(struct folio *folio)
{
	if (bpf_core_field_exists(((struct folio___memdesc *)0)->flags.f))
		return BPF_CORE_READ((struct folio___memdesc *)folio, flags.f);
	return BPF_CORE_READ((struct folio___plain *)folio, flags);
}

/* Pages in the folio: 1, or the large folio's count (PG_head set). */
static __always_inline __u64 rb_folio_nr_pages(struct folio *folio)
{
	int head = bpf_core_enum_value(enum pageflags, PG_head);

	if (!(rb_folio_flags(folio) & (1UL << (head & 63))))
		return 1;
	if (bpf_core_field_exists(((struct folio___nr *)0)->_nr_pages))
		return BPF_CORE_READ((struct folio___nr *)folio, _nr_pages);
	if (bpf_core_field_exists(((struct folio___folio_nr *)0)->_folio_nr_pages))
		return BPF_CORE_READ((struct folio___folio_nr *)folio, _folio_nr_pages);
	return 1ULL << (BPF_CORE_READ((struct folio___order *)folio, _folio_order) & 31);
}

/* The inode whose page cache holds the folio (NULL for anonymous memory). */
static __always_inline struct inode *rb_folio_inode(struct folio *folio)
{
	struct address_space *mapping = BPF_CORE_READ(folio, mapping);

	if (!mapping || ((unsigned long)mapping & 3))	/* anon or movable: not a file */
		return NULL;
	return BPF_CORE_READ(mapping, host);
}

#endif
