/*
 * advise_print — the inputs and outputs of the advise rules: a probe file
 * object (bpf/probes_json.c's per-file layout, the same in `rabench probe
 * --json` and in a report's repeats) read into struct advise_obs, and the
 * result written as the text `rabench advise` prints, its --json form and
 * the --explain table. The rules themselves live in advise_rules.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "advise.h"
#include "lib/jsonfmt.h"

#define MIB(b) ((double)(b) / 1048576.0)

/* o[name] as a count; *known false when absent or null. */
static uint64_t count(json_object *o, const char *name, bool *known)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !v ||
	    !json_object_is_type(v, json_type_int)) {
		*known = false;
		return 0;
	}
	return (uint64_t)json_object_get_int64(v);
}

int advise__obs_from_json(json_object *file, struct advise_obs *o, char *err, size_t errlen)
{
	bool cause = true, waste = true, faults = true, ra = true, other = true;
	json_object *path;
	struct stat st;

	memset(o, 0, sizeof(*o));
	if (!json_object_is_type(file, json_type_object) ||
	    !json_object_object_get_ex(file, "path", &path) ||
	    !json_object_is_type(path, json_type_string)) {
		snprintf(err, errlen, "a probe file entry without a \"path\"");
		return -EINVAL;
	}
	snprintf(o->path, sizeof(o->path), "%s", json_object_get_string(path));
	o->demand = count(file, "pages_added_demand", &cause);
	o->spec = count(file, "pages_added_speculative", &cause);
	o->prefetch = count(file, "pages_added_prefetch", &cause);
	o->accessed = count(file, "pages_accessed", &cause);
	o->mapped = count(file, "pages_mapped_maybe_used", &other);
	o->waste = count(file, "waste_pages", &waste);
	o->spec_mapped_only = count(file, "speculative_mapped_only", &waste);
	o->read_pages = count(file, "read_pages", &other);
	o->read_miss = count(file, "read_miss_pages", &other);
	o->faults = count(file, "faults", &faults);
	o->major_faults = count(file, "major_faults", &faults);
	o->ra_sync = count(file, "ra_sync", &ra);
	o->ra_async = count(file, "ra_async", &ra);
	o->ra_readaround = count(file, "ra_mmap_readaround", &ra);
	o->evicted_tracked = count(file, "pages_evicted_tracked", &other);
	o->block_read_bytes = count(file, "block_read_bytes", &other);
	o->watched = json_object_object_get_ex(file, "watched", &path) &&
		     json_object_get_boolean(path);
	if (!cause) {
		snprintf(err, errlen, "%s: no page-cache figures (pages_added_* are null)", o->path);
		return -ENODATA;
	}
	o->waste_known = waste;
	o->faults_known = faults;
	o->ra_known = ra;
	if (o->path[0] && !stat(o->path, &st) && S_ISREG(st.st_mode))
		o->size_bytes = (uint64_t)st.st_size;
	return 0;
}

static int by_added(const void *a, const void *b)
{
	const struct advise_obs *x = a, *y = b;
	uint64_t ax = x->demand + x->spec + x->prefetch, ay = y->demand + y->spec + y->prefetch;

	return ax < ay ? 1 : ax > ay ? -1 : strcmp(x->path, y->path);
}

int advise__obs_list(json_object *probes, struct advise_obs **out, size_t *n, char *err,
		     size_t errlen)
{
	struct advise_obs *v;
	json_object *files;
	size_t i, len;
	int rc;

	*out = NULL;
	*n = 0;
	if (!probes || !json_object_object_get_ex(probes, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		snprintf(err, errlen, "no probe figures (no \"files\" array)");
		return -ENODATA;
	}
	len = json_object_array_length(files);
	v = calloc(len ? len : 1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < len; i++) {
		rc = advise__obs_from_json(json_object_array_get_idx(files, i), &v[i], err, errlen);
		if (rc) {
			free(v);
			return rc;
		}
	}
	qsort(v, len, sizeof(*v), by_added);
	*out = v;
	*n = len;
	return 0;
}

void advise_print__explain(FILE *out)
{
	const struct advise_rule_doc *d;
	size_t i, n;

	d = advise__rules(&n);
	fprintf(out, "rabench advise: the decision table, tried in order per file (first match wins).\n"
		"Pages are 4 KiB; lookups = faults + read_pages; misses = major_faults + "
		"read_miss_pages;\nhot set = (pages_accessed + pages_mapped_maybe_used) x 4 KiB; "
		"windows = ra_sync + ra_async + ra_mmap_readaround;\nused per window = (speculative "
		"pages - waste) / windows; room = memory cgroup limit - non-file\n"
		"usage, or MemAvailable without a limit.\n\n");
	for (i = 0; i < n; i++)
		fprintf(out, "%zu. %-9s counters: %s\n   %-9s when:     %s\n   %-9s then:     %s\n",
			i + 1, d[i].name, d[i].counters, "", d[i].when, "", d[i].then);
}

void advise_print__env(FILE *out, const struct advise_env *e)
{
	fprintf(out, "room %.1f MiB (%s)", MIB(e->room_bytes), e->room_source);
	if (e->limit_bytes)
		fprintf(out, ", memory cgroup limit %.1f MiB", MIB(e->limit_bytes));
	else
		fprintf(out, ", no memory cgroup limit");
	if (e->read_ahead_kb >= 0)
		fprintf(out, ", read_ahead_kb %ld", e->read_ahead_kb);
	if (e->io_wait_s >= 0)
		fprintf(out, ", I/O wait %.2f s of %.2f s (whole process)", e->io_wait_s, e->window_s);
	fprintf(out, "\n");
}

static const char *pattern(const struct advise_fig *f)
{
	if (!f->windows)
		return "no readahead windows";
	if (f->seq_share >= 0.5)
		return "sequential runs";
	return f->used_per_window < 1.0 ? "scattered" : "clustered";
}

static void print_saw(FILE *out, const struct advise_obs *o, const struct advise_env *e,
		      const struct advise_fig *f)
{
	double hit = o->read_pages ? 1.0 - (double)o->read_miss / (double)o->read_pages : NAN;

	fprintf(out, "  saw:    %.1f MiB read from disk; %llu pages added (%llu demand, %llu read "
		"ahead, %llu prefetched); %.1f MiB distinct touched\n", MIB(o->block_read_bytes),
		(unsigned long long)f->added, (unsigned long long)o->demand,
		(unsigned long long)o->spec, (unsigned long long)o->prefetch, MIB(f->hot_bytes));
	if (o->waste_known && !isnan(f->waste_ratio))
		fprintf(out, "          read-around waste %llu pages (%.1f MiB, %.0f%% of read-ahead)",
			(unsigned long long)o->waste, MIB(o->waste * RB_ADVISE_PAGE),
			100 * f->waste_ratio);
	else
		fprintf(out, "          read-around waste %s", o->waste_known ? "none (no read-ahead)" :
			"not measured on this kernel");
	if (!isnan(hit))
		fprintf(out, "; read hit ratio %.0f%%", 100 * hit);
	if (o->faults_known)
		fprintf(out, "; faults %llu (%llu major)", (unsigned long long)o->faults,
			(unsigned long long)o->major_faults);
	fprintf(out, "\n          pattern: %s (%llu windows, %llu async, %.2f used pages per window); "
		"hot set %s the room\n", pattern(f), (unsigned long long)f->windows,
		(unsigned long long)o->ra_async, isnan(f->used_per_window) ? 0.0 : f->used_per_window,
		f->hot_bytes <= e->room_bytes ? "fits" : "does not fit");
}

void advise_print__file(FILE *out, const struct advise_obs *o, const struct advise_env *e,
			const struct advise_rec *r)
{
	struct advise_fig f;

	advise__derive(o, &f);
	fprintf(out, "%s", o->path[0] ? o->path : "(unnamed file)");
	if (o->size_bytes)
		fprintf(out, " (%.1f MiB)", MIB(o->size_bytes));
	fprintf(out, "\n");
	print_saw(out, o, e, &f);
	fprintf(out, "  advice: %s [rule %s]", advise__kind_name(r->kind), r->rule);
	if (r->strategy)
		fprintf(out, " (rabench strategy: %s)", r->strategy);
	fprintf(out, "\n          %s\n", r->reason);
	if (r->kind == ADV_NO_EVIDENCE)
		return;
	fprintf(out, "  do:     %s\n", r->action);
	fprintf(out, "  effect: %+.1f MiB read, %+lld major faults", (double)r->bytes_delta / 1048576.0,
		(long long)r->major_faults_delta);
	if (r->read_misses_delta)
		fprintf(out, ", %+lld read() pages waited on", (long long)r->read_misses_delta);
	fprintf(out, " (from the probes' counts)\n");
	if (r->limit_bytes)
		fprintf(out, "  note:   with a memory limit of %.0f MiB the hot set would fit, and "
			"the answer may change\n", MIB(r->limit_bytes));
}

static json_object *ju64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

json_object *advise_json__env(const struct advise_env *e)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "room_bytes", ju64(e->room_bytes));
	json_object_object_add(o, "room_source", json_object_new_string(e->room_source));
	json_object_object_add(o, "memory_limit_bytes", e->limit_bytes ? ju64(e->limit_bytes) : NULL);
	json_object_object_add(o, "read_ahead_kb",
			       e->read_ahead_kb >= 0 ? json_object_new_int64(e->read_ahead_kb) : NULL);
	json_object_object_add(o, "io_wait_s", e->io_wait_s >= 0 ? jsonfmt__double(e->io_wait_s) : NULL);
	json_object_object_add(o, "window_s", jsonfmt__double(e->window_s));
	return o;
}

static json_object *observed_json(const struct advise_obs *o, const struct advise_env *e)
{
	json_object *j = json_object_new_object();
	struct advise_fig f;

	if (!j)
		return NULL;
	advise__derive(o, &f);
	json_object_object_add(j, "bytes_read", ju64(o->block_read_bytes));
	json_object_object_add(j, "distinct_bytes", ju64(f.hot_bytes));
	json_object_object_add(j, "pages_added", ju64(f.added));
	json_object_object_add(j, "pages_speculative", ju64(o->spec));
	json_object_object_add(j, "waste_bytes", o->waste_known ? ju64(o->waste * RB_ADVISE_PAGE) : NULL);
	json_object_object_add(j, "waste_ratio", jsonfmt__double(f.waste_ratio));
	json_object_object_add(j, "read_hit_ratio", jsonfmt__double(o->read_pages ?
		1.0 - (double)o->read_miss / (double)o->read_pages : NAN));
	json_object_object_add(j, "faults", o->faults_known ? ju64(o->faults) : NULL);
	json_object_object_add(j, "major_faults", o->faults_known ? ju64(o->major_faults) : NULL);
	json_object_object_add(j, "windows", ju64(f.windows));
	json_object_object_add(j, "used_per_window", jsonfmt__double(f.used_per_window));
	json_object_object_add(j, "pattern", json_object_new_string(pattern(&f)));
	json_object_object_add(j, "hot_set_fits", json_object_new_boolean(f.hot_bytes <= e->room_bytes));
	json_object_object_add(j, "evicted_in_window_pages", ju64(o->evicted_tracked));
	return j;
}

static json_object *rec_json(const struct advise_rec *r)
{
	json_object *j = json_object_new_object(), *x;

	if (!j)
		return NULL;
	json_object_object_add(j, "kind", json_object_new_string(advise__kind_name(r->kind)));
	json_object_object_add(j, "rule", json_object_new_string(r->rule ? r->rule : ""));
	json_object_object_add(j, "reason", json_object_new_string(r->reason));
	if (r->kind == ADV_NO_EVIDENCE)
		return j;
	json_object_object_add(j, "strategy", r->strategy ? json_object_new_string(r->strategy) : NULL);
	json_object_object_add(j, "action", json_object_new_string(r->action));
	x = json_object_new_object();
	json_object_object_add(x, "bytes_read_delta", json_object_new_int64(r->bytes_delta));
	json_object_object_add(x, "major_faults_delta", json_object_new_int64(r->major_faults_delta));
	json_object_object_add(x, "read_misses_delta", json_object_new_int64(r->read_misses_delta));
	json_object_object_add(j, "expected", x);
	if (r->kind == ADV_READ_AHEAD_KB)
		json_object_object_add(j, "read_ahead_kb", json_object_new_int64(r->read_ahead_kb));
	if (r->kind == ADV_WILLNEED) {
		json_object_object_add(j, "range_offset", ju64(r->range_off));
		json_object_object_add(j, "range_length", ju64(r->range_len));
	}
	json_object_object_add(j, "memory_limit_to_fit_bytes", r->limit_bytes ? ju64(r->limit_bytes) : NULL);
	return j;
}

json_object *advise_json__file(const struct advise_obs *o, const struct advise_env *e,
			       const struct advise_rec *r)
{
	json_object *j = json_object_new_object();

	if (!j)
		return NULL;
	json_object_object_add(j, "path", json_object_new_string(o->path));
	json_object_object_add(j, "size_bytes", o->size_bytes ? ju64(o->size_bytes) : NULL);
	json_object_object_add(j, "observed", observed_json(o, e));
	json_object_object_add(j, "recommendation", rec_json(r));
	return j;
}
