/*
 * fuzz_vecio — libFuzzer target for the vector-file readers: the input is read as a
 * file in every format of datasets/vecio.c's format table (.fvecs, .ivecs, .bvecs,
 * .fbin, .u8bin, .ibin, and any row added later: formats are tried by enum value
 * until the table ends), the whole file at once (vecio__load) and, after
 * vecio__open, record ranges at the start, the end and just past the end
 * (vecio__read); then as an IDX file, gzip'ed or not (datasets/import.c,
 * import__load_idx: fashion-mnist's format).
 */
#include "tests/fuzz/fuzz_util.h"   /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <string.h>

#include "datasets/import.h"
#include "datasets/vecio.h"

#define FUZZ_MAX_FORMATS 16   /* upper bound on the format table's rows */

static void read_ranges(const char *path, enum vecio_format fmt)
{
	struct vecio_reader *r;
	char err[512];
	int64_t n, dim;
	void *row;

	if (vecio__open(&r, path, fmt, err, sizeof(err)))
		return;
	n = vecio__count(r);
	dim = vecio__dim(r);
	if (n <= 0 || dim <= 0 || dim > VECIO_MAX_DIM)
		abort();   /* open promised a non-empty file of a sane shape */
	row = malloc((size_t)dim * 8);   /* room for one row of any element up to 8 bytes */
	if (!row)
		abort();
	vecio__read(r, 0, 1, row, err, sizeof(err));
	vecio__read(r, n - 1, 1, row, err, sizeof(err));
	if (vecio__read(r, n, 1, row, err, sizeof(err)) == 0)
		abort();   /* past the end must be refused */
	vecio__read(r, 0, 0, row, err, sizeof(err));
	free(row);
	vecio__close(r);
}

static void load_idx(const char *path)
{
	uint8_t *px = NULL;
	int64_t n = 0, dim = 0;
	char err[512] = "";
	int ret = import__load_idx(path, &px, &n, &dim, err, sizeof(err));

	if (ret && ret != -ENOMEM && !err[0])
		abort();   /* a refused file must come with a message */
	if (!ret && (!px || n <= 0 || dim <= 0 || dim > VECIO_MAX_DIM))
		abort();
	if (!ret)
		memset(px, 0, (size_t)(n * dim));   /* all n * dim bytes are really there */
	free(px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_file(data, size);
	int fmt;

	for (fmt = 0; fmt < FUZZ_MAX_FORMATS; fmt++) {
		void *rows = NULL;
		int64_t n = 0, dim = 0;
		char err[512] = "";
		int ret;

		ret = vecio__load(path, (enum vecio_format)fmt, &rows, &n, &dim, err, sizeof(err));
		if (ret == -EINVAL && !err[0])
			break;   /* past the format table: vecio__open refuses it before opening */
		if (ret && !err[0])
			abort();   /* a refused file must come with a message */
		if (!ret && (!rows || n <= 0 || dim <= 0))
			abort();
		free(rows);
		read_ranges(path, (enum vecio_format)fmt);
	}
	load_idx(path);
	return 0;
}
