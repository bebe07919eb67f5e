/*
 * calibrate — a few seconds' description of the block device under a run's
 * files, so that two reports from different machines (or days: this VM's
 * host-cached disk changes speed from one day to the next) can be read side by
 * side: 4 KiB random reads at queue depth 1 (median latency), IOPS at depth 32
 * (32 threads), sequential MB/s in 1 MiB reads; all with O_DIRECT, from the raw
 * device as root, else from the run's largest file. Cached for a day per device
 * in the run's cache folder. Also the device's model, which compare matches.
 */
#ifndef RB_CALIBRATE_H
#define RB_CALIBRATE_H

#include <stdbool.h>
#include <json-c/json.h>

struct rb_calibration {
	bool measured;
	char source[16];	/* "device" (raw, root) or "file" (O_DIRECT on a run file) */
	char at[32];		/* UTC time of the measurement */
	double qd1_4k_us;	/* median latency of 4 KiB random reads at depth 1 */
	double qd1_iops, qd32_iops;
	double seq_mb_s;	/* 1 MiB sequential reads */
	char why[160];		/* not measured: why */
	/*
	 * Sequential MB/s again, measured in this run (calibrate__seq_now): the
	 * roofline's bandwidth. This disk's speed follows the host's cache, so a
	 * description a day old is no bound for today's repeats. 0: not measured.
	 */
	double run_seq_mb_s;
	char run_at[32];	/* UTC time of that measurement */
	double run_s;		/* how long it read */
};

/*
 * Measure c's sequential bandwidth now (about seconds of 1 MiB O_DIRECT reads of
 * dev, else of file) into c->run_seq_mb_s and c->run_at. 0 or -errno.
 */
int calibrate__seq_now(const char *dev, const char *file, double seconds, struct rb_calibration *c);

/* "virtio_blk 1af4:0002, 256.0 GiB" or the model file's text; "unknown". */
void calibrate__model(const char *dev, char *buf, size_t len);

/*
 * Describe dev ("vda"), or reuse a description of it less than a day old from
 * cache_dir. file: read with O_DIRECT when the raw device cannot be (not root).
 * Never fails: out->measured false with the reason.
 */
void calibrate__device(const char *dev, const char *file, const char *cache_dir,
		       struct rb_calibration *out);

json_object *calibrate__to_json(const struct rb_calibration *c);

#endif
