// SPDX-License-Identifier: GPL-2.0
/* Xen pciback quirk lines to allowed-write ranges (pciback.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdf.h"
#include "pciback.h"

/* A hex number as pciback's %x reads it (optional 0x), the whole of s[0..n). */
static int hex_field(const char *s, size_t n, uint32_t *v)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	return vw_hex_parse(s, n, 1, 8, v);
}

/* One line (no newline, blanks trimmed); 0, or -1 with why. */
static int parse_quirk(const char *s, size_t n, struct vw_quirk *q, char *why, size_t wl)
{
	const char *dash = memchr(s, '-', n), *c1, *c2, *end = s + n, *bwhy = NULL;

	if (!dash) {
		snprintf(why, wl, "expected DDDD:BB:DD.F-REG:SIZE:MASK (no '-' after the device)");
		return -1;
	}
	if (vw_bdf_parse(s, (size_t)(dash - s), q->bdf, &bwhy)) {
		snprintf(why, wl, "'%.*s' is not a PCI address: %s", (int)(dash - s), s, bwhy ? bwhy : "malformed");
		return -1;
	}
	c1 = memchr(dash + 1, ':', (size_t)(end - dash - 1));
	c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (!c1 || !c2 || memchr(c2 + 1, ':', (size_t)(end - c2 - 1))) {
		snprintf(why, wl, "expected REG:SIZE:MASK after '-', three hex numbers");
		return -1;
	}
	if (hex_field(dash + 1, (size_t)(c1 - dash - 1), &q->reg)) {
		snprintf(why, wl, "register '%.*s' is not a hex number", (int)(c1 - dash - 1), dash + 1);
		return -1;
	}
	if (hex_field(c1 + 1, (size_t)(c2 - c1 - 1), &q->size)) {
		snprintf(why, wl, "size '%.*s' is not a hex number", (int)(c2 - c1 - 1), c1 + 1);
		return -1;
	}
	if (hex_field(c2 + 1, (size_t)(end - c2 - 1), &q->mask)) {
		snprintf(why, wl, "mask '%.*s' is not a hex number of at most 8 digits", (int)(end - c2 - 1), c2 + 1);
		return -1;
	}
	if (q->size != 1 && q->size != 2 && q->size != 4) {
		snprintf(why, wl, "size %u: pciback fields are 1, 2 or 4 bytes", q->size);
		return -1;
	}
	if (q->reg >= VW_CFG_SIZE || q->reg + q->size > VW_CFG_SIZE) {
		snprintf(why, wl, "register 0x%x (+%u bytes) lies outside config space (0x000-0xfff)", q->reg, q->size);
		return -1;
	}
	if (q->size < 4 && (q->mask >> (8 * q->size))) {
		snprintf(why, wl, "mask 0x%x is wider than a %u-byte field", q->mask, q->size);
		return -1;
	}
	return 0;
}

int vw_pciback_parse(const char *name, const char *text, size_t len, struct vw_quirk *out, int max,
		     char *err, size_t errlen)
{
	size_t pos = 0, el = 0;
	int line = 0, n = 0, bad = 0;

	if (errlen)
		err[0] = 0;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t ln = nl ? (size_t)(nl - s) : len - pos, b = 0, e = ln;
		char why[160];
		struct vw_quirk q = {};

		pos += ln + (nl ? 1 : 0);
		line++;
		while (b < e && (s[b] == ' ' || s[b] == '\t'))
			b++;
		while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
			e--;
		if (b == e || s[b] == '#')
			continue;
		if (memchr(s + b, 0, e - b)) {
			snprintf(why, sizeof(why), "NUL byte in the line");
		} else if (!parse_quirk(s + b, e - b, &q, why, sizeof(why))) {
			if (n == max) {
				snprintf(why, sizeof(why), "too many quirk lines (at most %d)", max);
			} else {
				q.line = line;
				out[n++] = q;
				continue;
			}
		}
		bad++;
		if (el < errlen)
			el += (size_t)snprintf(err + el, errlen - el, "%s%s:%d: %s", el ? "\n" : "", name, line, why);
	}
	return bad ? -1 : n;
}

static int cmp_range(const void *a, const void *b)
{
	const struct vw_range *x = a, *y = b;

	return (int)x->start - (int)y->start;
}

int vw_pciback_apply(struct vw_policy *p, const struct vw_quirk *q, int n, struct vw_pciback_notes *notes,
		     char *err, size_t errlen)
{
	int i, j;

	for (i = 0; i < n; i++) {
		struct vw_policy_entry key = { .kind = VW_SEL_BDF };
		struct vw_profile *prof;
		unsigned s = q[i].reg, e = q[i].reg + q[i].size;
		int idx, r, merged = 0, base_ranges;

		/* first quirk of this device? then every other quirk of it goes in now, in one pass */
		for (j = 0; j < i && strcmp(q[j].bdf, q[i].bdf); j++)
			;
		if (j < i)
			continue;
		snprintf(key.bdf, sizeof(key.bdf), "%s", q[i].bdf);
		snprintf(key.label, sizeof(key.label), "bdf %s", q[i].bdf);
		idx = vw_policy_find_entry(p, &key);
		if (idx < 0 && (idx = vw_policy_add_entry(p, &key)) < 0) {
			snprintf(err, errlen, "line %d: no room for another device entry (at most %d)", q[i].line,
				 VW_MAX_ENTRIES);
			return -1;
		}
		prof = &p->entries[idx].prof;
		base_ranges = prof->nranges;
		if (notes)
			snprintf(notes->entry[idx], sizeof(notes->entry[0]),
				 "imported from Xen pciback quirks: fields the guest may write through");
		for (j = i; j < n; j++) {
			if (strcmp(q[j].bdf, q[i].bdf))
				continue;
			s = q[j].reg;
			e = q[j].reg + q[j].size;
			/* merge with an imported range it overlaps or touches */
			for (r = base_ranges, merged = 0; r < prof->nranges; r++) {
				struct vw_range *g = &prof->ranges[r];

				if (s <= (unsigned)g->start + g->len && e >= g->start) {
					unsigned ns = s < g->start ? s : g->start;
					unsigned ne = e > (unsigned)g->start + g->len ? e : (unsigned)g->start + g->len;

					g->start = (__u16)ns;
					g->len = (__u16)(ne - ns);
					merged = 1;
					if (notes)
						snprintf(notes->range[idx][r] + strlen(notes->range[idx][r]),
							 sizeof(notes->range[0][0]) - strlen(notes->range[idx][r]),
							 ", line %d mask 0x%x", q[j].line, q[j].mask);
					break;
				}
			}
			if (merged)
				continue;
			if (prof->nranges == VW_MAX_RANGES) {
				snprintf(err, errlen, "line %d: %s needs more than %d ranges", q[j].line, q[j].bdf,
					 VW_MAX_RANGES);
				return -1;
			}
			r = prof->nranges++;
			prof->ranges[r] = (struct vw_range){ .start = (__u16)s, .len = (__u16)(e - s),
							     .rule = VW_RULE(VW_UNSET, VW_ALLOW) };
			if (notes)
				snprintf(notes->range[idx][r], sizeof(notes->range[0][0]), "pciback line %d mask 0x%x",
					 q[j].line, q[j].mask);
		}
		/* merging can make two imported ranges touch: once more until stable */
		for (r = base_ranges; r < prof->nranges; r++)
			for (j = r + 1; j < prof->nranges; j++) {
				struct vw_range *a = &prof->ranges[r], *b = &prof->ranges[j];

				if (b->start <= a->start + a->len && b->start + b->len >= a->start) {
					unsigned ns = a->start < b->start ? a->start : b->start;
					unsigned ne = a->start + a->len > b->start + b->len ? a->start + a->len
											: b->start + b->len;

					a->start = (__u16)ns;
					a->len = (__u16)(ne - ns);
					if (notes) {
						snprintf(notes->range[idx][r] + strlen(notes->range[idx][r]),
							 sizeof(notes->range[0][0]) - strlen(notes->range[idx][r]), ", %s",
							 notes->range[idx][j] + strlen("pciback "));
						memmove(notes->range[idx][j], notes->range[idx][j + 1],
							sizeof(notes->range[0][0]) * (size_t)(prof->nranges - j - 1));
					}
					memmove(b, b + 1, sizeof(*b) * (size_t)(prof->nranges - j - 1));
					prof->nranges--;
					j = r;	/* a grew: look again */
				}
			}
		/* a base range of this device in the way: refuse rather than guess which wins */
		for (r = base_ranges; r < prof->nranges; r++)
			for (j = 0; j < base_ranges; j++) {
				const struct vw_range *a = &prof->ranges[r], *b = &prof->ranges[j];

				if (a->start < b->start + b->len && b->start < a->start + a->len) {
					snprintf(err, errlen, "%s: imported bytes 0x%x-0x%x overlap the base policy's range "
						 "0x%x-0x%x for that device", q[i].bdf, a->start, a->start + a->len - 1,
						 b->start, b->start + b->len - 1);
					return -1;
				}
			}
		/* ranges in order, comments with them */
		if (notes) {
			struct { struct vw_range g; char c[160]; } *t = calloc(prof->nranges, sizeof(*t));

			if (!t) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			for (r = 0; r < prof->nranges; r++) {
				t[r].g = prof->ranges[r];
				memcpy(t[r].c, notes->range[idx][r], sizeof(t[r].c));
			}
			qsort(t, prof->nranges, sizeof(*t), cmp_range);
			for (r = 0; r < prof->nranges; r++) {
				prof->ranges[r] = t[r].g;
				memcpy(notes->range[idx][r], t[r].c, sizeof(t[r].c));
			}
			free(t);
		} else {
			qsort(prof->ranges, prof->nranges, sizeof(prof->ranges[0]), cmp_range);
		}
	}
	return 0;
}
