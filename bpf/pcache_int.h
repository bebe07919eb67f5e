/*
 * pcache_int — what the probe loader's own files share (bpf/pcache.c,
 * pcache_collect.c): draining hash maps, turning the maps into a result,
 * naming files. The harness uses probes.h only.
 */
#ifndef RB_PCACHE_INT_H
#define RB_PCACHE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "pcache.h"
#include "probes.h"

#define PCACHE_MAX_TARGETS 64

typedef void (*pcache_drain_fn)(void *ctx, const void *key, const void *value);

/* The maps and counters of one window, as probes__collect hands them over. */
struct pcache_maps {
	int files_fd, chunks_fd;
	const struct rb_pc_counters *counters;
	bool all_files;
	int n_want;				/* targets mode: the files, in result order */
	struct rb_pc_file_key want[PCACHE_MAX_TARGETS];
};

/* A user-space dev_t in the kernel's encoding (major << 20 | minor). */
__u32 pcache__kdev(dev_t dev);

/* Read and delete every entry of a hash map; fn may be NULL. 0 or -errno. */
int pcache__drain(int fd, size_t ksz, size_t vsz, pcache_drain_fn fn, void *ctx);

/* Fill out (files, totals, block, overflow) from the maps, emptying them. */
int pcache__collect_maps(const struct pcache_maps *m, struct rb_probe_result *out);

/* Name the first max files of out by file handle (device + inode + generation). */
void pcache__resolve_paths(struct rb_probe_result *out, size_t max);

#endif
