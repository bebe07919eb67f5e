/*
 * cmd_evict — `rabench evict CONFIG`: evict the files a config's workload reads
 * from the page cache (and check with mincore), as a cold repeat does. For
 * whole-command timings (hyperfine --prepare) and for experiments by hand.
 */
#include <stdio.h>
#include <string.h>

#include "lib/cache.h"
#include "cmds.h"
#include "config/config.h"
#include "datasets/dataset.h"
#include "harness/dataset_spec.h"
#include "harness/workload_params.h"

static int evict_config(struct rb_config *cfg)
{
	struct rb_workload_params wp;
	const struct workload_ops *ops = workload__of_config(cfg, &wp);
	char paths[RB_MAX_FILES][512], err[RB_ERR_MAX] = "";
	struct rb_dataset ds = { 0 };
	int i, n, rc;

	/* prepares on first use, like run; afterwards it only checks the manifests */
	rc = dataset_spec__prepare(cfg, &ds, err, sizeof(err));
	if (rc)
		goto out;
	n = ops ? ops->list_files(&wp, &ds, paths, RB_MAX_FILES) : -1;
	for (i = 0; i < n && rc == 0; i++) {
		rc = cache__evict(paths[i], err, sizeof(err));
		if (rc == 0)
			printf("evicted %s\n", paths[i]);
	}
out:
	if (rc)
		fprintf(stderr, "rabench evict: %s\n", err);
	dataset__free(&ds);
	return rc ? 1 : 0;
}

int cmd_evict(int argc, char **argv)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX];
	int i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: rabench evict CONFIG [--set KEY=VALUE]...\n"
		       "Evict the files CONFIG's workload reads from the page cache (fsync,\n"
		       "POSIX_FADV_DONTNEED, checked with mincore), as a cold repeat does.\n");
		return argc < 2 ? 2 : 0;
	}
	config__defaults(&cfg);
	if (config__load(&cfg, argv[1], err, sizeof(err)))
		goto bad;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--set") || i + 1 == argc) {
			snprintf(err, sizeof(err), "unexpected argument '%s'", argv[i]);
			goto bad;
		}
		if (config__set(&cfg, argv[++i], err, sizeof(err)))
			goto bad;
	}
	if (config__validate(&cfg, err, sizeof(err)) ||
	    config__validate_workload(&cfg, err, sizeof(err)))
		goto bad;
	return evict_config(&cfg);
bad:
	fprintf(stderr, "rabench evict: %s\n", err);
	return 2;
}
