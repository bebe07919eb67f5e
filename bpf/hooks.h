/*
 * hooks — one probe point, several ways to attach it, the best one chosen for
 * the running kernel before load (libbpf-tools' trace_helpers pattern:
 * tracepoint_exists, fentry_can_attach, kprobe_exists, then autoload off for
 * the variants not used).
 *
 * A BPF object names its programs <prefix>_<hook>_tp, _fentry and _kprobe
 * (any may be absent); a hook table says which tracepoint and which kernel
 * function each hook stands for. hooks__choose keeps one program per hook and
 * records the mechanism, or why none is possible, so that every figure's
 * provenance can be reported and a figure no mechanism gives is null.
 *
 * RABENCH_ATTACH (environment, for tests and the kernel matrix) restricts and
 * orders the mechanisms tried: "tp_btf,fentry,kprobe" is the default; "kprobe"
 * alone forces the kprobe variants wherever the kernel has kprobes.
 */
#ifndef RB_HOOKS_H
#define RB_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_object;
struct btf;

enum rb_mech {
	RB_MECH_NONE,
	RB_MECH_TP_BTF,		/* a BTF-typed tracepoint */
	RB_MECH_FENTRY,		/* BPF trampoline on the kernel function */
	RB_MECH_KPROBE,		/* kprobe on the kernel function */
};

struct rb_hook_def {
	const char *name;	/* program names: <prefix>_<name>_{tp,fentry,kprobe} */
	const char *tp;		/* tracepoint, or NULL */
	const char *func;	/* kernel function, or NULL */
	bool essential;		/* without it the object is useless: fail */
};

struct rb_hook_state {
	enum rb_mech mech;
	char why[160];		/* mech == NONE: why no variant could be used */
};

/*
 * Choose a variant per hook for the running kernel and switch autoload off
 * for all others (call between __open and __load). 0, or -ENOTSUP when an
 * essential hook has no variant (reason in err).
 */
int hooks__choose(struct bpf_object *obj, const char *prefix, const struct rb_hook_def *defs,
		  int n, struct rb_hook_state *out, char *err, size_t errlen);

const char *hooks__mech_name(enum rb_mech m);	/* "tp_btf", "fentry", "kprobe", "none" */

/* Probes, usable alone. btf: the kernel's (btf__load_vmlinux_btf). */
bool hooks__tracepoint_exists(const struct btf *btf, const char *tp);
bool hooks__fentry_can_attach(const struct btf *btf, const char *func);
bool hooks__kprobe_exists(const char *func);

/*
 * Kernels before folios (< 5.16) pass struct page to the page-cache
 * tracepoints; before 5.17 there is no bpf_loop. 0 when this kernel can run
 * rabench's programs, else -ENOTSUP with a one-line reason.
 */
int hooks__check_kernel(const struct btf *btf, char *why, size_t len);

#endif
