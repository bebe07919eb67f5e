/*
 * fuzz_report — libFuzzer target for the report reader: the input is loaded as a
 * report.json (report__load, which checks the schema version and required
 * fields); a report that loads is rendered in every format (markdown, HTML, CSV,
 * the terminal table) and compared with itself (compare__run + compare__print).
 * Every renderer must cope with any document report__load accepts.
 */
#include "tests/fuzz/fuzz_util.h"   /* first: it defines _GNU_SOURCE */

#include <string.h>

#include "report/compare.h"
#include "report/report.h"

/*
 * report_io.o also holds run__free, which frees a run's probe results through
 * bpf/pcache.c (libbpf and a BPF skeleton). Reading a report never builds a run, so
 * rather than link the BPF loader this target stands in for it, loudly.
 */
void probe_result__free(struct rb_probe_result *r)
{
	(void)r;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct rb_compare_opts opts;
	struct rb_compare cmp;
	json_object *doc = NULL;
	char err[RB_ERR_MAX] = "";

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	if (report__load(fuzz_input_file(data, size), &doc, err, sizeof(err))) {
		if (!err[0])
			abort();   /* a refused report must come with a message */
		return 0;
	}
	report__render_md(doc, sink);
	report__render_html(doc, sink);
	report__render_csv(doc, sink);
	report__print_table(doc, sink);

	memset(&opts, 0, sizeof(opts));
	memset(&cmp, 0, sizeof(cmp));
	if (compare__run(doc, doc, &opts, &cmp, err, sizeof(err)) == 0) {
		if (cmp.regressions)
			abort();   /* a run cannot regress against itself */
		compare__print(&cmp, sink);
	}
	compare__free(&cmp);
	opts.counters_only = 1;
	memset(&cmp, 0, sizeof(cmp));
	if (compare__run(doc, doc, &opts, &cmp, err, sizeof(err)) == 0 && cmp.regressions)
		abort();
	compare__free(&cmp);
	json_object_put(doc);
	return 0;
}
