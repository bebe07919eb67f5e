/*
 * hooks — pick, per probe point, the attach mechanism the running kernel
 * offers (see hooks.h). The probes are those of libbpf-tools' trace_helpers.c:
 * a tracepoint exists when the kernel's BTF has its btf_trace_ typedef; an
 * fentry can attach when a no-op program loads and attaches to the function
 * (a kernel may have BTF for it and still refuse: this VM's 6.18 does); a
 * kprobe exists when the kernel has kprobes and the function is traceable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "hooks.h"

#define MECH_ENV	"RABENCH_ATTACH"
#define MECH_DEFAULT	"tp_btf,fentry,kprobe"

static const char *const mech_names[] = {
	[RB_MECH_NONE] = "none",
	[RB_MECH_TP_BTF] = "tp_btf",
	[RB_MECH_FENTRY] = "fentry",
	[RB_MECH_KPROBE] = "kprobe",
};

static const char *const mech_suffix[] = {
	[RB_MECH_TP_BTF] = "tp",
	[RB_MECH_FENTRY] = "fentry",
	[RB_MECH_KPROBE] = "kprobe",
};

const char *hooks__mech_name(enum rb_mech m)
{
	return m <= RB_MECH_KPROBE ? mech_names[m] : "none";
}

bool hooks__tracepoint_exists(const struct btf *btf, const char *tp)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", tp);
	return btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF) >= 0;
}

bool hooks__fentry_can_attach(const struct btf *btf, const char *func)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC), prog, link;
	struct bpf_prog_load_opts opts = { .sz = sizeof(opts) };

	if (id < 0)
		return false;
	opts.expected_attach_type = BPF_TRACE_FENTRY;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "rb_fentry_probe", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
	if (prog < 0)
		return false;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link >= 0)
		close(link);
	close(prog);
	return link >= 0;
}

/* Is func a whole word of the file's lines' first field? */
static bool listed(const char *path, const char *func)
{
	size_t n = strlen(func), cap = 0;
	char *line = NULL;
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = line;

		if (!strcmp(path, "/proc/kallsyms")) {	/* "addr type name [module]" */
			p = strchr(line, ' ');
			p = p ? strchr(p + 1, ' ') : NULL;
			if (!p)
				continue;
			p++;
		}
		found = !strncmp(p, func, n) && (p[n] == '\n' || p[n] == ' ' || p[n] == '\t');
	}
	free(line);
	fclose(f);
	return found;
}

bool hooks__kprobe_exists(const char *func)
{
	static const char *const ftrace[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	size_t i;

	/* libbpf attaches through the kprobe PMU, else through kprobe_events */
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) &&
	    access("/sys/kernel/tracing/kprobe_events", W_OK) &&
	    access("/sys/kernel/debug/tracing/kprobe_events", W_OK))
		return false;
	for (i = 0; i < sizeof(ftrace) / sizeof(ftrace[0]); i++)
		if (access(ftrace[i], R_OK) == 0)
			return listed(ftrace[i], func);
	return listed("/proc/kallsyms", func);
}

/* The struct a pointer type points to, through modifiers and typedefs; or NULL. */
static const char *pointee_name(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = btf__type_by_id(btf, t->type);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_composite(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static bool has_enum_value(const struct btf *btf, const char *type, const char *value)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e;
	int i;

	if (!t)
		return false;
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), value))
			return true;
	return false;
}

int hooks__check_kernel(const struct btf *btf, char *why, size_t len)
{
	int id = btf__find_by_name_kind(btf, "btf_trace_mm_filemap_add_to_page_cache",
					BTF_KIND_TYPEDEF);
	const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	const char *arg = NULL;

	if (t)
		t = btf__type_by_id(btf, t->type);	/* pointer */
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);	/* func proto (void *, arg, ...) */
	if (t && btf_is_func_proto(t) && btf_vlen(t) >= 2)
		arg = pointee_name(btf, btf_params(t)[1].type);
	if (!arg) {
		snprintf(why, len, "this kernel has no tracepoint mm_filemap_add_to_page_cache");
		return -ENOTSUP;
	}
	if (strcmp(arg, "folio")) {
		snprintf(why, len, "kernel before folios (its page-cache tracepoints carry struct %s): "
			 "rabench's probes need Linux 5.17 or later", arg);
		return -ENOTSUP;
	}
	if (!has_enum_value(btf, "bpf_func_id", "BPF_FUNC_loop")) {
		snprintf(why, len, "kernel without bpf_loop (before 5.17): rabench's probes need "
			 "Linux 5.17 or later");
		return -ENOTSUP;
	}
	return 0;
}

/* The mechanisms to try, in order, from RABENCH_ATTACH. */
static int mech_order(enum rb_mech *order, char *err, size_t errlen)
{
	const char *env = getenv(MECH_ENV);
	char buf[64], *tok, *save = NULL;
	int n = 0, m;

	snprintf(buf, sizeof(buf), "%s", env && *env ? env : MECH_DEFAULT);
	for (tok = strtok_r(buf, ",", &save); tok && n < 3; tok = strtok_r(NULL, ",", &save)) {
		for (m = RB_MECH_TP_BTF; m <= RB_MECH_KPROBE; m++)
			if (!strcmp(tok, mech_names[m]))
				break;
		if (m > RB_MECH_KPROBE) {
			snprintf(err, errlen, "%s: unknown mechanism '%s' (tp_btf, fentry, kprobe)",
				 MECH_ENV, tok);
			return -EINVAL;
		}
		order[n++] = (enum rb_mech)m;
	}
	return n;
}

static bool kernel_offers(const struct btf *btf, const struct rb_hook_def *d, enum rb_mech m)
{
	switch (m) {
	case RB_MECH_TP_BTF:
		return d->tp && hooks__tracepoint_exists(btf, d->tp);
	case RB_MECH_FENTRY:
		return d->func && hooks__fentry_can_attach(btf, d->func);
	case RB_MECH_KPROBE:
		return d->func && hooks__kprobe_exists(d->func);
	default:
		return false;
	}
}

static struct bpf_program *variant(struct bpf_object *obj, const char *prefix,
				   const struct rb_hook_def *d, enum rb_mech m)
{
	char name[96];

	snprintf(name, sizeof(name), "%s_%s_%s", prefix, d->name, mech_suffix[m]);
	return bpf_object__find_program_by_name(obj, name);
}

/* Why no variant of d could be used, in one line. */
static void say_none(const struct rb_hook_def *d, const enum rb_mech *order, int n,
		     struct rb_hook_state *st)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n && off < sizeof(st->why); i++) {
		const char *target = order[i] == RB_MECH_TP_BTF ? d->tp : d->func;

		off += snprintf(st->why + off, sizeof(st->why) - off, "%sno %s%s%s", i ? ", " : "",
				mech_names[order[i]], target ? " " : "", target ? target : "");
	}
}

static const enum rb_mech all_mechs[3] = { RB_MECH_TP_BTF, RB_MECH_FENTRY, RB_MECH_KPROBE };

int hooks__choose(struct bpf_object *obj, const char *prefix, const struct rb_hook_def *defs,
		  int n, struct rb_hook_state *out, char *err, size_t errlen)
{
	struct btf *btf = btf__load_vmlinux_btf();
	enum rb_mech order[3];
	int i, j, m, n_order, rc = 0;

	if (!btf) {
		snprintf(err, errlen, "cannot read the kernel's BTF: %s", strerror(errno));
		return -ENOTSUP;
	}
	n_order = mech_order(order, err, errlen);
	if (n_order < 0) {
		rc = n_order;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const enum rb_mech *ord = order;
		int n_ord = n_order;

		out[i].mech = RB_MECH_NONE;
		out[i].why[0] = '\0';
		/* a point with no variant of the mechanisms asked for keeps its own */
		for (j = 0; j < n_order && !variant(obj, prefix, &defs[i], order[j]); j++)
			;
		if (j == n_order) {
			ord = all_mechs;
			n_ord = 3;
		}
		for (j = 0; j < n_ord && out[i].mech == RB_MECH_NONE; j++)
			if (variant(obj, prefix, &defs[i], ord[j]) &&
			    kernel_offers(btf, &defs[i], ord[j]))
				out[i].mech = ord[j];
		for (m = RB_MECH_TP_BTF; m <= RB_MECH_KPROBE; m++) {
			struct bpf_program *p = variant(obj, prefix, &defs[i], (enum rb_mech)m);

			if (p)
				bpf_program__set_autoload(p, m == (int)out[i].mech);
		}
		if (out[i].mech != RB_MECH_NONE)
			continue;
		say_none(&defs[i], ord, n_ord, &out[i]);
		if (defs[i].essential && !rc) {
			snprintf(err, errlen, "cannot attach %s: %s", defs[i].name, out[i].why);
			rc = -ENOTSUP;
		}
	}
cleanup:
	btf__free(btf);
	return rc;
}
