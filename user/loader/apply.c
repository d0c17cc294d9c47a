// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "apply.h"
#include "cfgdump.h"
#include "layout.h"
#include "lockdown.h"
#include "vw_decide.h"
#include "tph.h"
#include "msg.h"

/* Delete every key of generation gen from a hash map whose keys start with __u32 gen. */
static int clear_gen(int fd, size_t key_size, unsigned gen)
{
	unsigned char key[64], next[64];
	unsigned char (*doomed)[64];
	int n = 0, cap = 1024, i, err;
	void *prev = NULL;

	doomed = calloc(cap, sizeof(*doomed));
	if (!doomed)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0 && n < cap) {
		memcpy(key, next, key_size);
		prev = key;
		if (*(__u32 *)next == gen)
			memcpy(doomed[n++], next, key_size);
	}
	for (i = 0; i < n; i++) {
		err = bpf_map_delete_elem(fd, doomed[i]);
		if (err && errno != ENOENT) {
			err = -errno;
			free(doomed);
			return err;
		}
	}
	free(doomed);
	return 0;
}

static int slot_for(const struct vw_maps *m, const char *bdf_in, __u32 *slot)
{
	char bdf[VW_NAME_LEN] = {}, key[VW_NAME_LEN], next[VW_NAME_LEN];
	unsigned char used[VW_LOADER_SLOTS] = {};
	__u32 s;
	void *prev = NULL;

	snprintf(bdf, sizeof(bdf), "%s", bdf_in);
	if (bpf_map_lookup_elem(m->fd[VW_MAP_SLOTS], bdf, slot) == 0)
		return 0;
	while (bpf_map_get_next_key(m->fd[VW_MAP_SLOTS], prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (bpf_map_lookup_elem(m->fd[VW_MAP_SLOTS], key, &s) == 0 && s < VW_LOADER_SLOTS)
			used[s] = 1;
	}
	for (s = 0; s < VW_LOADER_SLOTS; s++) {
		if (used[s])
			continue;
		if (bpf_map_update_elem(m->fd[VW_MAP_SLOTS], bdf, &s, BPF_NOEXIST))
			return -errno;
		*slot = s;
		return 0;
	}
	return -ENOSPC;
}

static int write_profiles(const struct vw_maps *m, const struct vw_policy *p, unsigned gen)
{
	struct vw_sel_key k;
	__u32 idx, i;

	for (i = 0; i < (unsigned)p->nentries; i++) {
		const struct vw_policy_entry *e = &p->entries[i];

		idx = gen * VW_MAX_PROFILES + i;
		if (bpf_map_update_elem(m->fd[VW_MAP_PROFILES], &idx, &e->prof, BPF_ANY))
			return -errno;
		if (vw_policy_entry_key(e, gen, &k))
			return -EINVAL;
		if (bpf_map_update_elem(m->fd[VW_MAP_SELECTORS], &k, &i, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Compile one present device from its own config space (sysfs) and the policy. */
static int compile_device(const struct vw_maps *m, const struct vw_policy *p, unsigned gen,
			  struct vw_applied_dev *ad, struct vw_device *d, struct vw_layout *lay)
{
	struct vw_compile_ctx ctx = {};
	struct vw_dev_key key = {};
	uint8_t cfg[VW_CFG_SIZE];
	size_t size = 0;
	char err[256];
	int k, rc;

	vw_policy_layers(p, ad->sys.bdf, ad->sys.vendor, ad->sys.device_id, ad->sys.class_code, ad->layers);
	if (vw_cfg_read_sysfs(ad->sys.bdf, cfg, &size, err, sizeof(err)) || vw_walk(cfg, size, lay)) {
		/* BPF compiles it from vfio-pci's own map on first access instead */
		snprintf(ad->status, sizeof(ad->status), "no config from sysfs; using vfio-pci's map");
		return 0;
	}
	memset(d, 0, sizeof(*d));
	memcpy(d->cap, lay->capmap, sizeof(d->cap));
	for (k = 0; k < VW_NLAYERS; k++) {
		ctx.layers[k] = ad->layers[k] >= 0 ? &p->entries[ad->layers[k]].prof : NULL;
		d->layers[k] = ad->layers[k] >= 0 ? ad->layers[k] : VW_NO_PROFILE;
	}
	ctx.cap = d->cap;
	ctx.dev = d;
	vw_compile(&ctx);
	/* where the TPH ST table lives is in the capability register: the map cannot say */
	if (d->tph_off && d->tph_off + 8u <= size) {
		__u32 st_bytes;

		d->tph_st_in_cap = vw_tph_st_table(cfg + d->tph_off, &st_bytes);
	}
	rc = slot_for(m, ad->sys.bdf, &d->slot);
	if (rc)
		return rc;
	d->source = VW_SRC_WALKER;
	d->vendor = ad->sys.vendor;
	d->device_id = ad->sys.device_id;
	d->class_code = ad->sys.class_code;
	key.gen = gen;
	memcpy(key.bdf, ad->sys.bdf, sizeof(key.bdf));
	if (bpf_map_update_elem(m->fd[VW_MAP_DEVICES], &key, d, BPF_ANY))
		return -errno;
	/* the most specific layer that names a virtual serial sets it; a serial set
	 * with `dsn set` survives a policy that names none */
	for (k = 0; k < VW_NLAYERS; k++) {
		const struct vw_policy_entry *e = ad->layers[k] >= 0 ? &p->entries[ad->layers[k]] : NULL;

		if (e && e->has_serial) {
			if (bpf_map_update_elem(m->fd[VW_MAP_SERIALS], key.bdf, &e->serial, BPF_ANY))
				return -errno;
			break;
		}
	}
	ad->ncaps = lay->ncaps;
	ad->nwarnings = lay->nwarnings;
	snprintf(ad->status, sizeof(ad->status), "ok");
	return 0;
}

/*
 * A TPH policy with bits, modes or a uAPI version this build does not know
 * would be read differently by its BPF programs than its author meant: refused
 * before any map changes, saying which entry and keys; -EINVAL. (A layer with
 * uapi_version 0 has no TPH policy: it asks a less specific layer.)
 */
static int check_tph(const struct vw_policy *p)
{
	int i, bad, bit;

	for (i = 0; i < p->nentries; i++) {
		const struct vw_tph_policy *t = &p->entries[i].prof.tph;

		if (!t->uapi_version || !(bad = vw_tph_policy_check(t)))
			continue;
		vw_msg(VW_ERR, "vfio-warden: policy entry '%s': its TPH policy has values this build "
			"(TPH uAPI version %u) does not know:", p->entries[i].label, VW_TPH_UAPI_VERSION);
		for (bit = 1; bit <= bad; bit <<= 1)
			if (bad & bit)
				vw_msg(VW_ERR, " %s", vw_tph_policy_problem(bit));
		vw_msg(VW_ERR, "\n");
		return -EINVAL;
	}
	return 0;
}

int vw_apply_policy(const struct vw_maps *m, const struct vw_policy *p, unsigned gen,
		    struct vw_apply_report *rep)
{
	struct vw_sysdev *sys;
	struct vw_device *d;
	struct vw_layout *lay;
	int n, i, rc;

	memset(rep, 0, sizeof(*rep));
	rep->gen = gen;
	rc = check_tph(p);
	if (!rc)
		rc = clear_gen(m->fd[VW_MAP_SELECTORS], sizeof(struct vw_sel_key), gen);
	if (!rc)
		rc = clear_gen(m->fd[VW_MAP_DEVICES], sizeof(struct vw_dev_key), gen);
	if (!rc)
		rc = write_profiles(m, p, gen);
	if (rc)
		return rc;

	sys = calloc(VW_MAX_DEVICES, sizeof(*sys));
	d = malloc(sizeof(*d));
	lay = malloc(sizeof(*lay));
	if (!sys || !d || !lay) {
		rc = -ENOMEM;
		goto out;
	}
	n = vw_sysdev_list_vfio(sys, VW_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		struct vw_applied_dev *ad = &rep->devs[rep->ndevs++];

		ad->sys = sys[i];
		rc = compile_device(m, p, gen, ad, d, lay);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	free(sys);
	free(d);
	free(lay);
	return rc;
}

int vw_flip_gen(const struct vw_maps *m, unsigned gen)
{
	__u32 zero = 0, g = gen, cur = 0;

	/* a flip does not re-arm programs a killed detach stood down: only attach does,
	 * having checked that every link is still pinned (vw_recover_detach) */
	if (!bpf_map_lookup_elem(m->fd[VW_MAP_ACTIVE_GEN], &zero, &cur))
		g |= cur & VW_GEN_RETIRED;
	return bpf_map_update_elem(m->fd[VW_MAP_ACTIVE_GEN], &zero, &g, BPF_ANY) ? -errno : 0;
}

int vw_retire(int active_gen_fd)
{
	__u32 zero = 0, g = 0;

	if (bpf_map_lookup_elem(active_gen_fd, &zero, &g))
		return -errno;
	g |= VW_GEN_RETIRED;
	return bpf_map_update_elem(active_gen_fd, &zero, &g, BPF_ANY) ? -errno : 0;
}

int vw_rearm(int active_gen_fd)
{
	__u32 zero = 0, g = 0;

	if (bpf_map_lookup_elem(active_gen_fd, &zero, &g))
		return -errno;
	g &= ~VW_GEN_RETIRED;
	return bpf_map_update_elem(active_gen_fd, &zero, &g, BPF_ANY) ? -errno : 0;
}

int vw_is_retired(int active_gen_fd)
{
	__u32 zero = 0, g = 0;

	if (bpf_map_lookup_elem(active_gen_fd, &zero, &g))
		return -errno;
	return !!(g & VW_GEN_RETIRED);
}

int vw_read_active_gen(const struct vw_maps *m, unsigned *gen)
{
	__u32 zero = 0, g = 0;

	if (bpf_map_lookup_elem(m->fd[VW_MAP_ACTIVE_GEN], &zero, &g))
		return -errno;
	*gen = g & 1;
	return 0;
}

/* What kernel lockdown took from the policy, per entry (status shows it). */
static json_object *degraded_json(const struct vw_policy *p)
{
	json_object *a = json_object_new_array();
	char what[96], line[192];
	int i;

	for (i = 0; i < p->nentries; i++) {
		if (!p->entries[i].degraded)
			continue;
		vw_policy_degraded_text(p, i, what, sizeof(what));
		snprintf(line, sizeof(line), "%s: %s", p->entries[i].label, what);
		json_object_array_add(a, json_object_new_string(line));
	}
	return a;
}

int vw_write_policy_info(const struct vw_policy *p, const struct vw_apply_report *rep)
{
	json_object *root = json_object_new_object(), *labels = json_object_new_array();
	int i, rc;

	json_object_object_add(root, "source", json_object_new_string(p->source));
	json_object_object_add(root, "gen", json_object_new_int(rep->gen));
	for (i = 0; i < p->nentries; i++)
		json_object_array_add(labels, json_object_new_string(p->entries[i].label));
	json_object_object_add(root, "labels", labels);
	json_object_object_add(root, "lockdown", json_object_new_string(vw_lockdown_name(p->lockdown)));
	json_object_object_add(root, "degraded", degraded_json(p));
	mkdir(VW_RUN_DIR, 0700);
	rc = json_object_to_file_ext(VW_POLICY_INFO, root, JSON_C_TO_STRING_PLAIN);
	json_object_put(root);
	return rc ? -EIO : 0;
}
