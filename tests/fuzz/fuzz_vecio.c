/*
 * fuzz_vecio — libFuzzer target for the vector-file readers (datasets/vecio.c): the
 * input is read as a file in every format of the format table (.fvecs, .ivecs, and
 * any row added later: formats are tried by enum value until the table ends), the
 * whole file at once (vecio__load) and, after vecio__open, record ranges at the
 * start, the end and just past the end (vecio__read).
 */
#include "fuzz_util.h"   /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <string.h>

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
	return 0;
}
