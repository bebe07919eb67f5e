/*
 * yaml — read a config file with libyaml's document API: nested mappings become
 * dotted keys ("dataset: {n: 5}" is "dataset.n"), each value goes through the
 * key's parser; unknown and duplicate keys, a second document, anchors that
 * are not scalars are refused with their position.
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
#include <yaml.h>

#include "config_int.h"

/* ---- YAML files ---- */

struct load {
	yaml_document_t *doc;
	struct rb_config *cfg;
	const char *file;
	char *err;
	size_t errlen;
	size_t set_line[RB_CFG_MAX_KEYS];  /* where each key was set; 0 = not yet */
};

static struct where at(const struct load *l, const yaml_node_t *node)
{
	return (struct where){ l->file, node->start_mark.line + 1, node->start_mark.column + 1 };
}

/* "", "~" and "null" written plainly are YAML's null: the key has no value. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	return "nothing";
}

/* A value that is not a usable scalar: a sequence, a mapping, null, or text with a NUL. */
static int check_scalar(struct load *l, const struct rb_key *k, const yaml_node_t *n)
{
	struct where w = at(l, n);
	char exp[320];

	config_describe(k, exp, sizeof(exp));
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return config_errf(-EINVAL, l->err, l->errlen, &w, k->key,
			    "%s (got %s; expected %s)", n->type == YAML_SCALAR_NODE ?
			    "missing value" : "wrong type", node_kind(n), exp);
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return config_bad_value(&w, k, "contains a NUL byte", (const char *)n->data.scalar.value,
				 l->err, l->errlen);
	return 0;
}

static int load_list(struct load *l, const struct rb_key *k, yaml_node_t *n)
{
	struct where w = at(l, n);
	int ret;

	if (n->type != YAML_SEQUENCE_NODE) {
		const char *got = n->type == YAML_SCALAR_NODE ?
				  (const char *)n->data.scalar.value : node_kind(n);

		return config_bad_value(&w, k, "wrong type, a list is written [a, b]", got,
				 l->err, l->errlen);
	}
	*config_list_count(l->cfg, k) = 0;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(l->doc, *i);
		struct where iw = at(l, item);

		ret = check_scalar(l, k, item);
		if (ret)
			return ret;
		ret = config_list_add(l->cfg, k, (const char *)item->data.scalar.value, &iw,
			       l->err, l->errlen);
		if (ret)
			return ret;
	}
	return config_list_finish(l->cfg, k, &w, l->err, l->errlen);
}

static int load_value(struct load *l, const struct rb_key *k, yaml_node_t *key, yaml_node_t *val)
{
	size_t idx = k - rb_config_keys;
	struct where w = at(l, key);
	int ret;

	/* "dataset.n: 1" next to "dataset: {n: 2}" sets one key twice */
	if (l->set_line[idx])
		return config_errf(-EINVAL, l->err, l->errlen, &w, k->key,
			    "set twice (first at line %zu)", l->set_line[idx]);
	l->set_line[idx] = w.line;
	if (k->type == RB_KEY_STRLIST || k->type == RB_KEY_INTLIST)
		return load_list(l, k, val);
	ret = check_scalar(l, k, val);
	if (ret)
		return ret;
	w = at(l, val);
	return config_set_text(l->cfg, k, (const char *)val->data.scalar.value, &w, l->err, l->errlen);
}

/* Is prefix a section, i.e. the part before a '.' of some key? */
static bool is_section(const char *prefix)
{
	size_t pl = strlen(prefix);

	for (const struct rb_key *k = rb_config_keys; k->key; k++)
		if (!strncmp(k->key, prefix, pl) && k->key[pl] == '.')
			return true;
	return false;
}

static int load_mapping(struct load *l, yaml_node_t *map, const char *prefix);

static int load_entry(struct load *l, const char *full, yaml_node_t *key, yaml_node_t *val)
{
	const struct rb_key *k = config__find_key(full);
	struct where w = at(l, val);

	if (k)
		return load_value(l, k, key, val);
	if (!is_section(full)) {
		w = at(l, key);
		return config_unknown_key(&w, full, l->err, l->errlen);
	}
	if (val->type == YAML_MAPPING_NODE)
		return load_mapping(l, val, full);
	if (is_null(val))   /* a section with every key commented out */
		return 0;
	return config_errf(-EINVAL, l->err, l->errlen, &w, full,
		    "wrong type (got %s%s%s; expected a mapping of %s.* keys)",
		    val->type == YAML_SCALAR_NODE ? "'" : "",
		    val->type == YAML_SCALAR_NODE ? (const char *)val->data.scalar.value : node_kind(val),
		    val->type == YAML_SCALAR_NODE ? "'" : "", full);
}

static bool same_scalar(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->data.scalar.length == b->data.scalar.length &&
	       !memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length);
}

/* Line of an earlier key in the same mapping spelled like key, or 0. */
static size_t earlier_key(struct load *l, yaml_node_t *map, yaml_node_pair_t *upto, yaml_node_t *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < upto; p++) {
		yaml_node_t *other = yaml_document_get_node(l->doc, p->key);

		if (other->type == YAML_SCALAR_NODE && same_scalar(other, key))
			return other->start_mark.line + 1;
	}
	return 0;
}

static int load_mapping(struct load *l, yaml_node_t *map, const char *prefix)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(l->doc, p->value);
		struct where w = at(l, key);
		char full[RB_KEY_MAX];
		size_t dup;
		int ret;

		if (key->type != YAML_SCALAR_NODE)
			return config_errf(-EINVAL, l->err, l->errlen, &w, *prefix ? prefix : "(top level)",
				    "wrong type of key (got %s; expected a key name)", node_kind(key));
		snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "",
			 (const char *)key->data.scalar.value);
		dup = earlier_key(l, map, p, key);
		if (dup)
			return config_errf(-EINVAL, l->err, l->errlen, &w, full,
				    "duplicate key (first at line %zu)", dup);
		ret = load_entry(l, full, key, val);
		if (ret)
			return ret;
	}
	return 0;
}

/* libyaml's own problem text and position. */
static int yaml_problem(const yaml_parser_t *p, const char *file, char *err, size_t errlen)
{
	struct where w = { file, p->problem_mark.line + 1, p->problem_mark.column + 1 };

	if (p->error == YAML_MEMORY_ERROR)
		return config_errf(-ENOMEM, err, errlen, &w, "YAML", "out of memory");
	if (p->error == YAML_READER_ERROR) {
		w.line = 0;
		return config_errf(-EINVAL, err, errlen, &w, "YAML", "%s at byte %zu",
			    p->problem ? p->problem : "unreadable input", p->problem_offset);
	}
	if (p->context)
		return config_errf(-EINVAL, err, errlen, &w, "YAML", "%s (%s at line %zu column %zu)",
			    p->problem ? p->problem : "syntax error", p->context,
			    p->context_mark.line + 1, p->context_mark.column + 1);
	return config_errf(-EINVAL, err, errlen, &w, "YAML", "%s",
		    p->problem ? p->problem : "syntax error");
}

/* A second document ("---") would be silently ignored; say so instead. */
static int check_single_document(yaml_parser_t *p, const char *file, char *err, size_t errlen)
{
	yaml_document_t next;
	yaml_node_t *root;
	int ret = 0;

	if (!yaml_parser_load(p, &next))
		return yaml_problem(p, file, err, errlen);
	root = yaml_document_get_root_node(&next);
	if (root) {
		struct where w = { file, root->start_mark.line + 1, root->start_mark.column + 1 };

		ret = config_errf(-EINVAL, err, errlen, &w, "YAML",
			   "second document (got '---' twice; expected one document)");
	}
	yaml_document_delete(&next);
	return ret;
}

static int load_root(struct load *l, yaml_node_t *root)
{
	struct where w;

	if (!root || is_null(root))   /* empty file, or only comments: all defaults */
		return 0;
	if (root->type == YAML_MAPPING_NODE)
		return load_mapping(l, root, "");
	w = at(l, root);
	return config_errf(-EINVAL, l->err, l->errlen, &w, "(top level)",
		    "wrong type (got %s; expected a mapping of keys such as 'dataset: {n: 1000}')",
		    root->type == YAML_SCALAR_NODE ? "a scalar" : node_kind(root));
}

static int open_config(const char *path, FILE **f, char *err, size_t errlen)
{
	struct where w = { path, 0, 0 };
	struct stat st;
	int ret;

	*f = fopen(path, "rb");
	if (!*f) {
		ret = -errno;
		return config_errf(ret, err, errlen, &w, "cannot open", "%s", strerror(-ret));
	}
	/* fopen opens a directory; libyaml would then report only "input error" */
	if (fstat(fileno(*f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(*f);
		*f = NULL;
		return config_errf(-EISDIR, err, errlen, &w, "cannot open", "%s", strerror(EISDIR));
	}
	return 0;
}

int config__load(struct rb_config *cfg, const char *path, char *err, size_t errlen)
{
	struct load *l = NULL;
	struct rb_config *tmp = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	bool parser_ok = false, doc_ok = false;
	FILE *f = NULL;
	int ret;

	if (strlen(path) >= sizeof(cfg->source)) {
		struct where w = { "config", 0, 0 };

		return config_errf(-ENAMETOOLONG, err, errlen, &w, "path", "too long (%zu bytes)", strlen(path));
	}
	ret = open_config(path, &f, err, errlen);
	if (ret)
		return ret;
	/* built on a copy so a failed load leaves cfg as it was */
	tmp = malloc(sizeof(*tmp));
	l = calloc(1, sizeof(*l));
	if (!tmp || !l || !yaml_parser_initialize(&parser)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	parser_ok = true;
	*tmp = *cfg;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_problem(&parser, path, err, errlen);
		goto cleanup;
	}
	doc_ok = true;
	*l = (struct load){ .doc = &doc, .cfg = tmp, .file = path, .err = err, .errlen = errlen };
	ret = load_root(l, yaml_document_get_root_node(&doc));
	if (!ret && yaml_document_get_root_node(&doc))
		ret = check_single_document(&parser, path, err, errlen);
	if (ret)
		goto cleanup;
	snprintf(tmp->source, sizeof(tmp->source), "%s", path);
	*cfg = *tmp;
cleanup:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	free(l);
	free(tmp);
	fclose(f);
	return ret;
}

