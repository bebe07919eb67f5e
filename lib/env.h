/*
 * env — the environment a run was measured in, captured once per run and stored in
 * report.json: kernel, CPU, memory, the device holding the files and its
 * read_ahead_kb, model and calibration, FAISS version, git revision, privileges.
 * Compare refuses counters across environments that shape them.
 */
#ifndef RB_ENV_H
#define RB_ENV_H

#include <stdbool.h>
#include <json-c/json.h>
#include "calibrate.h"
#include "metrics.h"

/* Overridable at build time (-DRABENCH_VERSION=\"x.y.z\"). */
#ifndef RABENCH_VERSION
#define RABENCH_VERSION "0.1.0"
#endif

struct rb_env {
	char rabench_version[32];
	char git_rev[64];          /* `git rev-parse --short HEAD` of the source tree, "unknown" */
	char kernel[128];          /* uname -r */
	char machine[32];          /* uname -m */
	char hostname[64];
	char cpu_model[128];       /* /proc/cpuinfo "model name" */
	int ncpu;                  /* online CPUs */
	uint64_t mem_total_bytes;  /* /proc/meminfo MemTotal */
	char device[64];           /* block device holding the run's files */
	char device_model[160];    /* calibrate__model: what compare matches */
	struct rb_calibration calib;  /* filled by the caller (cmd_run), or not measured */
	long read_ahead_kb;        /* of that device, -1 unknown */
	char fs_type[32];          /* filesystem of the cache folder (statfs) */
	char faiss_version[32];    /* "1.7.3" */
	bool is_root;              /* geteuid() == 0 */
	bool btf_present;          /* /sys/kernel/btf/vmlinux readable */
};

/* Fill env; dev may be NULL. Never fails: unknown fields become "unknown"/-1. */
void env__capture(struct rb_env *env, const struct rb_blockdev *dev, const char *data_dir);

/*
 * The "environment" object of report.json (field names as in struct rb_env;
 * read_ahead_kb is null when unknown). Caller owns the result; NULL on ENOMEM.
 */
json_object *env__to_json(const struct rb_env *env);

/* Filesystem type name of the nearest existing ancestor of path ("unknown"). */
void env__fs_type(const char *path, char *buf, size_t len);

#endif
