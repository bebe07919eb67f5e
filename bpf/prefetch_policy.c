/*
 * prefetch_policy — the agent's decisions that need no kernel: which extent a
 * byte belongs to, the extent map's order, whether a file's accesses form a
 * stream or mostly jump (then speculative readahead only wastes). Pure
 * functions on the agent's tables, unit-tested without root
 * (tests/test_prefetch_policy.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "prefetch_int.h"

/* Index of the last extent starting at or before off, or -1. */
long pf_ext_floor(const struct pf_file *f, uint64_t off)
{
	long lo = 0, hi = (long)f->n_ext - 1, mid, found = -1;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (f->ext[mid].off <= off) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* The extent holding byte off, or NULL. */
struct pf_ext *pf_ext_at(struct pf_file *f, uint64_t off)
{
	long i = pf_ext_floor(f, off);

	if (i < 0 || off >= f->ext[i].off + f->ext[i].len)
		return NULL;
	return &f->ext[i];
}

/*
 * The stream this access continues, or a recycled slot (the least recent). One
 * read() shows up as several lookups that start inside the range the first one
 * named (each up to the end of the request), so an access continues a stream
 * from where the last one began to a little past where it ended.
 */
struct pf_stream *pf_stream_for(struct pf_file *f, uint64_t index, int *cont)
{
	struct pf_stream *s, *oldest = &f->streams[0];
	int i;

	for (i = 0; i < PF_STREAMS; i++) {
		s = &f->streams[i];
		if (s->hits && index >= s->first && index <= s->next + PF_STREAM_SLACK) {
			*cont = 1;
			return s;
		}
		if (s->last_ns < oldest->last_ns)
			oldest = s;
	}
	*cont = 0;
	return oldest;
}

static int cmp_ext(const void *a, const void *b)
{
	const struct pf_ext *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_key(const void *a, const void *b)
{
	const struct pf_key *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* Sort each file's extents (one per offset, the longest) and point keys at them. */
void pf_index_extents(struct prefetch *p)
{
	struct pf_file *f;
	size_t i, n;
	int fi;

	for (fi = 0; fi < p->n_files; fi++) {
		f = &p->files[fi];
		if (!f->n_ext)
			continue;
		qsort(f->ext, f->n_ext, sizeof(*f->ext), cmp_ext);
		for (i = 1, n = 1; i < f->n_ext; i++) {
			if (f->ext[i].off == f->ext[n - 1].off) {
				if (f->ext[i].len > f->ext[n - 1].len)
					f->ext[n - 1].len = f->ext[i].len;
				continue;
			}
			f->ext[n++] = f->ext[i];
		}
		f->n_ext = n;
	}
	for (i = 0; i < p->n_keys; i++)
		p->keys[i].ext = (uint32_t)pf_ext_floor(&p->files[p->keys[i].file], p->keys[i].off);
	if (p->n_keys)
		qsort(p->keys, p->n_keys, sizeof(*p->keys), cmp_key);
}

/*
 * A drop takes whole pages only: the first and last page of an extent that does
 * not start and end on a page boundary hold part of the neighbouring list.
 */
bool pf_whole_pages(uint64_t off, uint64_t len, uint64_t *lo, uint64_t *hi)
{
	*lo = (off + PF_PAGE - 1) / PF_PAGE * PF_PAGE;
	*hi = (off + len) / PF_PAGE * PF_PAGE;
	return *lo < *hi;
}

bool pf_jobs_overlap(const struct pf_job *a, const struct pf_job *b)
{
	uint64_t a0 = a->off / PF_PAGE, a1 = (a->off + a->len + PF_PAGE - 1) / PF_PAGE;
	uint64_t b0 = b->off / PF_PAGE, b1 = (b->off + b->len + PF_PAGE - 1) / PF_PAGE;

	return a->file == b->file && a->len && b->len && a0 < b1 && b0 < a1;
}

enum pf_choice prefetch__choice_for(uint64_t size, bool prior_hints, uint64_t room,
				    uint64_t ra_bytes)
{
	/* the kernel would read it whole in a fault or two: do that, without the faults */
	if (prior_hints && room && size <= room && ra_bytes && size <= 2 * ra_bytes)
		return PF_WHOLE;
	if (prior_hints)
		return PF_HINTED;
	return room && size <= room ? PF_KEEP : PF_TOO_BIG;
}

bool pf_mostly_jumps(const struct pf_file *f)
{
	return f->accesses >= PF_CLASSIFY_MIN && f->jumps * 4 >= f->accesses * 3;
}
