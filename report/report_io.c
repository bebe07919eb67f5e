/*
 * report_io — reading a saved report.json back (with the checks that let every
 * renderer trust its shape), writing result files so that a crash or a full
 * disk never leaves a half-written one behind, and freeing a run.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "lib/jsonfmt.h"
#include "lib/fsutil.h"

/* The top-level fields every reader relies on, with their JSON types. */
static const struct {
	const char *field;
	json_type type;
	const char *type_name;
} required_fields[] = {
	{ "tool", json_type_string, "a string" },
	{ "complete", json_type_boolean, "a boolean" },
	{ "started", json_type_string, "a string" },
	{ "environment", json_type_object, "an object" },
	{ "config", json_type_object, "an object" },
	{ "dataset", json_type_object, "an object" },
	{ "metrics_definitions", json_type_object, "an object" },
	{ "repeats", json_type_array, "an array" },
	{ "summary", json_type_object, "an object" },
};


static int check_version(const char *path, json_object *doc, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(doc, "schema_version", &v)) {
		snprintf(err, errlen, "%s: field 'schema_version' is missing", path);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "%s: field 'schema_version' must be an integer", path);
		return -EINVAL;
	}
	if (json_object_get_int64(v) != RB_REPORT_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema_version %lld, but this rabench reads "
			 "schema_version %d", path, (long long)json_object_get_int64(v),
			 RB_REPORT_SCHEMA_VERSION);
		return -EPROTO;
	}
	return 0;
}

static int check_fields(const char *path, json_object *doc, char *err, size_t errlen)
{
	json_object *v, *s;
	size_t i;

	for (i = 0; i < sizeof(required_fields) / sizeof(required_fields[0]); i++) {
		if (!json_object_object_get_ex(doc, required_fields[i].field, &v)) {
			snprintf(err, errlen, "%s: field '%s' is missing", path,
				 required_fields[i].field);
			return -EINVAL;
		}
		if (!json_object_is_type(v, required_fields[i].type)) {
			snprintf(err, errlen, "%s: field '%s' must be %s", path,
				 required_fields[i].field, required_fields[i].type_name);
			return -EINVAL;
		}
	}
	json_object_object_get_ex(doc, "summary", &s);
	if (!json_object_object_get_ex(s, "strategies", &v) ||
	    !json_object_is_type(v, json_type_array)) {
		snprintf(err, errlen, "%s: field 'summary.strategies' is missing or not an array",
			 path);
		return -EINVAL;
	}
	return 0;
}

int report__load(const char *path, json_object **out, char *err, size_t errlen)
{
	json_object *doc;
	int rc;

	*out = NULL;
	doc = json_object_from_file(path);
	if (!doc) {
		/* tell "cannot read" apart from "not JSON" */
		if (access(path, R_OK)) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			return rc;
		}
		snprintf(err, errlen, "%s: not a valid JSON document: %s", path,
			 json_util_get_last_err() ? json_util_get_last_err() : "parse error");
		return -EINVAL;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		snprintf(err, errlen, "%s: not a rabench report: the top level must be an object",
			 path);
		rc = -EINVAL;
		goto cleanup;
	}
	rc = check_version(path, doc, err, errlen);
	if (!rc)
		rc = check_fields(path, doc, err, errlen);
cleanup:
	if (rc)
		json_object_put(doc);
	else
		*out = doc;
	return rc;
}

/* Write and fsync text into a fresh tmp; returns 0 or -errno with what failed. */
static int write_tmp(const char *tmp, const char *text, const char **what)
{
	int fd, rc;

	*what = "create";
	/* the name carries our pid, so a leftover of that name is a dead run's: reuse it */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	*what = "write";
	rc = fsutil__write_all(fd, text, strlen(text));
	if (!rc) {
		*what = "fsync";
		if (fsync(fd))
			rc = -errno;
	}
	if (close(fd) && !rc) {
		*what = "close";
		rc = -errno;
	}
	return rc;
}

int report__write_atomic(const char *dir, const char *name, const char *text, char *err,
			 size_t errlen)
{
	char tmp[RB_PATH_MAX + 128], dst[RB_PATH_MAX + 128];
	const char *what = "write";
	int rc;

	if (!dir || !name || !text) {
		snprintf(err, errlen, "%s/%s: nothing to write", dir ? dir : "?", name ? name : "?");
		return -EINVAL;
	}
	/* a hidden name beside the target: same filesystem, so rename is atomic */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-%ld", dir, name, (long)getpid()) >=
	    sizeof(tmp) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	rc = write_tmp(tmp, text, &what);
	if (!rc && rename(tmp, dst)) {
		what = "rename";
		rc = -errno;
	}
	if (rc) {
		snprintf(err, errlen, "%s: cannot %s %s: %s", dst, what,
			 strcmp(what, "rename") ? tmp : "into place", strerror(-rc));
		unlink(tmp);
		return rc;
	}
	rc = fsutil__fsync_path(dir);
	if (rc)
		snprintf(err, errlen, "%s: written, but cannot fsync the folder %s: %s", dst, dir,
			 strerror(-rc));
	return rc;
}

json_object *report__get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

double report__median(json_object *strategy, const char *key)
{
	json_object *m = report__get(report__get(strategy, key), "median");

	return m && !json_object_is_type(m, json_type_null) ? json_object_get_double(m) : NAN;
}

/*
 * A double as the shortest text that reads back to the same value: json-c's
 * default "%.17g" turns 0.35 into 0.34999999999999998 in every report. A ".0"
 * keeps integral values doubles when the file is read back. NaN and infinities
 * have no JSON form and become null.
 */
json_object *report__json_double(double v)
{
	return jsonfmt__double(v);
}

/* An entry's clients level: its "clients" member, 1 for reports from before it. */
int report__entry_clients(json_object *entry)
{
	json_object *c = report__get(entry, "clients");

	return c && json_object_is_type(c, json_type_int) ? json_object_get_int(c) : 1;
}

int report__client_levels(json_object *strategies, int *levels, int max)
{
	size_t i;
	int n = 0, c, j, k;

	for (i = 0; strategies && i < json_object_array_length(strategies); i++) {
		c = report__entry_clients(json_object_array_get_idx(strategies, i));
		for (j = 0; j < n && levels[j] != c; j++)
			;
		if (j < n || n == max)
			continue;
		/* insertion sort: a handful of levels */
		for (k = n++; k > 0 && levels[k - 1] > c; k--)
			levels[k] = levels[k - 1];
		levels[k] = c;
	}
	return n;
}

json_object *report__entry(json_object *strategies, const char *name, int clients)
{
	json_object *s, *n;
	size_t i;

	for (i = 0; strategies && i < json_object_array_length(strategies); i++) {
		s = json_object_array_get_idx(strategies, i);
		n = report__get(s, "name");
		if (n && json_object_is_type(n, json_type_string) &&
		    !strcmp(json_object_get_string(n), name) && report__entry_clients(s) == clients)
			return s;
	}
	return NULL;
}

const char *report__entry_label(json_object *strategies, json_object *entry, char *buf,
				size_t len)
{
	json_object *n = report__get(entry, "name");
	const char *name = n && json_object_is_type(n, json_type_string) ?
			   json_object_get_string(n) : "";
	int levels[2], c = report__entry_clients(entry);

	if (report__client_levels(strategies, levels, 2) > 1 || c != 1)
		snprintf(buf, len, "%s, %d client%s", name, c, c == 1 ? "" : "s");
	else
		snprintf(buf, len, "%s", name);
	return buf;
}
