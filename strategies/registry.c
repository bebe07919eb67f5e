/*
 * strategies — the registry of readahead strategies. Adding one: write
 * strategies/<name>.c filling a struct ra_strategy_ops, declare it below and
 * add it to the table: run.strategies accepts the names of this table
 * (strategy__names), so nothing else changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "strategy.h"

extern const struct ra_strategy_ops strategy_default_ops;
extern const struct ra_strategy_ops strategy_fadvise_random_ops;
extern const struct ra_strategy_ops strategy_fadvise_sequential_ops;
extern const struct ra_strategy_ops strategy_faiss_prefetch_ops;
extern const struct ra_strategy_ops strategy_willneed_ops;
extern const struct ra_strategy_ops strategy_bpf_prefetch_ops;
extern const struct ra_strategy_ops strategy_readahead_kb_ops;

static const struct ra_strategy_ops *const strategies[] = {
	&strategy_default_ops,
	&strategy_fadvise_random_ops,
	&strategy_fadvise_sequential_ops,
	&strategy_faiss_prefetch_ops,
	&strategy_willneed_ops,
	&strategy_bpf_prefetch_ops,
	&strategy_readahead_kb_ops,
	NULL,
};

const struct ra_strategy_ops *const *strategy__all(void)
{
	return strategies;
}

int strategy__check_ops(const struct ra_strategy_ops *ops)
{
	if (!ops || !ops->name || !ops->name[0] || !ops->help)
		return -EINVAL;
	if (ops->version != RB_STRATEGY_VERSION)
		return -EINVAL;
	/* apply without reset could leave the machine changed */
	if (!ops->apply != !ops->reset)
		return -EINVAL;
	return 0;
}

const struct ra_strategy_ops *strategy__find(const char *name)
{
	const struct ra_strategy_ops *const *s;

	for (s = strategies; *s; s++)
		if (strcmp((*s)->name, name) == 0)
			return strategy__check_ops(*s) == 0 ? *s : NULL;
	return NULL;
}

const char *strategy__names(void)
{
	static char names[512];
	const struct ra_strategy_ops *const *s;
	size_t len = 0;

	if (!names[0])
		for (s = strategies; *s; s++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? "|" : "", (*s)->name);
	return names;
}
