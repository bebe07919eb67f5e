/*
 * cachesim — exact miss counts of Belady's MIN (OPT) and LRU over a known page
 * trace, the bounds a readahead strategy's page reads are measured against (see
 * cachesim.h).
 *
 * One backward pass over the trace renames every key to a dense id (our own
 * open-addressing hash of the 64-bit keys; any value, 0 and UINT64_MAX included,
 * is a key: a slot is empty by its id, never by its key) and finds each access's
 * next use. After that both simulations work on plain arrays indexed by id:
 *   - MIN: the resident pages sit in a max-heap keyed by next use. A hit pushes
 *     the page again with its new key instead of moving it in the heap, so an
 *     entry is live only while its page is resident and the key is still the
 *     page's current next use. A stale entry's key is the position of an access
 *     already made, below every live key (a position still to come), so on a
 *     miss with a full cache the top is live; popping checks it all the same.
 *     Every access pushes once, so the heap never holds more than n entries.
 *   - LRU: a doubly linked list by recency over the ids, O(1) per access.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cachesim.h"

#define NONE SIZE_MAX	/* no id / no position: never used again, list end */

/* ---- key -> dense id ---- */

struct slot {
	uint64_t key;
	size_t id;	/* NONE: empty slot */
};

struct idmap {
	struct slot *slots;
	size_t mask;	/* slots - 1, slots a power of two */
	size_t count;
};

/* splitmix64's finaliser: page keys differ in low and high bits alike */
static uint64_t mix(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	return k ^ (k >> 31);
}

static int idmap__alloc(struct idmap *m, size_t slots)
{
	size_t i;

	m->slots = malloc(slots * sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	for (i = 0; i < slots; i++)
		m->slots[i].id = NONE;
	m->mask = slots - 1;
	return 0;
}

static size_t idmap__slot(const struct idmap *m, uint64_t key)
{
	size_t s = (size_t)mix(key) & m->mask;

	while (m->slots[s].id != NONE && m->slots[s].key != key)
		s = (s + 1) & m->mask;
	return s;
}

/* Double the table, keeping every key's id. */
static int idmap__grow(struct idmap *m)
{
	struct idmap bigger;
	size_t i, s;

	if (m->mask + 1 > SIZE_MAX / 2 / sizeof(*m->slots))
		return -ENOMEM;
	if (idmap__alloc(&bigger, (m->mask + 1) * 2))
		return -ENOMEM;
	for (i = 0; i <= m->mask; i++) {
		if (m->slots[i].id == NONE)
			continue;
		s = idmap__slot(&bigger, m->slots[i].key);
		bigger.slots[s] = m->slots[i];
	}
	bigger.count = m->count;
	free(m->slots);
	*m = bigger;
	return 0;
}

/* The id of key, a new one (the next after the last) if it is not there yet. */
static int idmap__get(struct idmap *m, uint64_t key, size_t *id, bool *fresh)
{
	size_t s;

	/* at most half full: probes stay short and an empty slot always exists */
	if (m->count + 1 > (m->mask + 1) / 2 && idmap__grow(m))
		return -ENOMEM;
	s = idmap__slot(m, key);
	*fresh = m->slots[s].id == NONE;
	if (*fresh) {
		m->slots[s].key = key;
		m->slots[s].id = m->count++;
	}
	*id = m->slots[s].id;
	return 0;
}

static void idmap__free(struct idmap *m)
{
	free(m->slots);
}

/*
 * id[i]: trace[i]'s dense id; next[i]: the position of the next access to the
 * same page after i, NONE if none. Returns the number of distinct pages.
 */
static int rename_pages(const uint64_t *trace, size_t n, size_t *id, size_t *next, size_t *unique)
{
	struct idmap m = { 0 };
	size_t *last;	/* by id: the earliest position seen so far (scanning backwards) */
	size_t i;
	bool fresh;
	int rc = 0;

	last = malloc(n * sizeof(*last));
	if (!last || idmap__alloc(&m, 16)) {
		free(last);
		return -ENOMEM;
	}
	for (i = n; i-- > 0;) {
		rc = idmap__get(&m, trace[i], &id[i], &fresh);
		if (rc)
			break;
		next[i] = fresh ? NONE : last[id[i]];
		last[id[i]] = i;
	}
	*unique = m.count;
	idmap__free(&m);
	free(last);
	return rc;
}

/* ---- Belady's MIN ---- */

struct use {
	size_t next;	/* position of the page's next access, NONE: never again */
	size_t id;
};

/* Max-heap on .next (NONE, the largest size_t, is the farthest). */
static void heap_push(struct use *h, size_t *n, struct use u)
{
	size_t i = (*n)++, up;

	while (i > 0) {
		up = (i - 1) / 2;
		if (h[up].next >= u.next)
			break;
		h[i] = h[up];
		i = up;
	}
	h[i] = u;
}

static struct use heap_pop(struct use *h, size_t *n)
{
	struct use top = h[0], last = h[--*n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && h[c + 1].next > h[c].next)
			c++;
		if (h[c].next <= last.next)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n > 0)
		h[i] = last;
	return top;
}

static int run_min(const size_t *id, const size_t *next, size_t n, size_t unique, size_t cap,
		   uint64_t *misses)
{
	size_t *key = malloc(unique * sizeof(*key));	/* by id: the resident page's live heap key */
	bool *resident = calloc(unique, sizeof(*resident));
	struct use *heap = malloc(n * sizeof(*heap));
	size_t i, held = 0, hn = 0, victim;
	struct use top;
	uint64_t m = 0;

	if (!key || !resident || !heap) {
		free(key);
		free(resident);
		free(heap);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!resident[id[i]]) {
			m++;
			if (held == cap) {
				/* every resident page has a live entry: one is found */
				victim = NONE;
				while (victim == NONE && hn > 0) {
					top = heap_pop(heap, &hn);
					if (resident[top.id] && key[top.id] == top.next)
						victim = top.id;
				}
				if (victim != NONE) {
					resident[victim] = false;
					held--;
				}
			}
			resident[id[i]] = true;
			held++;
		}
		key[id[i]] = next[i];
		heap_push(heap, &hn, (struct use){ next[i], id[i] });
	}
	free(key);
	free(resident);
	free(heap);
	*misses = m;
	return 0;
}

/* ---- LRU ---- */

static int run_lru(const size_t *id, size_t n, size_t unique, size_t cap, uint64_t *misses)
{
	size_t *newer = malloc(unique * sizeof(*newer));
	size_t *older = malloc(unique * sizeof(*older));
	bool *resident = calloc(unique, sizeof(*resident));
	size_t head = NONE, tail = NONE;	/* most and least recently used */
	size_t i, p, held = 0;
	uint64_t m = 0;

	if (!newer || !older || !resident) {
		free(newer);
		free(older);
		free(resident);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		p = id[i];
		if (resident[p]) {
			if (p == head)
				continue;
			/* unlink p; it is not the head, so it has a newer neighbour */
			older[newer[p]] = older[p];
			if (older[p] != NONE)
				newer[older[p]] = newer[p];
			else
				tail = newer[p];
		} else {
			m++;
			if (held == cap) {
				resident[tail] = false;
				tail = newer[tail];
				if (tail != NONE)
					older[tail] = NONE;
				else
					head = NONE;	/* capacity 1: the list is empty now */
				held--;
			}
			resident[p] = true;
			held++;
		}
		newer[p] = NONE;
		older[p] = head;
		if (head != NONE)
			newer[head] = p;
		head = p;
		if (tail == NONE)
			tail = p;
	}
	free(newer);
	free(older);
	free(resident);
	*misses = m;
	return 0;
}

int cachesim__run(const uint64_t *trace, size_t n, uint64_t capacity_pages,
		  struct cachesim_result *out)
{
	struct cachesim_result r = { .accesses = n };
	size_t *id = NULL, *next = NULL, unique = 0;
	int rc = 0;

	if (!out || (!trace && n > 0))
		return -EINVAL;
	if (n == 0) {
		*out = r;
		return 0;
	}
	if (n > SIZE_MAX / 2 / sizeof(struct use))
		return -ENOMEM;
	id = malloc(n * sizeof(*id));
	next = malloc(n * sizeof(*next));
	if (!id || !next) {
		rc = -ENOMEM;
		goto out;
	}
	rc = rename_pages(trace, n, id, next, &unique);
	if (rc)
		goto out;
	r.unique = unique;
	if (capacity_pages == 0 || capacity_pages >= unique) {
		/* everything fits: each page is read once, on its first access */
		r.opt_misses = r.lru_misses = unique;
	} else {
		rc = run_min(id, next, n, unique, (size_t)capacity_pages, &r.opt_misses);
		if (!rc)
			rc = run_lru(id, n, unique, (size_t)capacity_pages, &r.lru_misses);
	}
	if (!rc)
		*out = r;
out:
	free(id);
	free(next);
	return rc;
}

/* ---- trace building ---- */

int cachesim_trace__add_extent(struct cachesim_trace *t, uint32_t file, uint64_t off, uint64_t len)
{
	uint64_t first, last, count, pg;
	size_t cap;
	uint64_t *grown;

	if (len == 0)
		return 0;
	if (file > CACHESIM_MAX_FILE || off > UINT64_MAX - (len - 1))
		return -EINVAL;
	first = off >> CACHESIM_PAGE_SHIFT;
	last = (off + (len - 1)) >> CACHESIM_PAGE_SHIFT;
	if (last > CACHESIM_MAX_PAGE)
		return -EINVAL;
	count = last - first + 1;
	if (count > SIZE_MAX / sizeof(*t->pages) - t->n)
		return -ENOMEM;
	if (t->n + count > t->cap) {
		cap = t->cap ? t->cap : 256;
		while (cap < t->n + count)
			cap = cap > SIZE_MAX / sizeof(*t->pages) / 2 ? t->n + count : cap * 2;
		grown = realloc(t->pages, cap * sizeof(*t->pages));
		if (!grown)
			return -ENOMEM;
		t->pages = grown;
		t->cap = cap;
	}
	for (pg = first; pg <= last; pg++)
		t->pages[t->n++] = CACHESIM_KEY(file, pg);
	return 0;
}

void cachesim_trace__free(struct cachesim_trace *t)
{
	free(t->pages);
	t->pages = NULL;
	t->n = t->cap = 0;
}
