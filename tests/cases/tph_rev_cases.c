// SPDX-License-Identifier: GPL-2.0
/* Encoders for the TPH uAPI revisions (include/vw_tph_rev.h): see tph_cases.h. */
#include <string.h>

#include "tph_cases.h"

const struct vw_tph_rev vw_tc_revs[VW_TPH_NREVS] = { VW_TPH_REV_V1, VW_TPH_REV_RFC_FEATURE };

void vw_tc_put_field(__u8 *b, __u32 base, const struct vw_tph_field *f, __u32 v)
{
	__u32 k, old = 0, bits = f->mask << f->shift;

	for (k = 0; k < f->width; k++)
		old |= (__u32)b[base + f->off + k] << (8 * k);
	old = (old & ~bits) | ((v & f->mask) << f->shift);
	for (k = 0; k < f->width; k++)
		b[base + f->off + k] = (__u8)(old >> (8 * k));
}

/* A raw value of r's field (mask) that map[] sends to want; want_invalid: any
 * value the judge refuses (op >= VW_TPH_NOPS, mode not NS/IV/DS). */
static int raw_for(const __u8 *map, __u32 mask, __u32 want, int is_op, __u32 *raw)
{
	__u32 v;

	for (v = 0; v < VW_TPH_REV_NVALS && v <= mask; v++)
		if (map[v] == want)
			return *raw = v, 1;
	if (want >= VW_TPH_REV_NVALS && want <= mask)
		return *raw = want, 1;	/* passes through as it is */
	if (is_op ? want < VW_TPH_NOPS : (want == VW_TPH_MODE_NS || want == VW_TPH_MODE_IV ||
					   want == VW_TPH_MODE_DS))
		return 0;		/* a valid value r has no spelling for */
	for (v = 0; v < VW_TPH_REV_NVALS && v <= mask; v++)
		if (is_op ? map[v] == VW_TPH_REV_UNMAPPED :
			    !(map[v] == VW_TPH_MODE_NS || map[v] == VW_TPH_MODE_IV || map[v] == VW_TPH_MODE_DS))
			return *raw = v, 1;
	return 0;
}

/* Revision 1's argsz a as r's: the same coverage (header, fixed part, whole entries). */
static int argsz_for(const struct vw_tph_rev *r, __u32 a, __u32 op, __u32 *out)
{
	__u64 n, rem, big;

	if (a < VW_TPH_HDR_SIZE)
		return *out = a, 1;
	if (a < VW_TPH_FIXED_SIZE) {
		if (r->hdr_size < r->fixed_size)
			return *out = r->hdr_size + (a - VW_TPH_HDR_SIZE) % (r->fixed_size - r->hdr_size), 1;
		if (op == VW_TPH_OP_DISABLE)
			return 0;	/* r has no header-only call */
		return *out = r->hdr_size - 1, 1;
	}
	n = (a - VW_TPH_FIXED_SIZE) / VW_TPH_ENTRY_SIZE;
	rem = (a - VW_TPH_FIXED_SIZE) % VW_TPH_ENTRY_SIZE;
	big = r->ents_off + n * r->ent_size + (rem < r->ent_size ? rem : r->ent_size - 1);
	*out = big > 0xffffffffu ? 0xffffffffu : (__u32)big;
	return 1;
}

int vw_tc_encode_hdr(const struct vw_tph_rev *r, const struct vw_tc_hdr *c, __u8 *hdr)
{
	__u32 op_raw, mode_raw, argsz;

	memset(hdr, 0, VW_TPH_REV_FIXED_MAX + 4);
	if (!raw_for(r->op_map, r->op.mask, c->op, 1, &op_raw))
		return 0;
	if (c->count > r->max_count && c->count <= VW_TPH_MAX_ENTRIES)
		return 0;
	if (c->count > r->count.mask || !argsz_for(r, c->argsz, c->op, &argsz))
		return 0;
	vw_tc_put_field(hdr, 0, &r->argsz, argsz);
	vw_tc_put_field(hdr, 0, &r->count, c->count);
	vw_tc_put_field(hdr, 0, &r->op, op_raw);
	if (c->op == VW_TPH_OP_ENABLE) {	/* revision 1: mode shares count's bytes */
		if (!raw_for(r->mode_map, r->mode.mask, c->mode, 0, &mode_raw))
			return 0;
		vw_tc_put_field(hdr, 0, &r->mode, mode_raw);
	}
	if (r->feature) {
		__u32 flags = r->feature | (c->op < VW_TPH_NOPS ? r->op_flag[c->op] : VW_TPH_FEATURE_SET);
		struct vw_tph_field f = VW_TPH_F(4, 4, 0, 0xffffffffu);

		vw_tc_put_field(hdr, 0, &f, flags);
	}
	return 1;
}

void vw_tc_project_entry(const struct vw_tph_rev *r, const struct vw_tph_entry *in, struct vw_tph_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->cpu = in->cpu & r->cpu.mask;
	out->mem_type = (__u8)(in->mem_type & r->mem.mask);
	out->index = (__u16)(in->index & r->index.mask);
}

void vw_tc_encode_entries(const struct vw_tph_rev *r, const struct vw_tph_entry *ents, __u32 count, __u8 *raw)
{
	__u32 i, k;

	for (i = 0; i < count; i++) {
		__u8 *e = raw + (size_t)i * r->ent_size;

		for (k = 0; k < r->ent_size; k++)
			e[k] = (__u8)vw_tc_rnd();
		vw_tc_put_field(e, 0, &r->cpu, ents[i].cpu);
		vw_tc_put_field(e, 0, &r->mem, ents[i].mem_type);
		vw_tc_put_field(e, 0, &r->index, ents[i].index);
	}
}
