// SPDX-License-Identifier: GPL-2.0
/*
 * TPH (include/vw_tph.h, run by BPF on every VFIO_DEVICE_PCI_TPH ioctl and
 * every config write near a TPH capability) against references written
 * differently here:
 *  - the batch checker, driven chunk by chunk exactly as BPF drives it,
 *    against a per-CPU truth table on random policies, caller masks and
 *    batches of 1..2048 entries, and exhaustively on single entries;
 *  - the header verdict on every op, mode, argsz and count class against a
 *    "collect every problem, then rank" reference;
 *  - config writes of 1, 2, 3, 4 and 8 bytes at every offset around TPH
 *    capabilities built from the spec (ST table in the capability, in MSI-X,
 *    none, reserved location, at the end of config space), byte-map reference;
 *  - the ST-table helper against the walker (user/lib/layout.c), and the two real
 *    TPH devices in the shared pciutils fixtures;
 *  - names, lookups, CPU-list parsing;
 *  - the loader refusing a TPH policy vw_tph_policy_check finds bad.
 * Random cases use a fixed seed (VW_TPH_SEED overrides it). The generated
 * cases and the references are tests/cases/tph_cases.c, which
 * tests/vm/bytecode.c runs through the BPF build too.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>
#include "vw_test.h"
#include "vw_tph.h"
#include "apply.h"
#include "cfgdump.h"
#include "layout.h"
#include "tph.h"
#include "tph_cases.h"

/* ---- uAPI constants --------------------------------------------------- */

static void test_uapi(void)
{
	struct vw_tph_policy p;

	CHECK_EQ(VW_TPH_IOCTL, 0x3b7a);
	CHECK_EQ(VW_TPH_IOCTL, _IO(0x3b, 100 + 22));
	CHECK_EQ(VW_TPH_IOCTL, _IO(VFIO_TYPE, VFIO_BASE + 22));
	CHECK_EQ(_IOC_DIR(VW_TPH_IOCTL), _IOC_NONE);
	CHECK_EQ(_IOC_SIZE(VW_TPH_IOCTL), 0);
	CHECK_EQ(VW_TPH_UAPI_VERSION, 1);
	CHECK_EQ(VW_TPH_OP_GET_CAP, 0);
	CHECK_EQ(VW_TPH_OP_ENABLE, 1);
	CHECK_EQ(VW_TPH_OP_DISABLE, 2);
	CHECK_EQ(VW_TPH_OP_GET_ST, 3);
	CHECK_EQ(VW_TPH_OP_SET_ST, 4);
	CHECK_EQ(VW_TPH_MODE_NS, 1);
	CHECK_EQ(VW_TPH_MODE_IV, 2);
	CHECK_EQ(VW_TPH_MODE_DS, 4);
	CHECK_EQ(VW_TPH_MEM_VM, 0);
	CHECK_EQ(VW_TPH_MEM_PM, 1);
	CHECK_EQ(VW_TPH_MAX_ENTRIES, 2048);
	/* layouts, as in the proposal */
	CHECK_EQ(offsetof(struct vw_tph_op, hdr.argsz), 0);
	CHECK_EQ(offsetof(struct vw_tph_op, hdr.op), 4);
	CHECK_EQ(offsetof(struct vw_tph_op, cap.supported_modes), 8);
	CHECK_EQ(offsetof(struct vw_tph_op, cap.st_table_present), 9);
	CHECK_EQ(offsetof(struct vw_tph_op, cap.st_table_sz), 10);
	CHECK_EQ(offsetof(struct vw_tph_op, cap.reserved), 12);
	CHECK_EQ(offsetof(struct vw_tph_op, ctrl.mode), 8);
	CHECK_EQ(offsetof(struct vw_tph_op, st.count), 8);
	CHECK_EQ(offsetof(struct vw_tph_op, st.reserved), 12);
	CHECK_EQ(sizeof(struct vw_tph_op), VW_TPH_ENTS_OFF);
	CHECK_EQ(offsetof(struct vw_tph_entry, cpu), 0);
	CHECK_EQ(offsetof(struct vw_tph_entry, mem_type), 4);
	CHECK_EQ(offsetof(struct vw_tph_entry, r0), 5);
	CHECK_EQ(offsetof(struct vw_tph_entry, index), 6);
	CHECK_EQ(offsetof(struct vw_tph_entry, st), 8);
	CHECK_EQ(offsetof(struct vw_tph_entry, r1), 10);
	CHECK_EQ(sizeof(struct vw_tph_entry), 12);
	CHECK_EQ(vw_tph_st_argsz(1), 28);
	CHECK_EQ(vw_tph_st_argsz(VW_TPH_MAX_ENTRIES), 16 + 2048 * 12);
	CHECK_EQ(vw_tph_min_argsz(VW_TPH_OP_DISABLE), 8);
	CHECK_EQ(vw_tph_min_argsz(VW_TPH_OP_ENABLE), 16);
	CHECK_EQ(vw_tph_min_argsz(VW_TPH_OP_GET_CAP), 16);

	/* defaults */
	memset(&p, 0xa5, sizeof(p));
	vw_tph_policy_default(&p);
	CHECK_EQ(p.ops_allowed, 0x1f);
	CHECK_EQ(p.modes_allowed, VW_TPH_MODE_IV);
	CHECK_EQ(p.mem_types_allowed, 3);
	CHECK_EQ(p.cpu_mode, VW_TPH_CPUS_CALLER);
	CHECK_EQ(p.cfg_write_action, VW_DENY);
	CHECK_EQ(p.uapi_version, VW_TPH_UAPI_VERSION);
	CHECK_EQ(p.cpu_list[0] | p.cpu_list[1] | p.cpu_list[2] | p.cpu_list[3], 0);
	CHECK_EQ(p.pad[0] | p.pad[1] | p.pad[2] | p.pad2[0] | p.pad2[6], 0);
	CHECK_EQ(vw_tph_policy_check(&p), 0);
	p.ops_allowed = 0x20;
	CHECK_EQ(vw_tph_policy_check(&p), 1);
	vw_tph_policy_default(&p);
	p.modes_allowed = 8;
	CHECK_EQ(vw_tph_policy_check(&p), 2);
	vw_tph_policy_default(&p);
	p.mem_types_allowed = 4;
	CHECK_EQ(vw_tph_policy_check(&p), 4);
	vw_tph_policy_default(&p);
	p.cpu_mode = 3;
	CHECK_EQ(vw_tph_policy_check(&p), 8);
	vw_tph_policy_default(&p);
	p.cfg_write_action = VW_SCRUB;
	CHECK_EQ(vw_tph_policy_check(&p), 16);
	p.cfg_write_action = VW_UNSET;
	CHECK_EQ(vw_tph_policy_check(&p), 16);
	vw_tph_policy_default(&p);
	p.uapi_version = 2;
	CHECK_EQ(vw_tph_policy_check(&p), 32);
}

/* The loader checks every layer's TPH policy before it writes a map: with
 * no maps at all (fds -1), a bad policy is refused with -EINVAL, a good one
 * gets as far as the first map write (-EBADF). */
static void test_loader_check(void)
{
	static const char yaml[] = "version: 1\ndevices:\n  - match: {vendor: \"8086\"}\n"
				   "    tph: {cpus: \"0-3\"}\n  - match: {vendor: \"1b36\"}\n"
				   "    header: deny\n";
	static struct vw_policy pol;
	static struct vw_apply_report rep;
	struct vw_tph_policy *dev_tph = &pol.entries[1].prof.tph;
	struct vw_maps m;
	char err[256];
	int k;

	for (k = 0; k < VW_MAP_COUNT; k++)
		m.fd[k] = -1;
	CHECK(vw_policy_parse("t.yaml", yaml, sizeof(yaml) - 1, &pol, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(pol.nentries, 3);
	CHECK_EQ(pol.entries[2].prof.tph.uapi_version, 0);	/* no tph: asks the default layer */
	CHECK_EQ(vw_apply_policy(&m, &pol, 1, &rep), -EBADF);
	dev_tph->mem_types_allowed |= 0x10;
	CHECK_EQ(vw_apply_policy(&m, &pol, 1, &rep), -EINVAL);
	dev_tph->mem_types_allowed &= ~0x10;
	dev_tph->uapi_version = VW_TPH_UAPI_VERSION + 1;	/* written for another uAPI */
	CHECK_EQ(vw_apply_policy(&m, &pol, 1, &rep), -EINVAL);
	dev_tph->uapi_version = VW_TPH_UAPI_VERSION;
	pol.entries[0].prof.tph.cfg_write_action = VW_SCRUB;
	CHECK_EQ(vw_apply_policy(&m, &pol, 1, &rep), -EINVAL);
	pol.entries[0].prof.tph.cfg_write_action = VW_AUDIT;
	pol.entries[2].prof.tph.cpu_mode = 9;	/* ignored: that layer has no TPH policy */
	CHECK_EQ(vw_apply_policy(&m, &pol, 1, &rep), -EBADF);
}

/* ---- entries ---------------------------------------------------------- */

static void test_entries(void)
{
	static struct vw_tc_batch tb;
	static struct vw_tph_entry ents[VW_TPH_MAX_ENTRIES];
	static struct vw_tph_scratch s;
	struct vw_tph_policy p;
	struct vw_tc_ref r;
	__u64 caller[VW_TPH_CPU_WORDS];
	__u32 trial, i, mismatches = 0, entries = 0, denied = 0, allowed = 0, full_rec = 0;
	__u32 ntrials = VW_TC_BATCHES;

	for (trial = 0; trial < ntrials; trial++) {
		int rc, hdr_reason, v;

		vw_tc_batch(&tb, trial);
		/* BPF's chunking, and the checker's own clamp of n */
		vw_tc_run_batch(&tb, &s, VW_TPH_CHUNK);
		rc = vw_tc_batch_differs(&s.res, &tb);
		if (rc && mismatches < 5)
			fprintf(stderr, "batch trial %u (count %u) differs\n", trial, tb.count);
		mismatches += rc;
		entries += tb.count;
		full_rec += s.res.nrec == VW_TPH_MAX_BAD;
		hdr_reason = VW_TPH_R_NONE;
		v = vw_tph_verdict(VW_ALLOW, s.res.nbad, &hdr_reason);
		if (s.res.nbad) {
			denied++;
			mismatches += v != VW_DENY || hdr_reason != VW_TPH_R_ENTRIES;
		} else {
			allowed++;
			mismatches += v != VW_ALLOW || hdr_reason != VW_TPH_R_NONE;
		}
		if (tb.chunk2) {
			vw_tc_run_batch(&tb, &s, tb.chunk2);
			mismatches += vw_tc_batch_differs(&s.res, &tb);
		}
	}
	CHECK_EQ(mismatches, 0);
	CHECK(denied > ntrials / 4 && allowed > ntrials / 20 && full_rec > ntrials / 10,
	      "coverage: %u denied, %u allowed, %u with 8 offenders recorded", denied, allowed,
	      full_rec);
	printf("entries: %u random batches, %u entries (%u refused, %u passed)\n", ntrials,
	       entries, denied, allowed);

	{	/* every single entry: cpu 0..300 and extremes, every mem_type, every cpu_mode */
		static const __u32 extra[] = { 511, 512, 1024, 4095, 65535, 0x7fffffff, 0x80000000,
					       0xfffffffe, 0xffffffff };
		__u32 cases = 0, bad = 0, c, m, mode, pol;

		for (pol = 0; pol < 6; pol++) {
			vw_tc_random_policy(&p);
			vw_tc_random_bitmap(caller);
			for (mode = 0; mode < 4; mode++) {
				p.cpu_mode = (__u8)mode;
				vw_tc_ref_build(&r, &p, caller);
				for (c = 0; c < 301 + sizeof(extra) / sizeof(extra[0]); c++) {
					__u32 cpu = c < 301 ? c : extra[c - 301];

					for (m = 0; m < 256; m++) {
						bad += vw_tph_entry_bad(&p, caller, cpu, m) !=
						       vw_tc_ref_entry(&r, cpu, (__u8)m);
						cases++;
					}
				}
			}
		}
		CHECK_EQ(bad, 0);
		CHECK(cases > 1000000, "%u single-entry cases", cases);
	}
	{	/* hand-made: defaults, caller may run on CPUs 0-3 and 8 */
		__u64 cpus[VW_TPH_CPU_WORDS] = { 0x10f, 0, 0, 0 };
		struct vw_tph_entry e[12] = {
			{ .cpu = 0 }, { .cpu = 3, .mem_type = 1 }, { .cpu = 4 }, { .cpu = 8 },
			{ .cpu = 9, .mem_type = 2 }, { .cpu = 256 }, { .cpu = 2, .mem_type = 7 },
			{ .cpu = 5 }, { .cpu = 6 }, { .cpu = 7 }, { .cpu = 10 }, { .cpu = 11 },
		};
		struct vw_tph_batch b = {};
		struct vw_tph_result res;

		vw_tph_result_reset(&res);
		b.pol = NULL;
		b.caller_cpus = cpus;
		b.res = &res;
		b.ents = e;
		b.n = 12;
		b.base = 100;
		vw_tph_check_chunk(&b);
		CHECK_EQ(res.nbad, 9);
		CHECK_EQ(res.nrec, 8);
		CHECK_EQ(res.bad_idx[0], 102);
		CHECK_EQ(res.bad_reason[0], VW_TPH_BAD_CPU);
		CHECK_EQ(res.bad_idx[1], 104);
		CHECK_EQ(res.bad_reason[1], VW_TPH_BAD_CPU | VW_TPH_BAD_MEM);
		CHECK_EQ(res.bad_mem[1], 2);
		CHECK_EQ(res.bad_idx[2], 105);
		CHECK_EQ(res.bad_reason[2], VW_TPH_BAD_CPU_RANGE);
		CHECK_EQ(res.bad_cpu[2], 256);
		CHECK_EQ(res.bad_idx[3], 106);
		CHECK_EQ(res.bad_reason[3], VW_TPH_BAD_MEM);
		CHECK_EQ(res.bad_idx[7], 110);	/* cpu 10; cpu 11 only counted */
		/* n beyond a chunk: only VW_TPH_CHUNK entries looked at */
		vw_tph_result_reset(&res);
		b.n = 1000;
		b.ents = ents;
		b.base = 0;
		for (i = 0; i < VW_TPH_MAX_ENTRIES; i++)
			ents[i] = (struct vw_tph_entry){ .cpu = 9999 };
		vw_tph_check_chunk(&b);
		CHECK_EQ(res.nbad, VW_TPH_CHUNK);
		/* no entries, no result: nothing happens */
		vw_tph_result_reset(&res);
		b.ents = NULL;
		vw_tph_check_chunk(&b);
		CHECK_EQ(res.nbad, 0);
		b.ents = ents;
		b.res = NULL;
		vw_tph_check_chunk(&b);
		b.n = 0;
		b.res = &res;
		vw_tph_check_chunk(&b);
		CHECK_EQ(res.nbad, 0);
		/* caller mode without a caller mask, list mode, all mode */
		{
			struct vw_tph_policy q;

			vw_tph_policy_default(&q);
			CHECK_EQ(vw_tph_cpu_allowed(&q, NULL, 0), 0);
			CHECK_EQ(vw_tph_cpu_allowed(&q, cpus, 8), 1);
			CHECK_EQ(vw_tph_cpu_allowed(NULL, cpus, 8), 1);
			CHECK_EQ(vw_tph_cpu_allowed(NULL, cpus, 9), 0);
			q.cpu_mode = VW_TPH_CPUS_ALL;
			CHECK_EQ(vw_tph_cpu_allowed(&q, NULL, 255), 1);
			CHECK_EQ(vw_tph_cpu_allowed(&q, NULL, 256), 0);
			q.cpu_mode = VW_TPH_CPUS_LIST;
			q.cpu_list[3] = 1ULL << 63;
			CHECK_EQ(vw_tph_cpu_allowed(&q, cpus, 255), 1);
			CHECK_EQ(vw_tph_cpu_allowed(&q, cpus, 0), 0);
			CHECK_EQ(vw_tph_mem_allowed(&q, VW_TPH_MEM_PM), 1);
			q.mem_types_allowed = 0xfe;	/* PM, and bits for types that do not exist */
			CHECK_EQ(vw_tph_mem_allowed(&q, VW_TPH_MEM_VM), 0);
			CHECK_EQ(vw_tph_mem_allowed(&q, 2), 0);
			CHECK_EQ(vw_tph_mem_allowed(&q, 7), 0);
		}
	}
}

/* ---- header ----------------------------------------------------------- */

/* Header and config-write cases: how many, how many differ from the
 * reference, and which reasons the judge gave. */
struct tally {
	__u32 cases, bad;
	__u32 per_reason[VW_TPH_NREASONS];
};

/* Count a case: the judge's (a1, r1) against the reference's (a2, r2).
 * Returns 1 for the first few that differ (to print them). */
static int tally(struct tally *t, int a1, int r1, int a2, int r2)
{
	int differs = a1 != a2 || r1 != r2;

	t->bad += differs;
	if (r1 >= 0 && r1 < VW_TPH_NREASONS)
		t->per_reason[r1]++;
	t->cases++;
	return differs && t->bad <= 5;
}

static void header_case(const struct vw_tc_hdr *c, void *arg)
{
	const struct vw_tph_policy *p = c->pol_null ? NULL : &c->pol;
	int r1 = -1, r2 = -1, a1, a2;

	a1 = vw_tph_judge_header(p, c->argsz, c->op, c->mode, c->count, &r1);
	a2 = vw_tc_ref_header(p, c->argsz, c->op, c->mode, c->count, &r2);
	if (tally(arg, a1, r1, a2, r2))
		fprintf(stderr, "header op %u argsz %u mode %u count %u ops %02x modes %02x%s: %d/%d, ref %d/%d\n",
			c->op, c->argsz, c->mode, c->count, c->pol.ops_allowed, c->pol.modes_allowed,
			p ? "" : " (no policy)", a1, r1, a2, r2);
}

static void test_header(void)
{
	static struct tally t;
	struct vw_tph_policy p;
	__u32 ci;

	vw_tc_headers(header_case, &t);
	CHECK_EQ(t.bad, 0);
	CHECK(t.cases > 500000, "%u header cases", t.cases);
	for (ci = VW_TPH_R_NONE; ci <= VW_TPH_R_ARGSZ_COUNT; ci++)
		CHECK(t.per_reason[ci] > 0, "reason %u (%s) never produced", ci, vw_tph_reason_name(ci));
	printf("header: %u cases\n", t.cases);

	{	/* readable cases, default policy */
		int r;

		CHECK_EQ(vw_tph_judge_header(NULL, 16, VW_TPH_OP_GET_CAP, 0, 0, &r), VW_ALLOW);
		CHECK_EQ(r, VW_TPH_R_NONE);
		CHECK_EQ(vw_tph_judge_header(NULL, 8, VW_TPH_OP_DISABLE, 0, 0, &r), VW_ALLOW);
		CHECK_EQ(vw_tph_judge_header(NULL, 16, VW_TPH_OP_ENABLE, VW_TPH_MODE_IV, 0, &r), VW_ALLOW);
		CHECK_EQ(vw_tph_judge_header(NULL, 16, VW_TPH_OP_ENABLE, VW_TPH_MODE_NS, 0, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_MODE_DENIED);
		CHECK_EQ(vw_tph_judge_header(NULL, 16, VW_TPH_OP_ENABLE, VW_TPH_MODE_DS, 0, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_MODE_DENIED);
		CHECK_EQ(vw_tph_judge_header(NULL, 16, VW_TPH_OP_ENABLE, VW_TPH_MODE_IV | VW_TPH_MODE_DS, 0, &r),
			 VW_DENY);
		CHECK_EQ(r, VW_TPH_R_MODE_INVALID);
		CHECK_EQ(vw_tph_judge_header(NULL, 16, VW_TPH_OP_ENABLE, 0, 0, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_MODE_INVALID);
		/* too short to hold a mode: malformed, passed through, mode not judged */
		CHECK_EQ(vw_tph_judge_header(NULL, 15, VW_TPH_OP_ENABLE, VW_TPH_MODE_DS, 0, &r), VW_AUDIT);
		CHECK_EQ(r, VW_TPH_R_ARGSZ);
		CHECK_EQ(vw_tph_judge_header(NULL, 0, VW_TPH_OP_GET_CAP, 0, 0, &r), VW_AUDIT);
		CHECK_EQ(r, VW_TPH_R_ARGSZ);
		CHECK_EQ(vw_tph_judge_header(NULL, 7, VW_TPH_OP_DISABLE, 0, 0, &r), VW_AUDIT);
		CHECK_EQ(vw_tph_judge_header(NULL, 28, VW_TPH_OP_GET_ST, 0, 1, &r), VW_ALLOW);
		CHECK_EQ(vw_tph_judge_header(NULL, 27, VW_TPH_OP_SET_ST, 0, 1, &r), VW_AUDIT);
		CHECK_EQ(r, VW_TPH_R_ARGSZ_COUNT);
		CHECK_EQ(vw_tph_judge_header(NULL, 0xffffffff, VW_TPH_OP_GET_ST, 0, 0, &r), VW_AUDIT);
		CHECK_EQ(r, VW_TPH_R_COUNT_ZERO);
		CHECK_EQ(vw_tph_judge_header(NULL, 0xffffffff, VW_TPH_OP_GET_ST, 0, 2049, &r), VW_AUDIT);
		CHECK_EQ(r, VW_TPH_R_COUNT_BIG);
		/* 16 + 12 * 0x15555556 wraps to 24 in 32 bits: still short */
		CHECK_EQ(vw_tph_judge_header(NULL, 24, VW_TPH_OP_GET_ST, 0, 0x15555556u, &r), VW_AUDIT);
		CHECK_EQ(r, VW_TPH_R_COUNT_BIG);
		CHECK_EQ(vw_tph_judge_header(NULL, 16, 5, 0, 0, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_OP_UNKNOWN);
		/* a disallowed op is denied even when malformed */
		vw_tph_policy_default(&p);
		p.ops_allowed &= ~VW_TPH_OP_BIT(VW_TPH_OP_GET_ST);
		CHECK_EQ(vw_tph_judge_header(&p, 0, VW_TPH_OP_GET_ST, 0, 0, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_OP_DENIED);
		/* which entries BPF reads and checks */
		CHECK_EQ(vw_tph_entries_to_check(VW_TPH_OP_GET_ST, 5), 5);
		CHECK_EQ(vw_tph_entries_to_check(VW_TPH_OP_SET_ST, 2048), 2048);
		CHECK_EQ(vw_tph_entries_to_check(VW_TPH_OP_SET_ST, 2049), 0);
		CHECK_EQ(vw_tph_entries_to_check(VW_TPH_OP_GET_ST, 0), 0);
		CHECK_EQ(vw_tph_entries_to_check(VW_TPH_OP_ENABLE, 5), 0);
		CHECK_EQ(vw_tph_entries_to_check(9, 5), 0);
		/* verdicts */
		r = 77;
		CHECK_EQ(vw_tph_verdict(VW_DENY, 3, &r), VW_DENY);
		CHECK_EQ(r, 77);	/* the header's reason stands */
		CHECK_EQ(vw_tph_verdict(VW_AUDIT, 0, &r), VW_AUDIT);
		CHECK_EQ(vw_tph_verdict(VW_AUDIT, 1, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_ENTRIES);
	}
}

/* ---- config space ----------------------------------------------------- */

static void cfg_case(const struct vw_tc_cfg *c, void *arg)
{
	const struct vw_tph_policy *p = c->pol_null ? NULL : &c->pol;
	const __u8 *dp = c->data_null ? NULL : c->data;
	int r1 = -1, r2 = -1, a1, a2;

	a1 = vw_tph_cfg_write(p, c->cap_off, c->cap_len, c->in_cap, c->off, c->len, dp, &r1);
	a2 = vw_tc_ref_cfg(p, c->cap_off, c->cap_len, c->in_cap, c->off, c->len, dp, &r2);
	if (tally(arg, a1, r1, a2, r2))
		fprintf(stderr, "cfg %s off %#x len %u: %d/%d ref %d/%d\n", vw_tc_layouts[c->layout].name, c->off, c->len,
			a1, r1, a2, r2);
}

static void test_cfg(__u64 seed)
{
	static struct tally t;
	struct vw_tph_policy p;
	__u32 li, v;

	for (li = 0; li < vw_tc_nlayouts; li++) {
		const struct vw_tc_layout *L = &vw_tc_layouts[li];
		__u8 cap[8] = { 0 };
		__u32 st, len;
		int in;

		vw_tc_put_cap(cap, 0, L->capreg, 0);
		in = vw_tph_st_table(cap, &st);
		len = vw_tph_cap_length(cap);
		CHECK(in == L->expect_in_cap && st == L->expect_st && len == L->expect_len,
		      "%s: in %d st %u len %u", L->name, in, st, len);
	}
	vw_tc_cfgs(seed, cfg_case, &t);
	CHECK_EQ(t.bad, 0);
	CHECK(t.cases > 500000, "%u cfg cases", t.cases);
	for (v = VW_TPH_R_CFG_ENABLE; v <= VW_TPH_R_CFG_UNSEEN; v++)
		CHECK(t.per_reason[v] > 100, "reason %s: %u", vw_tph_reason_name(v), t.per_reason[v]);
	CHECK(t.per_reason[VW_TPH_R_NONE] > 100, "allowed: %u", t.per_reason[VW_TPH_R_NONE]);
	printf("cfg: %u writes judged over %u layouts\n", t.cases, vw_tc_nlayouts);

	{	/* readable cases: TPH at 0x100, ST table of 16 entries inside (44 bytes) */
		const __u32 c = 0x100;
		__u8 d[8] = { 0 };
		int r;

#define W(o, n, ...) (memcpy(d, (const __u8[]){ __VA_ARGS__ }, n), vw_tph_cfg_write(NULL, c, 44, 1, (o), (n), d, &r))
		CHECK_EQ(W(c + 9, 1, 0x01), VW_DENY);	/* 1-byte Requester Enable */
		CHECK_EQ(r, VW_TPH_R_CFG_ENABLE);
		CHECK_EQ(W(c + 9, 1, 0x02), VW_DENY);	/* reserved encoding: still non-zero */
		CHECK_EQ(W(c + 9, 1, 0x03), VW_DENY);	/* TPH and extended TPH */
		CHECK_EQ(W(c + 9, 1, 0x00), VW_ALLOW);	/* disable */
		CHECK_EQ(W(c + 9, 1, 0xfc), VW_ALLOW);	/* reserved bits only */
		CHECK_EQ(W(c + 8, 1, 0x02), VW_DENY);	/* DS mode */
		CHECK_EQ(r, VW_TPH_R_CFG_DS);
		CHECK_EQ(W(c + 8, 1, 0xfa), VW_DENY);	/* bits 2:0 = 010 */
		CHECK_EQ(W(c + 8, 1, 0x01), VW_ALLOW);	/* IV mode */
		CHECK_EQ(W(c + 8, 1, 0x00), VW_ALLOW);	/* NS mode */
		CHECK_EQ(W(c + 8, 2, 0x01, 0x01), VW_DENY);	/* IV + enable */
		CHECK_EQ(r, VW_TPH_R_CFG_ENABLE);
		CHECK_EQ(W(c + 8, 4, 0x02, 0x01, 0, 0), VW_DENY);	/* 0x102: enable outranks DS */
		CHECK_EQ(r, VW_TPH_R_CFG_ENABLE);
		CHECK_EQ(W(c + 8, 4, 0x02, 0x00, 0, 0), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_CFG_DS);
		CHECK_EQ(W(c + 8, 4, 0, 0, 0, 0), VW_ALLOW);
		CHECK_EQ(W(c + 10, 2, 0xff, 0xff), VW_ALLOW);	/* reserved half of control */
		CHECK_EQ(W(c + 7, 2, 0xff, 0x02), VW_DENY);	/* unaligned, reaches cap+8 */
		CHECK_EQ(r, VW_TPH_R_CFG_DS);
		CHECK_EQ(W(c + 6, 4, 0, 0, 0, 0x03), VW_DENY);	/* reaches cap+9 */
		CHECK_EQ(W(c + 4, 4, 0xff, 0xff, 0xff, 0xff), VW_ALLOW);	/* capability register */
		CHECK_EQ(W(c + 0xc, 2, 0x12, 0x34), VW_DENY);	/* ST table entry 0 */
		CHECK_EQ(r, VW_TPH_R_CFG_ST_TABLE);
		CHECK_EQ(W(c + 0x2b, 1, 0), VW_DENY);	/* last byte of the table */
		CHECK_EQ(W(c + 0x2c, 1, 0), VW_ALLOW);	/* first byte after */
		CHECK_EQ(W(c + 0xa, 4, 0, 0, 0, 0), VW_DENY);	/* straddles control and table */
		CHECK_EQ(r, VW_TPH_R_CFG_ST_TABLE);
		CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 0, c + 0xc, 2, d, &r), VW_ALLOW);	/* table elsewhere */
		CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 1, c + 9, 0, d, &r), VW_ALLOW);	/* empty write */
		CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 1, c + 8, 4, NULL, &r), VW_DENY);	/* unknown data */
		CHECK_EQ(r, VW_TPH_R_CFG_UNSEEN);
		/* a long write from the capability start: control bytes at 8, 9 are past data[] */
		{
			__u8 big[16] = { 0 };

			CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 0, c, 16, big, &r), VW_DENY);
			CHECK_EQ(r, VW_TPH_R_CFG_UNSEEN);
			CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 0, c + 1, 9, big, &r), VW_DENY);	/* byte 9 unseen */
			CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 0, c + 2, 8, big, &r), VW_ALLOW);	/* both seen */
			big[7] = 1;	/* cap+9 */
			CHECK_EQ(vw_tph_cfg_write(NULL, c, 44, 0, c + 2, 8, big, &r), VW_DENY);
			CHECK_EQ(r, VW_TPH_R_CFG_ENABLE);
		}
		/* the policy's action, what matched still said */
		vw_tph_policy_default(&p);
		p.cfg_write_action = VW_ALLOW;
		CHECK_EQ(vw_tph_cfg_write(&p, c, 44, 1, c + 9, 1, (const __u8[]){ 1 }, &r), VW_ALLOW);
		CHECK_EQ(r, VW_TPH_R_CFG_ENABLE);
		p.cfg_write_action = VW_AUDIT;
		CHECK_EQ(vw_tph_cfg_write(&p, c, 44, 1, c + 9, 1, (const __u8[]){ 1 }, &r), VW_AUDIT);
		/* writes past config space, a capability at the end */
		CHECK_EQ(vw_tph_cfg_write(NULL, 0xff4, 12, 0, 0xffd, 8, (const __u8[]){ 3, 3, 3, 3, 3, 3, 3, 3 }, &r),
			 VW_DENY);
		CHECK_EQ(vw_tph_cfg_write(NULL, 0xff8, 12, 0, 0xffc, 4, (const __u8[]){ 3, 3, 3, 3 }, &r),
			 VW_ALLOW);	/* control would be at 0x1000: does not exist */
		CHECK_EQ(vw_tph_cfg_write(NULL, 0x100, 44, 1, 0xfffffffe, 4, d, &r), VW_ALLOW);	/* wraps */
		CHECK_EQ(vw_tph_cfg_write(NULL, 0x1000, 44, 1, 0, 4096, NULL, &r), VW_ALLOW);	/* no such cap */
#undef W
	}
}

/* ---- ST table helper vs the walker ------------------------------------ */

static void test_st_walker(void)
{
	static __u8 cfg[VW_CFG_SIZE];
	static struct vw_layout L;
	__u32 loc, size, bad = 0, cases = 0;
	static const __u32 offs[] = { 0x100, 0x400, 0xc00 };

	for (loc = 0; loc < 4; loc++)
		for (size = 0; size <= VW_TPH_CAP_SIZE_MASK; size++) {
			__u32 off = offs[size % 3], capreg = loc << 9 | size << 16 | (size & 7), st, want;
			int in, i, found = -1;

			memset(cfg, 0, sizeof(cfg));
			cfg[0] = 0x86, cfg[1] = 0x80, cfg[2] = 0x34, cfg[3] = 0x12;
			if (off != 0x100)	/* a DSN at 0x100 chaining to the TPH */
				cfg[0x100] = 0x03, cfg[0x101] = 0, cfg[0x102] = (__u8)(1 | (off << 4)),
				cfg[0x103] = (__u8)(off >> 4);
			vw_tc_put_cap(cfg, off, capreg, 0);
			if (vw_walk(cfg, VW_CFG_SIZE, &L)) {
				bad++;
				continue;
			}
			for (i = 0; i < L.ncaps; i++)
				if (L.caps[i].extended && L.caps[i].id == VW_EXT_CAP_TPH)
					found = i;
			in = vw_tph_st_table(cfg + off, &st);
			want = vw_tph_cap_length(cfg + off);
			if (want > VW_CFG_SIZE - off)	/* the walker clamps to config space */
				want = VW_CFG_SIZE - off;
			bad += found < 0 || L.caps[found].offset != off || L.caps[found].length != want;
			bad += in != (loc == 1);
			bad += st != (loc == 1 || loc == 2 ? (size + 1) * 2 : 0);
			cases++;
		}
	CHECK_EQ(bad, 0);
	CHECK_EQ(cases, 4 * 2048);
	{	/* not a TPH header: nothing */
		__u8 cap[8] = { 0x18, 0, 0x01, 0, 0, 0x02, 0x0f, 0 };
		__u32 st = 99;

		CHECK_EQ(vw_tph_st_table(cap, &st), 0);
		CHECK_EQ(st, 0);
		CHECK_EQ(vw_tph_cap_length(cap), 12);
		cap[0] = 0x17;	/* version and next pointer do not matter */
		cap[2] = 0xf2, cap[3] = 0xff;
		CHECK_EQ(vw_tph_st_table(cap, &st), 1);
		CHECK_EQ(st, 32);
		CHECK_EQ(vw_tph_st_location(0x00000200), VW_TPH_LOC_CAP);
		CHECK_EQ(vw_tph_st_location(0x00000400), VW_TPH_LOC_MSIX);
		CHECK_EQ(vw_tph_st_location(0xfffff9ff), VW_TPH_LOC_NONE);
	}
}

/* ---- the real devices ------------------------------------------------- */

struct fixture {
	const char *file;
	__u32 tph;		/* where lspci says the TPH capability is */
	__u32 len;		/* 12 + ST table */
	__u32 st_bytes;
	__u32 ctrl;		/* Requester Control as dumped */
};

static const struct fixture fixtures[] = {
	{ "pciutils/04-intel-0d93_tph_sriov_vsec_dsn.lspci", 0x5b0, 44, 32, 0x00000000 },
	{ "pciutils/05-intel-dsa-0b25_tph_dvsec.lspci", 0x160, 16, 4, 0x00000102 },
};

static void test_fixtures(void)
{
	const char *root = getenv("VW_FIXTURES") ? getenv("VW_FIXTURES") : "../shared/fixtures";
	static __u8 cfg[VW_CFG_SIZE];
	static struct vw_layout L;
	size_t fi;

	for (fi = 0; fi < sizeof(fixtures) / sizeof(fixtures[0]); fi++) {
		const struct fixture *F = &fixtures[fi];
		char path[512], err[256], bdf[VW_NAME_LEN];
		size_t size = 0;
		__u32 st = 0, capreg, ctrl, k;
		int i, found = -1, in, rc, r;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", root, F->file);
		f = fopen(path, "r");
		if (!f) {
			printf("note: %s is absent (%s); that fixture check skipped\n", path,
			       strerror(errno));
			continue;
		}
		fclose(f);
		rc = vw_cfg_load(path, NULL, cfg, &size, bdf, err, sizeof(err));
		CHECK(rc == 0 && size == VW_CFG_SIZE, "%s: rc %d size %zu: %s", path, rc, size, err);
		if (rc || size != VW_CFG_SIZE)
			continue;
		CHECK_EQ(vw_walk(cfg, size, &L), 0);
		for (i = 0; i < L.ncaps; i++)
			if (L.caps[i].extended && L.caps[i].id == VW_EXT_CAP_TPH)
				found = i;
		CHECK(found >= 0, "%s: no TPH capability found by the walker", F->file);
		if (found < 0)
			continue;
		CHECK_EQ(L.caps[found].offset, F->tph);
		in = vw_tph_st_table(cfg + F->tph, &st);
		capreg = vw_tph_rd32(cfg + F->tph + VW_TPH_CAP_REG);
		ctrl = vw_tph_rd32(cfg + F->tph + VW_TPH_CTRL_REG);
		CHECK_EQ(in, 1);
		CHECK_EQ(st, F->st_bytes);
		CHECK_EQ(vw_tph_cap_length(cfg + F->tph), L.caps[found].length);
		CHECK_EQ(L.caps[found].length, F->len);
		CHECK_EQ(ctrl, F->ctrl);
		printf("%s (%s, %04x:%04x): TPH at 0x%03x, %u bytes (walker %u); capability 0x%08x: "
		       "modes%s%s%s%s, ST table in %s, %u entries at 0x%03x..0x%03x; control 0x%08x "
		       "(mode select %u, requester enable %u):",
		       F->file, bdf, L.vendor, L.device_id, F->tph, vw_tph_cap_length(cfg + F->tph),
		       L.caps[found].length, capreg, capreg & VW_TPH_CAP_NS ? " ns" : "",
		       capreg & VW_TPH_CAP_IV ? " iv" : "", capreg & VW_TPH_CAP_DS ? " ds" : "",
		       capreg & VW_TPH_CAP_EXT ? " (extended requester)" : "",
		       vw_tph_loc_name(vw_tph_st_location(capreg)), st / 2,
		       F->tph + VW_TPH_ST_TABLE_OFF, F->tph + VW_TPH_ST_TABLE_OFF + st - 1, ctrl,
		       ctrl & VW_TPH_CTRL_MODE_MASK, (ctrl >> VW_TPH_CTRL_EN_SHIFT) & VW_TPH_CTRL_EN_MASK);
		for (k = 0; k < st / 2; k++)
			printf(" %04x", cfg[F->tph + 12 + 2 * k] | cfg[F->tph + 13 + 2 * k] << 8);
		printf("\n");
		/* default policy on this device: writing back what the dump holds */
		r = -1;
		CHECK_EQ(vw_tph_cfg_write(NULL, F->tph, L.caps[found].length, in, F->tph + 8, 4,
					  cfg + F->tph + 8, &r),
			 F->ctrl ? VW_DENY : VW_ALLOW);
		CHECK_EQ(vw_tph_cfg_write(NULL, F->tph, L.caps[found].length, in, F->tph + 8, 4,
					  (const __u8[]){ 0, 0, 0, 0 }, &r), VW_ALLOW);	/* disabling */
		CHECK_EQ(vw_tph_cfg_write(NULL, F->tph, L.caps[found].length, in,
					  F->tph + VW_TPH_ST_TABLE_OFF + st - 2, 2, cfg, &r), VW_DENY);
		CHECK_EQ(r, VW_TPH_R_CFG_ST_TABLE);
		CHECK_EQ(vw_tph_cfg_write(NULL, F->tph, L.caps[found].length, in,
					  F->tph + L.caps[found].length, 4, cfg, &r), VW_ALLOW);
	}
}

/* ---- names ------------------------------------------------------------ */

static void test_names(void)
{
	__u32 i, j;
	int bad = 0;

	CHECK_STR(vw_tph_op_name(0), "get_cap");
	CHECK_STR(vw_tph_op_name(1), "enable");
	CHECK_STR(vw_tph_op_name(2), "disable");
	CHECK_STR(vw_tph_op_name(3), "get_st");
	CHECK_STR(vw_tph_op_name(4), "set_st");
	CHECK_STR(vw_tph_op_name(5), "unknown");
	CHECK_STR(vw_tph_op_name(0xffffffff), "unknown");
	CHECK_STR(vw_tph_mode_name(VW_TPH_MODE_NS), "ns");
	CHECK_STR(vw_tph_mode_name(VW_TPH_MODE_IV), "iv");
	CHECK_STR(vw_tph_mode_name(VW_TPH_MODE_DS), "ds");
	CHECK_STR(vw_tph_mode_name(3), "invalid");
	CHECK_STR(vw_tph_mem_name(VW_TPH_MEM_VM), "vm");
	CHECK_STR(vw_tph_mem_name(VW_TPH_MEM_PM), "pm");
	CHECK_STR(vw_tph_mem_name(2), "unknown");
	CHECK_STR(vw_tph_cpu_mode_name(VW_TPH_CPUS_CALLER), "caller");
	CHECK_STR(vw_tph_cpu_mode_name(VW_TPH_CPUS_ALL), "all");
	CHECK_STR(vw_tph_cpu_mode_name(VW_TPH_CPUS_LIST), "list");
	CHECK_STR(vw_tph_loc_name(VW_TPH_LOC_MSIX), "msix");
	CHECK_STR(vw_tph_bad_name(VW_TPH_BAD_CPU), "cpu_not_allowed");
	CHECK_STR(vw_tph_bad_name(VW_TPH_BAD_CPU_RANGE), "cpu_out_of_range");
	CHECK_STR(vw_tph_bad_name(VW_TPH_BAD_MEM), "mem_type_not_allowed");
	CHECK_STR(vw_tph_reason_name(VW_TPH_NREASONS), "unknown");
	for (i = 0; i < VW_TPH_NREASONS; i++) {	/* all named, all different */
		const char *a = vw_tph_reason_name(i);

		bad += !a || !strcmp(a, "unknown");
		for (j = 0; j < i; j++)
			bad += a && !strcmp(a, vw_tph_reason_name(j));
	}
	CHECK_EQ(bad, 0);
	for (i = 0; i < VW_TPH_NOPS; i++)
		CHECK_EQ(vw_tph_op_lookup(vw_tph_op_name(i)), i);
	CHECK_EQ(vw_tph_op_lookup("get"), -1);
	CHECK_EQ(vw_tph_op_lookup("get_stx"), -1);
	CHECK_EQ(vw_tph_op_lookup(""), -1);
	CHECK_EQ(vw_tph_mode_lookup("iv"), VW_TPH_MODE_IV);
	CHECK_EQ(vw_tph_mode_lookup("ns"), VW_TPH_MODE_NS);
	CHECK_EQ(vw_tph_mode_lookup("ds"), VW_TPH_MODE_DS);
	CHECK_EQ(vw_tph_mode_lookup("IV"), -1);
	CHECK_EQ(vw_tph_mem_lookup("vm"), VW_TPH_MEM_VM);
	CHECK_EQ(vw_tph_mem_lookup("pm"), VW_TPH_MEM_PM);
	CHECK_EQ(vw_tph_mem_lookup("p"), -1);
	CHECK_EQ(vw_tph_cpu_mode_lookup("caller"), VW_TPH_CPUS_CALLER);
	CHECK_EQ(vw_tph_cpu_mode_lookup("all"), VW_TPH_CPUS_ALL);
	CHECK_EQ(vw_tph_cpu_mode_lookup("list"), -1);	/* a list is written as one */
}

static void test_cpulist(void)
{
	static const char *const good[][2] = {
		{ "0-3,8", "0-3,8" }, { "0", "0" }, { "255", "255" }, { "0-255", "0-255" },
		{ "8,0-3", "0-3,8" }, { "1,2,3", "1-3" }, { "5-5", "5" }, { "63,64", "63-64" },
		{ "0,2,4,100-130,254", "0,2,4,100-130,254" }, { "0255", "255" }, { "3,3,3", "3" },
	};
	static const char *const badl[] = { "", ",", "1,", ",1", "1-", "-1", "3-1", "256", "0-256",
					    "1,,2", "a", "1 ", " 1", "1-2-3", "00000", "1.5", "0x3",
					    "99999999999" };
	__u64 m[VW_TPH_CPU_WORDS];
	char buf[1024];
	__u32 i, t, bad = 0;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(m, 0, sizeof(m));
		CHECK_EQ(vw_tph_parse_cpus(good[i][0], m), 0);
		vw_tph_format_cpus(m, buf, sizeof(buf));
		CHECK_STR(buf, good[i][1]);
	}
	for (i = 0; i < sizeof(badl) / sizeof(badl[0]); i++) {
		memset(m, 0, sizeof(m));
		CHECK(vw_tph_parse_cpus(badl[i], m) == -1, "\"%s\" parsed", badl[i]);
	}
	memset(m, 0, sizeof(m));
	CHECK_EQ(vw_tph_parse_cpus("0-3,8", m), 0);
	CHECK_EQ(m[0], 0x10f);
	CHECK_EQ(m[1] | m[2] | m[3], 0);
	memset(m, 0, sizeof(m));
	CHECK_EQ(vw_tph_format_cpus(m, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	/* truncation: snprintf-like */
	CHECK_EQ(vw_tph_parse_cpus("0-3,8", m), 0);
	CHECK_EQ(vw_tph_format_cpus(m, buf, 4), 5);
	CHECK_STR(buf, "0-3");
	CHECK_EQ(vw_tph_format_cpus(m, buf, 1), 5);
	CHECK_STR(buf, "");
	for (t = 0; t < 20000; t++) {	/* random masks survive format -> parse */
		__u64 a[VW_TPH_CPU_WORDS], b2[VW_TPH_CPU_WORDS] = { 0 };
		__u32 need;

		vw_tc_random_bitmap(a);
		need = vw_tph_format_cpus(a, buf, sizeof(buf));
		bad += need != strlen(buf);
		if (need)
			bad += vw_tph_parse_cpus(buf, b2) != 0;
		bad += memcmp(a, b2, sizeof(a)) != 0;
	}
	CHECK_EQ(bad, 0);
}

/* ---- uAPI revisions ---------------------------------------------------- */

struct rev_tally {
	const struct vw_tph_rev *r;
	__u32 cases, encoded, bad;
};

/* A header case in r's layout decodes to the case's values, with revision 1's verdict. */
static void rev_header_case(const struct vw_tc_hdr *c, void *arg)
{
	struct rev_tally *t = arg;
	const struct vw_tph_policy *p = c->pol_null ? NULL : &c->pol;
	__u8 hdr[VW_TPH_REV_FIXED_MAX + 4];
	struct vw_tph_call d;
	int r1 = -1, r2 = -1, a1, a2, bad;

	t->cases++;
	if (!vw_tc_encode_hdr(t->r, c, hdr))
		return;
	t->encoded++;
	vw_tph_decode_hdr(t->r, hdr, &d);
	a1 = vw_tph_judge_header(p, c->argsz, c->op, c->mode, c->count, &r1);
	a2 = vw_tph_judge_header(p, d.argsz, d.op, d.mode, d.count, &r2);
	bad = a1 != a2 || r1 != r2 || (c->op < VW_TPH_NOPS ? d.op != c->op : d.op < VW_TPH_NOPS);
	bad |= vw_tph_entries_to_check(c->op, c->count) != vw_tph_entries_to_check(d.op, d.count);
	if (c->op == VW_TPH_OP_GET_ST || c->op == VW_TPH_OP_SET_ST)
		bad |= d.raw_count != c->count;
	if (c->op == VW_TPH_OP_ENABLE && (c->mode == 1 || c->mode == 2 || c->mode == 4))
		bad |= d.mode != c->mode;
	if (bad && ++t->bad <= 5)
		fprintf(stderr, "revision %u: header op %u argsz %u mode %u count %u: %d/%d, decoded "
			"op %u argsz %u mode %u count %u: %d/%d\n", t->r->id, c->op, c->argsz, c->mode, c->count,
			a1, r1, d.op, d.argsz, d.mode, d.count, a2, r2);
}

/* A batch in r's layout, copied in chunks as warden copies it (stale bytes
 * past the chunk), decodes to what r keeps of each entry, and checks as
 * revision 1 checks those entries. */
static __u32 rev_batch(const struct vw_tph_rev *r, const struct vw_tc_batch *tb, struct vw_tc_batch *proj,
		       __u8 *raw, __u32 chunk)
{
	static struct vw_tph_scratch s, want;
	static __u8 buf[VW_TPH_RAW_ALLOC];
	struct vw_tph_batch b = {};
	struct vw_tph_decode d = {};
	__u32 base, i, bad = 0;

	vw_tph_result_reset(&s.res);
	b.pol = tb->pol_null ? NULL : &tb->pol;
	b.caller_cpus = tb->caller_null ? NULL : tb->caller;
	b.res = &s.res;
	for (base = 0; base < tb->count; base += chunk) {
		__u32 n = tb->count - base < chunk ? tb->count - base : chunk;

		memset(buf, 0xa5, sizeof(buf));
		memset(s.ents, 0x5a, sizeof(s.ents));
		memcpy(buf, raw + (size_t)base * r->ent_size, (size_t)n * r->ent_size);
		d.rev = r;
		d.raw = buf;
		d.ents = s.ents;
		d.n = n;
		vw_tph_decode_chunk(&d);
		for (i = 0; i < n; i++)
			bad += memcmp(&s.ents[i], &proj->ents[base + i], sizeof(s.ents[i])) != 0;
		b.ents = s.ents;
		b.n = n;
		b.base = base;
		vw_tph_check_chunk(&b);
	}
	vw_tc_run_batch(proj, &want, VW_TPH_CHUNK);
	bad += memcmp(&s.res, &want.res, sizeof(s.res)) != 0;
	bad += vw_tc_batch_differs(&s.res, proj) != 0;
	return bad;
}

static void test_revisions(void)
{
	static struct vw_tc_batch tb, proj;
	static __u8 raw[VW_TPH_MAX_ENTRIES * VW_TPH_REV_ENTRY_MAX];
	__u32 ri, trial, i, bad = 0, entries = 0;

	/* the table: ids 1.., revision 1 the dedicated ioctl, sizes within the decoder's */
	for (ri = 0; ri < VW_TPH_NREVS; ri++) {
		const struct vw_tph_rev *r = &vw_tc_revs[ri];
		struct rev_tally t = { .r = r };

		CHECK_EQ(r->id, ri + 1);
		CHECK(r->fixed_size <= VW_TPH_REV_FIXED_MAX && r->ent_size <= VW_TPH_REV_ENTRY_MAX &&
		      r->hdr_size <= r->fixed_size && r->fixed_size <= r->ents_off &&
		      r->max_count <= VW_TPH_MAX_ENTRIES, "revision %u's sizes", r->id);
		CHECK(vw_tph_revision_by_id(r->id) && !memcmp(vw_tph_revision_by_id(r->id)->rev, r, sizeof(*r)),
		      "revision %u in user/lib/tph.c's table", r->id);
		vw_tc_headers(rev_header_case, &t);
		CHECK_EQ(t.bad, 0);
		CHECK(t.encoded > t.cases / 2, "revision %u: %u of %u header cases encoded", r->id, t.encoded,
		      t.cases);
		if (ri == 0)
			CHECK_EQ(t.encoded, t.cases);	/* revision 1 says every case */
		printf("revision %u: %u header cases in its layout, same verdicts as revision 1\n", r->id, t.encoded);
	}
	CHECK_EQ(vw_tc_revs[0].cmd, VW_TPH_IOCTL);
	CHECK_EQ(vw_tc_revs[0].feature, 0);
	CHECK_EQ(vw_tc_revs[1].cmd, 0x3b75);
	CHECK_EQ(vw_tc_revs[1].feature, 11);
	vw_tc_seed(VW_TC_SEED ^ 0x7e5);
	for (trial = 0; trial < 400; trial++) {
		vw_tc_batch(&tb, trial);
		for (ri = 0; ri < VW_TPH_NREVS; ri++) {
			const struct vw_tph_rev *r = &vw_tc_revs[ri];

			proj = tb;
			for (i = 0; i < tb.count; i++)
				vw_tc_project_entry(r, &tb.ents[i], &proj.ents[i]);
			vw_tc_encode_entries(r, proj.ents, tb.count, raw);
			bad += rev_batch(r, &tb, &proj, raw, VW_TPH_CHUNK);
			if (tb.chunk2)
				bad += rev_batch(r, &tb, &proj, raw, tb.chunk2);
			entries += tb.count;
		}
	}
	CHECK_EQ(bad, 0);
	printf("revisions: 400 batches in each layout, %u entries decoded and checked\n", entries);
	{	/* the feature revision's own malformations */
		const struct vw_tph_rev *r = &vw_tc_revs[1];
		struct vw_tc_hdr c = { .op = VW_TPH_OP_GET_ST, .count = 2, .argsz = 16 + 2 * 12 };
		__u8 hdr[VW_TPH_REV_FIXED_MAX + 4];
		struct vw_tph_call d;
		int why;

		vw_tph_policy_default(&c.pol);
		CHECK_EQ(vw_tc_encode_hdr(r, &c, hdr), 1);
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(vw_tph_judge_header(NULL, d.argsz, d.op, d.mode, d.count, &why), VW_ALLOW);
		hdr[6] = 0x02;			/* GET_ST with SET instead of GET: the driver refuses */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(d.argsz, 0);
		CHECK_EQ(vw_tph_judge_header(NULL, d.argsz, d.op, d.mode, d.count, &why), VW_AUDIT);
		CHECK_EQ(why, VW_TPH_R_ARGSZ);
		hdr[6] = 0x05;			/* PROBE: not a TPH call at all */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(d.op, VW_TPH_NOPS);
		hdr[6] = 0x01;
		hdr[4] = 12;			/* another feature since the dispatcher looked */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(d.op, VW_TPH_NOPS);
		hdr[4] = 11;
		hdr[12] = 0x03;			/* op 3: no such op */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(vw_tph_judge_header(NULL, d.argsz, d.op, d.mode, d.count, &why), VW_DENY);
		CHECK_EQ(why, VW_TPH_R_OP_UNKNOWN);
		hdr[6] = 0x02;			/* SET, as ENABLE needs */
		hdr[12] = 0x18;			/* ENABLE, mode 3: invalid */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(d.op, VW_TPH_OP_ENABLE);
		CHECK_EQ(vw_tph_judge_header(NULL, d.argsz, d.op, d.mode, d.count, &why), VW_DENY);
		CHECK_EQ(why, VW_TPH_R_MODE_INVALID);
		hdr[12] = 0x08;			/* ENABLE IV */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(d.mode, VW_TPH_MODE_IV);
		hdr[6] = 0x01;
		hdr[12] = 0x02;
		hdr[16] = 65;			/* GET_ST of 65: over the RFC's 64 */
		vw_tph_decode_hdr(r, hdr, &d);
		CHECK_EQ(d.raw_count, 65);
		CHECK_EQ(vw_tph_entries_to_check(d.op, d.count), 0);
		CHECK_EQ(vw_tph_judge_header(NULL, d.argsz, d.op, d.mode, d.count, &why), VW_AUDIT);
		CHECK_EQ(why, VW_TPH_R_COUNT_BIG);
	}
	/* names: the option's lookups */
	CHECK(vw_tph_revision_lookup("1") == vw_tph_revision_by_id(1), "'1'");
	CHECK(vw_tph_revision_lookup("v1") == vw_tph_revision_by_id(1), "'v1'");
	CHECK(vw_tph_revision_lookup("rfc-feature-2025") == vw_tph_revision_by_id(2), "'rfc-feature-2025'");
	CHECK(vw_tph_revision_lookup("2") == vw_tph_revision_by_id(2), "'2'");
	CHECK(!vw_tph_revision_lookup("v20") && !vw_tph_revision_lookup("0") && !vw_tph_revision_lookup(""),
	      "unknown and undecoded names refused");
	CHECK_STR(vw_tph_revision_names(), "v1, rfc-feature-2025");
}

int main(void)
{
	const char *env = getenv("VW_TPH_SEED");
	__u64 seed;

	if (env && *env)
		vw_tc_seed(strtoull(env, NULL, 0));
	seed = vw_tc_seed_value();
	printf("seed 0x%llx\n", (unsigned long long)seed);
	test_uapi();
	test_loader_check();
	test_entries();
	test_header();
	test_cfg(seed);
	test_st_walker();
	test_fixtures();
	test_names();
	test_cpulist();
	test_revisions();
	return vw_test_done();
}
