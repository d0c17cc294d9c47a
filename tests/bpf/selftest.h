/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tests/bpf/selftest.bpf.c and its runner, tests/vm/bytecode.c, share: the
 * cases (in the layouts tests/cases generates them in) and the results its
 * SEC("syscall") programs exchange through the object's global data (.bss,
 * which the skeleton maps into the runner) and through their ctx. Big things
 * (a struct vw_device is over 8 KiB) live in the global data, never on the
 * BPF stack.
 */
#ifndef VW_SELFTEST_H
#define VW_SELFTEST_H

#include "vw_tph.h"
#include "vw_tph_rev.h"
#include "decide_cases.h"	/* the case layouts (tests/cases) */
#include "tph_cases.h"

#define ST_QUERIES 512		/* decide queries per run (a power of two) */
#define ST_HDRS    2048		/* TPH header cases per run (a power of two) */
#define ST_CFGS    2048		/* TPH config-write cases per run (a power of two) */
#define ST_DECS    2048		/* TPH revision decode cases per run (a power of two) */

enum st_kind { ST_DECIDE = 1, ST_TPH_HEADER = 2, ST_TPH_CFG = 3, ST_TPH_DECODE = 4 };

/* ctx of st_compile and st_cases */
struct st_run {
	__u32 kind;		/* st_cases: enum st_kind */
	__u32 n;		/* st_cases: cases in this run */
	__u32 layers;		/* st_compile: bit k set: st_prof[k] is layer k */
	__u32 pad;
};

struct st_query {		/* vw_decide(&st_dev, off, len, write, &at) */
	struct vw_dc_query q;
	__s32 act;		/* out */
	__u32 at;		/* out */
};

struct st_hdr {			/* vw_tph_judge_header, entries_to_check, verdict */
	struct vw_tc_hdr c;
	__u32 nbad;		/* refused entries, for vw_tph_verdict */
	__s32 act;		/* out: the header's verdict */
	__s32 reason;		/* out */
	__s32 verdict;		/* out: vw_tph_verdict(act, nbad) */
	__s32 vreason;		/* out */
	__u32 entries;		/* out: vw_tph_entries_to_check(op, count) */
};

struct st_batch {		/* ctx of st_tph_batch: one GET_ST/SET_ST batch */
	__u64 ents;		/* the caller's memory: count struct vw_tph_entry */
	__u32 count;
	__u32 chunk;		/* entries per chunk, 1..VW_TPH_CHUNK */
	__u32 pol_null;		/* else st_tpol */
	__u32 caller_null;	/* else st_scratch.caller_cpus */
	__s32 verdict;		/* out: vw_tph_verdict(VW_ALLOW, nbad); result in st_scratch.res */
	__s32 reason;		/* out */
	__u32 unreadable;	/* out: a chunk could not be read */
	__u32 rev;		/* ents are in st_revs[rev]'s layout */
};

struct st_dec {			/* vw_tph_decode_hdr, then vw_tph_judge_header on what it gave */
	struct vw_tc_hdr c;	/* the case (for the reference: revision 1's verdict) */
	__u8 hdr[VW_TPH_REV_FIXED_MAX + 4];	/* c in st_revs[rev]'s layout */
	__u32 rev;
	struct vw_tph_call out;	/* out */
	__s32 act;		/* out */
	__s32 reason;		/* out */
	__u32 pad;
};

struct st_cfg {			/* vw_tph_cfg_write */
	struct vw_tc_cfg c;
	__s32 act;		/* out */
	__s32 reason;		/* out */
};

_Static_assert(sizeof(struct vw_tc_hdr) == 64 && sizeof(struct vw_tc_cfg) == 88, "no padding");
_Static_assert(sizeof(struct st_query) == 20 && sizeof(struct st_hdr) == 88 &&
	       sizeof(struct st_cfg) == 96 && sizeof(struct st_dec) == 136,
	       "no padding: results are compared with memcmp");

#endif
