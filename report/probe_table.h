/*
 * probe_table — print a page-cache probe result as a table on stdout (see
 * probe_table.c); shared by `rabench probe` and `rabench prefetch --probes`.
 */
#ifndef RB_PROBE_TABLE_H
#define RB_PROBE_TABLE_H

#include <stddef.h>
#include "bpf/probes.h"

/* The files (the top ones by pages added; 0 = all) and the histograms. */
void probe_table__print(const struct rb_probe_result *r, size_t top);

#endif
