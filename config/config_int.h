/*
 * config_int — what the files of config/ share, below config.h (no other folder
 * includes it): where a value came from, the message writer, the value parsers
 * the YAML loader calls.
 */
#ifndef RB_CONFIG_INT_H
#define RB_CONFIG_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Room for every row of the table; checked in keys.c, where the table's size is known. */
#define RB_CFG_MAX_KEYS 64
/* Longest dotted key we build while walking nested mappings. */
#define RB_KEY_MAX 128
/* Longest value shown back in a message; the rest becomes "...". */
#define RB_SHOW_MAX 48

/* Where a value came from, for messages: a file position, or just "--set". */
struct where {
	const char *file;
	size_t line, col;   /* 1-based; 0 when there is no position */
};

/* "FILE:LINE:COL: KEY: ..." (or "--set: KEY: ...") into err; returns ret. */
int config_errf(int ret, char *err, size_t errlen, const struct where *w, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int config_bad_value(const struct where *w, const struct rb_key *k, const char *what,
		     const char *text, char *err, size_t errlen);
/* Parse text as key k's value into cfg. 0 or -EINVAL with the message. */
int config_set_text(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen);
int config_unknown_key(const struct where *w, const char *key, char *err, size_t errlen);
/* k's allowed values, '|'-separated (NULL: any) */
const char *config_allowed(const struct rb_key *k);
bool config_in_allowed(const char *allowed, const char *word);
void config_list_allowed(const char *allowed, const char *sep, char *buf, size_t len);
void config_format_size(int64_t v, char *buf, size_t len);
void config_describe(const struct rb_key *k, char *buf, size_t len);
const char *config_show(char *buf, size_t len, const char *s);
void config_trim(char **s);
/* The lists (run.strategies, run.clients): the count of k's list, add one item, check it. */
int *config_list_count(struct rb_config *cfg, const struct rb_key *k);
int config_list_add(struct rb_config *cfg, const struct rb_key *k, const char *item,
		    const struct where *w, char *err, size_t errlen);
int config_list_finish(struct rb_config *cfg, const struct rb_key *k, const struct where *w,
		       char *err, size_t errlen);

#endif
