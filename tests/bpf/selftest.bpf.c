// SPDX-License-Identifier: GPL-2.0
/*
 * The shared judges as the kernel runs them. include/vw_decide.h and
 * include/vw_tph.h are compiled here exactly as for warden.bpf.c (same
 * flags, VW_LOOP as bpf_loop, VW_OPAQUE as asm), and SEC("syscall")
 * programs run them on cases tests/vm/bytecode.c supplies through the
 * global data and the ctx, with bpf_prog_test_run. The runner compares every
 * result byte for byte with the host build and with the references.
 *
 * A test object only: it has its own skeleton (vw_selftest) and is never
 * embedded in the vfio-warden binary. Syscall programs need CAP_BPF and
 * kernel 5.14 or later; bpf_loop (which warden needs too) 5.17.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "vw_types.h"
#include "vw_decide.h"
#include "vw_tph.h"
#include "vw_tph_rev.h"
#include "selftest.h"

char LICENSE[] SEC("license") = "GPL";

/* Inputs and outputs: the runner reads and writes these through the skeleton. */
struct vw_profile st_prof[VW_NLAYERS];
struct vw_device st_dev;			/* cap[] in; compiled in place */
struct st_query st_q[ST_QUERIES];
struct st_hdr st_hdr[ST_HDRS];
struct st_cfg st_cfg[ST_CFGS];
struct vw_tph_policy st_tpol;			/* st_tph_batch's policy */
struct vw_tph_scratch st_scratch;		/* as warden's per-CPU TPH scratch */
__u8 st_raw[VW_TPH_RAW_ALLOC];			/* as warden's vw_tph_work.raw */
struct vw_tph_rev st_revs[VW_TPH_NREVS];	/* the runner's copy of every revision */
struct st_dec st_dec[ST_DECS];

/* vw_compile over st_dev.cap with the layers run->layers names. */
SEC("syscall")
int st_compile(struct st_run *run)
{
	struct vw_compile_ctx c = {};
	__u32 layers = run->layers;

	/* unrolled: layers[] is read at constant offsets, as in warden */
	c.layers[0] = layers & 1 ? &st_prof[0] : NULL;
	c.layers[1] = layers & 2 ? &st_prof[1] : NULL;
	c.layers[2] = layers & 4 ? &st_prof[2] : NULL;
	c.layers[3] = layers & 8 ? &st_prof[3] : NULL;
	c.layers[4] = layers & 16 ? &st_prof[4] : NULL;
	c.cap = st_dev.cap;
	c.dev = &st_dev;
	vw_compile(&c);
	return 0;
}

/*
 * p, or NULL when the case says none. Opaque, so that the shared code's later
 * "p ?" tests the pointer itself: clang would otherwise test the flag again,
 * and the 6.1 verifier cannot tie that test to the pointer (it then follows a
 * path that loads through NULL, and refuses the program).
 */
static __always_inline const void *st_or_null(const void *p, __u8 none)
{
	const void *r = none ? NULL : p;

	VW_OPAQUE(r);
	return r;
}

/* bpf_loop steps of st_cases: case index of the run (below the array's length). */
static long st_decide_one(__u64 index, void *ctx)
{
	struct st_query *q = &st_q[index & (ST_QUERIES - 1)];
	__u32 at = 0;

	q->act = vw_decide(&st_dev, q->q.off, q->q.len, q->q.write, &at);
	q->at = at;
	return 0;
}

static long st_hdr_one(__u64 index, void *ctx)
{
	struct st_hdr *h = &st_hdr[index & (ST_HDRS - 1)];
	const struct vw_tc_hdr *c = &h->c;
	int reason = VW_TPH_R_NONE, vreason, act;

	act = vw_tph_judge_header(st_or_null(&c->pol, c->pol_null), c->argsz, c->op, c->mode, c->count,
				  &reason);
	h->act = act;
	h->reason = reason;
	h->entries = vw_tph_entries_to_check(c->op, c->count);
	vreason = reason;
	h->verdict = vw_tph_verdict(act, h->nbad, &vreason);
	h->vreason = vreason;
	return 0;
}

struct st_chunks {
	const struct vw_tph_policy *pol;
	const struct vw_tph_rev *rev;
	const __u64 *caller;
	__u64 ents;
	__u32 count;
	__u32 chunk;
	__u32 unreadable;
};

/* One chunk, as warden's vw_tph_chunk: copy from the caller, decode, check each entry. */
static long st_chunk(__u64 index, void *ctx)
{
	struct st_chunks *c = ctx;
	const struct vw_tph_rev *r = c->rev;
	struct vw_tph_decode dec = {};
	struct vw_tph_batch b = {};
	__u32 base = (__u32)index * c->chunk, left;
	__u64 sz;	/* 64-bit: its clamp bounds it for bpf_probe_read_user on 6.1 */

	if (base >= c->count || !r)
		return 1;
	left = c->count - base;
	if (left > c->chunk)
		left = c->chunk;
	sz = (__u64)left * r->ent_size;
	if (sz > VW_TPH_RAW_SIZE)
		sz = VW_TPH_RAW_SIZE;
	if (!sz || bpf_probe_read_user(st_raw, sz, (void *)(c->ents + (__u64)base * r->ent_size))) {
		c->unreadable = 1;
		return 1;
	}
	dec.rev = r;
	dec.raw = st_raw;
	dec.ents = st_scratch.ents;
	dec.n = left;
	vw_tph_decode_chunk(&dec);
	b.pol = c->pol;
	b.ents = st_scratch.ents;
	b.caller_cpus = c->caller;
	b.res = &st_scratch.res;
	b.n = left;
	b.base = base;
	vw_tph_check_chunk(&b);
	return 0;
}

/* One GET_ST/SET_ST batch from the runner's memory, chunk by chunk, into st_scratch.res. */
SEC("syscall")
int st_tph_batch(struct st_batch *a)
{
	struct st_chunks c = {};
	int reason = VW_TPH_R_NONE;
	__u32 chunk = a->chunk, count = a->count;

	if (!chunk || chunk > VW_TPH_CHUNK || count > VW_TPH_MAX_ENTRIES)
		return -1;
	vw_tph_result_reset(&st_scratch.res);
	c.pol = st_or_null(&st_tpol, a->pol_null);
	c.rev = &st_revs[a->rev < VW_TPH_NREVS ? a->rev : 0];
	c.caller = st_or_null(st_scratch.caller_cpus, a->caller_null);
	c.ents = a->ents;
	c.count = count;
	c.chunk = chunk;
	bpf_loop((count + chunk - 1) / chunk, st_chunk, &c, 0);
	a->unreadable = c.unreadable;
	a->verdict = vw_tph_verdict(VW_ALLOW, st_scratch.res.nbad, &reason);
	a->reason = reason;
	return 0;
}

static long st_dec_one(__u64 index, void *ctx)
{
	struct st_dec *w = &st_dec[index & (ST_DECS - 1)];
	const struct vw_tc_hdr *c = &w->c;
	int reason = VW_TPH_R_NONE;

	vw_tph_decode_hdr(&st_revs[w->rev < VW_TPH_NREVS ? w->rev : 0], w->hdr, &w->out);
	w->act = vw_tph_judge_header(st_or_null(&c->pol, c->pol_null), w->out.argsz, w->out.op, w->out.mode,
				     w->out.count, &reason);
	w->reason = reason;
	return 0;
}

static long st_cfg_one(__u64 index, void *ctx)
{
	struct st_cfg *w = &st_cfg[index & (ST_CFGS - 1)];
	const struct vw_tc_cfg *c = &w->c;
	int reason = VW_TPH_R_NONE;

	w->act = vw_tph_cfg_write(st_or_null(&c->pol, c->pol_null), c->cap_off, c->cap_len, c->in_cap,
				  c->off, c->len, st_or_null(c->data, c->data_null), &reason);
	w->reason = reason;
	return 0;
}

/* Every case of one kind in the global data: st_q (on st_dev), st_hdr or st_cfg[0 .. run->n). */
SEC("syscall")
int st_cases(struct st_run *run)
{
	__u32 kind = run->kind, n = run->n;

	if (kind == ST_DECIDE && n <= ST_QUERIES)
		bpf_loop(n, st_decide_one, NULL, 0);
	else if (kind == ST_TPH_HEADER && n <= ST_HDRS)
		bpf_loop(n, st_hdr_one, NULL, 0);
	else if (kind == ST_TPH_CFG && n <= ST_CFGS)
		bpf_loop(n, st_cfg_one, NULL, 0);
	else if (kind == ST_TPH_DECODE && n <= ST_DECS)
		bpf_loop(n, st_dec_one, NULL, 0);
	else
		return -1;
	return 0;
}
