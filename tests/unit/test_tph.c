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
 *  - the ST-table helper against the walker (user/layout.c), and the two real
 *    TPH devices in the shared pciutils fixtures;
 *  - names, lookups, CPU-list parsing;
 *  - the loader refusing a TPH policy vw_tph_policy_check finds bad.
 * Random cases use a fixed seed (VW_TPH_SEED overrides it).
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

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rnd(void)
{
	__u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static __u32 rnd_below(__u32 n)
{
	return (__u32)(rnd() % n);
}

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

/* Reference: which CPUs and mem types a policy allows, as plain tables. */
struct ref_pol {
	unsigned char cpu_ok[VW_TPH_MAX_CPUS];
	unsigned char mem_ok[256];
};

static void ref_build(struct ref_pol *r, const struct vw_tph_policy *p, const __u64 *caller)
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

static unsigned ref_entry(const struct ref_pol *r, __u32 cpu, __u8 mem)
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

static void random_bitmap(__u64 *w)
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

static void random_policy(struct vw_tph_policy *p)
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
	random_bitmap(p->cpu_list);
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

/*
 * The whole batch as BPF checks it: chunks of VW_TPH_CHUNK copied into the
 * scratch (tail left as garbage), base = chunk * VW_TPH_CHUNK.
 */
static void run_batch(const struct vw_tph_policy *p, const __u64 *caller,
		      const struct vw_tph_entry *ents, __u32 count, struct vw_tph_scratch *s,
		      __u32 chunk)
{
	struct vw_tph_batch b = {};
	__u32 base, k;

	memset(&s->res, 0x5a, sizeof(s->res));
	vw_tph_result_reset(&s->res);
	b.pol = p;
	b.caller_cpus = caller;
	b.res = &s->res;
	for (base = 0; base < count; base += chunk) {
		__u32 n = count - base < chunk ? count - base : chunk;

		for (k = 0; k < VW_TPH_CHUNK; k++) {	/* stale data past n */
			s->ents[k].cpu = 0xffffffff;
			s->ents[k].mem_type = 0xff;
		}
		memcpy(s->ents, ents + base, n * sizeof(*ents));
		b.ents = s->ents;
		b.n = n;
		b.base = base;
		vw_tph_check_chunk(&b);
	}
}

static int compare_result(const struct vw_tph_result *got, const struct ref_pol *r,
			  const struct vw_tph_entry *ents, __u32 count)
{
	__u32 i, nbad = 0, rec = 0;
	int bad = 0;

	for (i = 0; i < count; i++) {
		unsigned why = ref_entry(r, ents[i].cpu, ents[i].mem_type);

		if (!why)
			continue;
		if (rec < VW_TPH_MAX_BAD) {
			bad |= got->bad_idx[rec] != i;
			bad |= got->bad_reason[rec] != why;
			bad |= got->bad_cpu[rec] != ents[i].cpu;
			bad |= got->bad_mem[rec] != ents[i].mem_type;
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

static void test_entries(void)
{
	static struct vw_tph_entry ents[VW_TPH_MAX_ENTRIES];
	static struct vw_tph_scratch s;
	static const __u32 edge_counts[] = { 1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 1000,
					     2047, 2048 };
	struct vw_tph_policy p;
	struct ref_pol r;
	__u64 caller[VW_TPH_CPU_WORDS];
	__u32 trial, i, mismatches = 0, entries = 0, denied = 0, allowed = 0, full_rec = 0;
	__u32 ntrials = 3000;

	for (trial = 0; trial < ntrials; trial++) {
		__u32 count = trial < sizeof(edge_counts) / sizeof(edge_counts[0]) * 4 ?
			      edge_counts[trial / 4] : 1 + rnd_below(VW_TPH_MAX_ENTRIES);
		const struct vw_tph_policy *pp = &p;
		const __u64 *cp = caller;
		int clean = rnd_below(2), rare = rnd_below(2);	/* clean: allowed entries only, */
								/* rare: a few offenders */
		int rc, hdr_reason, v;

		random_policy(&p);
		random_bitmap(caller);
		if (rnd_below(16) == 0)
			pp = NULL;	/* the defaults */
		if (rnd_below(16) == 0)
			cp = NULL;	/* no caller mask: nothing allowed in caller mode */
		ref_build(&r, pp, cp);
		for (i = 0; i < count; i++) {
			ents[i].cpu = random_cpu();
			ents[i].mem_type = random_mem();
			ents[i].r0 = (__u8)rnd();
			ents[i].index = (__u16)rnd();
			ents[i].st = (__u16)rnd();
			ents[i].r1 = (__u16)rnd();
			if (clean) {	/* make it allowed, if anything is */
				__u32 c;

				for (c = 0; c < 256; c++)
					if (r.cpu_ok[(ents[i].cpu + c) & 255]) {
						ents[i].cpu = (ents[i].cpu + c) & 255;
						break;
					}
				if (r.mem_ok[0])
					ents[i].mem_type = 0;
				else if (r.mem_ok[1])
					ents[i].mem_type = 1;
				if (rare && rnd_below(count) == 0)	/* a rare offender */
					ents[i].cpu = 256 + rnd_below(1000);
			}
		}
		/* BPF's chunking, and the checker's own clamp of n */
		run_batch(pp, cp, ents, count, &s, VW_TPH_CHUNK);
		rc = compare_result(&s.res, &r, ents, count);
		if (rc && mismatches < 5)
			fprintf(stderr, "batch trial %u (count %u) differs\n", trial, count);
		mismatches += rc;
		entries += count;
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
		/* smaller chunks give the same answer (n < VW_TPH_CHUNK at every base) */
		if (trial % 8 == 0) {
			run_batch(pp, cp, ents, count, &s, 1 + rnd_below(VW_TPH_CHUNK));
			mismatches += compare_result(&s.res, &r, ents, count);
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
			random_policy(&p);
			random_bitmap(caller);
			for (mode = 0; mode < 4; mode++) {
				p.cpu_mode = (__u8)mode;
				ref_build(&r, &p, caller);
				for (c = 0; c < 301 + sizeof(extra) / sizeof(extra[0]); c++) {
					__u32 cpu = c < 301 ? c : extra[c - 301];

					for (m = 0; m < 256; m++) {
						bad += vw_tph_entry_bad(&p, caller, cpu, m) !=
						       ref_entry(&r, cpu, (__u8)m);
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

/* Reference: list every problem the call has, then rank them. */
static int ref_header(const struct vw_tph_policy *p, __u32 argsz, __u32 op, __u8 mode,
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

static void test_header(void)
{
	static const __u32 ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 31, 255, 0x100, 0x80000000u,
				     0xffffffffu };
	static const __u32 counts[] = { 0, 1, 2, 63, 64, 65, 2047, 2048, 2049, 4096, 0x15555556u,
					0x80000000u, 0xffffffffu };
	static const __u8 all_modes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 0x81, 0x82, 0xff };
	struct vw_tph_policy p;
	__u32 oi, ci, ai, mi, pa, pm, cases = 0, bad = 0;
	__u32 per_reason[VW_TPH_NREASONS] = { 0 };

	for (pa = 0; pa < 34; pa++)
		for (pm = 0; pm < 9; pm++) {
			vw_tph_policy_default(&p);
			p.ops_allowed = pa < 32 ? (__u8)pa : pa == 32 ? 0xff : 0xe0;
			p.modes_allowed = pm < 8 ? (__u8)pm : 0xff;
			for (oi = 0; oi < sizeof(ops) / sizeof(ops[0]); oi++)
				for (ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
					__u32 c = counts[ci], ent = c <= 2048 ? 16 + c * 12 : 16;
					__u32 argszs[] = { 0, 1, 4, 7, 8, 9, 12, 15, 16, 17, 27, 28,
							   ent - 1, ent, ent + 1, 16 + 2048 * 12,
							   0x10000, 0xffffffffu };

					for (ai = 0; ai < sizeof(argszs) / sizeof(argszs[0]); ai++)
						for (mi = 0; mi < sizeof(all_modes); mi++) {
							int r1 = -1, r2 = -1, a1, a2;

							if (ops[oi] != 1 && mi > 2)
								break;	/* mode only matters to ENABLE */
							a1 = vw_tph_judge_header(&p, argszs[ai], ops[oi],
										 all_modes[mi], c, &r1);
							a2 = ref_header(&p, argszs[ai], ops[oi],
									all_modes[mi], c, &r2);
							if ((a1 != a2 || r1 != r2) && bad < 5)
								fprintf(stderr,
									"header op %u argsz %u mode %u count %u ops %02x modes %02x: %d/%d, ref %d/%d\n",
									ops[oi], argszs[ai], all_modes[mi], c,
									p.ops_allowed, p.modes_allowed, a1, r1, a2,
									r2);
							bad += a1 != a2 || r1 != r2;
							if (r1 >= 0 && r1 < VW_TPH_NREASONS)
								per_reason[r1]++;
							cases++;
						}
				}
		}
	CHECK_EQ(bad, 0);
	CHECK(cases > 500000, "%u header cases", cases);
	for (ci = VW_TPH_R_NONE; ci <= VW_TPH_R_ARGSZ_COUNT; ci++)
		CHECK(per_reason[ci] > 0, "reason %u (%s) never produced", ci, vw_tph_reason_name(ci));
	printf("header: %u cases\n", cases);

	{	/* NULL policy = the defaults, on everything */
		__u32 b2 = 0;

		vw_tph_policy_default(&p);
		for (oi = 0; oi < sizeof(ops) / sizeof(ops[0]); oi++)
			for (ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++)
				for (mi = 0; mi < 256; mi++) {
					int r1, r2;
					__u32 argsz = mi * 97;

					b2 += vw_tph_judge_header(NULL, argsz, ops[oi], (__u8)mi, counts[ci], &r1) !=
					      vw_tph_judge_header(&p, argsz, ops[oi], (__u8)mi, counts[ci], &r2) ||
					      r1 != r2;
				}
		CHECK_EQ(b2, 0);
	}
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

struct layout {
	const char *name;
	__u32 off;		/* capability offset */
	__u32 capreg;		/* TPH Requester Capability register */
	__u32 expect_len;	/* by hand, from the spec */
	int expect_in_cap;
	__u32 expect_st;	/* ST table bytes */
};

static const struct layout layouts[] = {
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

/* Reference: mark written bytes in a 4 KiB map, then look at the registers. */
static int ref_val[VW_CFG_SIZE];	/* -1 not written, -2 written but unseen, else value */

static int ref_cfg(const struct vw_tph_policy *p, __u32 cap, __u32 cap_len, int in_cap,
		   __u32 off, __u32 len, const __u8 *data, int *reason)
{
	const int *val = ref_val;
	__u32 i, n = 0;
	int st = 0, act;

	for (i = 0; i < len && off + i < VW_CFG_SIZE; i++, n++)
		ref_val[off + i] = data && i < 8 ? data[i] : -2;
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
		ref_val[off + i] = -1;
	if (*reason == VW_TPH_R_NONE)
		return VW_ALLOW;
	act = p ? p->cfg_write_action : VW_DENY;
	return act == VW_ALLOW ? VW_ALLOW : act == VW_AUDIT || act == VW_SCRUB ? VW_AUDIT : VW_DENY;
}

static void put_cap(__u8 *cfg, __u32 off, __u32 capreg, __u32 next)
{
	__u32 hdr = VW_EXT_CAP_TPH | 1u << 16 | next << 20;
	int k;

	for (k = 0; k < 4; k++) {
		cfg[off + k] = (__u8)(hdr >> (8 * k));
		cfg[off + 4 + k] = (__u8)(capreg >> (8 * k));
	}
}

static void test_cfg(void)
{
	static const __u8 actions[] = { VW_ALLOW, VW_AUDIT, VW_SCRUB, VW_DENY, VW_UNSET, 0x80 };
	static const __u32 lens[] = { 1, 2, 3, 4, 8, 9, 12, 16, 64 };
	struct vw_tph_policy p;
	__u32 li, ai, off, lni, v, cases = 0, bad = 0;
	__u32 per_reason[VW_TPH_NREASONS] = { 0 };

	for (v = 0; v < VW_CFG_SIZE; v++)
		ref_val[v] = -1;
	for (li = 0; li < sizeof(layouts) / sizeof(layouts[0]); li++) {
		const struct layout *L = &layouts[li];
		__u8 cap[8] = { 0 };
		__u32 st, len;
		int in;

		memset(cap, 0, sizeof(cap));
		put_cap(cap, 0, L->capreg, 0);
		in = vw_tph_st_table(cap, &st);
		len = vw_tph_cap_length(cap);
		CHECK(in == L->expect_in_cap && st == L->expect_st && len == L->expect_len,
		      "%s: in %d st %u len %u", L->name, in, st, len);
		for (ai = 0; ai <= sizeof(actions); ai++) {
			const struct vw_tph_policy *pp = ai < sizeof(actions) ? &p : NULL;

			vw_tph_policy_default(&p);
			if (pp)
				p.cfg_write_action = actions[ai];
			for (off = L->off >= 24 ? L->off - 24 : 0; off < L->off + len + 24 && off < VW_CFG_SIZE; off++)
				for (lni = 0; lni < sizeof(lens) / sizeof(lens[0]); lni++) {
					__u32 n = lens[lni], nvals = n == 1 ? 256 : n == 2 ? 512 : 64;

					for (v = 0; v < nvals + 1; v++) {
						__u8 data[64];
						const __u8 *dp = data;
						__u32 k;
						int r1 = -1, r2 = -1, a1, a2;

						for (k = 0; k < n; k++)
							data[k] = (__u8)rnd();
						if (n == 1)
							data[0] = (__u8)v;
						if (n == 2 && v < 512)	/* every value, either byte */
							data[(v >> 8) & 1] = (__u8)v, data[((v >> 8) & 1) ^ 1] = 0;
						if (v % 8 == 0)	/* control-register values of note */
							for (k = 0; k < n; k++)
								data[k] = (__u8)((0x00000102u >> (8 * ((off + k - L->off) & 3))) & (v & 16 ? 0 : 0xff));
						if (v == nvals)
							dp = NULL;
						a1 = vw_tph_cfg_write(pp, L->off, len, in, off, n, dp, &r1);
						a2 = ref_cfg(pp, L->off, len, in, off, n, dp, &r2);
						if ((a1 != a2 || r1 != r2) && bad < 5)
							fprintf(stderr, "cfg %s off %#x len %u: %d/%d ref %d/%d\n",
								L->name, off, n, a1, r1, a2, r2);
						bad += a1 != a2 || r1 != r2;
						if (r1 >= 0 && r1 < VW_TPH_NREASONS)
							per_reason[r1]++;
						cases++;
					}
				}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(cases > 500000, "%u cfg cases", cases);
	for (v = VW_TPH_R_CFG_ENABLE; v <= VW_TPH_R_CFG_UNSEEN; v++)
		CHECK(per_reason[v] > 100, "reason %s: %u", vw_tph_reason_name(v), per_reason[v]);
	CHECK(per_reason[VW_TPH_R_NONE] > 100, "allowed: %u", per_reason[VW_TPH_R_NONE]);
	printf("cfg: %u writes judged over %zu layouts\n", cases, sizeof(layouts) / sizeof(layouts[0]));

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
			put_cap(cfg, off, capreg, 0);
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

		random_bitmap(a);
		need = vw_tph_format_cpus(a, buf, sizeof(buf));
		bad += need != strlen(buf);
		if (need)
			bad += vw_tph_parse_cpus(buf, b2) != 0;
		bad += memcmp(a, b2, sizeof(a)) != 0;
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	const char *seed = getenv("VW_TPH_SEED");

	if (seed && *seed)
		rng_state = strtoull(seed, NULL, 0) | 1;
	printf("seed 0x%llx\n", (unsigned long long)rng_state);
	test_uapi();
	test_loader_check();
	test_entries();
	test_header();
	test_cfg();
	test_st_walker();
	test_fixtures();
	test_names();
	test_cpulist();
	return vw_test_done();
}
