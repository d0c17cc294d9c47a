// SPDX-License-Identifier: GPL-2.0
/* From a recording to a least-privilege policy entry, and the --diff report (learn_policy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "learn_policy.h"

/* Type 0 and type 1 header registers, by first byte. */
struct hdr_reg {
	unsigned char off, len;
	const char *name;
};

static const struct hdr_reg hdr0[] = {
	{ 0x00, 2, "vendor ID" }, { 0x02, 2, "device ID" }, { 0x04, 2, "command" }, { 0x06, 2, "status" },
	{ 0x08, 4, "revision/class" }, { 0x0c, 1, "cache line" }, { 0x0d, 1, "latency timer" },
	{ 0x0e, 1, "header type" }, { 0x0f, 1, "BIST" }, { 0x10, 24, "BARs" }, { 0x28, 4, "CardBus CIS" },
	{ 0x2c, 4, "subsystem" }, { 0x30, 4, "expansion ROM" }, { 0x34, 1, "capabilities pointer" },
	{ 0x35, 7, "reserved" }, { 0x3c, 1, "interrupt line" }, { 0x3d, 1, "interrupt pin" },
	{ 0x3e, 1, "min grant" }, { 0x3f, 1, "max latency" }, { 0, 0, NULL },
};

static const struct hdr_reg hdr1[] = {
	{ 0x00, 2, "vendor ID" }, { 0x02, 2, "device ID" }, { 0x04, 2, "command" }, { 0x06, 2, "status" },
	{ 0x08, 4, "revision/class" }, { 0x0c, 1, "cache line" }, { 0x0d, 1, "latency timer" },
	{ 0x0e, 1, "header type" }, { 0x0f, 1, "BIST" }, { 0x10, 8, "BARs" }, { 0x18, 3, "bus numbers" },
	{ 0x1b, 1, "secondary latency" }, { 0x1c, 2, "I/O base/limit" }, { 0x1e, 2, "secondary status" },
	{ 0x20, 4, "memory base/limit" }, { 0x24, 12, "prefetchable base/limit" },
	{ 0x30, 4, "I/O base/limit upper" }, { 0x34, 1, "capabilities pointer" }, { 0x35, 3, "reserved" },
	{ 0x38, 4, "expansion ROM" }, { 0x3c, 1, "interrupt line" }, { 0x3d, 1, "interrupt pin" },
	{ 0x3e, 2, "bridge control" }, { 0, 0, NULL },
};

void vw_learn_region_name(const struct vw_layout *lay, const int16_t owner[VW_CFG_SIZE], unsigned off, char *buf,
			  size_t len)
{
	const struct hdr_reg *h;
	int c;

	if (off < VW_HEADER_SIZE) {
		for (h = (lay->header_type & 0x7f) == 1 ? hdr1 : hdr0; h->name; h++)
			if (off >= h->off && off < (unsigned)h->off + h->len)
				break;
		snprintf(buf, len, "header %s", h->name ? h->name : "?");
		return;
	}
	c = off < VW_CFG_SIZE ? owner[off] : -1;
	if (c < 0) {
		snprintf(buf, len, "unassigned");
		return;
	}
	snprintf(buf, len, "%s (%s 0x%02x)", vw_cap_name(lay->caps[c].extended, lay->caps[c].id),
		 lay->caps[c].extended ? "ext" : "cap", lay->caps[c].id);
}

/* The distinct region names of [s, e), up to three. */
static void range_names(const struct vw_layout *lay, const int16_t *owner, unsigned s, unsigned e, char *buf,
			size_t len)
{
	char names[3][80], cur[80];
	int n = 0, more = 0, k;
	unsigned i;

	for (i = s; i < e; i++) {
		vw_learn_region_name(lay, owner, i, cur, sizeof(cur));
		for (k = 0; k < n && strcmp(names[k], cur); k++)
			;
		if (k < n)
			continue;
		if (n == 3) {
			more = 1;
			continue;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", cur);
	}
	buf[0] = 0;
	for (k = 0; k < n; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", k ? ", " : "", names[k]);
	if (more)
		snprintf(buf + strlen(buf), len - strlen(buf), ", ...");
}

/* The most accesses any dword of [s, e) saw in direction dir. */
static unsigned range_count(const struct vw_learn *l, int dir, unsigned s, unsigned e)
{
	unsigned d, best = 0;

	for (d = s >> 2; d <= (e - 1) >> 2 && d < VW_LEARN_DWORDS; d++)
		if (l->count[dir][d] > best)
			best = l->count[dir][d];
	return best;
}

static int vmax(int a, int b)
{
	return a > b ? a : b;
}

/* The most common of want[] over the bytes where sel() holds, SCRUB left out; -1 if none. */
static int most_common(const __u8 *want, const struct vw_layout *lay, int cls)
{
	unsigned n[4] = { 0 }, i;
	int a, best = -1;

	for (i = 0; i < VW_CFG_SIZE; i++) {
		if (vw_region_kind(i, lay->capmap[i]) != cls || want[i] == VW_SCRUB)
			continue;
		n[want[i] & 3]++;
	}
	for (a = 0; a < 4; a++)
		if (n[a] && (best < 0 || n[a] > n[best]))
			best = a;
	return best;
}

static __u8 class_rule(int r, int w)
{
	return VW_RULE(r < 0 ? VW_UNSET : r, w < 0 ? VW_UNSET : w);
}

/* Working storage of one build or diff (large: on the heap, per call). */
struct learn_work {
	struct vw_explained x;
	__u8 want[2][VW_CFG_SIZE];
	__u8 base_act[2][VW_CFG_SIZE];
	int16_t owner[VW_CFG_SIZE];
};

int vw_learn_build(struct vw_policy *p, const struct vw_learned *ld, int else_action,
		   struct vw_learn_notes *notes, char *err, size_t errlen)
{
	struct learn_work *lw = calloc(1, sizeof(*lw));
	struct vw_explained *x = lw ? &lw->x : NULL;
	struct vw_policy_entry *en;
	__u8 (*want)[VW_CFG_SIZE] = lw ? lw->want : NULL, (*base_act)[VW_CFG_SIZE] = lw ? lw->base_act : NULL;
	__u8 base_rule[3][2], r, w;
	unsigned i, s, nr = 0, seen_bytes[2] = { 0, 0 };
	int dir, idx, cls, scrub = 0, rc = -1;
	char names[120];

	if (!lw) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	vw_layout_owners(&ld->lay, lw->owner);
	/* what the base enforces on this device, per byte */
	vw_explain(p, &ld->lay, ld->bdf, x);
	for (i = 0; i < VW_CFG_SIZE; i++) {
		base_act[0][i] = VW_ACT_READ(x->dev.act[i]);
		base_act[1][i] = VW_ACT_WRITE(x->dev.act[i]);
	}
	/* DSN scrub is only in act[] as scrub for the serial bytes: look at the layer rule */
	for (dir = 0; dir < 2; dir++)
		for (i = 0; i < VW_CFG_SIZE; i++) {
			int b = base_act[dir][i], seen = vw_learn_seen(&ld->seen, dir, i);

			seen_bytes[dir] += seen;
			if (seen)
				want[dir][i] = b == VW_DENY ? VW_DENY : b == VW_SCRUB ? VW_SCRUB : VW_ALLOW;
			else
				want[dir][i] = (__u8)vmax(else_action, b);
			scrub |= want[dir][i] == VW_SCRUB;
		}

	idx = vw_policy_add_entry(p, &ld->key);
	if (idx < 0) {
		snprintf(err, errlen, "the base policy has no room for another device entry (at most %d)",
			 VW_MAX_ENTRIES);
		goto out;
	}
	en = &p->entries[idx];
	/* this entry now says everything about its devices: its old rules go, serial and tph stay */
	{
		struct vw_tph_policy tph = en->prof.tph;

		vw_profile_clear(&en->prof);
		en->prof.tph = tph;
	}
	for (cls = 0; cls < 3; cls++)
		for (dir = 0; dir < 2; dir++)
			base_rule[cls][dir] = (__u8)most_common(want[dir], &ld->lay, cls);
	en->prof.header = class_rule((signed char)base_rule[VW_REGION_HEADER][0], (signed char)base_rule[VW_REGION_HEADER][1]);
	en->prof.cap_any = class_rule((signed char)base_rule[VW_REGION_CAPABILITY][0],
				      (signed char)base_rule[VW_REGION_CAPABILITY][1]);
	en->prof.unassigned = class_rule((signed char)base_rule[VW_REGION_UNASSIGNED][0],
					 (signed char)base_rule[VW_REGION_UNASSIGNED][1]);
	if (scrub)
		en->prof.ext_cap[0x03] = VW_RULE(VW_SCRUB, VW_UNSET);

	/* what that entry alone gives (it has an opinion on every byte), and ranges for the rest */
	{
		struct vw_device *d = &x->dev;
		struct vw_compile_ctx ctx = {};

		memset(d, 0, sizeof(*d));
		memcpy(d->cap, ld->lay.capmap, sizeof(d->cap));
		ctx.layers[0] = &en->prof;
		ctx.cap = d->cap;
		ctx.dev = d;
		vw_compile(&ctx);
		for (i = 0; i <= VW_CFG_SIZE; i = s) {
			__u8 rr = VW_UNSET, ww = VW_UNSET;

			if (i < VW_CFG_SIZE) {
				if (VW_ACT_READ(d->act[i]) != want[0][i])
					rr = want[0][i];
				if (VW_ACT_WRITE(d->act[i]) != want[1][i])
					ww = want[1][i];
			}
			for (s = i + 1; s < VW_CFG_SIZE; s++) {
				__u8 r2 = VW_ACT_READ(d->act[s]) != want[0][s] ? want[0][s] : VW_UNSET;
				__u8 w2 = VW_ACT_WRITE(d->act[s]) != want[1][s] ? want[1][s] : VW_UNSET;

				if (r2 != rr || w2 != ww)
					break;
			}
			if (i == VW_CFG_SIZE)
				break;
			if (rr == VW_UNSET && ww == VW_UNSET)
				continue;
			if (rr == VW_SCRUB) {
				snprintf(err, errlen, "%s: bytes 0x%x-0x%x need a scrub no rule of this entry gives",
					 ld->bdf, i, s - 1);
				goto out;
			}
			if (nr == VW_MAX_RANGES) {
				snprintf(err, errlen, "%s: the recording needs more than %d ranges in one entry; "
					 "learn from a narrower run, or use --else audit", ld->bdf, VW_MAX_RANGES);
				goto out;
			}
			en->prof.ranges[nr].start = (__u16)i;
			en->prof.ranges[nr].len = (__u16)(s - i);
			en->prof.ranges[nr].rule = VW_RULE(rr, ww);
			range_names(&ld->lay, lw->owner, i, s, names, sizeof(names));
			if (notes) {
				char *c = notes->range[idx][nr];
				size_t cl = sizeof(notes->range[0][0]);

				snprintf(c, cl, "%s", names);
				for (dir = 0; dir < 2; dir++) {
					__u8 a = dir ? ww : rr;
					unsigned n = range_count(&ld->seen, dir, i, s);

					if (a == VW_UNSET)
						continue;
					if (a == VW_ALLOW)
						snprintf(c + strlen(c), cl - strlen(c), "; %u %s", n, dir ? "writes" : "reads");
					else if (vw_learn_seen(&ld->seen, dir, i))
						snprintf(c + strlen(c), cl - strlen(c), "; %s %s as the base does",
							 dir ? "writes" : "reads", vw_policy_action_word(a));
					else
						snprintf(c + strlen(c), cl - strlen(c), "; %s %s: not seen",
							 dir ? "writes" : "reads", vw_policy_action_word(a));
				}
			}
			nr++;
		}
		en->prof.nranges = (__u8)nr;
	}

	/* check: the policy as written compiles to exactly what was wanted */
	vw_explain(p, &ld->lay, ld->bdf, x);
	for (i = 0; i < VW_CFG_SIZE; i++) {
		r = VW_ACT_READ(x->dev.act[i]);
		w = VW_ACT_WRITE(x->dev.act[i]);
		if (r != want[0][i] || w != want[1][i]) {
			snprintf(err, errlen, "%s: byte 0x%x would get read %s, write %s instead of %s, %s: a more "
				 "specific entry of the base policy decides it (key the learned entry by bdf)",
				 ld->bdf, i, vw_policy_action_word(r), vw_policy_action_word(w),
				 vw_policy_action_word(want[0][i]), vw_policy_action_word(want[1][i]));
			goto out;
		}
	}
	if (notes)
		snprintf(notes->entry[idx], sizeof(notes->entry[0]),
			 "learned by `vfio-warden learn` from %s (%04x:%04x): %u bytes read, %u bytes written.\n"
			 "Allowed: exactly the bytes accessed (ranges below, with the most accesses any dword\n"
			 "of the range saw). Everything else: %s, or what the base policy does if stronger.",
			 ld->devices[0] ? ld->devices : ld->bdf, ld->lay.vendor, ld->lay.device_id, seen_bytes[0],
			 seen_bytes[1], vw_policy_action_word(else_action));
	rc = 0;
out:
	free(lw);
	return rc;
}

int vw_learn_diff(FILE *f, const struct vw_policy *p, const struct vw_learned *ld)
{
	struct learn_work *lw = calloc(1, sizeof(*lw));
	struct vw_explained *x = lw ? &lw->x : NULL;
	unsigned i, s;
	int dir, n = 0;
	char names[120];

	if (!lw)
		return -1;
	vw_layout_owners(&ld->lay, lw->owner);
	vw_explain(p, &ld->lay, ld->bdf, x);
	for (dir = 0; dir < 2; dir++)
		for (i = 0; i < VW_CFG_SIZE; i = s) {
			int a = dir ? VW_ACT_WRITE(x->dev.act[i]) : VW_ACT_READ(x->dev.act[i]);
			int seen = vw_learn_seen(&ld->seen, dir, i);

			for (s = i + 1; s < VW_CFG_SIZE; s++) {
				int a2 = dir ? VW_ACT_WRITE(x->dev.act[s]) : VW_ACT_READ(x->dev.act[s]);

				if (a2 != a || vw_learn_seen(&ld->seen, dir, s) != seen)
					break;
			}
			if (!seen || (a != VW_AUDIT && a != VW_DENY))
				continue;
			range_names(&ld->lay, lw->owner, i, s, names, sizeof(names));
			fprintf(f, "%s: %s 0x%03x-0x%03x would be %s: %s; %u %s\n", ld->devices[0] ? ld->devices : ld->bdf,
				dir ? "write" : "read", i, s - 1, a == VW_DENY ? "denied" : "audited", names,
				range_count(&ld->seen, dir, i, s), dir ? "writes" : "reads");
			n++;
		}
	free(lw);
	return n;
}
