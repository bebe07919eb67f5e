/*
 * dataset_spec — the config as datasets/ needs it (datasets/spec.h), and
 * dataset__prepare from a config.
 */
#ifndef RB_DATASET_SPEC_HARNESS_H
#define RB_DATASET_SPEC_HARNESS_H

#include <stddef.h>

#include "config/config.h"
#include "datasets/dataset.h"

void dataset_spec__from_config(const struct rb_config *cfg, struct rb_dataset_spec *spec);
/* dataset_spec__prepare(spec of cfg, ...) */
int dataset_spec__prepare(const struct rb_config *cfg, struct rb_dataset *ds, char *err,
			  size_t errlen);

#endif
