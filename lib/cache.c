/*
 * cache — put a run's files into a known page-cache state before a repeat.
 *
 * Eviction is per file (fsync, then POSIX_FADV_DONTNEED) so a benchmark does not
 * throw away the rest of the machine's cache; mincore then proves the result.
 * DONTNEED skips pages that are dirty, under writeback or mapped by someone, which
 * is why the fsync comes first, why we retry, and why a file that stays resident
 * is an error instead of a silently warm "cold" run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"

#define EVICT_TRIES 5

int cache__resident_pages(const char *path, uint64_t *resident, uint64_t *total)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *vec = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	size_t pages, i;
	int fd, err = 0;

	*resident = *total = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto cleanup;
	}
	if (st.st_size == 0)
		goto cleanup;
	pages = ((size_t)st.st_size + page - 1) / page;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(pages);
	if (map == MAP_FAILED || !vec) {
		err = map == MAP_FAILED ? -errno : -ENOMEM;
		goto cleanup;
	}
	if (mincore(map, st.st_size, vec) < 0) {
		err = -errno;
		goto cleanup;
	}
	for (i = 0; i < pages; i++)
		*resident += vec[i] & 1;
	*total = pages;
cleanup:
	free(vec);
	if (map != MAP_FAILED)
		munmap(map, st.st_size);
	close(fd);
	return err;
}

int cache__evict(const char *path, char *err, size_t errlen)
{
	uint64_t resident = 0, total = 0;
	int fd, rc, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open to evict: %s", path, strerror(-rc));
		return rc;
	}
	for (i = 0; i < EVICT_TRIES; i++) {
		if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
			rc = -errno;
			snprintf(err, errlen, "%s: fsync: %s", path, strerror(-rc));
			goto out;
		}
		rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (rc) {
			snprintf(err, errlen, "%s: posix_fadvise(DONTNEED): %s", path, strerror(rc));
			rc = -rc;
			goto out;
		}
		rc = cache__resident_pages(path, &resident, &total);
		if (rc) {
			snprintf(err, errlen, "%s: mincore: %s", path, strerror(-rc));
			goto out;
		}
		if (resident == 0)
			goto out;
		usleep(10000 << i);
	}
	rc = -EBUSY;
	snprintf(err, errlen,
		 "%s: %llu of %llu pages stay in the page cache after eviction "
		 "(mapped or locked by another process?); a cold run would not be cold",
		 path, (unsigned long long)resident, (unsigned long long)total);
out:
	close(fd);
	return rc;
}

int cache__warm(const char *path, char *err, size_t errlen)
{
	static const size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	ssize_t n;
	int fd, rc = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open to warm: %s", path, strerror(-rc));
		free(buf);
		return rc;
	}
	while ((n = read(fd, buf, chunk)) > 0)
		;
	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: read: %s", path, strerror(-rc));
	}
	close(fd);
	free(buf);
	return rc;
}

int cache__drop_all(char *err, size_t errlen)
{
	int fd, rc = 0;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		rc = -errno;
		snprintf(err, errlen, "/proc/sys/vm/drop_caches: %s (needs root)", strerror(-rc));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
