/*
 * strategy bpf-prefetch — transparent, eBPF-guided prefetch. The workload's
 * code path is exactly the one it runs under default (no before_query hook):
 * the prefetch agent (bpf/prefetch_agent.h) learns the probed IVF lists from a
 * uprobe on FAISS's own prefetch_lists() call and the workload's page-cache
 * misses and access stream from tracepoints, and fetches whole extents through
 * its own descriptors from its own thread.
 *
 * The one thing the workload supplies is its extent map (workload_ops
 * .extent_map: the byte extents of each list, read once at apply); the agent
 * finds the workload's mappings and descriptors itself, in /proc/self, to
 * switch speculative readahead off where it only wastes. Needs root and BTF;
 * without them apply fails with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/memcg.h"
#include "lib/metrics.h"
#include "strategy.h"
#include "bpf/prefetch_agent.h"

#define MAX_KEYS (1 << 24)   /* a bound on a broken extent map, not on real ones */
#define MAX_KEY_EXTENTS 8

/* Hand the workload's extent map to the agent, key by key until -ENOENT. */
static int load_extent_map(struct rb_workload *w, struct prefetch *p, char *err, size_t errlen)
{
	struct rb_extent ext[MAX_KEY_EXTENTS];
	int64_t key;
	int i, n, rc;

	for (key = 0; key < MAX_KEYS; key++) {
		n = w->ops->extent_map(w, key, ext, MAX_KEY_EXTENTS);
		if (n == -ENOENT)
			return 0;
		if (n < 0) {
			snprintf(err, errlen, "bpf-prefetch: extent map of key %lld: %s",
				 (long long)key, strerror(-n));
			return n;
		}
		for (i = 0; i < n; i++) {
			rc = prefetch__add_extent(p, ext[i].file, key, ext[i].offset, ext[i].len);
			if (rc) {
				snprintf(err, errlen, "bpf-prefetch: bad extent of key %lld: %s",
					 (long long)key, strerror(-rc));
				return rc;
			}
		}
	}
	snprintf(err, errlen, "bpf-prefetch: extent map has more than %d keys", MAX_KEYS);
	return -E2BIG;
}

/*
 * The per-file choice made before any query: a file that fits the page-cache
 * room (the memory limit less the non-file usage, else MemAvailable) and whose extents no hint
 * names before they are read (an HNSW graph, a chunk store) keeps the kernel's
 * read-around — once read it stays, and switching read-around off only turns
 * each first touch into a fault (hnsw.yaml: 0.12x default's q/s before this);
 * a file that does not fit, or whose extents are hinted whole (IVF lists), has
 * speculative readahead switched off where it wastes (prefetch__start); a hinted
 * file that fits and is at most twice the device's read-around window, which the
 * kernel would read whole in a fault or two, is read whole after its first hint's
 * lists (ci.yaml's 13 MiB under 8 MiB read_ahead_kb: 0.66-0.71x default's q/s
 * list by list, 0.88-1.04x whole, medians of five repeats).
 */
static int choose_per_file(struct rb_workload *w, struct prefetch *p, uint64_t room)
{
	struct rb_blockdev dev;
	uint64_t ra;
	enum pf_choice c;
	int i, rc;

	for (i = 0; i < w->n_files; i++) {
		ra = metrics__blockdev_for(w->files[i].path, &dev) == 0 && dev.read_ahead_kb > 0 ?
		     (uint64_t)dev.read_ahead_kb << 10 : 0;
		c = prefetch__choice_for(w->files[i].size, w->files[i].prior_hints, room, ra);
		if ((rc = prefetch__choose(p, i, c)))
			return rc;
	}
	return 0;
}

static int bpf_prefetch_apply(struct rb_workload *w, char *err, size_t errlen)
{
	struct prefetch *p;
	int i, rc;

	if (geteuid() != 0) {
		snprintf(err, errlen, "bpf-prefetch: needs root to load BPF programs (uid %d)",
			 (int)geteuid());
		return -EPERM;
	}
	struct prefetch_opts opts = { .pid = w->target_pid, .clients = w->clients,
				      .symbol = w->hint_symbol,
				      /* rag: the hits a search returns name the chunks it fetches next */
				      .result_symbol = w->result_symbol,
				      .result_key_base = w->result_key_base,
				      /* FAISS's prefetch_lists names a scan's lists: the last call's are done */
				      .drop_after_scan = !w->hint_symbol };
	char found[512];
	uint64_t room;

	/* the repeat's memory cgroup (runner.c joined it, or the client runs in it) */
	if (memcg__current_room(&opts.mem_room_bytes))
		opts.mem_room_bytes = 0;

	rc = prefetch__open(&p, &opts, err, errlen);
	if (rc)
		return rc;
	w->strategy_priv = p;
	for (i = 0; i < w->n_files; i++) {
		rc = prefetch__add_file(p, w->files[i].path, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (w->ops->extent_map) {
		rc = load_extent_map(w, p, err, errlen);
		if (rc)
			return rc;
	}
	if (memcg__cache_room(&room) < 0)
		room = 0;   /* unknown: nothing is taken to fit */
	rc = choose_per_file(w, p, room);
	if (!rc)
		rc = prefetch__start(p, err, errlen);
	/*
	 * An external client loaded its index before saying ready: its FAISS is mapped.
	 * Without that object there is no hint source, and what would run is a
	 * miss-driven prefetcher, not bpf-prefetch: skipped with the reason (-ENOTSUP).
	 */
	if (!rc && w->target_pid && prefetch__attach_hints_found(p, found, sizeof(found)) == 0) {
		snprintf(err, errlen, "bpf-prefetch: the client (pid %d) maps no object defining "
			 "FAISS's prefetch_lists, so only misses could drive it (not bpf-prefetch)",
			 w->target_pid);
		rc = -ENOTSUP;
	}
	return rc;
}

static int bpf_prefetch_reset(struct rb_workload *w)
{
	int rc = prefetch__destroy(w->strategy_priv);

	w->strategy_priv = NULL;
	return rc;
}

static int bpf_prefetch_collect(struct rb_workload *w, struct rb_strategy_stats *out)
{
	const struct prefetch_stat_name *n = prefetch__stat_names();
	struct prefetch_stats st;

	out->n = 0;
	if (!w->strategy_priv)
		return -EINVAL;
	if (!prefetch__alive(w->strategy_priv))
		return -ECANCELED;	/* the agent stopped mid-repeat: the repeat failed */
	prefetch__collect(w->strategy_priv, &st);
	for (; n->name && out->n < RB_STRATEGY_MAX_STATS; n++, out->n++) {
		out->v[out->n].name = n->name;
		memcpy(&out->v[out->n].value, (const char *)&st + n->offset, sizeof(uint64_t));
	}
	return 0;
}

const struct ra_strategy_ops strategy_bpf_prefetch_ops = {
	.name = "bpf-prefetch",
	.version = RB_STRATEGY_VERSION,
	.flags = RB_STRATEGY_NEEDS_ROOT | RB_STRATEGY_NEEDS_BPF | RB_STRATEGY_OUTSIDE |
		 RB_STRATEGY_RACES,
	/* another process's mapping takes no MADV_RANDOM: a narrow device window instead */
	.readahead_kb = RB_RA_KB_OUTSIDE,
	.help = "eBPF agent: a uprobe on FAISS prefetch_lists and page-cache tracepoints drive "
		"POSIX_FADV_WILLNEED of whole extents from its own thread; MADV_RANDOM/FADV_RANDOM "
		"where readahead wastes",
	.apply = bpf_prefetch_apply,
	.reset = bpf_prefetch_reset,
	.collect = bpf_prefetch_collect,
};
