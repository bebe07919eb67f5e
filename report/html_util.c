/*
 * html_util — what every HTML/SVG writer shares: escaping text and the series
 * palette (report_html.c and report_timeline.c both call down into it).
 */
#include <stdio.h>

#include "report.h"

static const char *const palette[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				       "#8c564b", "#e377c2", "#7f7f7f" };
#define N_COLORS (sizeof(palette) / sizeof(palette[0]))

void report_html__escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

const char *report_html__color(size_t i)
{
	return palette[i % N_COLORS];
}

