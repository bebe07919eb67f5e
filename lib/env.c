/*
 * env — capture the environment a run was measured in (see env.h). Everything
 * is read from files and system calls, never from a shell, so capture works in
 * the same minimal environments the benchmark runs in and cannot fail: whatever
 * cannot be read becomes "unknown" or -1.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "env.h"
#include "fsutil.h"

#define UNKNOWN "unknown"

/* statfs f_type -> name, for when /proc/self/mountinfo gives no answer. */
static const struct {
	unsigned long magic;
	const char *name;
} fs_magics[] = {
	{ 0xEF53, "ext4" },        /* ext2/3/4 share it; mountinfo tells them apart */
	{ 0x58465342, "xfs" },
	{ 0x9123683E, "btrfs" },
	{ 0x01021994, "tmpfs" },
	{ 0x858458f6, "ramfs" },
	{ 0x794c7630, "overlay" },
	{ 0xF2F52010, "f2fs" },
	{ 0x2fc12fc1, "zfs" },
	{ 0xca451a4e, "bcachefs" },
	{ 0x6969, "nfs" },
	{ 0x65735546, "fuse" },
	{ 0x01021997, "9p" },
	{ 0x00c36400, "ceph" },
	{ 0xFF534D42, "cifs" },
	{ 0xFE534D42, "smb2" },
	{ 0x73717368, "squashfs" },
	{ 0xE0F5E1E2, "erofs" },
	{ 0x4d44, "vfat" },
	{ 0x2011BAB0, "exfat" },
	{ 0x5346544e, "ntfs" },
	{ 0x9660, "iso9660" },
};

/* Bounded copy; truncating a long host or CPU name is fine for a report. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!src || !*src)
		src = UNKNOWN;
	n = strlen(src);
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Strip leading/trailing blanks in place; returns the start. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Value of the first "key<blanks>:value" line of a /proc file, trimmed. */
static int proc_field(const char *path, const char *key, char *buf, size_t len)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	int err = -ENOENT;

	if (!f) {
		err = -errno;
		return err ? err : -ENOENT;   /* never 0: the caller would read buf */
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, key, klen))
			continue;
		*colon = '\0';
		if (strcmp(trim(line), key))
			continue;
		snprintf(buf, len, "%s", trim(colon + 1));
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static void capture_cpu_mem(struct rb_env *env)
{
	char buf[128];
	long n;

	if (proc_field("/proc/cpuinfo", "model name", buf, sizeof(buf)) == 0)
		copy_str(env->cpu_model, sizeof(env->cpu_model), buf);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	env->ncpu = n > 0 ? (int)n : -1;
	/* MemTotal is in kB ("16303428 kB") */
	if (proc_field("/proc/meminfo", "MemTotal", buf, sizeof(buf)) == 0)
		env->mem_total_bytes = strtoull(buf, NULL, 10) * 1024ULL;
}

static void capture_uname(struct rb_env *env)
{
	struct utsname u;
	char host[256];

	if (uname(&u) == 0) {
		copy_str(env->kernel, sizeof(env->kernel), u.release);
		copy_str(env->machine, sizeof(env->machine), u.machine);
	}
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		copy_str(env->hostname, sizeof(env->hostname), host);
	}
}

/*
 * The harness is C and reaches FAISS through its C API, which (as of 1.7.x) has
 * no version call, and the version macros live in a C++ header we cannot
 * include. The installed header is the same package the library comes from
 * (Debian's libfaiss-dev, or our build of its source), so read its #defines at
 * run time rather than hard-coding a number that would silently go stale.
 */
static void capture_faiss(struct rb_env *env)
{
	static const char *const headers[] = {
		"/usr/include/faiss/Index.h", "/usr/local/include/faiss/Index.h",
	};
	long v[3] = { -1, -1, -1 };
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(headers) / sizeof(headers[0]) && v[0] < 0; i++) {
		FILE *f = fopen(headers[i], "r");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			long x;

			if (sscanf(line, "#define FAISS_VERSION_MAJOR %ld", &x) == 1)
				v[0] = x;
			else if (sscanf(line, "#define FAISS_VERSION_MINOR %ld", &x) == 1)
				v[1] = x;
			else if (sscanf(line, "#define FAISS_VERSION_PATCH %ld", &x) == 1)
				v[2] = x;
		}
		fclose(f);
	}
	if (v[0] >= 0 && v[1] >= 0 && v[2] >= 0)
		snprintf(env->faiss_version, sizeof(env->faiss_version), "%ld.%ld.%ld",
			 v[0], v[1], v[2]);
}

/* First line of a small file, trimmed. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f) {
		err = -errno;
		return err ? err : -ENOENT;   /* never 0: the caller would read buf */
	}
	if (!fgets(buf, (int)len, f))
		err = -EIO;
	fclose(f);
	if (!err)
		memmove(buf, trim(buf), strlen(trim(buf)) + 1);
	return err;
}

/* The git dir of the repository holding start (walking up); handles a .git file. */
static int find_git_dir(const char *start, char *out, size_t len)
{
	char dir[PATH_MAX], probe[PATH_MAX + 8], line[PATH_MAX];
	struct stat st;
	char *slash;

	if (!realpath(start, dir))
		return -errno;
	for (;;) {
		if (fsutil__join(probe, sizeof(probe), dir, ".git"))
			return -ENAMETOOLONG;
		if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
			copy_str(out, len, probe);
			return 0;
		}
		/* worktrees and submodules: ".git" is a file "gitdir: <path>" */
		if (stat(probe, &st) == 0 && read_line(probe, line, sizeof(line)) == 0 &&
		    !strncmp(line, "gitdir: ", 8)) {
			if (line[8] == '/') {
				copy_str(out, len, line + 8);
				return 0;
			}
			return fsutil__join(out, len, dir, line + 8);
		}
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return -ENOENT;
		*slash = '\0';
	}
}

/* Look ref ("refs/heads/main") up in packed-refs: "<sha> <ref>" lines. */
static int packed_ref(const char *gitdir, const char *ref, char *sha, size_t len)
{
	char path[PATH_MAX + 16], line[1024];
	int err = -ENOENT;
	FILE *f;

	if (fsutil__join(path, sizeof(path), gitdir, "packed-refs"))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (line[0] == '#' || line[0] == '^' || !sp)
			continue;
		*sp = '\0';
		if (strcmp(trim(sp + 1), ref) == 0) {
			copy_str(sha, len, line);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* Resolve HEAD of gitdir to a commit id, loose ref first, then packed-refs. */
static int resolve_head(const char *gitdir, char *sha, size_t len)
{
	char path[PATH_MAX], head[512], common[PATH_MAX], line[PATH_MAX];

	if (fsutil__join(path, sizeof(path), gitdir, "HEAD") || read_line(path, head, sizeof(head)))
		return -ENOENT;
	if (strncmp(head, "ref: ", 5)) {
		copy_str(sha, len, head);     /* detached HEAD */
		return 0;
	}
	if (fsutil__join(path, sizeof(path), gitdir, head + 5) == 0 && read_line(path, sha, len) == 0)
		return 0;
	/* a linked worktree keeps branch refs in the common dir */
	copy_str(common, sizeof(common), gitdir);
	if (fsutil__join(path, sizeof(path), gitdir, "commondir") == 0 &&
	    read_line(path, line, sizeof(line)) == 0) {
		if (line[0] == '/')
			copy_str(common, sizeof(common), line);
		else if (fsutil__join(common, sizeof(common), gitdir, line))
			return -ENAMETOOLONG;
	}
	if (fsutil__join(path, sizeof(path), common, head + 5) == 0 && read_line(path, sha, len) == 0)
		return 0;
	return packed_ref(common, head + 5, sha, len);
}

/*
 * The revision of the source tree rabench was built from: the repository
 * around the executable (build/<mode>/rabench lives inside it), else the one
 * around the working directory. Seven hex digits, as `git rev-parse --short`.
 */
static void capture_git(struct rb_env *env)
{
	char exe[PATH_MAX], gitdir[PATH_MAX], sha[128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int err = -ENOENT;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash && slash != exe)
			*slash = '\0';
		err = find_git_dir(exe, gitdir, sizeof(gitdir));
	}
	if (err)
		err = find_git_dir(".", gitdir, sizeof(gitdir));
	if (err || resolve_head(gitdir, sha, sizeof(sha)))
		return;
	if (strlen(sha) < 7 || strspn(sha, "0123456789abcdef") < 7)
		return;
	snprintf(env->git_rev, sizeof(env->git_rev), "%.7s", sha);
}

/* mountinfo line "id parent maj:min root mnt opts... - fstype src opts" for st_dev. */
static int mountinfo_fs_type(dev_t dev, char *buf, size_t len)
{
	char line[4096], type[64];
	unsigned maj, min;
	int err = -ENOENT;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*d %*d %u:%u", &maj, &min) != 2)
			continue;
		if (makedev(maj, min) != dev || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		snprintf(buf, len, "%s", type);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static const char *magic_name(unsigned long magic)
{
	size_t i;

	for (i = 0; i < sizeof(fs_magics) / sizeof(fs_magics[0]); i++)
		if (fs_magics[i].magic == magic)
			return fs_magics[i].name;
	return NULL;
}

void env__fs_type(const char *path, char *buf, size_t len)
{
	char dir[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	const char *name;
	char *slash;

	snprintf(buf, len, UNKNOWN);
	if (!path || !*path)
		return;
	/* the data folder may not exist yet: use its nearest existing ancestor */
	snprintf(dir, sizeof(dir), "%s", path);
	while (stat(dir, &st) != 0) {
		slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	}
	/* mountinfo names ext2/ext3/ext4 and fuse subtypes exactly; magic can't */
	if (mountinfo_fs_type(st.st_dev, buf, len) == 0)
		return;
	if (statfs(dir, &sfs) != 0)
		return;
	name = magic_name((unsigned long)sfs.f_type);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "0x%lx", (unsigned long)sfs.f_type);
}

static void env_init(struct rb_env *env)
{
	memset(env, 0, sizeof(*env));
	snprintf(env->rabench_version, sizeof(env->rabench_version), "%s", RABENCH_VERSION);
	copy_str(env->git_rev, sizeof(env->git_rev), NULL);
	copy_str(env->kernel, sizeof(env->kernel), NULL);
	copy_str(env->machine, sizeof(env->machine), NULL);
	copy_str(env->hostname, sizeof(env->hostname), NULL);
	copy_str(env->cpu_model, sizeof(env->cpu_model), NULL);
	copy_str(env->device, sizeof(env->device), NULL);
	copy_str(env->device_model, sizeof(env->device_model), NULL);
	snprintf(env->calib.why, sizeof(env->calib.why), "not measured");
	copy_str(env->fs_type, sizeof(env->fs_type), NULL);
	copy_str(env->faiss_version, sizeof(env->faiss_version), NULL);
	env->ncpu = -1;
	env->read_ahead_kb = -1;
}

void env__capture(struct rb_env *env, const struct rb_blockdev *dev, const char *data_dir)
{
	if (!env)
		return;
	env_init(env);
	capture_uname(env);
	capture_cpu_mem(env);
	capture_faiss(env);
	capture_git(env);
	if (dev && dev->name[0]) {
		copy_str(env->device, sizeof(env->device), dev->name);
		env->read_ahead_kb = dev->read_ahead_kb;
		calibrate__model(dev->name, env->device_model, sizeof(env->device_model));
	}
	env__fs_type(data_dir, env->fs_type, sizeof(env->fs_type));
	env->is_root = geteuid() == 0;
	env->btf_present = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}

static int add(json_object *o, const char *key, json_object *v)
{
	/* json-c takes ownership of v, also when adding fails (NULL is a JSON null) */
	return json_object_object_add(o, key, v);
}

json_object *env__to_json(const struct rb_env *env)
{
	json_object *o = json_object_new_object();
	int err = 0;

	if (!o || !env)
		goto fail;
	err |= add(o, "rabench_version", json_object_new_string(env->rabench_version));
	err |= add(o, "git_rev", json_object_new_string(env->git_rev));
	err |= add(o, "kernel", json_object_new_string(env->kernel));
	err |= add(o, "machine", json_object_new_string(env->machine));
	err |= add(o, "hostname", json_object_new_string(env->hostname));
	err |= add(o, "cpu_model", json_object_new_string(env->cpu_model));
	err |= add(o, "ncpu", json_object_new_int(env->ncpu));
	err |= add(o, "mem_total_bytes", json_object_new_int64((int64_t)env->mem_total_bytes));
	err |= add(o, "device", json_object_new_string(env->device));
	err |= add(o, "read_ahead_kb",
		   env->read_ahead_kb < 0 ? NULL : json_object_new_int64(env->read_ahead_kb));
	err |= add(o, "device_model", json_object_new_string(env->device_model));
	err |= add(o, "device_calibration", calibrate__to_json(&env->calib));
	err |= add(o, "fs_type", json_object_new_string(env->fs_type));
	err |= add(o, "faiss_version", json_object_new_string(env->faiss_version));
	err |= add(o, "is_root", json_object_new_boolean(env->is_root));
	err |= add(o, "btf_present", json_object_new_boolean(env->btf_present));
	if (err)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}
