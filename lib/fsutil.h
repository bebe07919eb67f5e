/*
 * fsutil — small filesystem helpers the commands share.
 */
#ifndef RB_FSUTIL_H
#define RB_FSUTIL_H

#include <sys/types.h>

/*
 * mkdir -p. With exclusive set, the last component must not exist yet
 * (-EEXIST), so two runs never write into one folder.
 */
int fsutil__mkdir_p(const char *path, mode_t mode, int exclusive);

/* rm -rf of a folder rabench built (or was building): contents first, links not followed. */
int fsutil__rm_rf(const char *path);

#endif
