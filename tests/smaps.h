/*
 * smaps.h — for tests: the VmFlags of a mapping, as the kernel reports it in
 * /proc/self/smaps ("rr" = MADV_RANDOM, "sr" = MADV_SEQUENTIAL). Header-only:
 * each test is its own program.
 */
#ifndef RB_TESTS_SMAPS_H
#define RB_TESTS_SMAPS_H

#include <stdio.h>
#include <string.h>

/* The VmFlags line of the smaps entry that starts at addr; 0, or -1 if not found. */
static inline int smaps__vmflags(const void *addr, char *flags, size_t len)
{
	char line[512], start[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0;

	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	flags[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, start, strlen(start)) == 0)
			in = 1;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, len, "%s", line + 8);
			break;
		}
	}
	if (f)
		fclose(f);
	return flags[0] ? 0 : -1;
}

#endif
