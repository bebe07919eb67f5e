/*
 * value — one set of value parsers for every key and every source (file, --set,
 * defaults): integers and sizes with their unit suffixes, doubles, booleans,
 * enums, lists, confined paths; the error messages
 * "FILE:LINE:COL: KEY: what is wrong (got 'VALUE'; expected ...)"; --set and its
 * did-you-mean.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config_int.h"

static void verrf(char *err, size_t errlen, const struct where *w, const char *key,
		  const char *fmt, va_list ap)
{
	int n;

	if (!err || !errlen)
		return;
	if (w->line)
		n = snprintf(err, errlen, "%s:%zu:%zu: %s: ", w->file, w->line, w->col, key);
	else
		n = snprintf(err, errlen, "%s: %s: ", w->file, key);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - n, fmt, ap);
}

/* Write "WHERE: KEY: message" to err and return ret. */
__attribute__((format(printf, 6, 7)))
int config_errf(int ret, char *err, size_t errlen, const struct where *w, const char *key,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrf(err, errlen, w, key, fmt, ap);
	va_end(ap);
	return ret;
}

int config__errf(int ret, const struct rb_config *cfg, const char *key, char *err, size_t errlen,
		 const char *fmt, ...)
{
	struct where w = { cfg->source[0] ? cfg->source : "config", 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	verrf(err, errlen, &w, key, fmt, ap);
	va_end(ap);
	return ret;
}

/* A value as shown in a message: bounded, one line, no control characters. */
const char *config_show(char *buf, size_t len, const char *s)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 1 < len; i++) {
		if (i == RB_SHOW_MAX && o + 4 < len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = (char)((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	}
	buf[o] = '\0';
	return buf;
}

/* Is word one of the '|'-separated values in allowed? */
const char *config_allowed(const struct rb_key *k)
{
	return k->allowed_fn ? k->allowed_fn() : k->allowed;
}

bool config_in_allowed(const char *allowed, const char *word)
{
	size_t wl = strlen(word);
	const char *p = allowed;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);

		if (l == wl && !memcmp(p, word, l))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* "a|b|c" as "a, b, c" (for messages) or "a \| b \| c" (for markdown cells). */
void config_list_allowed(const char *allowed, const char *sep, char *buf, size_t len)
{
	size_t o = 0, sl = strlen(sep);

	for (const char *p = allowed; *p; p++) {
		const char *add = *p == '|' ? sep : p;
		size_t n = *p == '|' ? sl : 1;

		if (o + n >= len)
			break;
		memcpy(buf + o, add, n);
		o += n;
	}
	buf[o] = '\0';
}

/* Bytes as the shortest exact text parse_size reads back: 268435456 -> "256M". */
void config_format_size(int64_t v, char *buf, size_t len)
{
	static const char units[] = "KMG";
	int u = -1;

	while (u < 2 && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "%" PRId64 "%c", v, units[u]);
}

/* What a key accepts, in words: the "expected ..." part of messages. */
void config_describe(const struct rb_key *k, char *buf, size_t len)
{
	char vals[256], lo[32], hi[32];

	switch (k->type) {
	case RB_KEY_INT:
		snprintf(buf, len, "an integer in %" PRId64 "..%" PRId64 ", suffix k/M/G = 10^3/10^6/10^9",
			 (int64_t)k->min, (int64_t)k->max);
		break;
	case RB_KEY_INTLIST:
		snprintf(buf, len, "a list of integers in %" PRId64 "..%" PRId64,
			 (int64_t)k->min, (int64_t)k->max);
		break;
	case RB_KEY_DOUBLE:
		snprintf(buf, len, "a number in %g..%g", k->min, k->max);
		break;
	case RB_KEY_SIZE:
		config_format_size((int64_t)k->min, lo, sizeof(lo));
		config_format_size((int64_t)k->max, hi, sizeof(hi));
		snprintf(buf, len, "a size in bytes in %s..%s, suffix K/M/G = KiB/MiB/GiB", lo, hi);
		break;
	case RB_KEY_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case RB_KEY_ENUM:
	case RB_KEY_STRLIST:
		config_list_allowed(config_allowed(k), ", ", vals, sizeof(vals));
		snprintf(buf, len, "%s%s", k->type == RB_KEY_STRLIST ? "a list of " : "one of ", vals);
		break;
	case RB_KEY_STR:
	default:
		snprintf(buf, len, "a string of at most %zu bytes", k->len - 1);
		break;
	}
}

/* "WHAT (got 'TEXT'; expected <what the key accepts>)" */
int config_bad_value(const struct where *w, const struct rb_key *k, const char *what,
		     const char *text, char *err, size_t errlen)
{
	char exp[320], shown[RB_SHOW_MAX + 8];

	config_describe(k, exp, sizeof(exp));
	return config_errf(-EINVAL, err, errlen, w, k->key, "%s (got '%s'; expected %s)", what,
		    config_show(shown, sizeof(shown), text), exp);
}

/* Decimal integer with an optional k/M/G suffix (powers of ten, never 1024). */
static int parse_int(const char *s, int64_t *out, bool *overflow)
{
	int64_t mult = 1;
	long long v;
	char *end;

	*overflow = false;
	if (!(*s >= '0' && *s <= '9') && !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		*overflow = true;
		return -ERANGE;
	}
	if (*end == 'k')
		mult = 1000;
	else if (*end == 'M')
		mult = 1000000;
	else if (*end == 'G')
		mult = 1000000000;
	if (mult != 1)
		end++;
	if (*end)
		return -EINVAL;
	if (v > INT64_MAX / mult || v < INT64_MIN / mult) {
		*overflow = true;
		return -ERANGE;
	}
	*out = (int64_t)v * mult;
	return 0;
}

static int set_int(struct rb_config *cfg, const struct rb_key *k, const char *text,
		   const struct where *w, char *err, size_t errlen)
{
	int64_t v;
	bool overflow;

	if (parse_int(text, &v, &overflow))
		return config_bad_value(w, k, overflow ? "too large for a 64-bit integer" : "not an integer",
				 text, err, errlen);
	/* compare as integers: a double cannot hold every int64 near the top of the range */
	if (v < (int64_t)k->min || v > (int64_t)k->max)
		return config_bad_value(w, k, "out of range", text, err, errlen);
	*(int64_t *)((char *)cfg + k->offset) = v;
	return 0;
}

/*
 * Bytes with an optional K/M/G suffix meaning KiB/MiB/GiB: memory is sized in
 * powers of two ("256M" is what a user means by a 256 MiB cgroup). "k" is taken
 * as K, since counts elsewhere in the config are written with a lower-case k.
 */
static int parse_size(const char *s, int64_t *out, bool *overflow)
{
	int64_t mult = 1;
	long long v;
	char *end;

	*overflow = false;
	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		*overflow = true;
		return -ERANGE;
	}
	if (*end == 'K' || *end == 'k')
		mult = 1LL << 10;
	else if (*end == 'M')
		mult = 1LL << 20;
	else if (*end == 'G')
		mult = 1LL << 30;
	if (mult != 1)
		end++;
	if (*end)
		return -EINVAL;
	if (v > INT64_MAX / mult) {
		*overflow = true;
		return -ERANGE;
	}
	*out = (int64_t)v * mult;
	return 0;
}

static int set_size(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen)
{
	int64_t v;
	bool overflow;

	if (parse_size(text, &v, &overflow))
		return config_bad_value(w, k, overflow ? "too large for a 64-bit integer" : "not a size",
				 text, err, errlen);
	if (v < (int64_t)k->min || v > (int64_t)k->max)
		return config_bad_value(w, k, "out of range", text, err, errlen);
	*(int64_t *)((char *)cfg + k->offset) = v;
	return 0;
}

static int set_double(struct rb_config *cfg, const struct rb_key *k, const char *text,
		      const struct where *w, char *err, size_t errlen)
{
	char *end;
	double v;

	/* strtod would also take leading blanks, hex, "inf" and "nan": none is a config value */
	if (!strchr("0123456789+-.", *text) || strpbrk(text, "xXnN"))
		return config_bad_value(w, k, "not a number", text, err, errlen);
	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end || errno == ERANGE || !isfinite(v))
		return config_bad_value(w, k, "not a number", text, err, errlen);
	if (v < k->min || v > k->max)
		return config_bad_value(w, k, "out of range", text, err, errlen);
	*(double *)((char *)cfg + k->offset) = v;
	return 0;
}

static int set_bool(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	bool *dst = (bool *)((char *)cfg + k->offset);

	/* YAML 1.1 booleans, the spelling libyaml users expect */
	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(text, yes[i])) {
			*dst = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*dst = false;
			return 0;
		}
	}
	return config_bad_value(w, k, "not a boolean", text, err, errlen);
}

/* Does path stay below the folder it is relative to: not absolute, no ".." part? */
static bool path_confined(const char *path)
{
	const char *p = path;
	size_t n;

	if (*path == '/')
		return false;
	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		p += *p == '/';
	}
	return true;
}

static int set_str(struct rb_config *cfg, const struct rb_key *k, const char *text,
		   const struct where *w, char *err, size_t errlen)
{
	char *dst = (char *)cfg + k->offset, shown[RB_SHOW_MAX + 8];
	size_t l = strlen(text);

	/* only a config file is confined: --set on the command line is the user asking */
	if ((k->flags & RB_KEY_F_WRITE_DIR) && w->line && !path_confined(text))
		return config_errf(-EINVAL, err, errlen, w, k->key,
			    "a config file may only name a folder below the working folder (got '%s'; "
			    "expected a relative path without '..'; to write there, ask on the command "
			    "line: --set %s=%s)", config_show(shown, sizeof(shown), text), k->key,
			    config_show(shown, sizeof(shown), text));
	if (k->type == RB_KEY_ENUM && !config_in_allowed(config_allowed(k), text))
		return config_bad_value(w, k, "not allowed", text, err, errlen);
	if (l >= k->len)
		return config_bad_value(w, k, "too long", text, err, errlen);
	memcpy(dst, text, l + 1);
	return 0;
}

/*
 * Lists are built one item at a time so a YAML sequence can point at the bad
 * item's own line while --set and defaults share the same checks.
 */
static char (*list_items(struct rb_config *cfg, const struct rb_key *k))[RB_NAME_MAX]
{
	return (char (*)[RB_NAME_MAX])((char *)cfg + k->offset);
}

/* One list of each kind: run.strategies (STRLIST) and run.clients (INTLIST). */
int *config_list_count(struct rb_config *cfg, const struct rb_key *k)
{
	return k->type == RB_KEY_INTLIST ? &cfg->n_clients : &cfg->n_strategies;
}

static int intlist_add(struct rb_config *cfg, const struct rb_key *k, const char *item,
		       const struct where *w, char *err, size_t errlen)
{
	int64_t *items = (int64_t *)((char *)cfg + k->offset), v;
	int *n = config_list_count(cfg, k);
	bool overflow;

	if (parse_int(item, &v, &overflow))
		return config_bad_value(w, k, overflow ? "too large for a 64-bit integer" : "not an integer",
				 item, err, errlen);
	if (v < (int64_t)k->min || v > (int64_t)k->max)
		return config_bad_value(w, k, "out of range", item, err, errlen);
	for (int i = 0; i < *n; i++)
		if (items[i] == v)
			return config_errf(-EINVAL, err, errlen, w, k->key,
				    "listed twice (got %" PRId64 " again; expected each entry once)", v);
	if (*n >= RB_MAX_CLIENT_LEVELS) {
		char what[64];

		snprintf(what, sizeof(what), "too many entries (at most %d)", RB_MAX_CLIENT_LEVELS);
		return config_bad_value(w, k, what, item, err, errlen);
	}
	items[(*n)++] = v;
	return 0;
}

int config_list_add(struct rb_config *cfg, const struct rb_key *k, const char *item,
		    const struct where *w, char *err, size_t errlen)
{
	char (*items)[RB_NAME_MAX] = list_items(cfg, k);
	int *n = config_list_count(cfg, k);

	if (!*item)
		return config_bad_value(w, k, "empty list entry", item, err, errlen);
	if (k->type == RB_KEY_INTLIST)
		return intlist_add(cfg, k, item, w, err, errlen);
	if (!config_in_allowed(config_allowed(k), item))
		return config_bad_value(w, k, "not allowed", item, err, errlen);
	for (int i = 0; i < *n; i++)
		if (!strcmp(items[i], item))
			return config_errf(-EINVAL, err, errlen, w, k->key,
				    "listed twice (got '%s' again; expected each entry once)", items[i]);
	if (*n >= RB_MAX_STRATEGIES) {
		char what[64];

		snprintf(what, sizeof(what), "too many entries (at most %d)", RB_MAX_STRATEGIES);
		return config_bad_value(w, k, what, item, err, errlen);
	}
	if (strlen(item) >= k->len)
		return config_bad_value(w, k, "too long", item, err, errlen);
	strcpy(items[(*n)++], item);
	return 0;
}

int config_list_finish(struct rb_config *cfg, const struct rb_key *k, const struct where *w,
		       char *err, size_t errlen)
{
	if (!*config_list_count(cfg, k))
		return config_bad_value(w, k, "empty list", "[]", err, errlen);
	return 0;
}

void config_trim(char **s)
{
	char *e;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	e = *s + strlen(*s);
	while (e > *s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
}

/* A list as text: "a,b" or "[a, b]" (--set and the table's defaults). */
static int set_list_text(struct rb_config *cfg, const struct rb_key *k, const char *text,
			 const struct where *w, char *err, size_t errlen)
{
	char *copy = strdup(text), *s, *item, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	s = copy;
	config_trim(&s);
	if (*s == '[' && s[strlen(s) - 1] == ']') {
		s[strlen(s) - 1] = '\0';
		s++;
		config_trim(&s);
	}
	*config_list_count(cfg, k) = 0;
	if (*s) {
		/* strtok_r would skip empty fields; "a,,b" must be an error */
		for (item = s; item; item = save) {
			save = strchr(item, ',');
			if (save)
				*save++ = '\0';
			config_trim(&item);
			ret = config_list_add(cfg, k, item, w, err, errlen);
			if (ret)
				goto cleanup;
		}
	}
	ret = config_list_finish(cfg, k, w, err, errlen);
cleanup:
	free(copy);
	return ret;
}

/* One scalar's text into its field, whatever the key's type. */
int config_set_text(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen)
{
	/* an optional path (empty default, e.g. dataset.groundtruth) may be set back to empty */
	if (!*text && k->type != RB_KEY_STRLIST && k->type != RB_KEY_INTLIST &&
	    !(k->type == RB_KEY_STR && !*k->def))
		return config_bad_value(w, k, "empty value", text, err, errlen);
	switch (k->type) {
	case RB_KEY_INT:
		return set_int(cfg, k, text, w, err, errlen);
	case RB_KEY_SIZE:
		return set_size(cfg, k, text, w, err, errlen);
	case RB_KEY_DOUBLE:
		return set_double(cfg, k, text, w, err, errlen);
	case RB_KEY_BOOL:
		return set_bool(cfg, k, text, w, err, errlen);
	case RB_KEY_STRLIST:
	case RB_KEY_INTLIST:
		return set_list_text(cfg, k, text, w, err, errlen);
	case RB_KEY_STR:
	case RB_KEY_ENUM:
	default:
		return set_str(cfg, k, text, w, err, errlen);
	}
}

/* Levenshtein distance, capped: only small distances make useful suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[RB_KEY_MAX + 1];

	if (la > RB_KEY_MAX || lb > RB_KEY_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static const char *leaf(const char *key)
{
	const char *dot = strrchr(key, '.');

	return dot ? dot + 1 : key;
}

/* The known key most like an unknown one: a close spelling, or the same last part. */
static const char *suggest(const char *key)
{
	const char *best = NULL;
	size_t best_d = 2 + strlen(key) / 4;   /* one typo per four letters, at least two */

	for (const struct rb_key *k = rb_config_keys; k->key; k++) {
		size_t d = edit_distance(key, k->key);

		if (d < best_d) {
			best_d = d;
			best = k->key;
		}
	}
	for (const struct rb_key *k = rb_config_keys; k->key && !best; k++)
		if (!strcmp(leaf(key), leaf(k->key)))
			best = k->key;
	return best;
}

int config_unknown_key(const struct where *w, const char *key, char *err, size_t errlen)
{
	const char *s = suggest(key);

	if (s)
		return config_errf(-EINVAL, err, errlen, w, key,
			    "unknown key (did you mean '%s'? `rabench list keys` lists them all)", s);
	return config_errf(-EINVAL, err, errlen, w, key,
		    "unknown key (`rabench list keys` lists them all)");
}

int config__set(struct rb_config *cfg, const char *assignment, char *err, size_t errlen)
{
	struct where w = { "--set", 0, 0 };
	struct rb_config tmp = *cfg;
	const struct rb_key *k;
	char *copy, *key, *val, *eq;
	int ret;

	copy = strdup(assignment);
	if (!copy)
		return -ENOMEM;
	eq = strchr(copy, '=');
	if (eq)
		*eq = '\0';
	key = copy;
	config_trim(&key);
	if (!eq) {
		ret = config_errf(-EINVAL, err, errlen, &w, key,
			   "missing '=' (got '%s'; expected KEY=VALUE)", key);
		goto cleanup;
	}
	val = eq + 1;
	config_trim(&val);
	k = config__find_key(key);
	if (!k) {
		ret = config_unknown_key(&w, key, err, errlen);
		goto cleanup;
	}
	ret = config_set_text(&tmp, k, val, &w, err, errlen);
	if (!ret)
		*cfg = tmp;
cleanup:
	free(copy);
	return ret;
}

