/*
 * manifest — what makes a generated folder of the cache trustworthy: the small
 * manifest.json written last into every dataset and index folder. It says what
 * built the folder (format, version, the canonical text of the parameters) and
 * what the folder holds: each file's size and an XXH3-64 checksum — of the whole
 * file up to 8 MiB, of 16 evenly spaced 64 KiB samples (first and last included)
 * beyond, so checking a 1 GiB index reads 1 MiB. A folder is used only while its
 * manifest matches the run's parameters and every file still has its size and
 * checksum; otherwise it is rebuilt (datasets/dataset.c), never used.
 */
#ifndef RB_MANIFEST_H
#define RB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define RB_MANIFEST_FILE "manifest.json"
#define RB_MANIFEST_VERSION 2   /* 2: per-file checksums beside the sizes */

/* A new manifest of this format for the folder named key, built from canonical. */
struct json_object *manifest__new(const char *format, const char *key, const char *canonical);
void manifest__int(struct json_object *m, const char *k, int64_t v);
void manifest__str(struct json_object *m, const char *k, const char *v);

/* Record dir/name's size and checksum. 0 or -errno with err set. */
int manifest__add_file(struct json_object *m, const char *dir, const char *name, char *err,
		       size_t errlen);

/* Write dir/manifest.json through a temporary name; fsync it and the folder. */
int manifest__write(struct json_object *m, const char *dir, char *err, size_t errlen);

/*
 * 1 when dir holds a manifest of this format and version whose canonical text
 * is canonical (and whose "ivfdata" is ivfdata, if given) and whose every file
 * has its recorded size and checksum; else 0.
 */
int manifest__matches(const char *dir, const char *format, const char *canonical,
		      const char *ivfdata);

/*
 * Rename a finished tmp folder onto final. If final exists (a bad leftover, or
 * a concurrent builder that finished first), keep a matching one and drop ours.
 */
int manifest__commit_dir(const char *tmp, const char *final, const char *format,
			 const char *canonical, const char *ivfdata, char *err, size_t errlen);

/* The checksum manifests record (exposed for tests). 0 or -errno. */
int manifest__file_digest(const char *path, uint64_t size, uint64_t *digest);

#endif
