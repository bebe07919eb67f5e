/*
 * advise — what readahead setting one process needs, per file, from one probed
 * window: the observations (the page-cache probes' per-file counts as
 * bpf/probes_json.c writes them, plus the room the process may use and the
 * device's read_ahead_kb), the decision table (advise_rules.c: one function
 * per rule, first match wins), and the renderers (advise_print.c: text,
 * JSON, `--explain`). `rabench advise` (cli/cmd_advise.c) feeds it from a live
 * run of a command or from a saved report.json; the rules never see which.
 *
 * Pages are 4 KiB. Functions return 0 or a negative errno with a message in
 * (err, errlen); none prints except the advise_print__* renderers.
 */
#ifndef RB_ADVISE_H
#define RB_ADVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#define RB_ADVISE_PAGE	4096ULL

/* What the probes saw of one file in the window (counts in pages unless named). */
struct advise_obs {
	char path[512];
	uint64_t size_bytes;		/* the file's size (stat), 0 when unknown */
	uint64_t demand, spec, prefetch;	/* pages added, by cause */
	uint64_t accessed;		/* added pages read or faulted on */
	uint64_t mapped;		/* added pages mapped by fault-around (maybe used) */
	uint64_t waste;			/* speculative pages never accessed nor mapped */
	uint64_t spec_mapped_only;	/* speculative pages mapped, never faulted */
	uint64_t read_pages, read_miss;	/* pages read() asked for; of those, added */
	uint64_t faults, major_faults;
	uint64_t ra_sync, ra_async, ra_readaround;	/* readahead windows by kind */
	uint64_t evicted_tracked;	/* pages added then evicted in the window */
	uint64_t block_read_bytes;	/* disk reads the file caused */
	bool waste_known;		/* the kernel gave the waste figures */
	bool faults_known;		/* ... the fault figures */
	bool ra_known;			/* ... the readahead-call figures */
	bool watched;			/* the watched process caused its events (probes) */
	/*
	 * Something in the process names this file's ranges before they are read, so
	 * the prefetch agent can serve it: rabench's own search, known from a report
	 * (the index kind's hint symbol or prior hints). Live, a FAISS .ivfdata is
	 * recognised by its name instead (FAISS's own prefetch_lists is the hint).
	 */
	bool hint_source;
};

/* The process's situation, the same for every file. */
struct advise_env {
	uint64_t room_bytes;		/* memory the process may fill with page cache */
	char room_source[128];		/* how room_bytes was found */
	uint64_t limit_bytes;		/* its memory cgroup's limit, 0 none */
	long read_ahead_kb;		/* the device's, -1 unknown */
	char device[64];		/* its name ("vda"), "DEV" when unknown */
	double io_wait_s;		/* the process's I/O wait in the window, < 0 unknown */
	double window_s;
};

enum advise_kind {
	ADV_NO_EVIDENCE,	/* too few events: no recommendation */
	ADV_LEAVE,		/* leave as is */
	ADV_RANDOM,		/* POSIX_FADV_RANDOM / MADV_RANDOM on this file */
	ADV_READ_AHEAD_KB,	/* a read_ahead_kb for the device */
	ADV_WILLNEED,		/* WILLNEED of a named range */
	ADV_PREFETCH,		/* rabench prefetch with this index */
	ADV_MEMORY_LIMIT,	/* a memory limit that would change the answer */
	ADV_WILLNEED_BATCH,	/* WILLNEED of the ranges it reads next, before reading them */
};

struct advise_rec {
	enum advise_kind kind;
	const char *rule;		/* the rule that decided (advise_rules' table) */
	const char *strategy;		/* the rabench strategy that does it, NULL none */
	char action[256];		/* what to do, concretely */
	char reason[320];		/* why, in one sentence, with the counts */
	int64_t bytes_delta;		/* expected change of bytes read from disk */
	int64_t major_faults_delta;	/* expected change of major faults */
	int64_t read_misses_delta;	/* ... of read() pages that missed (waited on the disk) */
	long read_ahead_kb;		/* ADV_READ_AHEAD_KB */
	uint64_t range_off, range_len;	/* ADV_WILLNEED */
	uint64_t limit_bytes;		/* a memory limit at which the answer changes, 0 none */
};

/* The derived figures the rules read; filled by advise__derive. */
struct advise_fig {
	uint64_t added;			/* pages added, all causes */
	uint64_t lookups;		/* faults + pages read() asked for */
	uint64_t misses;		/* major faults + read misses */
	uint64_t hot_bytes;		/* distinct bytes touched: (accessed + mapped) pages */
	uint64_t spec_used;		/* speculative pages not wasted: misses read-around saved */
	uint64_t windows;		/* readahead windows: sync + async + mmap read-around */
	double used_per_window;		/* spec_used / windows, NAN without windows */
	double waste_ratio;		/* waste / spec, NAN without speculative pages */
	double seq_share;		/* async windows / windows: sequential runs */
	double evicted_share;		/* evicted_tracked / added */
};

void advise__derive(const struct advise_obs *o, struct advise_fig *f);

/* Run the decision table on one file. */
void advise__decide(const struct advise_obs *o, const struct advise_env *e,
		    struct advise_rec *r);

/* One rule of the table, for --explain. */
struct advise_rule_doc {
	const char *name;
	const char *counters;		/* the probe counters it reads */
	const char *when;		/* its condition, with the thresholds */
	const char *then;		/* the recommendation */
};
const struct advise_rule_doc *advise__rules(size_t *n);

const char *advise__kind_name(enum advise_kind k);

/*
 * One file's observation from a probe file object (bpf/probes_json.c's layout:
 * "path", "pages_added_demand", ...); null figures leave the *_known flags
 * false. -EINVAL with a message when the object is not one.
 */
int advise__obs_from_json(json_object *file, struct advise_obs *o, char *err, size_t errlen);

/* Every file of a probes object ("files"), largest (bytes added) first. */
int advise__obs_list(json_object *probes, struct advise_obs **out, size_t *n, char *err,
		     size_t errlen);

/* Renderers. */
void advise_print__explain(FILE *out);
void advise_print__env(FILE *out, const struct advise_env *e);
void advise_print__file(FILE *out, const struct advise_obs *o, const struct advise_env *e,
			const struct advise_rec *r);
json_object *advise_json__env(const struct advise_env *e);
json_object *advise_json__file(const struct advise_obs *o, const struct advise_env *e,
			       const struct advise_rec *r);

#endif
