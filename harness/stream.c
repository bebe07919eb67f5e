/*
 * stream — query streams (see stream.h). Random picks use splitmix64 seeded from
 * dataset.seed, so a stream is the same on every machine and every run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) with 53 random bits */
static double unit(uint64_t *state)
{
	return (splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Inverse-CDF sampling over ranks 1..nq with weights 1/r^s. */
static int zipf_fill(int64_t *ids, int64_t count, int64_t nq, double s, uint64_t seed)
{
	double *cdf = malloc(sizeof(*cdf) * nq), sum = 0, u;
	int64_t r, i, lo, hi;

	if (!cdf)
		return -ENOMEM;
	for (r = 0; r < nq; r++) {
		sum += pow((double)(r + 1), -s);
		cdf[r] = sum;
	}
	for (i = 0; i < count; i++) {
		u = unit(&seed) * sum;
		for (lo = 0, hi = nq - 1; lo < hi;) {   /* first r with cdf[r] > u */
			int64_t mid = lo + (hi - lo) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		ids[i] = lo;
	}
	free(cdf);
	return 0;
}

/* A relative replay file is relative to the config file's folder, like dataset paths. */
static void replay_path(const struct rb_config *cfg, char *buf, size_t len)
{
	const char *slash = strrchr(cfg->source, '/');

	if (cfg->workload_replay_file[0] == '/' || !cfg->source[0] || !slash)
		snprintf(buf, len, "%s", cfg->workload_replay_file);
	else
		snprintf(buf, len, "%.*s/%s", (int)(slash - cfg->source), cfg->source,
			 cfg->workload_replay_file);
}

static int replay_fill(int64_t *ids, int64_t count, int64_t nq, const char *path, char *err,
		       size_t errlen)
{
	char line[128], *end;
	int64_t n = 0, lineno = 0;
	long long v;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(err, errlen, "workload.replay_file: %s: %s", path, strerror(errno));
		return -errno;
	}
	while (n < count && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;   /* blank or comment */
		v = strtoll(line, &end, 10);
		if (*end && strspn(end, " \t") != strlen(end)) {
			snprintf(err, errlen, "%s:%lld: '%s' is not a query id", path, (long long)lineno, line);
			fclose(f);
			return -EINVAL;
		}
		if (v < 0 || v >= nq) {
			snprintf(err, errlen, "%s:%lld: query id %lld out of range (dataset.queries = %lld)",
				 path, (long long)lineno, v, (long long)nq);
			fclose(f);
			return -ERANGE;
		}
		ids[n++] = v;
	}
	fclose(f);
	if (n < count) {
		snprintf(err, errlen, "%s: %lld query ids, workload.queries needs %lld", path,
			 (long long)n, (long long)count);
		return -EINVAL;
	}
	return 0;
}

int stream__build(const struct rb_config *cfg, int64_t nq, int64_t **out, char *err, size_t errlen)
{
	int64_t i, count = cfg->workload_queries;
	uint64_t seed = (uint64_t)cfg->dataset_seed ^ 0x5eed5eedULL;
	int64_t *ids = malloc(sizeof(*ids) * count);
	char path[2 * RB_PATH_MAX];
	int rc = 0;

	*out = NULL;
	if (!ids)
		return -ENOMEM;
	if (!strcmp(cfg->workload_stream, "zipf"))
		rc = zipf_fill(ids, count, nq, cfg->workload_zipf_s, seed);
	else if (!strcmp(cfg->workload_stream, "replay")) {
		replay_path(cfg, path, sizeof(path));
		rc = replay_fill(ids, count, nq, path, err, errlen);
	}
	else if (!strcmp(cfg->workload_stream, "uniform"))
		for (i = 0; i < count; i++)
			ids[i] = (int64_t)(splitmix64(&seed) % (uint64_t)nq);
	else
		for (i = 0; i < count; i++)
			ids[i] = i;   /* sequential: validated count <= nq */
	if (rc) {
		free(ids);
		return rc;
	}
	*out = ids;
	return 0;
}
