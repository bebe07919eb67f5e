/*
 * flip.h — for tests: change one byte of a file in place, keeping its size (what
 * a bit flip on disk or a careless editor does). Header-only, cmocka asserts;
 * include it after <cmocka.h>.
 */
#ifndef RB_TESTS_FLIP_H
#define RB_TESTS_FLIP_H

#include <stdio.h>

static inline void flip_byte(const char *path, long off)
{
	FILE *fp = fopen(path, "r+");
	int ch;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	ch = fgetc(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_equal(fputc(ch ^ 0x20, fp), ch ^ 0x20);
	assert_int_equal(fclose(fp), 0);
}

#endif
