/*
 * doc — the config rendered: a key's value as text (rabench run --dry-run) and
 * the reference table of every key (rabench list keys).
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

/* ---- rendering ---- */

/* Shortest %g text that reads back as the same double. */
void config_format_double(double v, char *buf, size_t len)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* "[a, b]": the same text a YAML flow sequence and --set accept. */
void config_format_list(const struct rb_config *cfg, const struct rb_key *k, char *buf,
			size_t len)
{
	int count = k->type == RB_KEY_INTLIST ? cfg->n_clients : cfg->n_strategies;
	char num[24];
	size_t o = 0;

	buf[0] = '\0';
	for (int i = -1; i <= count; i++) {
		const char *piece = i < 0 ? "[" : i == count ? "]" : num;
		int n;

		if (i >= 0 && i < count && k->type == RB_KEY_INTLIST)
			snprintf(num, sizeof(num), "%" PRId64, cfg->run_clients[i]);
		else if (i >= 0 && i < count)
			piece = cfg->strategies[i];
		n = snprintf(buf + o, len - o, "%s%s", i > 0 && i < count ? ", " : "", piece);

		if (n < 0 || (size_t)n >= len - o)
			return;
		o += n;
	}
}

void config__format_value(const struct rb_config *cfg, const struct rb_key *k, char *buf, size_t len)
{
	const char *p = (const char *)cfg + k->offset;

	if (!len)
		return;
	switch (k->type) {
	case RB_KEY_INT:
		snprintf(buf, len, "%" PRId64, *(const int64_t *)p);
		break;
	case RB_KEY_SIZE:
		config_format_size(*(const int64_t *)p, buf, len);
		break;
	case RB_KEY_DOUBLE:
		config_format_double(*(const double *)p, buf, len);
		break;
	case RB_KEY_BOOL:
		snprintf(buf, len, "%s", *(const bool *)p ? "true" : "false");
		break;
	case RB_KEY_STRLIST:
	case RB_KEY_INTLIST:
		config_format_list(cfg, k, buf, len);
		break;
	case RB_KEY_STR:
	case RB_KEY_ENUM:
	default:
		snprintf(buf, len, "%s", p);
		break;
	}
}

const char *config_type_name(enum rb_key_type t)
{
	switch (t) {
	case RB_KEY_INT:
		return "int";
	case RB_KEY_SIZE:
		return "size";
	case RB_KEY_DOUBLE:
		return "number";
	case RB_KEY_BOOL:
		return "bool";
	case RB_KEY_ENUM:
		return "enum";
	case RB_KEY_STRLIST:
		return "list";
	case RB_KEY_INTLIST:
		return "int list";
	case RB_KEY_STR:
	default:
		return "string";
	}
}

/* The "range/allowed" cell; '|' is escaped because it ends a markdown cell. */
void config_range_cell(const struct rb_key *k, char *buf, size_t len)
{
	char lo[32], hi[32];

	switch (k->type) {
	case RB_KEY_INT:
	case RB_KEY_INTLIST:
		snprintf(buf, len, "%" PRId64 "..%" PRId64, (int64_t)k->min, (int64_t)k->max);
		break;
	case RB_KEY_SIZE:
		config_format_size((int64_t)k->min, lo, sizeof(lo));
		config_format_size((int64_t)k->max, hi, sizeof(hi));
		snprintf(buf, len, "%s..%s", lo, hi);
		break;
	case RB_KEY_DOUBLE:
		snprintf(buf, len, "%g..%g", k->min, k->max);
		break;
	case RB_KEY_BOOL:
		snprintf(buf, len, "true, false");
		break;
	case RB_KEY_ENUM:
	case RB_KEY_STRLIST:
		config_list_allowed(config_allowed(k), " \\| ", buf, len);
		break;
	case RB_KEY_STR:
	default:
		snprintf(buf, len, "at most %zu bytes", k->len - 1);
		break;
	}
}

void config__print_keys(FILE *out)
{
	char range[256];

	fprintf(out, "| key | type | default | range/allowed | meaning |\n");
	fprintf(out, "| --- | --- | --- | --- | --- |\n");
	for (const struct rb_key *k = rb_config_keys; k->key; k++) {
		config_range_cell(k, range, sizeof(range));
		fprintf(out, "| `%s` | %s | `%s` | %s | %s |\n", k->key, config_type_name(k->type), k->def,
			range, k->help);
	}
}
