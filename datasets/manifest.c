/*
 * manifest — see manifest.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "manifest.h"
#include "vecio.h"
#include "spec.h"
#include "lib/fsutil.h"

#define WHOLE_MAX (8u << 20)   /* files up to this size are hashed whole */
#define SAMPLE_LEN (64u << 10)
#define N_SAMPLES 16

static int64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int64_t)st.st_size;
}

/* Hash len bytes at off into st; short reads are an error (the file shrank). */
static int hash_range(int fd, XXH3_state_t *st, char *buf, uint64_t off, uint64_t len)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len < SAMPLE_LEN ? len : SAMPLE_LEN, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		XXH3_64bits_update(st, buf, (size_t)n);
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

int manifest__file_digest(const char *path, uint64_t size, uint64_t *digest)
{
	XXH3_state_t *st = XXH3_createState();
	char *buf = malloc(SAMPLE_LEN);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0, i;

	if (!st || !buf || fd < 0) {
		rc = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	XXH3_64bits_reset_withSeed(st, size);
	if (size <= WHOLE_MAX)
		rc = hash_range(fd, st, buf, 0, size);
	for (i = 0; size > WHOLE_MAX && i < N_SAMPLES && !rc; i++)
		rc = hash_range(fd, st, buf, (size - SAMPLE_LEN) * (uint64_t)i / (N_SAMPLES - 1),
				SAMPLE_LEN);
	if (!rc)
		*digest = XXH3_64bits_digest(st);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	XXH3_freeState(st);
	return rc;
}

struct json_object *manifest__new(const char *format, const char *key, const char *canonical)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "format", json_object_new_string(format));
	json_object_object_add(m, "version", json_object_new_int(RB_MANIFEST_VERSION));
	json_object_object_add(m, "key", json_object_new_string(key));
	json_object_object_add(m, "canonical", json_object_new_string(canonical));
	json_object_object_add(m, "created", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(m, "files", json_object_new_object());
	return m;
}

void manifest__int(struct json_object *m, const char *k, int64_t v)
{
	json_object_object_add(m, k, json_object_new_int64(v));
}

void manifest__str(struct json_object *m, const char *k, const char *v)
{
	json_object_object_add(m, k, json_object_new_string(v));
}

int manifest__add_file(struct json_object *m, const char *dir, const char *name, char *err,
		       size_t errlen)
{
	struct json_object *files, *f;
	char path[RB_PATH_MAX], hex[20];
	uint64_t digest = 0;
	int64_t size;
	int rc;

	if (fsutil__join(path, sizeof(path), dir, name) || (size = file_size(path)) < 0) {
		snprintf(err, errlen, "%s/%s: missing after build", dir, name);
		return -ENOENT;
	}
	rc = manifest__file_digest(path, (uint64_t)size, &digest);
	if (rc) {
		snprintf(err, errlen, "%s: cannot checksum: %s", path, strerror(-rc));
		return rc;
	}
	snprintf(hex, sizeof(hex), "%016" PRIx64, digest);
	f = json_object_new_object();
	json_object_object_add(f, "size", json_object_new_int64(size));
	json_object_object_add(f, "xxh3", json_object_new_string(hex));
	json_object_object_add(f, "coverage", json_object_new_string(
		(uint64_t)size <= WHOLE_MAX ? "whole" : "16 samples of 64 KiB"));
	json_object_object_get_ex(m, "files", &files);
	json_object_object_add(files, name, f);
	return 0;
}

int manifest__write(struct json_object *m, const char *dir, char *err, size_t errlen)
{
	char path[RB_PATH_MAX], tmp[RB_PATH_MAX + 16];
	const char *text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	FILE *f;
	int ret = 0;

	if (fsutil__join(path, sizeof(path), dir, RB_MANIFEST_FILE))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0 || fflush(f) || fsync(fileno(f)) < 0)
		ret = -errno;
	if (f && fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "%s: cannot write manifest: %s", path, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	return fsutil__fsync_path(dir);
}

static int str_is(struct json_object *m, const char *k, const char *want)
{
	struct json_object *v;

	return json_object_object_get_ex(m, k, &v) && json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), want);
}

/* dir/name still has the size and checksum f records. */
static int file_matches(const char *dir, const char *name, struct json_object *f)
{
	struct json_object *size, *sum;
	char path[RB_PATH_MAX], hex[20];
	uint64_t digest = 0;
	int64_t have;

	if (!json_object_object_get_ex(f, "size", &size) ||
	    !json_object_object_get_ex(f, "xxh3", &sum) || fsutil__join(path, sizeof(path), dir, name) ||
	    (have = file_size(path)) != json_object_get_int64(size) ||
	    manifest__file_digest(path, (uint64_t)have, &digest))
		return 0;
	snprintf(hex, sizeof(hex), "%016" PRIx64, digest);
	return str_is(f, "xxh3", hex);
}

static int files_match(struct json_object *m, const char *dir)
{
	struct json_object *files;
	int n = 0;

	if (!json_object_object_get_ex(m, "files", &files) ||
	    !json_object_is_type(files, json_type_object))
		return 0;
	json_object_object_foreach(files, name, f) {
		if (!json_object_is_type(f, json_type_object) || !file_matches(dir, name, f))
			return 0;
		n++;
	}
	return n > 0;
}

int manifest__matches(const char *dir, const char *format, const char *canonical,
		      const char *ivfdata)
{
	char path[RB_PATH_MAX];
	struct json_object *m, *v;
	int ok;

	if (fsutil__join(path, sizeof(path), dir, RB_MANIFEST_FILE) || access(path, R_OK) < 0)
		return 0;
	m = json_object_from_file(path);
	if (!m)
		return 0;
	ok = json_object_is_type(m, json_type_object) && str_is(m, "format", format) &&
	     json_object_object_get_ex(m, "version", &v) &&
	     json_object_get_int(v) == RB_MANIFEST_VERSION && str_is(m, "canonical", canonical) &&
	     (!ivfdata || str_is(m, "ivfdata", ivfdata)) && files_match(m, dir);
	json_object_put(m);
	return ok;
}

int manifest__commit_dir(const char *tmp, const char *final, const char *format,
			 const char *canonical, const char *ivfdata, char *err, size_t errlen)
{
	int e;

	if (rename(tmp, final) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		goto fail;
	if (manifest__matches(final, format, canonical, ivfdata)) {
		fsutil__rm_rf(tmp);
		return 0;
	}
	if (fsutil__rm_rf(final) == 0 && rename(tmp, final) == 0)
		return 0;
fail:
	e = errno;
	snprintf(err, errlen, "%s: cannot rename onto %s: %s", tmp, final, strerror(e));
	return -e;
}
