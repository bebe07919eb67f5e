/*
 * vecio — the TEXMEX vector files (.fvecs, .ivecs) that datasets are stored in:
 * each record is an int32 dimension d followed by d elements (float32 or
 * int32), little-endian. Writers stream records to "<path>.tmp-<pid>" and only
 * rename onto <path> after fsync, so a reader never sees half a file. Readers
 * check the file's shape (non-empty, size a multiple of the record size, every
 * record header the same d) and name the file and the fault in the message.
 *
 * Formats are rows of vecio_formats[] (element size, name, layout). Two layouts:
 * TEXMEX (.fvecs/.bvecs/.ivecs: every record starts with its int32 d) and
 * big-ann-benchmarks (.fbin/.u8bin/.ibin: one header, uint32 n then uint32 d,
 * then n*d row-major elements). Reads return the bare elements in the file's
 * element type (float, uint8_t or int32_t); datasets/import.c converts them.
 */
#ifndef RB_VECIO_H
#define RB_VECIO_H

#include <stddef.h>
#include <stdint.h>

enum vecio_format {
	VECIO_FVECS,   /* float32 elements */
	VECIO_IVECS,   /* int32 elements */
	VECIO_BVECS,   /* uint8 elements */
	VECIO_FBIN,    /* file header n, d; float32 elements */
	VECIO_U8BIN,   /* file header n, d; uint8 elements */
	VECIO_IBIN,    /* file header n, d; int32 elements */
};

/* The format a file name's extension names (".fvecs", ".u8bin", ...), or -1. */
int vecio__format_of(const char *path);

/* Size in bytes of one element of fmt (4 or 1). */
size_t vecio__elem_size(enum vecio_format fmt);

#define VECIO_MAX_DIM (1 << 20)

struct vecio_writer;
struct vecio_reader;

/* Start writing path (really path.tmp-<pid>); dim is every record's d. */
int vecio__create(struct vecio_writer **out, const char *path, enum vecio_format fmt, int64_t dim,
		  char *err, size_t errlen);

/* Append n rows of dim elements (float for FVECS, int32_t for IVECS, ...). */
int vecio__append(struct vecio_writer *w, const void *rows, int64_t n, char *err, size_t errlen);

/* Flush, fsync, rename onto the final path, fsync the folder; frees w in all cases. */
int vecio__commit(struct vecio_writer *w, char *err, size_t errlen);

/* Drop the temporary file and free w (NULL ok). */
void vecio__abort(struct vecio_writer *w);

/* The whole file at once: create, append n rows, commit (or abort). 0 or -errno. */
int vecio__save(const char *path, enum vecio_format fmt, const void *rows, int64_t n, int64_t dim,
		char *err, size_t errlen);

/* Open and check the shape of path (first and last record headers, size). */
int vecio__open(struct vecio_reader **out, const char *path, enum vecio_format fmt, char *err,
		size_t errlen);

int64_t vecio__count(const struct vecio_reader *r);
int64_t vecio__dim(const struct vecio_reader *r);

/* Read rows [first, first+count) into out[count * dim], checking each header. */
int vecio__read(struct vecio_reader *r, int64_t first, int64_t count, void *out, char *err,
		size_t errlen);

void vecio__close(struct vecio_reader *r);

/* Whole file into a malloc'd array (free() it): open + read + close. */
int vecio__load(const char *path, enum vecio_format fmt, void **rows, int64_t *n, int64_t *dim,
		char *err, size_t errlen);


#endif
