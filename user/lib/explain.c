// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "vw_decide.h"

static const char *const layer_kinds[VW_NLAYERS] = { "bdf", "vendor:device", "vendor", "class", "default" };

/* Name of the rule that painted a byte, e.g. "default: unassigned". */
static void rule_name(const struct vw_policy *p, const struct vw_explained *x, __u16 why,
		      unsigned off, unsigned char cap, char *buf, size_t len)
{
	int layer = VW_WHY_LAYER(why), range = VW_WHY_RANGE(why);
	const struct vw_policy_entry *e = &p->entries[x->layers[layer]];
	const char *what;
	char tmp[64];

	switch (VW_WHY_SRC(why)) {
	case VW_FROM_RANGE:
		snprintf(tmp, sizeof(tmp), "range 0x%x-0x%x", e->prof.ranges[range].start,
			 e->prof.ranges[range].start + e->prof.ranges[range].len - 1);
		what = tmp;
		break;
	case VW_FROM_CAP: {
		int ext = off >= VW_STD_CFG_SIZE;
		const char *sn = vw_cap_short_name(ext, cap);

		if (sn)
			snprintf(tmp, sizeof(tmp), "capability %s", sn);
		else
			snprintf(tmp, sizeof(tmp), "capability %s:0x%02x", ext ? "ext" : "cap", cap);
		what = tmp;
		break;
	}
	default:
		what = off < VW_HEADER_SIZE ? "header" : vw_cap_is_unassigned(cap) ? "unassigned" : "capabilities";
	}
	snprintf(buf, len, "%s: %s", e->label[0] ? e->label : layer_kinds[layer], what);
}

static int intern(struct vw_explained *x, const char *name)
{
	int i;

	for (i = 0; i < x->nnames; i++)
		if (!strcmp(x->names[i], name))
			return i;
	if (x->nnames == VW_MAX_RULE_NAMES)
		return -1;
	snprintf(x->names[x->nnames], sizeof(x->names[0]), "%s", name);
	return x->nnames++;
}

void vw_explain(const struct vw_policy *p, const struct vw_layout *lay, const char *bdf,
		struct vw_explained *x)
{
	static __u16 why[2 * VW_CFG_SIZE];
	struct vw_compile_ctx ctx = {};
	unsigned off;
	int k;

	memset(x, 0, sizeof(*x));
	vw_policy_layers(p, bdf, lay->vendor, lay->device_id, lay->class_code, x->layers);
	for (k = 0; k < VW_NLAYERS; k++)
		ctx.layers[k] = x->layers[k] >= 0 ? &p->entries[x->layers[k]].prof : NULL;
	memcpy(x->dev.cap, lay->capmap, sizeof(x->dev.cap));
	ctx.cap = x->dev.cap;
	ctx.dev = &x->dev;
	ctx.why = why;
	vw_compile(&ctx);

	for (off = 0; off < VW_CFG_SIZE; off++) {
		__u16 wr = why[off], ww = why[VW_CFG_SIZE + off];
		char rn[128] = "", wn[128] = "", both[300];
		unsigned char cap = x->dev.cap[off];

		if (wr == VW_WHY_NONE && ww == VW_WHY_NONE) {
			x->rule[off] = -1;
			continue;
		}
		if (wr != VW_WHY_NONE)
			rule_name(p, x, wr, off, cap, rn, sizeof(rn));
		if (ww != VW_WHY_NONE)
			rule_name(p, x, ww, off, cap, wn, sizeof(wn));
		if (!strcmp(rn, wn))
			snprintf(both, sizeof(both), "%s", rn);
		else
			snprintf(both, sizeof(both), "read %s; write %s", rn[0] ? rn : "(none)", wn[0] ? wn : "(none)");
		x->rule[off] = intern(x, both);
	}
}
