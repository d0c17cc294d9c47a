// SPDX-License-Identifier: GPL-2.0
/*
 * Regions of config space with their verdicts, as text or JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "events.h"
#include "maprender.h"

/* The rule that decided byte b, or -1; out-of-range indexes count as none. */
static int rule_of(const struct vw_map_input *in, unsigned b)
{
	int r = in->rule ? in->rule[b] : -1;

	return r >= 0 && r < in->nrules && in->rules && in->rules[r] ? r : -1;
}

static void describe_cap(const struct vw_cap *c, int i, struct vw_region *r)
{
	r->cap = i;
	r->extended = c->extended;
	r->id = c->id;
	r->version = c->version;
	r->cap_offset = c->offset;
	r->cap_length = c->length;
	r->length_known = c->length_known;
	r->name = vw_cap_name(c->extended, c->id);
}

/* owner: the capability in the device; guest: what vfio-pci shows of it (layout.h). */
static void describe_byte(const struct vw_map_input *in, const int16_t *owner, const int16_t *guest,
			  unsigned b, struct vw_region *r)
{
	const struct vw_layout *l = in->layout;
	uint8_t act = in->act ? in->act[b] : VW_ACT(VW_ALLOW, VW_ALLOW);

	memset(r, 0, sizeof(*r));
	r->start = (uint16_t)b;
	r->length = 1;
	r->cap = -1;
	r->read = (enum vw_action)VW_ACT_READ(act);
	r->write = (enum vw_action)VW_ACT_WRITE(act);
	r->rule = rule_of(in, b);
	if (b < VW_HEADER_SIZE) {
		r->kind = VW_REGION_HEADER;
	} else if (guest[b] >= 0) {
		r->kind = VW_REGION_CAPABILITY;
		describe_cap(&l->caps[guest[b]], guest[b], r);
		r->cap_length = l->caps[guest[b]].vfio_length;
		r->length_known = true;
		r->hidden = l->caps[guest[b]].vfio_placeholder;
	} else if (owner[b] >= 0) {
		r->kind = VW_REGION_UNASSIGNED;	/* to the guest: vfio-pci hides these bytes */
		describe_cap(&l->caps[owner[b]], owner[b], r);
		r->hidden = true;
	} else {
		r->kind = VW_REGION_UNASSIGNED;
	}
}

static bool same_region(const struct vw_region *a, const struct vw_region *b)
{
	return a->kind == b->kind && a->cap == b->cap && a->hidden == b->hidden && a->read == b->read &&
	       a->write == b->write && a->rule == b->rule;
}

int vw_map_regions(const struct vw_map_input *in, struct vw_region *out, int max)
{
	const struct vw_layout *l = in->layout;
	unsigned size = l->size < VW_CFG_SIZE ? l->size : VW_CFG_SIZE;
	int16_t owner[VW_CFG_SIZE], guest[VW_CFG_SIZE];
	int n = 0;

	vw_layout_owners(l, owner);
	vw_layout_guest_owners(l, guest);
	for (unsigned b = 0; b < size; b++) {
		struct vw_region r;

		describe_byte(in, owner, guest, b, &r);
		if (n && same_region(&out[n - 1], &r)) {
			out[n - 1].length++;
			continue;
		}
		if (n == max)
			return -ENOSPC;
		out[n++] = r;
	}
	return n;
}

/* Regions in a malloc'd array the caller frees. */
static int alloc_regions(const struct vw_map_input *in, struct vw_region **out)
{
	int n;

	*out = calloc(VW_CFG_SIZE, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	n = vw_map_regions(in, *out, VW_CFG_SIZE);
	if (n < 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

/* ---- text --------------------------------------------------------------- */

#define CAPCOL_LEN 128

/* "MSI-X (cap 0x11)", "Device Serial Number (ext 0x0003 v1) +0x4 [length?]" */
static void cap_column(const struct vw_region *r, char *buf, size_t len)
{
	int n;

	if (r->cap < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (r->hidden && r->kind == VW_REGION_UNASSIGNED) {
		n = snprintf(buf, len, "hidden by vfio-pci: ");
		buf += n;
		len -= (size_t)n;
	}
	if (r->extended)
		n = snprintf(buf, len, "%s (ext 0x%04x v%u)", r->name, r->id, r->version);
	else
		n = snprintf(buf, len, "%s (cap 0x%02x)", r->name, r->id);
	if (n > 0 && (size_t)n < len && r->start != r->cap_offset)
		n += snprintf(buf + n, len - (size_t)n, " +0x%x", r->start - r->cap_offset);
	if (n > 0 && (size_t)n < len && !r->length_known)
		n += snprintf(buf + n, len - (size_t)n, " [length?]");
	if (n > 0 && (size_t)n < len && r->hidden && r->kind == VW_REGION_CAPABILITY)
		snprintf(buf + n, len - (size_t)n, " placeholder: hidden by vfio-pci");
}

static const char *rule_text(const struct vw_map_input *in, const struct vw_region *r)
{
	return r->rule >= 0 ? in->rules[r->rule] : "-";
}

static int print_table(FILE *f, const struct vw_map_input *in,
		       const struct vw_region *regs, int n)
{
	char (*caps)[CAPCOL_LEN] = calloc((size_t)n + 1, sizeof(*caps));
	int capw = (int)strlen("CAPABILITY");

	if (!caps)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		int w;

		cap_column(&regs[i], caps[i], CAPCOL_LEN);
		w = (int)strlen(caps[i]);
		if (w > capw)
			capw = w;
	}
	fprintf(f, "%-6s %-6s %-5s %-11s %-*s %-6s %-6s %s\n", "START", "END", "LEN",
		"KIND", capw, "CAPABILITY", "READ", "WRITE", "RULE");
	for (int i = 0; i < n; i++) {
		const struct vw_region *r = &regs[i];

		fprintf(f, "0x%03x  0x%03x  %-5u %-11s %-*s %-6s %-6s %s\n", r->start,
			r->start + r->length - 1, r->length, vw_region_name(r->kind),
			capw, caps[i], vw_action_name(r->read),
			vw_action_name(r->write), rule_text(in, r));
	}
	free(caps);
	return 0;
}

int vw_map_print_text(FILE *f, const struct vw_map_input *in)
{
	const struct vw_layout *l = in->layout;
	struct vw_region *regs;
	int n = alloc_regions(in, &regs), rc;

	if (n < 0)
		return n;
	fprintf(f, "%s: %04x:%04x, class %06x, %u bytes of config space, %d capabilities\n",
		in->target ? in->target : "-", l->vendor, l->device_id, l->class_code,
		l->size, l->ncaps);
	rc = print_table(f, in, regs, n);
	free(regs);
	if (rc)
		return rc;
	if (l->vfio_hidden)
		fprintf(f, "hidden by vfio-pci (Linux %s): raw config space to the guest, judged as unassigned\n",
			l->vfio_rules);
	if (l->nwarnings)
		fprintf(f, "warnings:\n");
	for (int i = 0; i < l->nwarnings; i++)
		fprintf(f, "  %s\n", l->warnings[i]);
	return ferror(f) ? -EIO : 0;
}

/* ---- JSON ----------------------------------------------------------------- */

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *region_json(const struct vw_map_input *in,
				       const struct vw_region *r)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "start", json_object_new_int(r->start));
	add(o, "length", json_object_new_int(r->length));
	add(o, "kind", json_object_new_string(vw_region_name(r->kind)));
	if (r->hidden)
		add(o, "hidden_by", json_object_new_string("vfio-pci"));
	if (r->cap >= 0) {
		add(o, "extended", json_object_new_boolean(r->extended));
		add(o, "id", json_object_new_int(r->id));
		add(o, "name", json_object_new_string(r->name));
		if (r->extended)
			add(o, "version", json_object_new_int(r->version));
	}
	add(o, "read", json_object_new_string(vw_action_name(r->read)));
	add(o, "write", json_object_new_string(vw_action_name(r->write)));
	if (r->rule >= 0)
		add(o, "rule", json_object_new_string(in->rules[r->rule]));
	return o;
}

static struct json_object *hex4(uint16_t v)
{
	char s[8];

	snprintf(s, sizeof(s), "%04x", v);
	return json_object_new_string(s);
}

struct json_object *vw_map_json(const struct vw_map_input *in)
{
	const struct vw_layout *l = in->layout;
	struct json_object *o, *regions, *warnings;
	struct vw_region *regs;
	int n = alloc_regions(in, &regs);

	if (n < 0)
		return NULL;
	o = json_object_new_object();
	regions = json_object_new_array();
	warnings = json_object_new_array();
	if (!o || !regions || !warnings) {
		json_object_put(o);
		json_object_put(regions);
		json_object_put(warnings);
		free(regs);
		return NULL;
	}
	add(o, "target", json_object_new_string(in->target ? in->target : ""));
	add(o, "vendor", hex4(l->vendor));
	add(o, "device_id", hex4(l->device_id));
	add(o, "size", json_object_new_int((int)l->size));
	for (int i = 0; i < n; i++)
		json_object_array_add(regions, region_json(in, &regs[i]));
	add(o, "regions", regions);
	for (int i = 0; i < l->nwarnings; i++)
		json_object_array_add(warnings, json_object_new_string(l->warnings[i]));
	add(o, "warnings", warnings);
	free(regs);
	return o;
}

int vw_map_print_json(FILE *f, const struct vw_map_input *in, bool pretty)
{
	struct json_object *o = vw_map_json(in);
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			    : JSON_C_TO_STRING_PLAIN);

	if (!o)
		return -ENOMEM;
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, flags));
	json_object_put(o);
	return ferror(f) ? -EIO : 0;
}
