// SPDX-License-Identifier: GPL-2.0
/* Generated cases and references for vw_tph.h: see tph_cases.h. */
#include <string.h>

#include "tph_cases.h"

static __u64 rng_state = VW_TC_SEED;

void vw_tc_seed(__u64 seed)
{
	rng_state = seed | 1;
}

__u64 vw_tc_seed_value(void)
{
	return rng_state;
}

__u64 vw_tc_rnd(void)
{
	__u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

__u32 vw_tc_rnd_below(__u32 n)
{
	return (__u32)(vw_tc_rnd() % n);
}

#define rnd vw_tc_rnd
#define rnd_below vw_tc_rnd_below

/* ---- entries ---------------------------------------------------------- */

void vw_tc_ref_build(struct vw_tc_ref *r, const struct vw_tph_policy *p, const __u64 *caller)
{
	int c, m;
	int mode = p ? p->cpu_mode : 0;
	unsigned mems = p ? p->mem_types_allowed : 3;

	for (c = 0; c < VW_TPH_MAX_CPUS; c++) {
		int word = c / 64, bit = c % 64;

		switch (mode) {
		case 0: r->cpu_ok[c] = caller ? (caller[word] >> bit) & 1 : 0; break;
		case 1: r->cpu_ok[c] = 1; break;
		case 2: r->cpu_ok[c] = (p->cpu_list[word] >> bit) & 1; break;
		default: r->cpu_ok[c] = 0; break;
		}
	}
	for (m = 0; m < 256; m++)
		r->mem_ok[m] = (m == 0 && (mems & 1)) || (m == 1 && (mems & 2));
}

unsigned vw_tc_ref_entry(const struct vw_tc_ref *r, __u32 cpu, __u8 mem)
{
	unsigned why = 0;

	if (cpu > 255)
		why |= VW_TPH_BAD_CPU_RANGE;
	else if (!r->cpu_ok[cpu])
		why |= VW_TPH_BAD_CPU;
	if (!r->mem_ok[mem])
		why |= VW_TPH_BAD_MEM;
	return why;
}

void vw_tc_random_bitmap(__u64 *w)
{
	int k, density = rnd_below(5);

	for (k = 0; k < VW_TPH_CPU_WORDS; k++)
		switch (density) {
		case 0: w[k] = 0; break;
		case 1: w[k] = ~0ULL; break;
		case 2: w[k] = rnd(); break;
		case 3: w[k] = rnd() & rnd() & rnd(); break;	/* sparse */
		default: w[k] = rnd() | rnd() | rnd(); break;	/* dense */
		}
	if (density == 4 && rnd_below(2))	/* a machine with few CPUs */
		w[1] = w[2] = w[3] = 0;
}

void vw_tc_random_policy(struct vw_tph_policy *p)
{
	static const __u8 modes[] = { 0, 0, 1, 2, 2, 3, 255 };

	vw_tph_policy_default(p);
	p->ops_allowed = (__u8)rnd();
	p->modes_allowed = (__u8)rnd();
	switch (rnd_below(4)) {
	case 0: p->mem_types_allowed = 3; break;
	case 1: p->mem_types_allowed = (__u8)rnd_below(4); break;
	default: p->mem_types_allowed = (__u8)rnd(); break;
	}
	p->cpu_mode = modes[rnd_below(sizeof(modes))];
	vw_tc_random_bitmap(p->cpu_list);
}

static __u32 random_cpu(void)
{
	switch (rnd_below(10)) {
	case 0: return 0xffffffffu - rnd_below(3);
	case 1: return 250 + rnd_below(12);	/* around the limit */
	case 2: return (__u32)rnd();
	case 3: return rnd_below(8);
	default: return rnd_below(256);
	}
}

static __u8 random_mem(void)
{
	switch (rnd_below(8)) {
	case 0: return (__u8)rnd();
	case 1: return 2 + rnd_below(2);
	default: return (__u8)rnd_below(2);
	}
}

/* clean: only allowed entries (if anything is allowed); rare: then a few offenders */
static void random_entry(struct vw_tph_entry *e, const struct vw_tc_ref *r, int clean, int rare,
			 __u32 count)
{
	__u32 c;

	e->cpu = random_cpu();
	e->mem_type = random_mem();
	e->r0 = (__u8)rnd();
	e->index = (__u16)rnd();
	e->st = (__u16)rnd();
	e->r1 = (__u16)rnd();
	if (!clean)
		return;
	for (c = 0; c < 256; c++)
		if (r->cpu_ok[(e->cpu + c) & 255]) {
			e->cpu = (e->cpu + c) & 255;
			break;
		}
	if (r->mem_ok[0])
		e->mem_type = 0;
	else if (r->mem_ok[1])
		e->mem_type = 1;
	if (rare && rnd_below(count) == 0)	/* a rare offender */
		e->cpu = 256 + rnd_below(1000);
}

void vw_tc_batch(struct vw_tc_batch *b, __u32 trial)
{
	static const __u32 edge_counts[] = { 1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 1000,
					     2047, 2048 };
	int clean, rare;
	__u32 i;

	b->count = trial < sizeof(edge_counts) / sizeof(edge_counts[0]) * 4 ?
		   edge_counts[trial / 4] : 1 + rnd_below(VW_TPH_MAX_ENTRIES);
	clean = rnd_below(2);
	rare = rnd_below(2);
	vw_tc_random_policy(&b->pol);
	vw_tc_random_bitmap(b->caller);
	b->pol_null = rnd_below(16) == 0;
	b->caller_null = rnd_below(16) == 0;
	vw_tc_ref_build(&b->ref, b->pol_null ? NULL : &b->pol, b->caller_null ? NULL : b->caller);
	for (i = 0; i < b->count; i++)
		random_entry(&b->ents[i], &b->ref, clean, rare, b->count);
	/* smaller chunks give the same answer (n < VW_TPH_CHUNK at every base) */
	b->chunk2 = trial % 8 == 0 ? 1 + rnd_below(VW_TPH_CHUNK) : 0;
}

void vw_tc_run_batch(const struct vw_tc_batch *b, struct vw_tph_scratch *s, __u32 chunk)
{
	struct vw_tph_batch tb = {};
	__u32 base, k;

	memset(&s->res, 0x5a, sizeof(s->res));
	vw_tph_result_reset(&s->res);
	tb.pol = b->pol_null ? NULL : &b->pol;
	tb.caller_cpus = b->caller_null ? NULL : b->caller;
	tb.res = &s->res;
	for (base = 0; base < b->count; base += chunk) {
		__u32 n = b->count - base < chunk ? b->count - base : chunk;

		for (k = 0; k < VW_TPH_CHUNK; k++) {	/* stale data past n */
			s->ents[k].cpu = 0xffffffff;
			s->ents[k].mem_type = 0xff;
		}
		memcpy(s->ents, b->ents + base, n * sizeof(*b->ents));
		tb.ents = s->ents;
		tb.n = n;
		tb.base = base;
		vw_tph_check_chunk(&tb);
	}
}

int vw_tc_batch_differs(const struct vw_tph_result *got, const struct vw_tc_batch *b)
{
	__u32 i, nbad = 0, rec = 0;
	int bad = 0;

	for (i = 0; i < b->count; i++) {
		unsigned why = vw_tc_ref_entry(&b->ref, b->ents[i].cpu, b->ents[i].mem_type);

		if (!why)
			continue;
		if (rec < VW_TPH_MAX_BAD) {
			bad |= got->bad_idx[rec] != i;
			bad |= got->bad_reason[rec] != why;
			bad |= got->bad_cpu[rec] != b->ents[i].cpu;
			bad |= got->bad_mem[rec] != b->ents[i].mem_type;
			rec++;
		}
		nbad++;
	}
	bad |= got->nbad != nbad;
	bad |= got->nrec != rec;
	for (i = rec; i < VW_TPH_MAX_BAD; i++)	/* unused slots stay reset */
		bad |= got->bad_idx[i] || got->bad_reason[i] || got->bad_cpu[i] || got->bad_mem[i];
	return bad;
}

/* ---- header ----------------------------------------------------------- */

int vw_tc_ref_header(const struct vw_tph_policy *p, __u32 argsz, __u32 op, __u8 mode,
		     __u32 count, int *reason)
{
	struct vw_tph_policy d;
	int unknown = 0, denied = 0, short_fixed = 0, mode_bad = 0, mode_denied = 0;
	int zero = 0, big = 0, short_ents = 0;
	__u64 need;

	if (!p) {
		vw_tph_policy_default(&d);
		p = &d;
	}
	unknown = op > 4;
	denied = !unknown && !((p->ops_allowed >> op) & 1);
	need = op == 2 ? 8 : 16;
	short_fixed = argsz < need;
	if (op == 1) {
		mode_bad = !(mode == 1 || mode == 2 || mode == 4);
		mode_denied = !mode_bad && !(p->modes_allowed & mode);
	}
	if (op == 3 || op == 4) {
		zero = count == 0;
		big = count > 2048;
		short_ents = (__u64)argsz < 16 + (__u64)count * 12;
	}
	if (unknown)
		return *reason = VW_TPH_R_OP_UNKNOWN, VW_DENY;
	if (denied)
		return *reason = VW_TPH_R_OP_DENIED, VW_DENY;
	if (short_fixed)	/* nothing past the header was passed */
		return *reason = VW_TPH_R_ARGSZ, VW_AUDIT;
	if (mode_bad)
		return *reason = VW_TPH_R_MODE_INVALID, VW_DENY;
	if (mode_denied)
		return *reason = VW_TPH_R_MODE_DENIED, VW_DENY;
	if (zero)
		return *reason = VW_TPH_R_COUNT_ZERO, VW_AUDIT;
	if (big)
		return *reason = VW_TPH_R_COUNT_BIG, VW_AUDIT;
	if (short_ents)
		return *reason = VW_TPH_R_ARGSZ_COUNT, VW_AUDIT;
	return *reason = VW_TPH_R_NONE, VW_ALLOW;
}

static const __u32 hdr_ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 31, 255, 0x100, 0x80000000u,
				 0xffffffffu };
static const __u32 hdr_counts[] = { 0, 1, 2, 63, 64, 65, 2047, 2048, 2049, 4096, 0x15555556u,
				    0x80000000u, 0xffffffffu };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One op and count under c->pol: every argsz class and (ENABLE) every mode. */
static void header_argszs(struct vw_tc_hdr *c, void (*fn)(const struct vw_tc_hdr *, void *), void *arg)
{
	static const __u8 all_modes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 0x81, 0x82, 0xff };
	__u32 ent = c->count <= 2048 ? 16 + c->count * 12 : 16;
	__u32 argszs[] = { 0, 1, 4, 7, 8, 9, 12, 15, 16, 17, 27, 28, ent - 1, ent, ent + 1,
			   16 + 2048 * 12, 0x10000, 0xffffffffu };
	__u32 ai, mi;

	for (ai = 0; ai < NELEM(argszs); ai++)
		for (mi = 0; mi < sizeof(all_modes); mi++) {
			if (c->op != 1 && mi > 2)
				break;	/* mode only matters to ENABLE */
			c->argsz = argszs[ai];
			c->mode = all_modes[mi];
			fn(c, arg);
		}
}

void vw_tc_headers(void (*fn)(const struct vw_tc_hdr *c, void *arg), void *arg)
{
	struct vw_tc_hdr c;
	__u32 pa, pm, oi, ci, mi;

	memset(&c, 0, sizeof(c));
	for (pa = 0; pa < 34; pa++)
		for (pm = 0; pm < 9; pm++) {
			vw_tph_policy_default(&c.pol);
			c.pol.ops_allowed = pa < 32 ? (__u8)pa : pa == 32 ? 0xff : 0xe0;
			c.pol.modes_allowed = pm < 8 ? (__u8)pm : 0xff;
			for (oi = 0; oi < NELEM(hdr_ops); oi++)
				for (ci = 0; ci < NELEM(hdr_counts); ci++) {
					c.op = hdr_ops[oi];
					c.count = hdr_counts[ci];
					header_argszs(&c, fn, arg);
				}
		}
	/* no policy: the defaults, on everything */
	vw_tph_policy_default(&c.pol);
	c.pol_null = 1;
	for (oi = 0; oi < NELEM(hdr_ops); oi++)
		for (ci = 0; ci < NELEM(hdr_counts); ci++)
			for (mi = 0; mi < 256; mi++) {
				c.op = hdr_ops[oi];
				c.count = hdr_counts[ci];
				c.mode = (__u8)mi;
				c.argsz = mi * 97;
				fn(&c, arg);
			}
}

/* ---- config space ----------------------------------------------------- */

const struct vw_tc_layout vw_tc_layouts[] = {
	/* loc 01b, 16 entries: 12 + 32 */
	{ "st-in-cap-16", 0x100, 0x000f0000 | 1u << 9 | VW_TPH_CAP_IV, 44, 1, 32 },
	/* loc 01b, 1 entry: 2 bytes, dword padded */
	{ "st-in-cap-1", 0x200, 0x00000000 | 1u << 9 | VW_TPH_CAP_NS, 16, 1, 2 },
	/* loc 01b, 3 entries: 6 bytes -> 8 */
	{ "st-in-cap-3", 0x140, 0x00020000 | 1u << 9 | VW_TPH_CAP_DS | VW_TPH_CAP_EXT, 20, 1, 6 },
	/* loc 10b (MSI-X), 64 entries: capability is 12 bytes */
	{ "st-in-msix", 0x180, 0x003f0000 | 2u << 9 | VW_TPH_CAP_IV | VW_TPH_CAP_NS, 12, 0, 128 },
	/* loc 00b: no table */
	{ "st-none", 0x1c0, VW_TPH_CAP_NS | VW_TPH_CAP_DS, 12, 0, 0 },
	/* loc 11b: reserved, treated as no table in the capability */
	{ "st-reserved", 0x104, 0x00070000 | 3u << 9, 12, 0, 0 },
	/* at the very end of config space: 0xff4 + 12 = 0x1000 */
	{ "end-of-space", 0xff4, VW_TPH_CAP_IV, 12, 0, 0 },
	/* ST table in the capability ending exactly at 0x1000: 0xfd0 + 12 + 36 */
	{ "st-to-end", 0xfd0, 0x00110000 | 1u << 9, 48, 1, 36 },
};
const unsigned vw_tc_nlayouts = NELEM(vw_tc_layouts);

void vw_tc_put_cap(__u8 *cfg, __u32 off, __u32 capreg, __u32 next)
{
	__u32 hdr = VW_EXT_CAP_TPH | 1u << 16 | next << 20;
	int k;

	for (k = 0; k < 4; k++) {
		cfg[off + k] = (__u8)(hdr >> (8 * k));
		cfg[off + 4 + k] = (__u8)(capreg >> (8 * k));
	}
}

/* Reference: mark written bytes in a 4 KiB map, then look at the registers. */
int vw_tc_ref_cfg(const struct vw_tph_policy *p, __u32 cap, __u32 cap_len, int in_cap,
		  __u32 off, __u32 len, const __u8 *data, int *reason)
{
	static int val[VW_CFG_SIZE];	/* -1 not written, -2 written but unseen, else value */
	static int ready;
	__u32 i, n = 0;
	int st = 0, act;

	for (i = 0; !ready && i < VW_CFG_SIZE; i++)
		val[i] = -1;
	ready = 1;
	for (i = 0; i < len && off + i < VW_CFG_SIZE; i++, n++)
		val[off + i] = data && i < 8 ? data[i] : -2;
	if (in_cap)
		for (i = cap + 12; i < cap + cap_len && i < VW_CFG_SIZE; i++)
			st |= val[i] != -1;
	if (cap + 9 < VW_CFG_SIZE && val[cap + 9] >= 0 && (val[cap + 9] & 0x3))
		*reason = VW_TPH_R_CFG_ENABLE;
	else if (cap + 8 < VW_CFG_SIZE && val[cap + 8] >= 0 && (val[cap + 8] & 0x7) == 2)
		*reason = VW_TPH_R_CFG_DS;
	else if ((cap + 8 < VW_CFG_SIZE && val[cap + 8] == -2) ||
		 (cap + 9 < VW_CFG_SIZE && val[cap + 9] == -2))
		*reason = VW_TPH_R_CFG_UNSEEN;
	else if (st)
		*reason = VW_TPH_R_CFG_ST_TABLE;
	else
		*reason = VW_TPH_R_NONE;
	for (i = 0; i < n; i++)	/* clean up for the next write */
		val[off + i] = -1;
	if (*reason == VW_TPH_R_NONE)
		return VW_ALLOW;
	act = p ? p->cfg_write_action : VW_DENY;
	return act == VW_ALLOW ? VW_ALLOW : act == VW_AUDIT || act == VW_SCRUB ? VW_AUDIT : VW_DENY;
}

/* Value number v (of nvals, plus one with unknown data) of an n-byte write at c->off. */
static void cfg_data(struct vw_tc_cfg *c, __u32 n, __u32 v, __u32 nvals)
{
	__u8 data[64];
	__u32 k;

	for (k = 0; k < n; k++)
		data[k] = (__u8)rnd();
	if (n == 1)
		data[0] = (__u8)v;
	if (n == 2 && v < 512)	/* every value, either byte */
		data[(v >> 8) & 1] = (__u8)v, data[((v >> 8) & 1) ^ 1] = 0;
	if (v % 8 == 0)	/* control-register values of note */
		for (k = 0; k < n; k++)
			data[k] = (__u8)((0x00000102u >> (8 * ((c->off + k - c->cap_off) & 3))) &
					 (v & 16 ? 0 : 0xff));
	memset(c->data, 0, sizeof(c->data));
	memcpy(c->data, data, n < sizeof(c->data) ? n : sizeof(c->data));
	c->data_null = (__u8)(v == nvals);
}

/* Every write around layout c->layout under policy c->pol (or none). */
static void cfg_writes(struct vw_tc_cfg *c, void (*fn)(const struct vw_tc_cfg *, void *), void *arg)
{
	static const __u32 lens[] = { 1, 2, 3, 4, 8, 9, 12, 16, 64 };
	__u32 off, lni, v, n, nvals;

	for (off = c->cap_off >= 24 ? c->cap_off - 24 : 0;
	     off < c->cap_off + c->cap_len + 24 && off < VW_CFG_SIZE; off++)
		for (lni = 0; lni < NELEM(lens); lni++) {
			n = lens[lni];
			nvals = n == 1 ? 256 : n == 2 ? 512 : 64;
			for (v = 0; v < nvals + 1; v++) {
				c->off = off;
				c->len = n;
				cfg_data(c, n, v, nvals);
				fn(c, arg);
			}
		}
}

void vw_tc_cfgs(__u64 seed, void (*fn)(const struct vw_tc_cfg *c, void *arg), void *arg)
{
	static const __u8 actions[] = { VW_ALLOW, VW_AUDIT, VW_SCRUB, VW_DENY, VW_UNSET, 0x80 };
	struct vw_tc_cfg c;
	__u32 li, ai, st;

	vw_tc_seed(seed ^ 0x5bd1e995u);	/* not the batches' stream */
	memset(&c, 0, sizeof(c));
	for (li = 0; li < vw_tc_nlayouts; li++) {
		__u8 cap[8] = { 0 };

		c.layout = li;
		vw_tc_put_cap(cap, 0, vw_tc_layouts[li].capreg, 0);
		c.cap_off = vw_tc_layouts[li].off;
		c.in_cap = vw_tph_st_table(cap, &st);
		c.cap_len = vw_tph_cap_length(cap);
		for (ai = 0; ai <= sizeof(actions); ai++) {
			vw_tph_policy_default(&c.pol);
			c.pol_null = (__u8)(ai == sizeof(actions));
			if (!c.pol_null)
				c.pol.cfg_write_action = actions[ai];
			cfg_writes(&c, fn, arg);
		}
	}
}
