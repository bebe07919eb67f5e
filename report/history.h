/*
 * history — `rabench history`'s rendering: the points read from the results database
 * (db/db.h, struct rb_history) grouped so that only like is put beside like (a series
 * per environment fingerprint, strategy and clients level), aggregated per --by group
 * (a run, a commit, a kernel, a host, a day) with the change from the previous group
 * of the same series, written as a table, markdown, CSV, JSON or HTML with an inline
 * SVG trend.
 */
#ifndef RB_HISTORY_H
#define RB_HISTORY_H

#include <stdio.h>
#include "db/db.h"

enum rb_hist_by { RB_BY_RUN, RB_BY_COMMIT, RB_BY_KERNEL, RB_BY_HOST, RB_BY_DAY };
enum rb_hist_format { RB_HF_TABLE, RB_HF_MD, RB_HF_HTML, RB_HF_CSV, RB_HF_JSON };

struct rb_hist_row {
	char group[128];	/* the run key, commit, kernel, host or day */
	char started[32];	/* its first run's */
	char series[17];	/* the environment fingerprint (without the kernel for --by kernel) */
	char strategy[64];
	int clients;
	double value;		/* the median over the group's runs */
	int runs;
	double change;		/* from the previous row of the series; NAN for the first */
};

/* Rows from points (in their order: oldest first). 0, or -ENOMEM. */
int history__rows(const struct rb_history *h, enum rb_hist_by by, struct rb_hist_row **rows,
		  size_t *n);

int history__render(const struct rb_hist_row *rows, size_t n, const char *what,
		    const char *metric, enum rb_hist_by by, enum rb_hist_format fmt, FILE *out);

#endif
