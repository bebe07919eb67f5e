/*
 * result — freeing a run's raw figures (harness/result.h).
 */
#include <stdlib.h>
#include "result.h"

void run__free(struct rb_run *run)
{
	size_t i;

	if (!run)
		return;
	for (i = 0; run->repeats && i < run->n_repeats; i++) {
		free(run->repeats[i].latency_us);
		free(run->repeats[i].io_wait_us);
		free(run->repeats[i].client_of);
		free(run->repeats[i].phase_us);
		free(run->repeats[i].phase_io_wait_us);
		free(run->repeats[i].phase_majflt);
		probe_result__free(&run->repeats[i].probes);
		free(run->repeats[i].timeline.s);	/* timeline__free, without the sampler */
	}
	free(run->repeats);
	run->repeats = NULL;
	run->n_repeats = 0;
}
