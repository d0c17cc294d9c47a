// SPDX-License-Identifier: GPL-2.0
/* A parsed policy written back as YAML (policy_write.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "policy_write.h"
#include "serial.h"
#include "tph.h"
#include "vw_tph.h"
#include "vw_ioctl.h"
#include "events.h"

const char *vw_policy_action_word(int action)
{
	switch (action) {
	case VW_ALLOW: return "allow";
	case VW_AUDIT: return "audit";
	case VW_SCRUB: return "scrub";
	case VW_DENY: return "deny";
	}
	return "?";
}

/* A rule: "{read: X, write: Y}" with the unset direction left out. */
static void rule_text(__u8 rule, char *buf, size_t len)
{
	int r = VW_RULE_READ(rule), w = VW_RULE_WRITE(rule);

	if (r != VW_UNSET && w != VW_UNSET)
		snprintf(buf, len, "{read: %s, write: %s}", vw_policy_action_word(r), vw_policy_action_word(w));
	else if (r != VW_UNSET)
		snprintf(buf, len, "{read: %s}", vw_policy_action_word(r));
	else
		snprintf(buf, len, "{write: %s}", vw_policy_action_word(w));
}

static void put_rule(FILE *f, const char *ind, const char *key, __u8 rule)
{
	char t[64];

	if (rule == VW_RULE_NONE)
		return;
	rule_text(rule, t, sizeof(t));
	fprintf(f, "%s%s: %s\n", ind, key, t);
}

static void put_caps(FILE *f, const char *ind, const struct vw_profile *prof)
{
	int any = 0, ext, id;
	char name[16], t[64];

	/*
	 * What parse_caps accepts: cap:0x01..0xfd (0x00 is the header) and
	 * ext:0x0000..0x00fd (ext 0 is the Null capability, a real map entry).
	 */
	for (ext = 0; ext < 2; ext++)
		for (id = ext ? 0 : 1; id <= 0xfd; id++) {
			__u8 rule = ext ? prof->ext_cap[id] : prof->std_cap[id];
			const char *sn = vw_cap_short_name(ext, (uint16_t)id);

			if (rule == VW_RULE_NONE)
				continue;
			if (!any++)
				fprintf(f, "%scapability:\n", ind);
			if (!sn) {
				snprintf(name, sizeof(name), ext ? "ext:0x%04x" : "cap:0x%02x", id);
				sn = name;
			}
			rule_text(rule, t, sizeof(t));
			fprintf(f, "%s  %s: %s\n", ind, sn, t);
		}
}

static void put_ranges(FILE *f, const char *ind, const struct vw_profile *prof, int e,
		       const struct vw_policy_notes *notes)
{
	char t[64], line[160];
	int r;

	if (!prof->nranges)
		return;
	fprintf(f, "%sranges:\n", ind);
	for (r = 0; r < prof->nranges && r < VW_MAX_RANGES; r++) {
		const struct vw_range *g = &prof->ranges[r];
		const char *note = notes && notes->range ? notes->range(notes->arg, e, r) : NULL;
		__u8 rule = g->rule;

		rule_text(rule, t, sizeof(t));
		/* "{read: X}" without its braces, to sit inside the range's own */
		t[strlen(t) - 1] = 0;
		if (g->len == 1)
			snprintf(line, sizeof(line), "%s  - {start: 0x%03x, length: 1, %s}", ind, g->start, t + 1);
		else
			snprintf(line, sizeof(line), "%s  - {start: 0x%03x, end: 0x%03x, %s}", ind, g->start,
				 g->start + g->len - 1, t + 1);
		if (note)
			fprintf(f, "%-56s # %s\n", line, note);
		else
			fprintf(f, "%s\n", line);
	}
}

static void put_list(FILE *f, const char *key, const char *ind, unsigned bits, int n,
		     const char *(*name)(__u32), int as_value)
{
	int i, first = 1;

	fprintf(f, "%s  %s: [", ind, key);
	for (i = 0; i < n; i++) {
		unsigned bit = as_value ? (unsigned)i : 1u << i;

		if (as_value ? !(bits & (unsigned)i) || (i & (i - 1)) : !(bits & bit))
			continue;
		fprintf(f, "%s%s", first ? "" : ", ", name(as_value ? (__u32)i : (__u32)i));
		first = 0;
	}
	fprintf(f, "]\n");
}

static void put_tph(FILE *f, const char *ind, const struct vw_tph_policy *t)
{
	char cpus[1024];

	if (!t->uapi_version)
		return;
	fprintf(f, "%stph:\n", ind);
	put_list(f, "ops", ind, t->ops_allowed, VW_TPH_NOPS, vw_tph_op_name, 0);
	put_list(f, "modes", ind, t->modes_allowed, VW_TPH_MODES_KNOWN + 1, vw_tph_mode_name, 1);
	put_list(f, "mem_types", ind, t->mem_types_allowed, VW_TPH_NMEM, vw_tph_mem_name, 0);
	if (t->cpu_mode == VW_TPH_CPUS_LIST) {
		vw_tph_format_cpus(t->cpu_list, cpus, sizeof(cpus));
		fprintf(f, "%s  cpus: \"%s\"\n", ind, cpus);
	} else {
		fprintf(f, "%s  cpus: %s\n", ind, vw_tph_cpu_mode_name(t->cpu_mode));
	}
	fprintf(f, "%s  config_writes: %s\n", ind, vw_policy_action_word(t->cfg_write_action));
}

/* ioctls: the classes this layer names (VW_UNSET: left to a less specific layer) */
static void put_ioctls(FILE *f, const char *ind, const struct vw_profile *prof)
{
	int i, any = 0;

	for (i = 0; i < VW_IOC_NRULES; i++) {
		if (prof->ioctl[i] == VW_UNSET)
			continue;
		if (!any++)
			fprintf(f, "%sioctls:\n", ind);
		fprintf(f, "%s  %s: %s\n", ind, vw_ioc_class_names[i], vw_action_name(prof->ioctl[i]));
	}
	if (prof->ioctl[VW_IOC_ON_RACE] == VW_UNSET)
		return;
	if (!any)
		fprintf(f, "%sioctls:\n", ind);
	fprintf(f, "%s  on_race: %s\n", ind, prof->ioctl[VW_IOC_ON_RACE] == VW_IOC_KILL ? "kill" : "audit");
}

static void put_profile(FILE *f, const char *ind, const struct vw_policy_entry *en, int e,
			const struct vw_policy_notes *notes)
{
	const struct vw_profile *prof = &en->prof;
	char serial[32];

	if (en->has_serial) {
		vw_serial_format(en->serial, serial);
		fprintf(f, "%sserial: \"%s\"\n", ind, serial);
	}
	put_rule(f, ind, "header", prof->header);
	put_rule(f, ind, "capabilities", prof->cap_any);
	put_rule(f, ind, "unassigned", prof->unassigned);
	put_caps(f, ind, prof);
	put_ranges(f, ind, prof, e, notes);
	put_tph(f, ind, &prof->tph);
	put_ioctls(f, ind, prof);
}

static void put_comment(FILE *f, const char *ind, const char *text)
{
	const char *s = text, *nl;

	while (s && *s) {
		nl = strchr(s, '\n');
		fprintf(f, "%s#%s%.*s\n", ind, *s ? " " : "", (int)(nl ? nl - s : (long)strlen(s)), s);
		s = nl ? nl + 1 : NULL;
	}
}

static void put_match(FILE *f, const struct vw_policy_entry *en)
{
	switch (en->kind) {
	case VW_SEL_BDF:
		fprintf(f, "  - match: {bdf: \"%s\"}\n", en->bdf);
		break;
	case VW_SEL_VENDOR_DEVICE:
		fprintf(f, "  - match: {vendor: \"%04x\", device: \"%04x\"}\n", en->vendor, en->device_id);
		break;
	case VW_SEL_VENDOR:
		fprintf(f, "  - match: {vendor: \"%04x\"}\n", en->vendor);
		break;
	case VW_SEL_CLASS:
		fprintf(f, "  - match: {class: \"0x%0*x\"}\n", (int)en->class_bits / 4,
			en->class_code >> (24 - en->class_bits));
		break;
	default:
		break;
	}
}

int vw_policy_write(FILE *f, const struct vw_policy *p, const char *header, const struct vw_policy_notes *notes)
{
	int e;

	put_comment(f, "", header);
	fprintf(f, "version: 1\n");
	for (e = 0; e < p->nentries && e < VW_MAX_PROFILES; e++) {
		const struct vw_policy_entry *en = &p->entries[e];
		const char *note = notes && notes->entry ? notes->entry(notes->arg, e) : NULL;

		if (e == 0) {
			put_comment(f, "", note);
			fprintf(f, "default:\n");
			put_profile(f, "  ", en, e, notes);
			continue;
		}
		if (e == 1)
			fprintf(f, "devices:\n");
		put_comment(f, "  ", note);
		put_match(f, en);
		put_profile(f, "    ", en, e, notes);
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

int vw_policy_same(const struct vw_policy *a, const struct vw_policy *b, char *why, size_t len)
{
	int e;

	if (a->nentries != b->nentries) {
		snprintf(why, len, "%d entries, then %d", a->nentries, b->nentries);
		return 0;
	}
	for (e = 0; e < a->nentries && e < VW_MAX_PROFILES; e++) {
		const struct vw_policy_entry *x = &a->entries[e], *y = &b->entries[e];

		if (x->kind != y->kind || strcmp(x->bdf, y->bdf) || x->vendor != y->vendor ||
		    x->device_id != y->device_id || x->class_code != y->class_code || x->class_bits != y->class_bits) {
			snprintf(why, len, "entry %d (%s): selector", e, x->label);
			return 0;
		}
		if (x->has_serial != y->has_serial || x->serial != y->serial) {
			snprintf(why, len, "entry %d (%s): serial", e, x->label);
			return 0;
		}
		if (memcmp(&x->prof, &y->prof, sizeof(x->prof))) {
			snprintf(why, len, "entry %d (%s): profile differs", e, x->label);
			return 0;
		}
	}
	return 1;
}

int vw_policy_find_entry(const struct vw_policy *p, const struct vw_policy_entry *e)
{
	int i;

	for (i = 1; i < p->nentries; i++) {
		const struct vw_policy_entry *o = &p->entries[i];

		if (o->kind != e->kind)
			continue;
		if ((e->kind == VW_SEL_BDF && !strcmp(o->bdf, e->bdf)) ||
		    (e->kind == VW_SEL_VENDOR_DEVICE && o->vendor == e->vendor && o->device_id == e->device_id) ||
		    (e->kind == VW_SEL_VENDOR && o->vendor == e->vendor) ||
		    (e->kind == VW_SEL_CLASS && o->class_bits == e->class_bits && o->class_code == e->class_code))
			return i;
	}
	return -1;
}

int vw_policy_add_entry(struct vw_policy *p, const struct vw_policy_entry *e)
{
	int i = vw_policy_find_entry(p, e);

	if (i >= 0)
		return i;
	if (p->nentries >= VW_MAX_PROFILES)
		return -ENOSPC;
	i = p->nentries++;
	p->entries[i] = *e;
	p->entries[i].has_serial = 0;
	p->entries[i].degraded = 0;
	vw_profile_clear(&p->entries[i].prof);
	return i;
}

static const char *comment_entry(void *arg, int e)
{
	struct vw_policy_comments *n = arg;

	return e >= 0 && e < VW_MAX_PROFILES && n->entry[e][0] ? n->entry[e] : NULL;
}

static const char *comment_range(void *arg, int e, int r)
{
	struct vw_policy_comments *n = arg;

	return e >= 0 && e < VW_MAX_PROFILES && r >= 0 && r < VW_MAX_RANGES && n->range[e][r][0] ? n->range[e][r] : NULL;
}

const struct vw_policy_notes vw_policy_comments_cb = { .entry = comment_entry, .range = comment_range };
