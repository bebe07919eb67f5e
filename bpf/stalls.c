/*
 * stalls — the loader of bpf/stalls.bpf.c (API in stalls_api.h): load, attach the
 * two scheduler tracepoints, mmap the per-slot totals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stalls.h"
#include "stalls.skel.h"
#include "stalls_api.h"

struct rb_stalls {
	struct stalls_bpf *skel;
	volatile uint64_t *totals;	/* mmapped array: RB_ST_SLOTS counters */
	uint32_t tid[RB_ST_SLOTS];	/* a slot's thread (0: none) */
	uint32_t proc[RB_ST_SLOTS];	/* a slot's whole process (0: none) */
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

int stalls__open(struct rb_stalls **out, char *why, size_t whylen)
{
	struct rb_stalls *s;
	libbpf_print_fn_t old;
	int rc;

	*out = NULL;
	if (geteuid() != 0) {
		snprintf(why, whylen, "not root");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, whylen, "no BTF at /sys/kernel/btf/vmlinux");
		return -ENOTSUP;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	old = libbpf_set_print(quiet);
	s->skel = stalls_bpf__open_and_load();
	rc = s->skel ? stalls_bpf__attach(s->skel) : -errno;
	libbpf_set_print(old);
	if (!s->skel || rc) {
		snprintf(why, whylen, "the I/O wait programs did not load or attach (sched_switch, "
			 "sched_wakeup): %s", strerror(rc < 0 ? -rc : EINVAL));
		stalls__destroy(s);
		return -ENOTSUP;
	}
	s->totals = mmap(NULL, RB_ST_SLOTS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(s->skel->maps.totals), 0);
	if (s->totals == MAP_FAILED) {
		s->totals = NULL;
		snprintf(why, whylen, "cannot mmap the I/O wait totals: %s", strerror(errno));
		stalls__destroy(s);
		return -ENOTSUP;
	}
	*out = s;
	return 0;
}

int stalls__register(struct rb_stalls *s, int slot)
{
	return stalls__register_tid(s, slot, (int)syscall(SYS_gettid));
}

int stalls__register_tid(struct rb_stalls *s, int slot, int tid_)
{
	uint32_t tid = (uint32_t)tid_, sl = (uint32_t)slot;

	if (!s || slot < 0 || slot >= RB_ST_SLOTS)
		return -EINVAL;
	s->totals[slot] = 0;
	s->tid[slot] = tid;
	return bpf_map__update_elem(s->skel->maps.slots, &tid, sizeof(tid), &sl, sizeof(sl), BPF_ANY);
}

int stalls__register_process(struct rb_stalls *s, int slot, int pid)
{
	uint32_t tgid = (uint32_t)pid, sl = (uint32_t)slot;

	if (!s || slot < 0 || slot >= RB_ST_SLOTS)
		return -EINVAL;
	s->totals[slot] = 0;
	s->proc[slot] = tgid;
	return bpf_map__update_elem(s->skel->maps.procs, &tgid, sizeof(tgid), &sl, sizeof(sl), BPF_ANY);
}

void stalls__unregister(struct rb_stalls *s, int slot)
{
	if (!s || slot < 0 || slot >= RB_ST_SLOTS)
		return;
	if (s->tid[slot]) {
		bpf_map__delete_elem(s->skel->maps.slots, &s->tid[slot], sizeof(uint32_t), 0);
		bpf_map__delete_elem(s->skel->maps.asleep, &s->tid[slot], sizeof(uint32_t), 0);
		s->tid[slot] = 0;
	}
	if (s->proc[slot]) {
		bpf_map__delete_elem(s->skel->maps.procs, &s->proc[slot], sizeof(uint32_t), 0);
		s->proc[slot] = 0;
	}
}

uint64_t stalls__read(const struct rb_stalls *s, int slot)
{
	return s && slot >= 0 && slot < RB_ST_SLOTS ? __atomic_load_n(&s->totals[slot], __ATOMIC_RELAXED)
						     : 0;
}

const volatile uint64_t *stalls__counter(const struct rb_stalls *s, int slot)
{
	return s && slot >= 0 && slot < RB_ST_SLOTS ? &s->totals[slot] : NULL;
}

void stalls__destroy(struct rb_stalls *s)
{
	if (!s)
		return;
	if (s->totals)
		munmap((void *)s->totals, RB_ST_SLOTS * sizeof(uint64_t));
	stalls_bpf__destroy(s->skel);
	free(s);
}
