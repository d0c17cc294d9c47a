/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generated cases for include/vw_tph.h, shared by the host unit test
 * (tests/unit/test_tph.c: the host build) and the VM test
 * (tests/vm/bytecode.c: the same cases through the BPF build), with the
 * references they are judged against, written differently from the judge:
 *  - batches of 1..2048 GET_ST/SET_ST entries on random policies and caller
 *    masks, against a per-CPU truth table;
 *  - the header verdict on every op, mode, argsz and count class, against a
 *    "collect every problem, then rank" reference;
 *  - config writes of 1..64 bytes at every offset around TPH capabilities
 *    built from the spec, against a byte-map reference.
 * One random stream (xorshift, vw_tc_seed) drives them all.
 */
#ifndef VW_TPH_CASES_H
#define VW_TPH_CASES_H

#include "vw_tph.h"

/* The cases. Fixed-size types and no implicit padding: tests/bpf/selftest.h embeds
 * them, and results are compared byte for byte. */
struct vw_tc_hdr {
	struct vw_tph_policy pol;
	__u32 argsz;
	__u32 op;
	__u32 count;
	__u8 mode;
	__u8 pol_null;		/* judge with no policy (pol holds the defaults) */
	__u8 pad[2];
};

struct vw_tc_cfg {
	struct vw_tph_policy pol;
	__u32 layout;		/* index into vw_tc_layouts */
	__u32 cap_off;
	__u32 cap_len;		/* vw_tph_cap_length of the layout */
	__u32 in_cap;		/* ST table in the capability */
	__u32 off;
	__u32 len;
	__u8 data[VW_TPH_CFG_DATA_MAX];	/* what vw_tph_cfg_write may look at */
	__u8 pol_null;		/* judge with no policy: the defaults */
	__u8 data_null;		/* the written bytes are unknown */
	__u8 pad[6];
};

#ifndef __VW_BPF__	/* the generators and the references: host only */

#define VW_TC_SEED    0x9e3779b97f4a7c15ULL
#define VW_TC_BATCHES 3000	/* random batches (the first 56 at edge counts) */

void vw_tc_seed(__u64 seed);
__u64 vw_tc_seed_value(void);	/* the state now: print it before drawing */
__u64 vw_tc_rnd(void);
__u32 vw_tc_rnd_below(__u32 n);

/* Which CPUs and mem types a policy allows, as plain tables. */
struct vw_tc_ref {
	unsigned char cpu_ok[VW_TPH_MAX_CPUS];
	unsigned char mem_ok[256];
};
void vw_tc_ref_build(struct vw_tc_ref *r, const struct vw_tph_policy *p, const __u64 *caller);
unsigned vw_tc_ref_entry(const struct vw_tc_ref *r, __u32 cpu, __u8 mem);	/* VW_TPH_BAD_* */
void vw_tc_random_bitmap(__u64 *w);
void vw_tc_random_policy(struct vw_tph_policy *p);

/* ---- batches ---------------------------------------------------------- */

struct vw_tc_batch {
	struct vw_tph_policy pol;
	__u64 caller[VW_TPH_CPU_WORDS];
	int pol_null;		/* check with no policy: the defaults */
	int caller_null;	/* no caller mask: nothing allowed in caller mode */
	__u32 count;
	__u32 chunk2;		/* 0, or a second, smaller chunk size to check it with */
	struct vw_tc_ref ref;
	struct vw_tph_entry ents[VW_TPH_MAX_ENTRIES];
};
/* Batch number trial (0..VW_TC_BATCHES-1): the next from the stream. */
void vw_tc_batch(struct vw_tc_batch *b, __u32 trial);
/* The whole batch as BPF checks it: chunks of chunk (<= VW_TPH_CHUNK) entries
 * copied into s->ents over stale data, base = chunk index * chunk. */
void vw_tc_run_batch(const struct vw_tc_batch *b, struct vw_tph_scratch *s, __u32 chunk);
/* Does a checker's result differ from the reference? */
int vw_tc_batch_differs(const struct vw_tph_result *got, const struct vw_tc_batch *b);

/* ---- header ----------------------------------------------------------- */

/* Every header case, in order. */
void vw_tc_headers(void (*fn)(const struct vw_tc_hdr *c, void *arg), void *arg);
int vw_tc_ref_header(const struct vw_tph_policy *p, __u32 argsz, __u32 op, __u8 mode,
		     __u32 count, int *reason);

/* ---- config space ----------------------------------------------------- */

struct vw_tc_layout {
	const char *name;
	__u32 off;		/* capability offset */
	__u32 capreg;		/* TPH Requester Capability register */
	__u32 expect_len;	/* by hand, from the spec */
	int expect_in_cap;
	__u32 expect_st;	/* ST table bytes */
};
extern const struct vw_tc_layout vw_tc_layouts[];
extern const unsigned vw_tc_nlayouts;
/* A TPH capability header (next pointer next) and capability register at cfg + off. */
void vw_tc_put_cap(__u8 *cfg, __u32 off, __u32 capreg, __u32 next);

/* Every config-write case, in order: the written bytes are drawn from the
 * stream restarted from seed, so a seed gives the same cases wherever it runs. */
void vw_tc_cfgs(__u64 seed, void (*fn)(const struct vw_tc_cfg *c, void *arg), void *arg);
int vw_tc_ref_cfg(const struct vw_tph_policy *p, __u32 cap, __u32 cap_len, int in_cap,
		  __u32 off, __u32 len, const __u8 *data, int *reason);

/* ---- uAPI revisions (tph_rev_cases.c) --------------------------------- */

#include "vw_tph_rev.h"

/* Every decodable revision's descriptor, revision 1 first. */
extern const struct vw_tph_rev vw_tc_revs[VW_TPH_NREVS];
/* Write v into field f of the buffer at base (read-modify-write of its bits). */
void vw_tc_put_field(__u8 *b, __u32 base, const struct vw_tph_field *f, __u32 v);
/* A header case in r's layout, into hdr (VW_TPH_REV_FIXED_MAX + 4 bytes): 1,
 * or 0 when r cannot say it with revision 1's verdict (an op r lacks, a count
 * over r's maximum, a header-only argsz r has no room for). */
int vw_tc_encode_hdr(const struct vw_tph_rev *r, const struct vw_tc_hdr *c, __u8 *hdr);
/* What r keeps of an entry (its fields through r's masks; the rest 0). */
void vw_tc_project_entry(const struct vw_tph_rev *r, const struct vw_tph_entry *in, struct vw_tph_entry *out);
/* count entries in r's layout into raw (count * r->ent_size bytes), the bytes
 * r does not decode filled with noise from the stream. */
void vw_tc_encode_entries(const struct vw_tph_rev *r, const struct vw_tph_entry *ents, __u32 count, __u8 *raw);

#endif /* !__VW_BPF__ */
#endif
