/*
 * chunkstore — chunks.dat + chunks.idx writer, checked reader and the chunker
 * (see chunkstore.h). The writer streams chunk bytes to chunks.dat and keeps the
 * records in memory (24 bytes a chunk) until commit writes chunks.idx whole; both
 * go through temporary names, so a reader sees both files complete or neither.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "chunkstore.h"

struct chunkstore_writer {
	char dat[512], idx[512], dat_tmp[528], idx_tmp[528];
	FILE *f;
	struct chunk_rec *recs;
	uint64_t count, cap, bytes;
};

/* ---- writing ---------------------------------------------------------------- */

int chunkstore__create(struct chunkstore_writer **out, const char *dat_path, const char *idx_path,
		       char *err, size_t errlen)
{
	struct chunkstore_writer *w = calloc(1, sizeof(*w));
	int pid = (int)getpid();

	*out = NULL;
	if (!w)
		return -ENOMEM;
	if (snprintf(w->dat, sizeof(w->dat), "%s", dat_path) >= (int)sizeof(w->dat) ||
	    snprintf(w->idx, sizeof(w->idx), "%s", idx_path) >= (int)sizeof(w->idx)) {
		snprintf(err, errlen, "%s: path too long", dat_path);
		free(w);
		return -ENAMETOOLONG;
	}
	snprintf(w->dat_tmp, sizeof(w->dat_tmp), "%s.tmp-%d", dat_path, pid);
	snprintf(w->idx_tmp, sizeof(w->idx_tmp), "%s.tmp-%d", idx_path, pid);
	w->f = fopen(w->dat_tmp, "w");
	if (!w->f) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot create: %s", w->dat_tmp, strerror(e));
		free(w);
		return -e;
	}
	*out = w;
	return 0;
}

int chunkstore__append(struct chunkstore_writer *w, const char *text, size_t len,
		       uint32_t first_doc, uint32_t n_docs, char *err, size_t errlen)
{
	if (len == 0 || len > UINT32_MAX)
		return -EINVAL;
	if (w->count == w->cap) {
		uint64_t cap = w->cap ? 2 * w->cap : 4096;
		struct chunk_rec *r = realloc(w->recs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		w->recs = r;
		w->cap = cap;
	}
	if (fwrite(text, 1, len, w->f) != len) {
		int e = errno ? errno : EIO;

		snprintf(err, errlen, "%s: write failed: %s", w->dat_tmp, strerror(e));
		return -e;
	}
	w->recs[w->count++] = (struct chunk_rec){
		.offset = w->bytes, .len = (uint32_t)len, .xxh32 = XXH32(text, len, 0),
		.first_doc = first_doc, .n_docs = n_docs,
	};
	w->bytes += len;
	return 0;
}

uint64_t chunkstore__written(const struct chunkstore_writer *w)
{
	return w->count;
}

static int write_idx(struct chunkstore_writer *w, char *err, size_t errlen)
{
	uint64_t hdr[3] = { w->count, w->bytes, 0 };
	FILE *f = fopen(w->idx_tmp, "w");
	int ret = 0;

	if (!f || fwrite(CHUNKSTORE_MAGIC, 1, 8, f) != 8 || fwrite(hdr, sizeof(hdr), 1, f) != 1 ||
	    (w->count && fwrite(w->recs, sizeof(*w->recs), w->count, f) != w->count) ||
	    fflush(f) || fsync(fileno(f)) < 0)
		ret = errno ? -errno : -EIO;
	if (f && fclose(f) && !ret)
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "%s: cannot write: %s", w->idx_tmp, strerror(-ret));
	return ret;
}

int chunkstore__commit(struct chunkstore_writer *w, char *err, size_t errlen)
{
	int ret = 0;

	if (fflush(w->f) || fsync(fileno(w->f)) < 0) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot write: %s", w->dat_tmp, strerror(-ret));
	}
	if (fclose(w->f) && !ret)
		ret = -errno;
	w->f = NULL;
	if (!ret)
		ret = write_idx(w, err, errlen);
	/* the data first: an idx under its final name always describes a complete dat */
	if (!ret && (rename(w->dat_tmp, w->dat) < 0 || rename(w->idx_tmp, w->idx) < 0)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot rename into place: %s", w->dat, strerror(-ret));
	}
	chunkstore__abort(w);
	return ret;
}

void chunkstore__abort(struct chunkstore_writer *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	unlink(w->dat_tmp);
	unlink(w->idx_tmp);
	free(w->recs);
	free(w);
}

/* ---- reading ------------------------------------------------------------------ */

static int read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	int ret = 0;

	*buf = NULL;
	if (!f || fstat(fileno(f), &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		goto cleanup;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len + 1);
	if (!*buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (fread(*buf, 1, *len, f) != *len) {
		snprintf(err, errlen, "%s: short read", path);
		ret = -EIO;
	}
cleanup:
	if (f)
		fclose(f);
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

/* Every record inside chunks.dat, in order, not overlapping. */
static int check_recs(const struct chunkstore *cs, const char *idx_path, char *err, size_t errlen)
{
	uint64_t i, end = 0;

	for (i = 0; i < cs->count; i++) {
		const struct chunk_rec *r = &cs->recs[i];

		if (r->len == 0 || r->offset < end || r->offset + r->len > cs->dat_bytes) {
			snprintf(err, errlen, "%s: chunk %llu (offset %llu, %u bytes) is empty, "
				 "overlaps the previous one or lies outside chunks.dat (%llu bytes)",
				 idx_path, (unsigned long long)i, (unsigned long long)r->offset,
				 r->len, (unsigned long long)cs->dat_bytes);
			return -EINVAL;
		}
		end = r->offset + r->len;
	}
	return 0;
}

int chunkstore__open(struct chunkstore *cs, const char *dat_path, const char *idx_path, char *err,
		     size_t errlen)
{
	uint64_t hdr[3];
	uint8_t *buf;
	struct stat st;
	size_t len = 0;
	int ret;

	memset(cs, 0, sizeof(*cs));
	if (stat(dat_path, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", dat_path, strerror(-ret));
		return ret;
	}
	if ((ret = read_file(idx_path, &buf, &len, err, errlen)))
		return ret;
	if (len < CHUNKSTORE_HEADER_BYTES || memcmp(buf, CHUNKSTORE_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not a chunk index (no %s header)", idx_path,
			 CHUNKSTORE_MAGIC);
		ret = -EINVAL;
		goto cleanup;
	}
	memcpy(hdr, buf + 8, sizeof(hdr));
	if (hdr[0] > (len - CHUNKSTORE_HEADER_BYTES) / sizeof(struct chunk_rec) ||
	    len != CHUNKSTORE_HEADER_BYTES + hdr[0] * sizeof(struct chunk_rec) ||
	    hdr[1] != (uint64_t)st.st_size) {
		snprintf(err, errlen, "%s: %zu bytes for %llu chunks of %llu data bytes, but %s has "
			 "%lld bytes", idx_path, len, (unsigned long long)hdr[0],
			 (unsigned long long)hdr[1], dat_path, (long long)st.st_size);
		ret = -EINVAL;
		goto cleanup;
	}
	cs->count = hdr[0];
	cs->dat_bytes = hdr[1];
	cs->recs = malloc(cs->count ? cs->count * sizeof(*cs->recs) : 1);
	if (!cs->recs) {
		ret = -ENOMEM;
		goto cleanup;
	}
	memcpy(cs->recs, buf + CHUNKSTORE_HEADER_BYTES, cs->count * sizeof(*cs->recs));
	ret = check_recs(cs, idx_path, err, errlen);
cleanup:
	free(buf);
	if (ret)
		chunkstore__close(cs);
	return ret;
}

void chunkstore__close(struct chunkstore *cs)
{
	if (!cs)
		return;
	free(cs->recs);
	cs->recs = NULL;
	cs->count = 0;
}

int chunkstore__verify(const struct chunkstore *cs, uint64_t id, const void *buf, size_t len)
{
	if (id >= cs->count || len != cs->recs[id].len || XXH32(buf, len, 0) != cs->recs[id].xxh32)
		return -EBADMSG;
	return 0;
}

/* ---- chunking -------------------------------------------------------------------- */

int chunker__init(struct chunker *c, size_t target, chunk_emit_fn emit, void *arg)
{
	memset(c, 0, sizeof(*c));
	if (target < 16)
		return -EINVAL;
	c->buf = malloc(target);
	if (!c->buf)
		return -ENOMEM;
	c->target = target;
	c->emit = emit;
	c->arg = arg;
	return 0;
}

void chunker__free(struct chunker *c)
{
	free(c->buf);
	c->buf = NULL;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int chunker__finish(struct chunker *c)
{
	int ret;

	if (!c->len)
		return 0;
	ret = c->emit(c->arg, c->buf, c->len, c->first_doc, c->n_docs);
	c->len = 0;
	c->n_docs = 0;
	return ret;
}

/*
 * Where to cut a piece of at most target bytes off text (len > target): after the
 * last sentence end in the second half, else at the last space, else at target.
 */
static size_t cut_at(const char *text, size_t target)
{
	size_t i;

	for (i = target; i > target / 2; i--)
		if (text[i - 1] && strchr(".;?!", text[i - 1]) && is_space(text[i]))
			return i;
	for (i = target; i > 0; i--)
		if (is_space(text[i]))
			return i;
	return target;
}

/* Append text to the chunk being packed ('\n' between paragraphs). */
static void pack(struct chunker *c, const char *text, size_t len, uint32_t doc)
{
	if (c->len)
		c->buf[c->len++] = '\n';
	memcpy(c->buf + c->len, text, len);
	c->len += len;
	if (!c->n_docs++)
		c->first_doc = doc;
}

int chunker__add(struct chunker *c, const char *text, size_t len, uint32_t doc)
{
	size_t cut;
	int ret;

	while (len && is_space(*text))
		text++, len--;
	while (len && is_space(text[len - 1]))
		len--;
	if (!len)
		return 0;
	if (c->len && c->len + 1 + len > c->target && (ret = chunker__finish(c)))
		return ret;
	while (len > c->target) {
		cut = cut_at(text, c->target);
		if ((ret = c->emit(c->arg, text, cut, doc, 1)))
			return ret;
		text += cut;
		len -= cut;
		while (len && is_space(*text))
			text++, len--;
	}
	if (len)
		pack(c, text, len, doc);
	return 0;
}
