/*
 * probe_table — a probe result as the terminal table `rabench probe` prints (and
 * `rabench prefetch --probes`): per file, pages added by cause, accessed, mapped,
 * waste, faults; the attach mechanisms; the readahead-window and block-layer
 * histograms. "-" where this kernel cannot give a figure.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "probe_table.h"

#define PATH_COL 44

static void file_label(const struct rb_probe_file *f, char *buf, size_t len)
{
	size_t n = strlen(f->path);

	if (!n)
		snprintf(buf, len, "%u:%u ino %llu", f->dev_major, f->dev_minor,
			 (unsigned long long)f->ino);
	else if (n < len)
		snprintf(buf, len, "%s", f->path);
	else
		snprintf(buf, len, "...%s", f->path + n - (len - 4));
}

/* A count column, or "-" when this kernel cannot give the figure. */
static void print_count(const struct rb_probe_result *r, const char *figure, uint64_t v)
{
	const char *why;

	if (probe_result__figure_known(r, figure, &why))
		printf("%8llu ", (unsigned long long)v);
	else
		printf("%8s ", "-");
}

static void print_file(const struct rb_probe_result *r, const struct rb_probe_file *f)
{
	const struct rb_probe_counts *c = &f->c;
	double ratio = probe_counts__waste_ratio(c);
	char label[PATH_COL + 1];
	const char *why;

	file_label(f, label, sizeof(label));
	printf("%-*s %8llu ", PATH_COL, label, (unsigned long long)probe_counts__added(c));
	print_count(r, "pages_added_demand", c->added_demand);
	print_count(r, "pages_added_speculative", c->added_spec);
	print_count(r, "pages_added_prefetch", c->added_prefetch);
	print_count(r, "pages_accessed", c->accessed);
	print_count(r, "pages_mapped_maybe_used", c->mapped);
	print_count(r, "waste_pages", probe_counts__waste(c));
	if (!isnan(ratio) && probe_result__figure_known(r, "waste_ratio", &why))
		printf("%5.1f%% ", 100 * ratio);
	else
		printf("%6s ", "-");
	if (probe_result__figure_known(r, "major_faults", &why) &&
	    probe_result__figure_known(r, "faults", &why))
		printf("%7llu %7llu\n", (unsigned long long)c->major_faults,
		       (unsigned long long)(c->faults - c->major_faults));
	else
		printf("%7s %7s\n", "-", "-");
}

/* How each probe point was attached here, and what this kernel cannot give. */
static void print_attach(const struct rb_probe_result *r)
{
	int i;

	printf("probes on this kernel:");
	for (i = 0; i < RB_PROBE_HOOKS; i++)
		printf(" %s=%s", r->attach[i].hook, r->attach[i].mech);
	printf("\n");
	for (i = 0; i < RB_PROBE_HOOKS; i++)
		if (r->missing_hooks & (1u << i))
			printf("  %s: %s (figures that need it show '-')\n", r->attach[i].hook,
			       r->attach[i].why);
}

static void print_hist(const char *title, const char *unit, const uint64_t *h, size_t slots)
{
	uint64_t max = 0;
	size_t i, first = slots, last = 0;
	int stars;

	for (i = 0; i < slots; i++) {
		if (!h[i])
			continue;
		first = first < i ? first : i;
		last = i;
		max = h[i] > max ? h[i] : max;
	}
	printf("\n%s\n", title);
	if (first == slots) {
		printf("  (none)\n");
		return;
	}
	printf("  %24s : %-10s distribution\n", unit, "count");
	for (i = first; i <= last; i++) {
		stars = (int)(h[i] * 40 / max);
		printf("  %10llu -> %-10llu : %-10llu |%-40.*s|\n", 1ULL << i, (2ULL << i) - 1,
		       (unsigned long long)h[i], stars, "****************************************");
	}
}

void probe_table__print(const struct rb_probe_result *r, size_t top)
{
	const char *why;
	size_t i, n = top && top < r->n_files ? top : r->n_files;

	printf("%-*s %8s %8s %8s %8s %8s %8s %8s %6s %7s %7s\n", PATH_COL, "FILE", "ADDED",
	       "DEMAND", "SPEC", "PREFETCH", "ACCESSED", "MAPPED", "WASTE", "WASTE%", "MAJFLT",
	       "MINFLT");
	for (i = 0; i < n; i++)
		print_file(r, &r->files[i]);
	printf("\n%zu of %zu files, by pages added. WASTE: speculative pages never accessed nor "
	       "mapped (evicted or still resident).\nMAPPED: mapped by fault-around, maybe used "
	       "(no per-page event). See --json for the definitions.\n", n, r->n_files);
	print_attach(r);
	if (probe_result__figure_known(r, "ra_window_log2_pages", &why))
		print_hist("readahead windows, all files", "pages", r->total.ra_window,
			   RB_PROBE_WIN_SLOTS);
	else
		printf("\nreadahead windows: not measured on this kernel (%s)\n", why);
	printf("\nblock reads (disk %s): %llu requests, %.1f MiB\n", r->block.device,
	       (unsigned long long)r->block.reads, r->block.read_bytes / 1048576.0);
	print_hist("request size", "bytes", r->block.size_hist, RB_PROBE_SIZE_SLOTS);
	print_hist("request latency (issue -> complete)", "usecs", r->block.lat_hist,
		   RB_PROBE_LAT_SLOTS);
}

