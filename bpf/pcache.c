/*
 * pcache — the loader of bpf/pcache.bpf.c behind the probes__* API (probes.h):
 * the bcc lifecycle (open, check, load, attach, read maps, destroy) run inside
 * a library, so nothing here prints or exits; failures leave a one-line reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "pcache.h"
#include "pcache.skel.h"
#include "probes.h"
#include "pcache_int.h"
#include "hooks.h"
#include "lib/clock.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define RESOLVE_MAX	256	/* all-files mode: paths looked up for the top files */

/*
 * The probe points, in enum rb_probe_hook order: the tracepoint each stands
 * for and the kernel function that fentry and kprobe variants attach to. Adds
 * and deletes are the probes' ground truth: without them there is nothing.
 */
static const struct rb_hook_def hook_defs[RB_PROBE_HOOKS] = {
	[RB_HOOK_ADD] = { "add", "mm_filemap_add_to_page_cache", NULL, true },
	[RB_HOOK_DELETE] = { "delete", "mm_filemap_delete_from_page_cache", NULL, true },
	[RB_HOOK_GET_PAGES] = { "get_pages", "mm_filemap_get_pages", "filemap_read", false },
	[RB_HOOK_FAULT] = { "fault", "mm_filemap_fault", "filemap_fault", false },
	[RB_HOOK_MAP_PAGES] = { "map_pages", "mm_filemap_map_pages", "filemap_map_pages", false },
	[RB_HOOK_SYNC_RA] = { "sync_ra", "page_cache_sync_ra", "page_cache_sync_ra", false },
	[RB_HOOK_ASYNC_RA] = { "async_ra", "page_cache_async_ra", "page_cache_async_ra", false },
	[RB_HOOK_RA_ORDER] = { "ra_order", "page_cache_ra_order", "page_cache_ra_order", false },
	[RB_HOOK_RA_UNBOUNDED] = { "ra_unbounded", "page_cache_ra_unbounded",
				   "page_cache_ra_unbounded", false },
	[RB_HOOK_RQ_ISSUE] = { "rq_issue", "block_rq_issue", NULL, false },
	[RB_HOOK_RQ_COMPLETE] = { "rq_complete", "block_rq_complete", NULL, false },
};

struct target {
	struct rb_pc_file_key key;
	char path[RB_PROBE_PATH_MAX];
};

struct rb_probes {
	struct pcache_bpf *skel;
	bool all_files;
	int n_targets;
	struct target targets[PCACHE_MAX_TARGETS];
	__u32 block_dev;		/* kernel dev_t of the disk, 0 = all */
	char block_name[32];
	double t_start, t_stop;
	struct rb_hook_state hooks[RB_PROBE_HOOKS];
	struct rb_probe_kernel kernel;
	char err[256];
};

/*
 * libbpf reports through one process-wide print callback with no user data:
 * keep its first failure line so probes__open can say why a load failed.
 */
static char libbpf_why[200];

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[sizeof(libbpf_why)];

	if (level == LIBBPF_DEBUG || libbpf_why[0])
		return 0;
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = '\0';
	if (strstr(line, "failed") || strstr(line, "error"))
		snprintf(libbpf_why, sizeof(libbpf_why), "%s", line);
	return 0;
}

static int fail(struct rb_probes *p, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return rc;
}

__u32 pcache__kdev(dev_t dev)
{
	return (major(dev) << 20) | minor(dev);
}

/* Read /sys/kernel/mm/lru_gen/enabled (absent before 6.1 or without MGLRU). */
static void read_mglru(struct rb_probe_kernel *k)
{
	FILE *f = fopen("/sys/kernel/mm/lru_gen/enabled", "re");
	char buf[32] = "";

	k->mglru[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		snprintf(k->mglru, sizeof(k->mglru), "%.*s", (int)strcspn(buf, "\n"), buf);
	fclose(f);
}

/* Refuse kernels the programs cannot run on; choose a mechanism per hook. */
static int choose_hooks(struct rb_probes *p)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char why[200];
	int rc;

	if (!btf)
		return fail(p, -ENOTSUP, "cannot read %s", VMLINUX_BTF);
	rc = hooks__check_kernel(btf, why, sizeof(why));
	p->kernel.readahead_tracepoints = hooks__tracepoint_exists(btf, "page_cache_sync_ra");
	btf__free(btf);
	read_mglru(&p->kernel);
	if (rc)
		return fail(p, rc, "%s", why);
	rc = hooks__choose(p->skel->obj, "pc", hook_defs, RB_PROBE_HOOKS, p->hooks, why, sizeof(why));
	return rc ? fail(p, rc, "%s", why) : 0;
}

static int open_and_load(struct rb_probes *p)
{
	int rc;

	p->skel = pcache_bpf__open();
	if (!p->skel)
		return fail(p, -errno ? -errno : -EINVAL, "BPF open failed: %s",
			    libbpf_why[0] ? libbpf_why : strerror(errno));
	rc = choose_hooks(p);
	if (rc)
		return rc;
	rc = pcache_bpf__load(p->skel);
	if (rc)
		return fail(p, rc, "BPF load failed: %s",
			    libbpf_why[0] ? libbpf_why : strerror(-rc));
	return 0;
}

/* Load with libbpf's messages captured, then give its printer back. */
static int load(struct rb_probes *p)
{
	libbpf_print_fn_t old;
	int rc;

	libbpf_why[0] = '\0';
	old = libbpf_set_print(libbpf_capture);
	rc = open_and_load(p);
	libbpf_set_print(old);
	return rc;
}

int probes__open(struct rb_probes **out, char *why, size_t whylen)
{
	struct rb_probes *p;
	int rc = 0;

	*out = NULL;
	if (geteuid() != 0) {
		snprintf(why, whylen, "not root");
		return -EPERM;
	}
	if (access(VMLINUX_BTF, R_OK)) {
		snprintf(why, whylen, "no BTF at %s", VMLINUX_BTF);
		return -ENOTSUP;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	rc = load(p);
	if (rc) {
		snprintf(why, whylen, "%s", p->err);
		probes__destroy(p);
		return rc;
	}
	p->all_files = true;
	*out = p;
	return 0;
}

/* The whole disk holding dev (a partition's parent), as the block layer names it. */
static __u32 disk_of(dev_t dev, char *name, size_t len)
{
	unsigned int ma = major(dev), mi = minor(dev);
	char path[128], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", ma, mi);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", ma, mi);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				sscanf(buf, "%u:%u", &ma, &mi);
			fclose(f);
		}
	}
	snprintf(name, len, "%u:%u", ma, mi);
	return (ma << 20) | mi;
}

int probes__set_targets(struct rb_probes *p, const char *const *paths, int n)
{
	struct stat st;
	int i;

	if (n < 0 || n > PCACHE_MAX_TARGETS)
		return fail(p, -E2BIG, "at most %d target files", PCACHE_MAX_TARGETS);
	p->all_files = n == 0;
	p->n_targets = 0;
	p->block_dev = 0;
	snprintf(p->block_name, sizeof(p->block_name), "all");
	for (i = 0; i < n; i++) {
		if (stat(paths[i], &st))
			return fail(p, -errno, "%s: %s", paths[i], strerror(errno));
		p->targets[i].key = (struct rb_pc_file_key){
			.ino = st.st_ino, .dev = pcache__kdev(st.st_dev) };
		snprintf(p->targets[i].path, sizeof(p->targets[i].path), "%s", paths[i]);
		if (i == 0)
			p->block_dev = disk_of(st.st_dev, p->block_name, sizeof(p->block_name));
		p->n_targets = i + 1;
	}
	return 0;
}


static int clear_maps(struct rb_probes *p)
{
	struct pcache_bpf *s = p->skel;
	int rc;

	rc = pcache__drain(bpf_map__fd(s->maps.chunks), sizeof(struct rb_pc_chunk_key),
			   sizeof(struct rb_pc_chunk), NULL, NULL);
	rc = rc ? rc : pcache__drain(bpf_map__fd(s->maps.files), sizeof(struct rb_pc_file_key),
				     sizeof(struct rb_pc_file), NULL, NULL);
	rc = rc ? rc : pcache__drain(bpf_map__fd(s->maps.tasks), sizeof(__u32),
				     bpf_map__value_size(s->maps.tasks), NULL, NULL);
	rc = rc ? rc : pcache__drain(bpf_map__fd(s->maps.inflight), sizeof(__u64),
				     sizeof(__u64), NULL, NULL);
	return rc;
}

/* Attach with libbpf's messages captured too: a library does not print. */
static int attach(struct rb_probes *p)
{
	libbpf_print_fn_t old;
	int rc;

	libbpf_why[0] = '\0';
	old = libbpf_set_print(libbpf_capture);
	rc = pcache_bpf__attach(p->skel);
	libbpf_set_print(old);
	return rc;
}

/* Target files get their (zeroed) entries up front: the programs count only those. */
static int add_targets(struct rb_probes *p)
{
	struct rb_pc_file zero = { 0 };
	int i, rc;

	for (i = 0; i < p->n_targets; i++) {
		rc = bpf_map_update_elem(bpf_map__fd(p->skel->maps.files), &p->targets[i].key,
					 &zero, BPF_ANY);
		if (rc)
			return fail(p, rc, "adding %s to the BPF map: %s", p->targets[i].path,
				    strerror(-rc));
	}
	return 0;
}

/*
 * Attaching and detaching a dozen tracepoints takes milliseconds (RCU, text
 * patching); the window opens and closes on the .bss flag instead, so its
 * edges are as sharp as the caller's own timestamps.
 */
int probes__start(struct rb_probes *p)
{
	int rc;

	if (!p || !p->skel)
		return -EINVAL;
	__atomic_store_n(&p->skel->bss->enabled, 0, __ATOMIC_SEQ_CST);
	rc = attach(p);
	if (rc)
		return fail(p, rc, "BPF attach failed: %s",
			    libbpf_why[0] ? libbpf_why : strerror(-rc));
	rc = clear_maps(p);
	if (rc) {
		pcache_bpf__detach(p->skel);
		return fail(p, rc, "clearing the BPF maps: %s", strerror(-rc));
	}
	memset(&p->skel->bss->counters, 0, sizeof(p->skel->bss->counters));
	p->skel->bss->all_files = p->all_files;
	p->skel->bss->block_dev = p->block_dev;
	p->skel->bss->watch_tgid = 0;
	rc = add_targets(p);
	if (rc) {
		pcache_bpf__detach(p->skel);
		return rc;
	}
	p->t_stop = 0;
	p->t_start = clock__now_s();
	__atomic_store_n(&p->skel->bss->enabled, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void probes__watch(struct rb_probes *p, int tgid)
{
	if (p && p->skel)
		__atomic_store_n(&p->skel->bss->watch_tgid, (__u32)tgid, __ATOMIC_SEQ_CST);
}

int probes__stop(struct rb_probes *p)
{
	if (!p || !p->skel)
		return -EINVAL;
	__atomic_store_n(&p->skel->bss->enabled, 0, __ATOMIC_SEQ_CST);
	p->t_stop = clock__now_s();
	pcache_bpf__detach(p->skel);
	return 0;
}

int probes__collect(struct rb_probes *p, struct rb_probe_result *out)
{
	struct pcache_maps m;
	int i, rc;

	memset(out, 0, sizeof(*out));
	if (!p || !p->skel)
		return -EINVAL;
	m = (struct pcache_maps){
		.files_fd = bpf_map__fd(p->skel->maps.files),
		.chunks_fd = bpf_map__fd(p->skel->maps.chunks),
		.counters = &p->skel->bss->counters,
		.all_files = p->all_files,
	};
	for (i = 0; !p->all_files && i < p->n_targets; i++)
		m.want[m.n_want++] = p->targets[i].key;
	rc = pcache__collect_maps(&m, out);
	if (rc)
		return fail(p, rc, "reading the BPF maps: %s", strerror(-rc));
	for (i = 0; !p->all_files && i < p->n_targets; i++)
		snprintf(out->files[i].path, sizeof(out->files[i].path), "%s", p->targets[i].path);
	if (p->all_files)
		pcache__resolve_paths(out, RESOLVE_MAX);
	out->window_s = (p->t_stop ? p->t_stop : clock__now_s()) - p->t_start;
	snprintf(out->block.device, sizeof(out->block.device), "%s", p->block_name);
	probes__attach_info(p, out);
	return 0;
}

void probes__attach_info(const struct rb_probes *p, struct rb_probe_result *out)
{
	const struct rb_hook_def *d;
	int i;

	out->kernel = p->kernel;
	out->missing_hooks = 0;
	for (i = 0; i < RB_PROBE_HOOKS; i++) {
		struct rb_probe_attach *a = &out->attach[i];

		d = &hook_defs[i];
		snprintf(a->hook, sizeof(a->hook), "%s", d->name);
		snprintf(a->mech, sizeof(a->mech), "%s", hooks__mech_name(p->hooks[i].mech));
		snprintf(a->target, sizeof(a->target), "%s",
			 p->hooks[i].mech == RB_MECH_TP_BTF ? d->tp :
			 p->hooks[i].mech == RB_MECH_NONE ? "" : d->func);
		snprintf(a->why, sizeof(a->why), "%s", p->hooks[i].why);
		if (p->hooks[i].mech == RB_MECH_NONE)
			out->missing_hooks |= 1u << i;
	}
}

int probes__peek(struct rb_probes *p, uint64_t *added, uint64_t *spec_unused_evicted)
{
	struct rb_pc_file_key key, next;
	struct rb_pc_file v;
	void *prev = NULL;
	int fd, i;

	*added = *spec_unused_evicted = 0;
	if (!p || !p->skel)
		return -EINVAL;
	/* lookups only: collect drains the map, a peek must leave it as it is */
	fd = bpf_map__fd(p->skel->maps.files);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &v) == 0) {
			for (i = 0; i < RB_PC_KINDS; i++)
				*added += v.added[i];
			*spec_unused_evicted += v.unused_evicted[RB_PC_SPEC];
		}
		key = next;
		prev = &key;
	}
	return 0;
}

int probes__peek_counts(struct rb_probes *p, struct rb_probe_counts *sum)
{
	struct rb_pc_file_key key, next;
	struct rb_pc_file v;
	void *prev = NULL;
	int fd, i;

	memset(sum, 0, sizeof(*sum));
	if (!p || !p->skel)
		return -EINVAL;
	fd = bpf_map__fd(p->skel->maps.files);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &v) == 0) {
			sum->added_demand += v.added[RB_PC_DEMAND];
			sum->added_spec += v.added[RB_PC_SPEC];
			sum->added_prefetch += v.added[RB_PC_PREFETCH];
			sum->spec_unused_evicted += v.unused_evicted[RB_PC_SPEC];
			sum->prefetch_unused_evicted += v.unused_evicted[RB_PC_PREFETCH];
			sum->read_pages += v.read_pages;
			sum->read_miss += v.read_miss;
			sum->faults += v.faults;
			sum->major_faults += v.major_faults;
			for (i = 0; i < RB_PROBE_WIN_SLOTS && i < RB_PC_WIN_SLOTS; i++)
				sum->ra_window[i] += v.ra_window[i];
		}
		key = next;
		prev = &key;
	}
	return 0;
}

const char *probes__last_error(const struct rb_probes *p)
{
	return p ? p->err : "";
}

void probes__destroy(struct rb_probes *p)
{
	if (!p)
		return;
	pcache_bpf__destroy(p->skel);
	free(p);
}

void probe_result__free(struct rb_probe_result *r)
{
	if (!r)
		return;
	free(r->files);
	r->files = NULL;
	r->n_files = 0;
}
