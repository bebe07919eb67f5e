/*
 * cachesim — Belady's MIN and LRU over a page trace (see cachesim.h).
 *
 * Pages are renamed to dense ids 0..unique-1 first (an open-addressing hash of
 * the 64-bit keys), so both simulations work on arrays. MIN: each position's
 * next use is found by one backward pass; the resident pages sit in a max-heap
 * keyed by next use, with stale entries (a page used again since) skipped when
 * they surface. LRU: a doubly linked list by recency over the dense ids.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cachesim.h"

#define NEVER UINT64_MAX   /* not used again */

int cachesim_trace__add_extent(struct cachesim_trace *t, uint32_t file, uint64_t off, uint64_t len)
{
	uint64_t p, first, last;
	size_t need, cap;
	uint64_t *grown;

	if (!len)
		return 0;
	first = off / CACHESIM_PAGE_SIZE;
	last = (off + len - 1) / CACHESIM_PAGE_SIZE;
	need = t->n + (size_t)(last - first + 1);
	if (need > t->cap) {
		cap = t->cap ? t->cap : 1024;
		while (cap < need)
			cap *= 2;
		grown = realloc(t->pages, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->pages = grown;
		t->cap = cap;
	}
	for (p = first; p <= last; p++)
		t->pages[t->n++] = CACHESIM_KEY(file, p);
	return 0;
}

void cachesim_trace__free(struct cachesim_trace *t)
{
	free(t->pages);
	memset(t, 0, sizeof(*t));
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	return k ^ (k >> 33);
}

/* ids[i]: the dense id of trace[i]; *unique: how many. */
static int rename_pages(const uint64_t *trace, size_t n, uint32_t *ids, uint64_t *unique)
{
	size_t cap = 16, i, h;
	uint64_t *keys;
	uint32_t *vals;
	uint64_t u = 0;

	while (cap < 2 * n)
		cap *= 2;
	keys = malloc(cap * sizeof(*keys));
	vals = malloc(cap * sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < cap; i++)
		vals[i] = UINT32_MAX;   /* empty slot: any key, 0 included, can be stored */
	for (i = 0; i < n; i++) {
		for (h = mix(trace[i]) & (cap - 1); vals[h] != UINT32_MAX && keys[h] != trace[i];
		     h = (h + 1) & (cap - 1))
			;
		if (vals[h] == UINT32_MAX) {
			keys[h] = trace[i];
			vals[h] = (uint32_t)u++;
		}
		ids[i] = vals[h];
	}
	free(keys);
	free(vals);
	*unique = u;
	return 0;
}

struct heap_item {
	uint64_t next;   /* when the page is used next (NEVER: not again) */
	uint32_t id;
};

static void heap_push(struct heap_item *h, size_t *n, struct heap_item it)
{
	size_t i = (*n)++, parent;

	while (i && h[parent = (i - 1) / 2].next < it.next) {
		h[i] = h[parent];
		i = parent;
	}
	h[i] = it;
}

static struct heap_item heap_pop(struct heap_item *h, size_t *n)
{
	struct heap_item top = h[0], last = h[--*n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && h[c + 1].next > h[c].next)
			c++;
		if (h[c].next <= last.next)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

static int run_min(const uint32_t *ids, size_t n, uint64_t unique, uint64_t cap, uint64_t *misses)
{
	uint64_t *next = malloc((n ? n : 1) * sizeof(*next));
	uint64_t *seen = malloc((unique ? unique : 1) * sizeof(*seen));   /* by id: next use, or resident's key */
	struct heap_item *heap = malloc((n ? n : 1) * sizeof(*heap));
	unsigned char *resident = calloc(unique ? unique : 1, 1);
	size_t i, hn = 0;
	uint64_t held = 0, m = 0;
	struct heap_item it;

	if (!next || !seen || !heap || !resident) {
		free(next), free(seen), free(heap), free(resident);
		return -ENOMEM;
	}
	for (i = 0; i < unique; i++)
		seen[i] = NEVER;
	for (i = n; i-- > 0;) {
		next[i] = seen[ids[i]];
		seen[ids[i]] = i;
	}
	/* seen[id] now holds the current heap key of a resident page */
	for (i = 0; i < n; i++) {
		uint32_t id = ids[i];

		if (!resident[id]) {
			m++;
			while (held >= cap) {
				it = heap_pop(heap, &hn);
				if (resident[it.id] && seen[it.id] == it.next) {
					resident[it.id] = 0;
					held--;
				}
			}
			resident[id] = 1;
			held++;
		}
		seen[id] = next[i];
		heap_push(heap, &hn, (struct heap_item){ next[i], id });
	}
	free(next), free(seen), free(heap), free(resident);
	*misses = m;
	return 0;
}

static int run_lru(const uint32_t *ids, size_t n, uint64_t unique, uint64_t cap, uint64_t *misses)
{
	uint32_t *prev = malloc((unique ? unique : 1) * sizeof(*prev));
	uint32_t *nxt = malloc((unique ? unique : 1) * sizeof(*nxt));
	unsigned char *resident = calloc(unique ? unique : 1, 1);
	uint32_t head = UINT32_MAX, tail = UINT32_MAX, id, v;   /* head: most recent */
	uint64_t held = 0, m = 0;
	size_t i;

	if (!prev || !nxt || !resident) {
		free(prev), free(nxt), free(resident);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		id = ids[i];
		if (resident[id]) {
			if (head == id)
				continue;
			/* unlink */
			nxt[prev[id]] = nxt[id];
			if (nxt[id] != UINT32_MAX)
				prev[nxt[id]] = prev[id];
			else
				tail = prev[id];
		} else {
			m++;
			if (held >= cap) {
				v = tail;
				tail = prev[v];
				if (tail != UINT32_MAX)
					nxt[tail] = UINT32_MAX;
				else
					head = UINT32_MAX;
				resident[v] = 0;
				held--;
			}
			resident[id] = 1;
			held++;
		}
		prev[id] = UINT32_MAX;
		nxt[id] = head;
		if (head != UINT32_MAX)
			prev[head] = id;
		head = id;
		if (tail == UINT32_MAX)
			tail = id;
	}
	free(prev), free(nxt), free(resident);
	*misses = m;
	return 0;
}

int cachesim__run(const uint64_t *trace, size_t n, uint64_t capacity_pages,
		  struct cachesim_result *out)
{
	uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
	uint64_t unique = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ids || n >= UINT32_MAX) {
		free(ids);
		return ids ? -E2BIG : -ENOMEM;
	}
	rc = rename_pages(trace, n, ids, &unique);
	out->accesses = n;
	out->unique = unique;
	if (!rc && (capacity_pages == 0 || capacity_pages >= unique)) {
		out->opt_misses = out->lru_misses = unique;   /* everything fits: first touches only */
	} else if (!rc) {
		rc = run_min(ids, n, unique, capacity_pages, &out->opt_misses);
		if (!rc)
			rc = run_lru(ids, n, unique, capacity_pages, &out->lru_misses);
	}
	free(ids);
	return rc;
}
