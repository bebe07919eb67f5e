/*
 * calibrate — the device under a run's files, measured in about three seconds
 * (see calibrate.h). Plain preads with O_DIRECT (threads for depth 32): no fio
 * dependency for three numbers, and the same code on every machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "calibrate.h"
#include "stats.h"
#include "clock.h"

#define PHASE_S		1.0		/* seconds per measurement */
#define QD		32
#define BLK		4096
#define SEQ		(1 << 20)
#define MAX_SAMPLES	200000
#define CACHE_S		86400L	/* a description older than a day is remeasured */

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	while (*buf && buf[strlen(buf) - 1] == ' ')
		buf[strlen(buf) - 1] = '\0';
}

void calibrate__model(const char *dev, char *buf, size_t len)
{
	char path[PATH_MAX], model[128], vendor[32], device[32], drv[PATH_MAX], size[32];
	ssize_t n;
	double gib;

	snprintf(buf, len, "unknown");
	if (!dev || !*dev)
		return;
	snprintf(path, sizeof(path), "/sys/block/%s/size", dev);
	read_line(path, size, sizeof(size));
	gib = strtod(size, NULL) * 512 / (1 << 30);
	snprintf(path, sizeof(path), "/sys/block/%s/device/model", dev);
	read_line(path, model, sizeof(model));
	if (model[0]) {
		snprintf(buf, len, "%s, %.1f GiB", model, gib);
		return;
	}
	snprintf(path, sizeof(path), "/sys/block/%s/device/driver", dev);
	n = readlink(path, drv, sizeof(drv) - 1);
	drv[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/sys/block/%s/device/vendor", dev);
	read_line(path, vendor, sizeof(vendor));
	snprintf(path, sizeof(path), "/sys/block/%s/device/device", dev);
	read_line(path, device, sizeof(device));
	snprintf(buf, len, "%s %s:%s, %.1f GiB", drv[0] ? basename(drv) : dev,
		 vendor[0] ? vendor : "?", device[0] ? device : "?", gib);
}

struct target {
	int fd;
	uint64_t blocks;	/* 4 KiB blocks readable */
	double until;
	uint64_t done;		/* reads completed (per thread) */
	uint64_t seed;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *random_reader(void *arg)
{
	struct target *t = arg;
	void *buf;

	if (posix_memalign(&buf, BLK, BLK))
		return NULL;
	while (clock__now_s() < t->until)
		if (pread(t->fd, buf, BLK, (off_t)(rnd(&t->seed) % t->blocks) * BLK) == BLK)
			t->done++;
	free(buf);
	return NULL;
}

/* QD1 latency (median) and IOPS; 0 or -errno. */
static int measure_qd1(const struct target *tmpl, struct rb_calibration *c)
{
	double *lat = malloc(MAX_SAMPLES * sizeof(*lat)), t0, end, start = clock__now_s();
	struct rb_spread s;
	uint64_t seed = 42;
	size_t n = 0;
	void *buf;

	if (!lat || posix_memalign(&buf, BLK, BLK)) {
		free(lat);
		return -ENOMEM;
	}
	end = start + PHASE_S;
	while ((t0 = clock__now_s()) < end && n < MAX_SAMPLES)
		if (pread(tmpl->fd, buf, BLK, (off_t)(rnd(&seed) % tmpl->blocks) * BLK) == BLK)
			lat[n++] = (clock__now_s() - t0) * 1e6;
	free(buf);
	if (n == 0 || stats__spread(lat, n, &s)) {
		free(lat);
		return -EIO;
	}
	c->qd1_4k_us = s.median;
	c->qd1_iops = (double)n / (clock__now_s() - start);
	free(lat);
	return 0;
}

static int measure_qd32(const struct target *tmpl, struct rb_calibration *c)
{
	struct target t[QD];
	pthread_t th[QD];
	double start = clock__now_s();
	uint64_t total = 0;
	int i, started = 0;

	for (i = 0; i < QD; i++) {
		t[i] = *tmpl;
		t[i].until = start + PHASE_S;
		t[i].seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		t[i].done = 0;
		if (pthread_create(&th[i], NULL, random_reader, &t[i]) == 0)
			started++;
		else
			break;
	}
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		total += t[i].done;
	}
	if (!started)
		return -EAGAIN;
	c->qd32_iops = (double)total / (clock__now_s() - start);
	return 0;
}

static int measure_seq_for(const struct target *tmpl, double seconds, double *mb_s)
{
	uint64_t bytes = 0, span = tmpl->blocks * BLK, off = 0;
	double start = clock__now_s();
	void *buf;
	ssize_t n;

	if (span < SEQ || posix_memalign(&buf, BLK, SEQ))
		return -EINVAL;
	while (clock__now_s() < start + seconds) {
		if (off + SEQ > span)
			off = 0;
		n = pread(tmpl->fd, buf, SEQ, (off_t)off);
		if (n <= 0)
			break;
		bytes += (uint64_t)n;
		off += (uint64_t)n;
	}
	free(buf);
	*mb_s = (double)bytes / 1e6 / (clock__now_s() - start);
	return bytes ? 0 : -EIO;
}

static int measure_seq(const struct target *tmpl, struct rb_calibration *c)
{
	return measure_seq_for(tmpl, PHASE_S, &c->seq_mb_s);
}

/* The raw device as root, else file; O_DIRECT either way. */
static int open_target(const char *dev, const char *file, struct target *t, struct rb_calibration *c)
{
	char path[PATH_MAX];
	uint64_t bytes = 0;
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	t->fd = geteuid() == 0 ? open(path, O_RDONLY | O_DIRECT | O_CLOEXEC) : -1;
	if (t->fd >= 0 && ioctl(t->fd, BLKGETSIZE64, &bytes) == 0 && bytes >= SEQ) {
		snprintf(c->source, sizeof(c->source), "device");
	} else {
		if (t->fd >= 0)
			close(t->fd);
		t->fd = file ? open(file, O_RDONLY | O_DIRECT | O_CLOEXEC) : -1;
		if (t->fd < 0 || fstat(t->fd, &st) || st.st_size < SEQ) {
			snprintf(c->why, sizeof(c->why), "no device or file to read with O_DIRECT "
				 "(%s)", t->fd < 0 ? strerror(errno) : "file smaller than 1 MiB");
			if (t->fd >= 0)
				close(t->fd);
			return -ENOENT;
		}
		bytes = (uint64_t)st.st_size;
		snprintf(c->source, sizeof(c->source), "file");
	}
	t->blocks = bytes / BLK;
	return 0;
}

static bool raw_readable(const char *dev)
{
	char path[PATH_MAX];
	int fd;

	if (geteuid() != 0)
		return false;
	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void cache_path(const char *cache_dir, const char *dev, char *buf, size_t len)
{
	snprintf(buf, len, "%s/calibration-%s.json", cache_dir, dev);
}

/* A description of this device (same model) less than CACHE_S old. */
static bool load_cached(const char *path, const char *model, struct rb_calibration *c)
{
	json_object *o = json_object_from_file(path), *v;
	struct stat st;
	bool ok = false;

	if (!o)
		return false;
	if (stat(path, &st) == 0 && time(NULL) - st.st_mtime < CACHE_S &&
	    json_object_object_get_ex(o, "model", &v) && !strcmp(json_object_get_string(v), model)) {
		c->measured = true;
		ok = true;
#define GETD(k, f) do { ok = ok && json_object_object_get_ex(o, k, &v); if (ok) c->f = json_object_get_double(v); } while (0)
		GETD("qd1_4k_read_us", qd1_4k_us);
		GETD("qd1_iops", qd1_iops);
		GETD("qd32_iops", qd32_iops);
		GETD("seq_read_mb_s", seq_mb_s);
#undef GETD
		if (ok && json_object_object_get_ex(o, "source", &v))
			snprintf(c->source, sizeof(c->source), "%s", json_object_get_string(v));
		if (ok && json_object_object_get_ex(o, "measured_at", &v))
			snprintf(c->at, sizeof(c->at), "%s", json_object_get_string(v));
	}
	json_object_put(o);
	return ok;
}

static void save_cached(const char *path, const char *model, const struct rb_calibration *c)
{
	json_object *o = calibrate__to_json(c);
	char tmp[PATH_MAX + 8];

	if (!o)
		return;
	json_object_object_add(o, "model", json_object_new_string(model));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file(tmp, o) == 0 && rename(tmp, path))
		unlink(tmp);
	json_object_put(o);
}

void calibrate__device(const char *dev, const char *file, const char *cache_dir,
		       struct rb_calibration *out)
{
	char model[160], path[PATH_MAX];
	struct target t = { .fd = -1 };
	time_t now = time(NULL);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dev || !*dev) {
		snprintf(out->why, sizeof(out->why), "no block device under the run's files");
		return;
	}
	calibrate__model(dev, model, sizeof(model));
	cache_path(cache_dir, dev, path, sizeof(path));
	/* a description read from a file is not reused once the raw device is readable */
	if (load_cached(path, model, out) && (!strcmp(out->source, "device") || !raw_readable(dev)))
		return;
	memset(out, 0, sizeof(*out));
	if (open_target(dev, file, &t, out))
		return;
	rc = measure_qd1(&t, out);
	rc = rc ? rc : measure_qd32(&t, out);
	rc = rc ? rc : measure_seq(&t, out);
	close(t.fd);
	if (rc) {
		snprintf(out->why, sizeof(out->why), "measuring failed: %s", strerror(-rc));
		return;
	}
	out->measured = true;
	strftime(out->at, sizeof(out->at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	save_cached(path, model, out);
}

int calibrate__seq_now(const char *dev, const char *file, double seconds, struct rb_calibration *c)
{
	struct rb_calibration tmp = { 0 };
	struct target t = { .fd = -1 };
	time_t now = time(NULL);
	double t0 = clock__now_s();
	int rc;

	c->run_seq_mb_s = 0;
	if (!dev || !*dev)
		return -ENODEV;
	if (open_target(dev, file, &t, &tmp))
		return -ENOENT;
	rc = measure_seq_for(&t, seconds, &c->run_seq_mb_s);
	close(t.fd);
	if (rc) {
		c->run_seq_mb_s = 0;
		return rc;
	}
	c->run_s = clock__now_s() - t0;
	strftime(c->run_at, sizeof(c->run_at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	return 0;
}

json_object *calibrate__to_json(const struct rb_calibration *c)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (!c->measured) {
		json_object_object_add(o, "reason", json_object_new_string(c->why));
		return o;
	}
	json_object_object_add(o, "source", json_object_new_string(c->source));
	json_object_object_add(o, "measured_at", json_object_new_string(c->at));
	json_object_object_add(o, "qd1_4k_read_us", json_object_new_double(c->qd1_4k_us));
	json_object_object_add(o, "qd1_iops", json_object_new_double(c->qd1_iops));
	json_object_object_add(o, "qd32_iops", json_object_new_double(c->qd32_iops));
	json_object_object_add(o, "seq_read_mb_s", json_object_new_double(c->seq_mb_s));
	if (c->run_seq_mb_s > 0) {
		json_object_object_add(o, "in_run_seq_read_mb_s", json_object_new_double(c->run_seq_mb_s));
		json_object_object_add(o, "in_run_measured_at", json_object_new_string(c->run_at));
	}
	return o;
}
