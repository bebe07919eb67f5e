/*
 * live_tui — ncurses drawing of the live view (see live_tui.h). The screen is
 * a newterm on stderr, so stdout (the comparison table at the end) is left
 * alone; ncurses keeps the terminal's state and endwin() restores it.
 */
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "live_tui.h"

static SCREEN *screen;
static const char *block = "#";	/* a bar's cell: a full block on a UTF-8 terminal */

bool tui__open(void)
{
	if (!isatty(STDERR_FILENO) || !getenv("TERM") || screen)
		return false;
	/* characters only: numbers keep the C locale's decimal point */
	if (setlocale(LC_CTYPE, "") && !strcmp(nl_langinfo(CODESET), "UTF-8"))
		block = "\u2588";
	screen = newterm(NULL, stderr, stdin);
	if (!screen)
		return false;
	set_term(screen);
	noecho();
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_CYAN, -1);	/* demand */
		init_pair(2, COLOR_YELLOW, -1);	/* speculative */
		init_pair(3, COLOR_GREEN, -1);	/* prefetched */
		init_pair(4, COLOR_RED, -1);	/* waste */
		init_pair(5, COLOR_MAGENTA, -1);/* histograms */
	}
	return true;
}

void tui__close(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
}

/* A bar of width w for v out of max, then the value. */
static void bar(int y, int x, int w, const char *name, uint64_t v, uint64_t max, int pair)
{
	int n = max ? (int)((double)v / (double)max * w + 0.5) : 0;

	mvprintw(y, x, "%-12s", name);
	attron(COLOR_PAIR(pair));
	move(y, x + 12);
	for (int i = 0; i < n && i < w; i++)
		addstr(block);
	attroff(COLOR_PAIR(pair));
	mvprintw(y, x + 13 + w, "%10llu", (unsigned long long)v);
}

static uint64_t max_of(const uint64_t *v, int n)
{
	uint64_t m = 0;

	for (int i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* A log2 histogram, one line per slot that has counts, in at most rows lines. */
static void histogram(int y, int x, int w, int rows, const char *title, const uint64_t *h, int n,
		      const char *unit, int shift)
{
	uint64_t max = max_of(h, n);
	int first = 0, last = n - 1, line = 0;
	char label[32];

	mvprintw(y, x, "%s", title);
	while (first < n && !h[first])
		first++;
	while (last > first && !h[last])
		last--;
	if (first == n) {
		mvprintw(y + 1, x + 2, "(nothing yet)");
		return;
	}
	if (last - first + 1 > rows)
		first = last - rows + 1;	/* the largest slots matter most */
	for (int i = first; i <= last; i++, line++) {
		snprintf(label, sizeof(label), "%llu%s", 1ULL << (i + shift), unit);
		bar(y + 1 + line, x, w, label, h[i], max, 5);
	}
}

void tui__draw(const struct live_frame *f)
{
	int rows, cols, w, half, y;
	uint64_t amax;

	getmaxyx(stdscr, rows, cols);
	erase();
	attron(A_BOLD);
	mvprintw(0, 0, "rabench live  %-30s", f->step);
	attroff(A_BOLD);
	if (f->elapsed_s > 0)
		printw("  %.1f s", f->elapsed_s);
	mvprintw(0, cols > 28 ? cols - 28 : 0, "Ctrl-C stops the run");
	mvprintw(2, 0, "queries/s %8.0f", f->qps);
	if (f->have_dev)
		printw("   device %7.1f MB/s", f->dev_mbs);
	printw("   process %7.1f MB/s", f->proc_mbs);
	mvprintw(3, 0, "major faults/s %8.0f", f->majflt_s);
	if (isnan(f->hit_ratio))
		printw("   page-cache hit ratio      -");
	else
		printw("   page-cache hit ratio %5.1f %%", 100 * f->hit_ratio);
	w = cols - 30 > 10 ? cols - 30 : 10;
	y = 5;
	if (f->have_probes) {
		amax = max_of(f->added, 3);
		amax = f->waste > amax ? f->waste : amax;
		mvprintw(y++, 0, "pages added to the page cache, this repeat");
		bar(y++, 2, w, "demand", f->added[0], amax, 1);
		bar(y++, 2, w, "speculative", f->added[1], amax, 2);
		bar(y++, 2, w, "prefetched", f->added[2], amax, 3);
		bar(y++, 2, w, "RA waste", f->waste, amax, 4);
	} else {
		mvprintw(y++, 0, "pages added by cause: the BPF probes are not running (root and BTF)");
	}
	y++;
	half = cols / 2;
	w = half - 28 > 6 ? half - 28 : 6;
	rows -= LIVE_LOG_LINES + 1;
	if (f->have_probes)
		histogram(y, 0, w, rows - y - 1, "readahead window (pages)", f->win, LIVE_WIN_SLOTS,
			  "", 0);
	histogram(y, f->have_probes ? half : 0, w, rows - y - 1, "query latency", f->lat,
		  LIVE_LAT_SLOTS, " us", 0);
	for (int i = 0; i < LIVE_LOG_LINES; i++)
		mvprintw(rows + 1 + i, 0, "%.*s", cols > 0 ? cols - 1 : 0, f->log[i]);
	refresh();
}
