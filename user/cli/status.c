// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "apply.h"
#include "events.h"
#include "tph.h"
#include "vw_ioctl.h"
#include "kallsyms.h"
#include "lockdown.h"
#include "pinned.h"
#include "status.h"
#include "stream.h"

/* Which program the pinned veto link runs: the BPF LSM one or the fmod_ret one. */
static const char *veto_kind(void)
{
	struct bpf_prog_info pi;

	if (vw_linked_prog(VW_LINK_FILE_PERMISSION, &pi))
		return "unknown";
	return strncmp(pi.name, "vw_lsm_", 7) ? "fmod_ret (skippable on fully preemptible kernels)" : "bpf lsm";
}

/*
 * The ioctl entry points judged: the native hook, and the one 32-bit ioctls
 * (int $0x80, 32-bit processes) take on kernels that have it (6.8, 6.1 stable).
 */
static const char *ioctl_hooks(void)
{
	struct bpf_prog_info pi;

	if (vw_linked_prog(VW_LINK_FILE_IOCTL, &pi))
		return "unknown";
	if (!vw_linked_prog(VW_LINK_FILE_IOCTL_COMPAT, &pi))
		return "file_ioctl, file_ioctl_compat (32-bit)";
	if (vw_kallsyms_has("security_file_ioctl_compat", NULL))
		return "file_ioctl only: file_ioctl_compat NOT attached, 32-bit ioctls are unjudged";
	return "file_ioctl (this kernel has no file_ioctl_compat: 32-bit ioctls take file_ioctl too)";
}

/*
 * Kernel lockdown and what it took: the running mode, whether the DSN scrub runs
 * (its program is not loaded under lockdown) and the policy entries it degraded.
 */
static void lockdown_json(json_object *root, json_object *info)
{
	enum vw_lockdown mode = vw_lockdown_current();
	struct bpf_prog_info pi;
	json_object *deg = NULL;
	char text[160];

	json_object_object_add(root, "lockdown", json_object_new_string(vw_lockdown_name(mode)));
	if (!vw_linked_prog(VW_LINK_CONFIG_RW_EXIT, &pi))
		snprintf(text, sizeof(text), "active");
	else
		snprintf(text, sizeof(text), "unavailable (lockdown=%s forbids bpf_probe_write_user): DSN scrub "
			 "rules apply as audit, virtual serials do not apply", vw_lockdown_name(mode));
	json_object_object_add(root, "dsn_scrub", json_object_new_string(text));
	if (info && json_object_object_get_ex(info, "degraded", &deg))
		json_object_get(deg);
	json_object_object_add(root, "degraded", deg ? deg : json_object_new_array());
}

/*
 * Runs the kernel skipped, per program (recursion_misses): a tracing program
 * is skipped on a CPU while another run of it there is preempted. Nothing
 * vfio-warden counts is silently short: this says by how much, and why.
 */
static json_object *skipped_runs_json(void)
{
	json_object *o = json_object_new_object();
	struct bpf_prog_info pi;
	int i;

	for (i = 0; i < VW_LINK_COUNT; i++)
		if (!vw_linked_prog(i, &pi))
			json_object_object_add(o, pi.name, json_object_new_int64((int64_t)pi.recursion_misses));
	return o;
}

static const char *const layer_names[VW_NLAYERS] = { "bdf", "vendor:device", "vendor", "class", "default" };
static const char *const dir_names[2] = { "read", "write" };

static json_object *counters_json(const struct vw_counters *c)
{
	json_object *o = json_object_new_object(), *j;
	int dir, a, k;

	for (dir = 0; dir < 2; dir++) {
		j = json_object_new_object();
		for (a = 0; a < 4; a++)
			json_object_object_add(j, vw_action_name(a), json_object_new_int64(c->judged[dir][a]));
		json_object_object_add(o, dir_names[dir], j);
	}
	json_object_object_add(o, "reached_read", json_object_new_int64(c->reached[0]));
	json_object_object_add(o, "reached_write", json_object_new_int64(c->reached[1]));
	json_object_object_add(o, "bypass", json_object_new_int64(c->bypass));
	/* judged over every byte they could reach: paths other than pread/pwrite (README: Paths) */
	json_object_object_add(o, "inexact_read", json_object_new_int64(c->inexact[0]));
	json_object_object_add(o, "inexact_write", json_object_new_int64(c->inexact[1]));
	j = json_object_new_object();
	for (a = 0; a < 4; a++)
		json_object_object_add(j, vw_action_name(a), json_object_new_int64(c->tph[a]));
	json_object_object_add(o, "tph", j);
	j = json_object_new_object();
	for (k = 0; k < VW_IOC_NCLASSES; k++) {
		json_object *x = json_object_new_object();

		for (a = 0; a < 4; a++)
			if (a != VW_SCRUB)
				json_object_object_add(x, vw_action_name(a), json_object_new_int64(c->ioctl[k][a]));
		json_object_object_add(j, vw_ioc_class_names[k], x);
	}
	json_object_object_add(o, "ioctls", j);
	/* FEATURE calls the driver got unlike judged (README: "VFIO device ioctls", races) */
	j = json_object_new_object();
	json_object_object_add(j, "flags_changed", json_object_new_int64(c->race[0]));
	json_object_object_add(j, "unjudged", json_object_new_int64(c->race[1]));
	json_object_object_add(j, "killed", json_object_new_int64(c->race[2]));
	json_object_object_add(o, "ioctl_races", j);
	json_object_object_add(o, "events", json_object_new_int64(c->events));
	json_object_object_add(o, "lost", json_object_new_int64(c->lost));
	json_object_object_add(o, "scrub_missed", json_object_new_int64(c->scrub_missed));
	return o;
}

/* Where a compiled device's region map came from (enum vw_dev_source). */
static const char *layout_name(__u32 source)
{
	switch (source) {
	case VW_SRC_WALKER: return "capability walk (not yet checked against vfio-pci's map)";
	case VW_SRC_WALKER_CHECKED: return "capability walk, same as vfio-pci's map";
	default: return "vfio-pci map";
	}
}

/* One device: compiled entry (if any in the live generation) plus counters. */
static json_object *device_json(const struct vw_maps *m, const char *bdf, __u32 slot, unsigned gen,
				json_object *labels, struct vw_device *d)
{
	json_object *o = json_object_new_object(), *layers;
	struct vw_dev_key key = { .gen = gen };
	struct vw_counters c;
	char buf[16];
	int k;

	json_object_object_add(o, "device", json_object_new_string(bdf));
	memcpy(key.bdf, bdf, VW_NAME_LEN);
	if (bpf_map_lookup_elem(m->fd[VW_MAP_DEVICES], &key, d) == 0) {
		snprintf(buf, sizeof(buf), "%04x", d->vendor);
		json_object_object_add(o, "vendor", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%04x", d->device_id);
		json_object_object_add(o, "device_id", json_object_new_string(buf));
		json_object_object_add(o, "layout", json_object_new_string(layout_name(d->source)));
		layers = json_object_new_object();
		for (k = 0; k < VW_NLAYERS; k++) {
			json_object *l;

			if (d->layers[k] == VW_NO_PROFILE || !labels ||
			    !(l = json_object_array_get_idx(labels, d->layers[k])))
				continue;
			json_object_object_add(layers, layer_names[k], json_object_get(l));
		}
		json_object_object_add(o, "policy", layers);
		layers = json_object_new_object();
		for (k = 0; k < VW_IOC_NRULES; k++) {
			__u32 why;

			json_object_object_add(layers, vw_ioc_class_names[k],
					       json_object_new_string(vw_action_name(vw_ioc_judge(d->ioctl, k, &why))));
		}
		json_object_object_add(layers, "on_race",
				       json_object_new_string(vw_ioc_on_race(d->ioctl) == VW_IOC_KILL ? "kill" : "audit"));
		json_object_object_add(o, "ioctl_rules", layers);
	} else {
		json_object_object_add(o, "layout", json_object_new_string("not compiled yet"));
	}
	if (vw_percpu_sum(m->fd[VW_MAP_COUNTERS], slot, &c, sizeof(c)) == 0)
		json_object_object_add(o, "counters", counters_json(&c));
	return o;
}

static void print_text(json_object *root)
{
	json_object *devs, *d, *c, *v;
	size_t i;

	if (!json_object_get_boolean(json_object_object_get(root, "attached"))) {
		printf("attached: no\n");
		return;
	}
	if (json_object_get_boolean(json_object_object_get(root, "detach_interrupted")))
		printf("attached: retired (detach interrupted): NOT enforcing; `vfio-warden attach` re-arms, "
		       "`vfio-warden detach` finishes\n");
	else
		printf("attached: yes\n");
	printf("policy: %s (generation %d)\n", json_object_get_string(json_object_object_get(root, "policy")),
	       json_object_get_int(json_object_object_get(root, "generation")));
	printf("events lost: %lld   ring buffer: %d bytes   devices compiled from vfio map: %lld\n",
	       (long long)json_object_get_int64(json_object_object_get(root, "lost")),
	       json_object_get_int(json_object_object_get(root, "ringbuf_size")),
	       (long long)json_object_get_int64(json_object_object_get(root, "compiled_in_bpf")));
	printf("walked layouts vfio-pci's map corrected: %lld\n",
	       (long long)json_object_get_int64(json_object_object_get(root, "walk_corrected")));
	printf("veto: %s\n", json_object_get_string(json_object_object_get(root, "veto")));
	printf("ioctl hooks: %s\n", json_object_get_string(json_object_object_get(root, "ioctl_hooks")));
	printf("DSN scrub: %s   scrubs the kernel skipped: %lld\n",
	       json_object_get_string(json_object_object_get(root, "dsn_scrub")),
	       (long long)json_object_get_int64(json_object_object_get(root, "scrub_missed")));
	printf("kernel lockdown: %s\n", json_object_get_string(json_object_object_get(root, "lockdown")));
	{
		json_object *deg = json_object_object_get(root, "degraded");
		size_t k;

		for (k = 0; k < json_object_array_length(deg); k++)
			printf("  degraded by lockdown: %s\n", json_object_get_string(json_object_array_get_idx(deg, k)));
	}
	{
		json_object *sk = json_object_object_get(root, "skipped_runs");

		printf("runs the kernel skipped (preempted on that CPU):");
		json_object_object_foreach(sk, name, val)
			printf(" %s %lld", name, (long long)json_object_get_int64(val));
		printf("\n");
	}
	printf("refused unjudged: %lld on a busy scratch\n",
	       (long long)json_object_get_int64(json_object_object_get(root, "contended")));
	printf("tph: %s\n", json_object_get_string(json_object_object_get(root, "tph_protection")));
	printf("tph uapi judged: %s\n", json_object_get_string(json_object_object_get(root, "tph_uapi")));
	devs = json_object_object_get(root, "devices");
	printf("%-13s %-9s %-16s %-28s %9s %9s %9s %9s %9s %9s %6s %6s\n", "DEVICE", "ID", "LAYOUT", "POLICY",
	       "R-ALLOW", "R-AUDIT", "R-DENY", "W-ALLOW", "W-AUDIT", "W-DENY", "BYPASS", "LOST");
	for (i = 0; i < json_object_array_length(devs); i++) {
		char id[16] = "-", pol[64] = "-";
		json_object *r, *w, *p;

		d = json_object_array_get_idx(devs, i);
		if ((v = json_object_object_get(d, "vendor")))
			snprintf(id, sizeof(id), "%s:%s", json_object_get_string(v),
				 json_object_get_string(json_object_object_get(d, "device_id")));
		p = json_object_object_get(d, "policy");
		if (p) {
			/* the most specific layer that applied names the policy */
			json_object_object_foreach(p, lk, lv) {
				(void)lk;
				snprintf(pol, sizeof(pol), "%s", json_object_get_string(lv));
				break;
			}
		}
		c = json_object_object_get(d, "counters");
		r = c ? json_object_object_get(c, "read") : NULL;
		w = c ? json_object_object_get(c, "write") : NULL;
#define N(o, k) (long long)((o) ? json_object_get_int64(json_object_object_get((o), (k))) : 0)
		printf("%-13s %-9s %-16s %-28s %9lld %9lld %9lld %9lld %9lld %9lld %6lld %6lld\n",
		       json_object_get_string(json_object_object_get(d, "device")), id,
		       json_object_get_string(json_object_object_get(d, "layout")), pol,
		       N(r, "allow"), N(r, "audit"), N(r, "deny"), N(w, "allow"), N(w, "audit"), N(w, "deny"),
		       N(c, "bypass"), N(c, "lost"));
		/* ioctls by class: allow/audit/deny, the classes that saw any */
		{
			json_object *io = c ? json_object_object_get(c, "ioctls") : NULL;
			json_object *rules = json_object_object_get(d, "ioctl_rules");
			int any = 0;

			json_object_object_foreach(io, cls, x) {
				json_object *rl = rules ? json_object_object_get(rules, cls) : NULL;

				if (!N(x, "allow") && !N(x, "audit") && !N(x, "deny"))
					continue;
				printf("%s%s(%s) %lld/%lld/%lld", any++ ? " " : "  ioctls allow/audit/deny: ", cls,
				       rl ? json_object_get_string(rl) : "-", N(x, "allow"), N(x, "audit"), N(x, "deny"));
			}
			if (any)
				printf("\n");
		}
		{
			json_object *rc = c ? json_object_object_get(c, "ioctl_races") : NULL;

			if (N(rc, "flags_changed") || N(rc, "unjudged"))
				printf("  FEATURE races (flags changed after the veto/unjudged/killed): %lld/%lld/%lld\n",
				       N(rc, "flags_changed"), N(rc, "unjudged"), N(rc, "killed"));
		}
#undef N
	}
}

int vw_status(int json)
{
	json_object *root = json_object_new_object(), *info, *devs, *labels = NULL;
	struct vw_global_counters g = {};
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo), slot;
	char key[VW_NAME_LEN], next[VW_NAME_LEN];
	struct vw_device *d;
	struct vw_maps m;
	unsigned gen = 0;
	void *prev = NULL;
	int rc, retired;

	if (!vw_is_attached()) {
		json_object_object_add(root, "attached", json_object_new_boolean(0));
		if (json)
			printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
		else
			printf("attached: no\n");
		json_object_put(root);
		return VW_EXIT_NOT_ATTACHED;
	}
	rc = vw_maps_open_pinned(&m);
	if (rc) {
		json_object_put(root);
		return rc;
	}
	d = malloc(sizeof(*d));
	info = json_object_from_file(VW_POLICY_INFO);
	if (info)
		labels = json_object_object_get(info, "labels");
	vw_read_active_gen(&m, &gen);
	vw_percpu_sum(m.fd[VW_MAP_GLOBAL], 0, &g, sizeof(g));
	bpf_map_get_info_by_fd(m.fd[VW_MAP_EVENTS], &minfo, &mlen);

	json_object_object_add(root, "attached", json_object_new_boolean(1));
	/* a killed detach leaves the programs pinned and standing down (VW_GEN_RETIRED) */
	retired = vw_is_retired(m.fd[VW_MAP_ACTIVE_GEN]) > 0;
	json_object_object_add(root, "enforcing", json_object_new_boolean(!retired));
	json_object_object_add(root, "detach_interrupted", json_object_new_boolean(retired));
	json_object_object_add(root, "policy", json_object_new_string(
		info ? json_object_get_string(json_object_object_get(info, "source")) : "unknown"));
	json_object_object_add(root, "generation", json_object_new_int(gen));
	json_object_object_add(root, "lost", json_object_new_int64(g.lost));
	json_object_object_add(root, "ringbuf_size", json_object_new_int(minfo.max_entries));
	json_object_object_add(root, "compiled_in_bpf", json_object_new_int64(g.compiled));
	json_object_object_add(root, "walk_corrected", json_object_new_int64(g.walk_corrected));
	json_object_object_add(root, "devices_over_limit", json_object_new_int64(g.no_slot));
	json_object_object_add(root, "errors", json_object_new_int64(g.errors));
	json_object_object_add(root, "veto", json_object_new_string(veto_kind()));
	json_object_object_add(root, "ioctl_hooks", json_object_new_string(ioctl_hooks()));
	json_object_object_add(root, "skipped_runs", skipped_runs_json());
	json_object_object_add(root, "contended", json_object_new_int64(g.contended));
	json_object_object_add(root, "scrub_missed", json_object_new_int64(g.scrub_missed));
	lockdown_json(root, info);
	/* TPH: the ioctl check always runs; the point-of-use watch needs the kernel's TPH helpers */
	json_object_object_add(root, "tph_protection", json_object_new_string(
		vw_kallsyms_has("pcie_tph_get_cpu_st", NULL) ?
		"ioctl check; point-of-use watch NOT built (pcie_tph_get_cpu_st exists but no tested program)" :
		"ioctl check (before the driver copies the entries); point-of-use watch unavailable: this "
		"kernel has no pcie_tph_get_cpu_st (CONFIG_PCIE_TPH)"));
	{	/* read back from the programs: the revision they were loaded with */
		unsigned id = 0;
		char rev[256] = "unknown (the pinned programs' read-only data cannot be read)";

		if (!vw_pinned_tph_rev(&id))
			vw_tph_revision_describe(id, rev, sizeof(rev));
		json_object_object_add(root, "tph_uapi", json_object_new_string(rev));
		json_object_object_add(root, "tph_uapi_revision", json_object_new_int64(id));
	}
	devs = json_object_new_array();
	while (d && bpf_map_get_next_key(m.fd[VW_MAP_SLOTS], prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (bpf_map_lookup_elem(m.fd[VW_MAP_SLOTS], key, &slot) == 0)
			json_object_array_add(devs, device_json(&m, key, slot, gen, labels, d));
	}
	json_object_object_add(root, "devices", devs);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	else
		print_text(root);
	json_object_put(root);
	if (info)
		json_object_put(info);
	free(d);
	vw_maps_close(&m);
	return retired ? VW_EXIT_NOT_ENFORCING : VW_EXIT_OK;
}
