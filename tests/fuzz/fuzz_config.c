/*
 * fuzz_config — libFuzzer target for the config loader: the input is loaded as a
 * YAML config file (config__load), then, over the defaults, applied as one --set
 * "key=value" line (config__set); each config that loads is cross-checked
 * (config__validate) and every key rendered back (config__format_value).
 * A bad input must give an error with a message, never a crash or a leak.
 */
#include "tests/fuzz/fuzz_util.h"   /* first: it defines _GNU_SOURCE */

#include <string.h>

#include "config/config.h"

static void check_loaded(const struct rb_config *cfg, char *err, size_t errlen)
{
	char buf[RB_PATH_MAX * 2];
	const struct rb_key *k;

	config__validate(cfg, err, errlen);
	for (k = rb_config_keys; k->key; k++)
		config__format_value(cfg, k, buf, sizeof(buf));
}

static void must_have_message(int ret, const char *err)
{
	if (ret && !err[0]) {
		fprintf(stderr, "error %d without a message\n", ret);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX];
	char *line;
	int ret;

	config__defaults(&cfg);
	err[0] = '\0';
	ret = config__load(&cfg, fuzz_input_file(data, size), err, sizeof(err));
	must_have_message(ret, err);
	if (!ret)
		check_loaded(&cfg, err, sizeof(err));

	config__defaults(&cfg);
	line = fuzz_input_string(data, size);
	err[0] = '\0';
	ret = config__set(&cfg, line, err, sizeof(err));
	must_have_message(ret, err);
	if (!ret)
		check_loaded(&cfg, err, sizeof(err));
	free(line);
	return 0;
}
