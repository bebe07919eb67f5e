/*
 * prefetch — loader of bpf/prefetch.bpf.c and the prefetch agent's lifecycle (see
 * prefetch_agent.h for what it does): open, files and extents, attach (with the
 * uprobe), start, stop, destroy. The agent thread is in prefetch_agent.c, the
 * WILLNEED submitters in prefetch_submit.c, what to keep under a memory limit in
 * prefetch_retain.c, its pure decisions in prefetch_policy.c, the served
 * process's mappings and descriptors in prefetch_target.c, the counters in
 * prefetch_stats.c.
 *
 * One thread polls the ring buffer and issues POSIX_FADV_WILLNEED through the
 * agent's own descriptors: the page cache belongs to the inode, so what it
 * brings in serves the workload's mapping, and the readahead state of our
 * descriptors is nobody else's. Pages our thread adds are told apart in the
 * kernel by its tid, so they never come back as misses.
 *
 * Hints arrive on a ring of their own, read before the events ring and again
 * every PF_HINTS_EVERY events, so accesses never queue ahead of a scan's hint.
 * With more than one client, the WILLNEED calls (and drops) go to submitter
 * threads (one per client, at most PF_MAX_SUBMITTERS; one when only drops need
 * it) so that the agent, which only decides, keeps up with every client's hints; their tids are in the BPF
 * program's agent_tids, so what they add counts as prefetched.
 *
 * Dropping: under a memory limit that leaves the page cache less room than the
 * extent-mapped bytes, when a client thread's next prefetch_lists call arrives,
 * its previous call's lists have been scanned. The agent ranks the lists by
 * popularity (how many calls named each, counted in BPF; ranked again at most
 * every PF_RANK_NS): the most popular ones that fit in PF_KEEP_PCT % of the room
 * are hot. The scanned lists below that rank, unless another thread's current
 * call names them, are paged out (MADV_PAGEOUT on the served process's
 * mappings, POSIX_FADV_DONTNEED on the file), so the hot lists stay resident
 * instead of being evicted by cold ones.
 *
 * Bounding: "pf_outstanding" bytes are prefetched bytes the workload has not
 * touched yet (an extent leaves the count at its first access, or after 1 s,
 * counted as expired). A prefetch that would take the pf_outstanding bytes over the
 * budget is skipped and counted, not queued: a late prefetch is worth little.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/journal.h"
#include "prefetch_int.h"
#include "lib/clock.h"

/* The page-cache events the agent watches; see bpf/hooks.h and pcache.c. */
static const struct rb_hook_def pf_hooks[] = {
	{ "add", "mm_filemap_add_to_page_cache", NULL, true },
	{ "fault", "mm_filemap_fault", "filemap_fault", true },
	{ "get_pages", "mm_filemap_get_pages", "filemap_read", true },
	{ "map_pages", "mm_filemap_map_pages", "filemap_map_pages", true },
	{ "delete", "mm_filemap_delete_from_page_cache", NULL, true },
};
_Static_assert(sizeof(pf_hooks) / sizeof(pf_hooks[0]) == PF_HOOKS, "PF_HOOKS: pf_hooks[]");




/* ---- setup ---- */

static uint32_t kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

/*
 * The budget grows with the clients (each has a scan's lists in flight), and
 * stays under a quarter of a memory cgroup limit: prefetched pages are charged
 * to the workload's cgroup, so more in flight would push out the pages it uses.
 */
static uint64_t budget_for(const struct prefetch_opts *o)
{
	uint64_t want = o->budget_bytes ? o->budget_bytes :
			PF_DEFAULT_BUDGET * (uint64_t)(o->clients > 1 ? o->clients : 1);

	if (o->mem_room_bytes && o->mem_room_bytes / 4 < want)
		want = o->mem_room_bytes / 4;
	return want;
}

void prefetch__set_room(struct prefetch *p, uint64_t room)
{
	p->opts.mem_room_bytes = room;
	p->st.budget_bytes = budget_for(&p->opts);
}

/* Dropping pays only when the lists cannot all stay cached: extents > the room. */
static bool drop_wanted(const struct prefetch *p)
{
	uint64_t bytes = 0;
	size_t j;
	int i;

	if (!p->opts.mem_room_bytes || !p->opts.drop_after_scan)
		return false;
	for (i = 0; i < p->n_files; i++)
		for (j = 0; j < p->files[i].n_ext; j++)
			bytes += p->files[i].ext[j].len;
	return bytes > p->opts.mem_room_bytes;
}

int prefetch__open(struct prefetch **out, const struct prefetch_opts *opts, char *err,
		   size_t errlen)
{
	struct prefetch *p = calloc(1, sizeof(*p));
	char why[200];
	int rc;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->uprobe_jid = -1;
	if (opts)
		p->opts = *opts;
	p->epfd = -1;
	p->pidfd = -1;
	pthread_mutex_init(&p->spans_lock, NULL);
	if (!p->opts.window_bytes)
		p->opts.window_bytes = PF_DEFAULT_WINDOW;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen, "bpf-prefetch: no kernel BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		free(p);
		return -EOPNOTSUPP;
	}
	p->skel = prefetch_bpf__open();
	if (!p->skel) {
		rc = -errno;
		snprintf(err, errlen, "bpf-prefetch: cannot open the BPF object: %s", strerror(-rc));
		free(p);
		return rc;
	}
	rc = hooks__choose(p->skel->obj, "pf", pf_hooks, PF_HOOKS, p->hooks, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: %s", why);
		prefetch_bpf__destroy(p->skel);
		free(p);
		return -ENOTSUP;
	}
	rc = prefetch_bpf__load(p->skel);
	if (rc) {
		/* a kernel the programs do not fit is a skipped strategy, not a failed run */
		snprintf(err, errlen, "bpf-prefetch: cannot load the BPF programs: %s%s",
			 strerror(-rc), geteuid() ? " (needs root)" : "");
		prefetch_bpf__destroy(p->skel);
		free(p);
		return geteuid() ? -EPERM : -ENOTSUP;
	}
	p->skel->bss->targ_tgid = (__u32)pf_served_pid(p);
	*out = p;
	return 0;
}

/* Put file f into the kernel's filter with val. */
static int filter(struct prefetch *p, const struct pf_file *f, const struct rb_pf_file_val *val)
{
	struct rb_pf_file_key key = { .ino = f->ino, .dev = kernel_dev(f->dev) };

	return bpf_map__update_elem(p->skel->maps.files, &key, sizeof(key), val, sizeof(*val), 0);
}

int prefetch__add_file(struct prefetch *p, const char *path, char *err, size_t errlen)
{
	struct rb_pf_file_val val = { 0 };
	struct pf_file *f;
	struct stat st;
	int rc;

	if (p->n_files >= PREFETCH_MAX_FILES) {
		snprintf(err, errlen, "bpf-prefetch: more than %d files", PREFETCH_MAX_FILES);
		return -ENOSPC;
	}
	f = &p->files[p->n_files];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open for prefetching: %s", path, strerror(-rc));
		if (f->fd >= 0)
			close(f->fd);
		return rc;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pages = ((uint64_t)st.st_size + PF_PAGE - 1) / PF_PAGE;
	val.file = (__u32)p->n_files;
	if (filter(p, f, &val)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot add to the BPF file filter: %s", path, strerror(-rc));
		close(f->fd);
		return rc;
	}
	return p->n_files++;
}

int prefetch__add_extent(struct prefetch *p, int file, int64_t key, uint64_t off, uint64_t len)
{
	struct pf_file *f;
	void *n;

	if (file < 0 || file >= p->n_files || !len)
		return -EINVAL;
	f = &p->files[file];
	if (f->n_ext == f->cap_ext) {
		f->cap_ext = f->cap_ext ? 2 * f->cap_ext : 1024;
		n = realloc(f->ext, f->cap_ext * sizeof(*f->ext));
		if (!n)
			return -ENOMEM;
		f->ext = n;
	}
	f->ext[f->n_ext++] = (struct pf_ext){ .off = off, .len = len };
	if (key < 0)
		return 0;
	if (p->n_keys == p->cap_keys) {
		p->cap_keys = p->cap_keys ? 2 * p->cap_keys : 1024;
		n = realloc(p->keys, p->cap_keys * sizeof(*p->keys));
		if (!n)
			return -ENOMEM;
		p->keys = n;
	}
	p->keys[p->n_keys++] = (struct pf_key){ .key = key, .file = (uint32_t)file, .off = off };
	return 0;
}


int pf_attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen);

/* Every file with extents keeps the kernel's read-around (prefetch__choose PF_KEEP). */
static bool all_kept(const struct prefetch *p)
{
	int i, hinted = 0;

	for (i = 0; i < p->n_files; i++) {
		if (!p->files[i].n_ext)
			continue;
		if (!p->files[i].keep)
			return false;
		hinted++;
	}
	return hinted > 0;
}

static int attach_results(struct prefetch *p, const char *bin, char *err, size_t errlen);

/* The probes attached by name, not by the generic loop: the uprobes. */
static bool is_uprobe(const struct prefetch_bpf *s, const struct bpf_program *prog)
{
	return prog == s->progs.pf_prefetch_lists || prog == s->progs.pf_search_entry ||
	       prog == s->progs.pf_search_return;
}

static int attach(struct prefetch *p, char *err, size_t errlen)
{
	char exe[PATH_MAX], self[64];
	const char *bin = p->opts.binary, *sym = p->opts.symbol;
	struct prefetch_bpf *s = p->skel;
	bool hints;
	ssize_t n;
	int i, rc;

	for (i = 0; i < s->skeleton->prog_cnt; i++) {
		struct bpf_program *prog = *s->skeleton->progs[i].prog;

		if (is_uprobe(s, prog) || !bpf_program__autoload(prog))
			continue;
		*s->skeleton->progs[i].link = bpf_program__attach(prog);
		if (!*s->skeleton->progs[i].link) {
			rc = errno ? -errno : -EINVAL;
			snprintf(err, errlen, "bpf-prefetch: cannot attach %s: %s",
				 bpf_program__name(prog), strerror(-rc));
			return rc;
		}
	}
	if (!bin && pf_outside(p))
		return 0;   /* not yet: prefetch__attach_hints */
	/* no hint uprobe asked for, or every hinted file fits and keeps read-around (a hint
	   would only cost a trap) */
	hints = !(sym && !sym[0]) && !all_kept(p);
	if (!hints && !p->opts.result_symbol)
		return 0;
	if (!bin) {
		snprintf(self, sizeof(self), "/proc/%d/exe", pf_served_pid(p));
		n = readlink(self, exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = '\0';
		bin = exe;
	}
	if (p->opts.result_symbol && (rc = attach_results(p, bin, err, errlen)))
		return rc;
	return hints ? pf_attach_uprobe(p, bin, err, errlen) : 0;
}

/* A kernel without the uprobe PMU gets tracefs events that outlive us: journaled, once. */
static int journal_uprobes(struct prefetch *p, char *err, size_t errlen)
{
	char self[16];
	int rc;

	if (p->uprobe_jid >= 0)
		return 0;
	snprintf(self, sizeof(self), "%d", (int)getpid());
	rc = journal__record(RB_JOURNAL_UPROBES, self, NULL, &p->uprobe_jid);
	if (rc)
		snprintf(err, errlen, "bpf-prefetch: cannot journal the uprobe in %s: %s",
			 journal__dir(), strerror(-rc));
	return rc;
}

/* The search's entry (where its ids go) and return (send them), in bin. */
static int attach_results(struct prefetch *p, const char *bin, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	struct prefetch_bpf *s = p->skel;
	int rc;

	if ((rc = journal_uprobes(p, err, errlen)))
		return rc;
	uopts.func_name = p->opts.result_symbol;
	s->links.pf_search_entry = bpf_program__attach_uprobe_opts(s->progs.pf_search_entry,
								   pf_served_pid(p), bin, 0, &uopts);
	if (s->links.pf_search_entry) {
		uopts.retprobe = true;
		s->links.pf_search_return = bpf_program__attach_uprobe_opts(
			s->progs.pf_search_return, pf_served_pid(p), bin, 0, &uopts);
	}
	if (!s->links.pf_search_entry || !s->links.pf_search_return) {
		rc = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "bpf-prefetch: cannot attach a %s to %s in %s: %s",
			 s->links.pf_search_entry ? "uretprobe" : "uprobe", uopts.func_name, bin,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

int pf_attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	struct prefetch_bpf *s = p->skel;
	int rc;

	uopts.func_name = p->opts.symbol ? p->opts.symbol : PREFETCH_FAISS_SYMBOL;
	if ((rc = journal_uprobes(p, err, errlen)))
		return rc;
	s->links.pf_prefetch_lists = bpf_program__attach_uprobe_opts(s->progs.pf_prefetch_lists,
								     pf_served_pid(p), bin, 0, &uopts);
	if (!s->links.pf_prefetch_lists) {
		rc = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "bpf-prefetch: cannot attach a uprobe to %s in %s: %s",
			 uopts.func_name, bin, strerror(-rc));
		return rc;
	}
	return 0;
}


int prefetch__retarget(struct prefetch *p, int pid)
{
	if (pid == pf_served_pid(p))
		return 0;
	/* the old process's uprobe goes; the new one's FAISS is found again (attach_hints_found) */
	bpf_link__destroy(p->skel->links.pf_prefetch_lists);
	p->skel->links.pf_prefetch_lists = NULL;
	bpf_link__destroy(p->skel->links.pf_search_entry);
	p->skel->links.pf_search_entry = NULL;
	bpf_link__destroy(p->skel->links.pf_search_return);
	p->skel->links.pf_search_return = NULL;
	__atomic_store_n(&p->opts.pid, pid, __ATOMIC_RELEASE);
	__atomic_store_n(&p->skel->bss->targ_tgid, (__u32)pid, __ATOMIC_RELEASE);
	if (p->pidfd >= 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	return 0;
}

int prefetch__attach_hints(struct prefetch *p, const char *binary, char *err, size_t errlen)
{
	if (p->skel->links.pf_prefetch_lists)
		return -EALREADY;
	return pf_attach_uprobe(p, binary, err, errlen);
}

/*
 * The agent thread, and a submitter per client when there are several (at most
 * PF_MAX_SUBMITTERS), or one for the drops. They take no signal: SIGINT stays
 * with the thread that handles it.
 */
static int start_threads(struct prefetch *p)
{
	int clients = p->opts.clients > 1 ? p->opts.clients : 1, i, rc = 0;
	/* a submitter per client beyond the first; one at least when drops are on */
	int n = clients > 1 ? clients : p->drop_on ? 1 : 0;
	sigset_t all, old;

	if (sem_init(&p->ready, 0, 0))
		return -errno;
	p->ready_init = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (n) {
		pthread_mutex_init(&p->qlock, NULL);
		pthread_cond_init(&p->qcond, NULL);
		pthread_cond_init(&p->qdone, NULL);
		p->workers_started = 1;
	}
	for (i = 0; i < n && i < PF_MAX_SUBMITTERS && !rc; i++) {
		p->wargs[i] = (struct pf_worker_arg){ .p = p, .slot = i + 1 };
		rc = pthread_create(&p->workers[i], NULL, pf_worker_main, &p->wargs[i]);
		if (!rc) {
			p->n_workers++;
			while (sem_wait(&p->ready) && errno == EINTR)
				;
		}
	}
	if (!rc)
		rc = pthread_create(&p->thread, NULL, pf_agent_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	p->thread_started = 1;
	__atomic_store_n(&p->st.submitters, (uint64_t)p->n_workers, __ATOMIC_RELAXED);
	while (sem_wait(&p->ready) && errno == EINTR)
		;
	return 0;
}

/* Both rings in one epoll set, so one wait covers them. */
static int open_rings(struct prefetch *p)
{
	struct epoll_event ev = { .events = EPOLLIN };

	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), pf_on_event, p, NULL);
	if (!p->rb)
		return -errno;
	p->rb_hints = ring_buffer__new(bpf_map__fd(p->skel->maps.hints), pf_on_event, p, NULL);
	if (!p->rb_hints)
		return -errno;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		return -errno;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(p->rb), &ev) ||
	    epoll_ctl(p->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(p->rb_hints), &ev))
		return -errno;
	return 0;
}

/* Dropping cold lists: the client threads' calls, the mappings to page out of. */
static int start_drops(struct prefetch *p)
{
	p->drop_on = drop_wanted(p);
	if (!p->drop_on)
		return 0;
	p->calls = calloc(PF_MAX_TIDS, sizeof(*p->calls));
	p->rank_cap = p->n_keys < RB_PF_MAX_KEYS ? (uint32_t)p->n_keys : RB_PF_MAX_KEYS;
	p->rank_keys = calloc(p->rank_cap + 1, sizeof(*p->rank_keys));
	p->rank_calls = calloc(p->rank_cap + 1, sizeof(*p->rank_calls));
	p->rank_order = calloc(p->rank_cap + 1, sizeof(*p->rank_order));
	if (!p->calls || !p->rank_keys || !p->rank_calls || !p->rank_order)
		return -ENOMEM;

	STAT_ADD(p, drop_pressure, 1);
	return pf_find_spans(p);
}

/*
 * A file read extent by extent gains nothing from speculative readahead, and
 * its misses are worth waking the agent for.
 */
static int start_file(struct prefetch *p, int fi)
{
	struct rb_pf_file_val val = { .file = (__u32)fi, .flags = RB_PF_F_MISSES };

	if (!p->files[fi].n_ext || p->files[fi].keep)
		return 0;   /* a kept file's misses are the kernel's read-around's to serve */
	if (filter(p, &p->files[fi], &val))
		return -errno;
	return pf_advise_random(p, fi);
}

int prefetch__choose(struct prefetch *p, int fi, enum pf_choice c)
{
	struct pf_file *f;

	if (fi < 0 || fi >= p->n_files)
		return -EINVAL;
	f = &p->files[fi];
	switch (c) {
	case PF_WHOLE:
		if (!f->whole) {
			STAT_ADD(p, files_whole, 1);
			f->whole = 1;
		}
		/* a hinted file read whole is still a hinted file */
		__attribute__((fallthrough));
	case PF_HINTED:
		STAT_ADD(p, files_hinted, 1);
		break;
	case PF_TOO_BIG:
		STAT_ADD(p, files_too_big, 1);
		break;
	case PF_KEEP:
		if (!f->keep)
			STAT_ADD(p, files_kept, 1);
		f->keep = 1;
		break;
	}
	return 0;
}

int prefetch__start(struct prefetch *p, char *err, size_t errlen)
{
	int i, rc;

	pf_index_extents(p);
	p->st.budget_bytes = budget_for(&p->opts);
	rc = open_rings(p);
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: cannot open the ring buffers: %s", strerror(-rc));
		return rc;
	}
	for (i = 0; i < p->n_files; i++) {
		rc = start_file(p, i);
		if (rc) {
			snprintf(err, errlen, "%s: cannot switch readahead off: %s", p->files[i].path,
				 strerror(-rc));
			return rc;
		}
	}
	rc = start_drops(p);
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: cannot find the mappings to drop cold lists "
			 "from: %s", strerror(-rc));
		return rc;
	}
	rc = attach(p, err, errlen);
	if (rc)
		return rc;
	rc = start_threads(p);
	if (rc)
		snprintf(err, errlen, "bpf-prefetch: cannot start the agent threads: %s", strerror(-rc));
	return rc;
}

bool prefetch__alive(const struct prefetch *p)
{
	return !__atomic_load_n(&p->died, __ATOMIC_ACQUIRE);
}

int prefetch__stop(struct prefetch *p)
{
	int rc;

	int i;

	if (p->thread_started) {
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
		pthread_join(p->thread, NULL);
		p->thread_started = 0;
	}
	if (p->unhint_started) {	/* the agent started it: joined after the agent */
		pthread_join(p->unhint_thread, NULL);
		p->unhint_started = false;
	}
	/* the submitters finish what is queued: every counted prefetch was issued */
	if (p->workers_started) {
		pthread_mutex_lock(&p->qlock);
		p->wstop = 1;
		pthread_cond_broadcast(&p->qcond);
		pthread_mutex_unlock(&p->qlock);
		for (i = 0; i < p->n_workers; i++)
			pthread_join(p->workers[i], NULL);
		pthread_cond_destroy(&p->qcond);
		pthread_cond_destroy(&p->qdone);
		pthread_mutex_destroy(&p->qlock);
		p->workers_started = 0;
		p->n_workers = 0;
	}
	if (p->ready_init) {
		sem_destroy(&p->ready);
		p->ready_init = 0;
	}
	/* detach first: nothing may prefetch or advise once we start restoring */
	prefetch_bpf__detach(p->skel);
	rc = pf_restore_advice(p);
	return rc;
}

int prefetch__destroy(struct prefetch *p)
{
	int i, rc;

	if (!p)
		return 0;
	rc = prefetch__stop(p);
	ring_buffer__free(p->rb);
	ring_buffer__free(p->rb_hints);
	if (p->epfd >= 0)
		close(p->epfd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	pthread_mutex_destroy(&p->spans_lock);
	free(p->calls);
	free(p->rank_keys);
	free(p->rank_calls);
	free(p->rank_order);
	prefetch_bpf__destroy(p->skel);
	journal__forget(p->uprobe_jid);
	for (i = 0; i < p->n_files; i++) {
		close(p->files[i].fd);
		free(p->files[i].ext);
	}
	free(p->keys);
	free(p);
	return rc;
}
