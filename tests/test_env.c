/*
 * test_env — environment capture fills what every Linux machine has (kernel,
 * CPUs, memory, a known filesystem type for /tmp) and its JSON form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/env.h"

static void test_capture_basics(void **state)
{
	struct rb_env env;
	struct utsname u;

	(void)state;
	env__capture(&env, NULL, "/tmp");
	assert_int_equal(uname(&u), 0);
	assert_string_equal(env.kernel, u.release);
	assert_string_equal(env.machine, u.machine);
	assert_true(env.ncpu >= 1);
	assert_true(env.mem_total_bytes > 16ULL * 1024 * 1024);
	assert_true(env.mem_total_bytes % 1024 == 0);
	assert_string_not_equal(env.fs_type, "unknown");
	assert_true(env.fs_type[0] != '\0' && strncmp(env.fs_type, "0x", 2) != 0);
	assert_string_equal(env.device, "unknown");     /* no device given */
	assert_int_equal(env.read_ahead_kb, -1);
	assert_int_equal(env.is_root, geteuid() == 0);
	assert_string_equal(env.rabench_version, RABENCH_VERSION);
	assert_true(env.git_rev[0] != '\0');
	assert_true(env.faiss_version[0] != '\0');
}

static void test_capture_device(void **state)
{
	struct rb_blockdev dev = { .name = "vda", .stat_path = "/sys/block/vda/stat",
				   .read_ahead_kb = 8192 };
	struct rb_env env;

	(void)state;
	env__capture(&env, &dev, "/tmp/does/not/exist/yet");
	assert_string_equal(env.device, "vda");
	assert_int_equal(env.read_ahead_kb, 8192);
	/* a folder not made yet is judged by its nearest existing ancestor */
	assert_string_not_equal(env.fs_type, "unknown");
}

static void test_fs_type_shm(void **state)
{
	char buf[32];

	(void)state;
	if (access("/dev/shm", F_OK)) {
		skip();
		return;
	}
	env__fs_type("/dev/shm", buf, sizeof(buf));
	assert_string_equal(buf, "tmpfs");
	env__fs_type("", buf, sizeof(buf));
	assert_string_equal(buf, "unknown");
}

static void test_to_json(void **state)
{
	struct rb_env env;
	json_object *o, *v;

	(void)state;
	env__capture(&env, NULL, "/tmp");
	o = env__to_json(&env);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "kernel", &v));
	assert_string_equal(json_object_get_string(v), env.kernel);
	assert_true(json_object_object_get_ex(o, "ncpu", &v));
	assert_int_equal(json_object_get_int(v), env.ncpu);
	assert_true(json_object_object_get_ex(o, "mem_total_bytes", &v));
	assert_true(json_object_is_type(v, json_type_int));
	/* unknown read_ahead_kb is null, not -1 */
	assert_true(json_object_object_get_ex(o, "read_ahead_kb", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "btf_present", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_basics),
		cmocka_unit_test(test_capture_device),
		cmocka_unit_test(test_fs_type_shm),
		cmocka_unit_test(test_to_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
