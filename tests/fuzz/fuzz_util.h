/*
 * fuzz_util — what the libFuzzer targets share: the input as a file. The readers
 * under test take a path, so each input is written into one memfd per process
 * (created on first use, truncated and rewritten for every input) and handed over
 * as /proc/self/fd/N: no temporary files to clean up, nothing on disk.
 */
#ifndef RB_FUZZ_UTIL_H
#define RB_FUZZ_UTIL_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Path of a file holding exactly data[0..size); aborts when it cannot make one. */
static inline const char *fuzz_input_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	size_t done = 0;

	if (fd < 0) {
		fd = memfd_create("rabench-fuzz", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	while (done < size) {
		ssize_t k = pwrite(fd, data + done, size - done, (off_t)done);

		if (k <= 0)
			abort();
		done += (size_t)k;
	}
	return path;
}

/* data[0..size) as a NUL-terminated string (stops at an embedded NUL); free() it. */
static inline char *fuzz_input_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

/*
 * The config's run.strategies takes its names from the strategies' registry, which
 * would bring every strategy (and the BPF agent) into a fuzz target: each target
 * names them itself (one includer of this header per binary).
 */
const char *strategy__names(void);
const char *strategy__names(void)
{
	return "default|fadvise-random|fadvise-sequential|faiss-prefetch|willneed|bpf-prefetch|"
	       "readahead-kb";
}

const char *store__names(void);
const char *store__names(void)
{
	return "file|lmdb|sqlite";
}

const char *index__names(void);
const char *index__names(void)
{
	return "ivf|hnsw";
}

#endif
