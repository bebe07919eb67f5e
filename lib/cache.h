/*
 * cache — page-cache state of a run's files before each repeat. "cold" evicts every
 * file (fsync, POSIX_FADV_DONTNEED) and verifies with mincore that nothing of it
 * is resident; "warm" reads every file in first. No global drop_caches unless the
 * config asks for it.
 */
#ifndef RB_CACHE_H
#define RB_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Pages of path resident in the page cache (mincore over a fresh mapping). */
int cache__resident_pages(const char *path, uint64_t *resident, uint64_t *total);

/* Evict path from the page cache; fails with -EBUSY if pages stay resident. */
int cache__evict(const char *path, char *err, size_t errlen);

/* Read path fully so it is resident. */
int cache__warm(const char *path, char *err, size_t errlen);

/* echo 1 > /proc/sys/vm/drop_caches (root only). */
int cache__drop_all(char *err, size_t errlen);

#endif
