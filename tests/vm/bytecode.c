// SPDX-License-Identifier: GPL-2.0
/*
 * Test what the kernel runs. The host unit tests (test_decide, test_tph)
 * exercise include/vw_decide.h and include/vw_tph.h as the host compiles
 * them, but in BPF VW_LOOP is bpf_loop, VW_OPAQUE is asm and the arithmetic
 * is BPF's. So the same generated cases (tests/cases/) go through
 * tests/bpf/selftest.bpf.c, the shared code compiled exactly as for warden.bpf.c,
 * with bpf_prog_test_run on this kernel, and every result is compared byte
 * for byte with the host build and with the references (the oracle, brute
 * force, the TPH reference judges):
 *   compile   every random policy round: the whole struct vw_device;
 *   decide    every query: action and first offset;
 *   header    every TPH header case: verdict, reason, entries to check,
 *             and vw_tph_verdict on top;
 *   batch     every GET_ST/SET_ST batch, chunked as warden chunks it, from
 *             this process's memory: struct vw_tph_result and the verdict;
 *   cfg       every TPH config write: action and reason;
 *   decode    every TPH header case in every decodable uAPI revision's layout
 *             (include/vw_tph_rev.h): the decoded call and the header verdict
 *             on it, against revision 1's verdict on the case; and the batches
 *             above go through the decoder too, once per revision's layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vw_test.h"
#include "vmtest.h"
#include "bytecode.h"
#include "decide_cases.h"
#include "tph_cases.h"
#include "selftest.h"
#include "selftest.skel.h"

_Static_assert(VW_DC_QUERIES <= ST_QUERIES, "a round's queries fit one run");

static struct vw_selftest *sk;

#define FIRST_LEN 320

/* What one kind of case came to. */
struct tally {
	const char *name;
	unsigned long cases;	/* compared */
	unsigned long errors;	/* runs that failed */
	unsigned long host;	/* results that differ from the host build */
	unsigned long ref;	/* results (bytes for compile) that differ from the reference */
	double seconds;
	char host_first[FIRST_LEN];	/* the first case that differed from the host build */
	char ref_first[FIRST_LEN];	/* ... from the reference: its inputs and both results */
};

/* Remember the first mismatch of a kind, so a failure names a case to debug. */
static void __attribute__((format(printf, 2, 3))) first_diff(char first[FIRST_LEN], const char *fmt, ...)
{
	va_list ap;

	if (first[0])
		return;
	va_start(ap, fmt);
	vsnprintf(first, FIRST_LEN, fmt, ap);
	va_end(ap);
}

/* Run a syscall program on ctx: 0, or its non-zero return or error. */
static long run_prog(struct bpf_program *prog, void *ctx, __u32 size)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = ctx, .ctx_size_in = size);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (err)
		fprintf(stderr, "bytecode: running %s: %s\n", bpf_program__name(prog), strerror(-err));
	return err ? err : (long)(int)o.retval;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- compile and decide -------------------------------------------------- */

/* One round's VW_DC_QUERIES queries, on the host-compiled and the BPF-compiled device. */
static void decide_round(const struct vw_device *host, struct tally *t)
{
	struct vw_selftest__bss *bss = sk->bss;
	struct vw_dc_query dq[VW_DC_QUERIES];
	struct st_run run = { .kind = ST_DECIDE, .n = VW_DC_QUERIES };
	unsigned q;

	for (q = 0; q < VW_DC_QUERIES; q++) {
		vw_dc_query(&dq[q]);
		bss->st_q[q] = (struct st_query){ .q = dq[q] };
	}
	t->errors += run_prog(sk->progs.st_cases, &run, sizeof(run)) != 0;
	for (q = 0; q < VW_DC_QUERIES; q++) {
		const struct st_query *got = &bss->st_q[q];
		struct st_query want = { .q = dq[q] };

		want.act = vw_decide(host, dq[q].off, dq[q].len, dq[q].write, &want.at);
		if (memcmp(&want, got, sizeof(want))) {
			t->host++;
			first_diff(t->host_first, "query %lu (off 0x%x len %u %s): BPF act %d at 0x%x, host build act %d at 0x%x",
				   t->cases, dq[q].off, dq[q].len, dq[q].write ? "write" : "read",
				   got->act, got->at, want.act, want.at);
		}
		if (vw_dc_decide_differs(&bss->st_dev, &dq[q], got->act, got->at)) {
			t->ref++;
			first_diff(t->ref_first, "query %lu (off 0x%x len %u %s): BPF act %d at 0x%x, brute force disagrees",
				   t->cases, dq[q].off, dq[q].len, dq[q].write ? "write" : "read", got->act, got->at);
		}
		t->cases++;
	}
}

static void bc_decide(struct tally *cmp, struct tally *dec)
{
	static struct vw_dc_round r;
	static struct vw_device host;
	struct vw_selftest__bss *bss = sk->bss;
	unsigned round, k, bad;

	vw_dc_seed(VW_DC_SEED);
	for (round = 0; round < VW_DC_ROUNDS; round++) {
		struct vw_compile_ctx c = {};
		struct st_run run = {};
		double t0 = now();

		vw_dc_round(&r);
		memcpy(host.cap, r.cap, sizeof(host.cap));
		memcpy(bss->st_prof, r.prof, sizeof(r.prof));
		bss->st_dev = host;	/* both start from the same bytes */
		for (k = 0; k < VW_NLAYERS; k++) {
			c.layers[k] = r.layers[k];
			run.layers |= r.layers[k] ? 1u << k : 0;
		}
		c.cap = host.cap;
		c.dev = &host;
		vw_compile(&c);
		cmp->errors += run_prog(sk->progs.st_compile, &run, sizeof(run)) != 0;
		if (memcmp(&bss->st_dev, &host, sizeof(host))) {
			const __u8 *b = (const __u8 *)&bss->st_dev, *h = (const __u8 *)&host;
			size_t i = 0;

			while (b[i] == h[i])
				i++;
			cmp->host++;
			first_diff(cmp->host_first, "round %u (layers 0x%x): struct vw_device first differs at byte %zu: "
				   "BPF 0x%02x, host build 0x%02x", round, run.layers, i, b[i], h[i]);
		}
		bad = vw_dc_oracle_mismatches(&r, &bss->st_dev);
		if (bad)
			first_diff(cmp->ref_first, "round %u (layers 0x%x): %u action bytes of the BPF-compiled device "
				   "differ from the oracle", round, run.layers, bad);
		cmp->ref += bad;
		cmp->cases++;
		cmp->seconds += now() - t0;
		t0 = now();
		decide_round(&host, dec);
		dec->seconds += now() - t0;
	}
}

/* ---- TPH header and config writes: many cases a run -------------------- */

/* Cases of one kind, gathered in the host's copy and run a global array at a time. */
struct pending {
	__u32 kind;		/* enum st_kind */
	__u32 n;		/* gathered */
	__u32 max;		/* the global array's length */
	size_t size;		/* of one case */
	void *in;		/* the host's copy */
	void *out;		/* the global array */
	void (*check)(const void *in, const void *got, struct tally *t);
	struct tally *t;
};

static void flush(struct pending *p)
{
	struct st_run run = { .kind = p->kind, .n = p->n };
	__u32 i;

	memcpy(p->out, p->in, p->n * p->size);
	p->t->errors += run_prog(sk->progs.st_cases, &run, sizeof(run)) != 0;
	for (i = 0; i < p->n; i++)
		p->check((const char *)p->in + i * p->size, (const char *)p->out + i * p->size, p->t);
	p->n = 0;
}

/* The next case's slot, zeroed (the array is run first when full). */
static void *next_case(struct pending *p)
{
	void *c;

	if (p->n == p->max)
		flush(p);
	c = (char *)p->in + p->n++ * p->size;
	memset(c, 0, p->size);
	return c;
}

static void hdr_check(const void *in, const void *out, struct tally *t)
{
	const struct st_hdr *got = out;
	struct st_hdr want = *(const struct st_hdr *)in;
	const struct vw_tc_hdr *c = &want.c;
	const struct vw_tph_policy *p = c->pol_null ? NULL : &c->pol;
	int reason, rr, ra;

	want.act = vw_tph_judge_header(p, c->argsz, c->op, c->mode, c->count, &reason);
	want.reason = reason;
	want.entries = vw_tph_entries_to_check(c->op, c->count);
	want.verdict = vw_tph_verdict(want.act, want.nbad, &reason);
	want.vreason = reason;
	if (memcmp(&want, got, sizeof(want))) {
		t->host++;
		first_diff(t->host_first, "header %lu (op %u mode %u argsz %u count %u%s): BPF act %d reason %d entries %u "
			   "verdict %d/%d, host build act %d reason %d entries %u verdict %d/%d",
			   t->cases, c->op, c->mode, c->argsz, c->count, c->pol_null ? ", no policy" : "",
			   got->act, got->reason, got->entries, got->verdict, got->vreason,
			   want.act, want.reason, want.entries, want.verdict, want.vreason);
	}
	ra = vw_tc_ref_header(p, c->argsz, c->op, c->mode, c->count, &rr);
	if (got->act != ra || got->reason != rr) {
		t->ref++;
		first_diff(t->ref_first, "header %lu (op %u mode %u argsz %u count %u%s): BPF act %d reason %d, "
			   "reference act %d reason %d", t->cases, c->op, c->mode, c->argsz, c->count,
			   c->pol_null ? ", no policy" : "", got->act, got->reason, ra, rr);
	}
	t->cases++;
}

static void hdr_add(const struct vw_tc_hdr *c, void *arg)
{
	struct pending *p = arg;
	struct st_hdr *h = next_case(p);

	h->c = *c;
	h->nbad = p->n & 1;	/* half of them with a refused entry */
}

static void bc_headers(struct tally *t)
{
	static struct st_hdr in[ST_HDRS];
	struct pending p = { .kind = ST_TPH_HEADER, .max = ST_HDRS, .size = sizeof(in[0]), .in = in,
			     .out = sk->bss->st_hdr, .check = hdr_check, .t = t };

	vw_tc_headers(hdr_add, &p);
	flush(&p);
}

static void cfg_check(const void *in, const void *out, struct tally *t)
{
	const struct st_cfg *got = out;
	struct st_cfg want = *(const struct st_cfg *)in;
	const struct vw_tc_cfg *c = &want.c;
	const struct vw_tph_policy *p = c->pol_null ? NULL : &c->pol;
	const __u8 *data = c->data_null ? NULL : c->data;
	int reason, rr, ra;

	want.act = vw_tph_cfg_write(p, c->cap_off, c->cap_len, c->in_cap, c->off, c->len, data, &reason);
	want.reason = reason;
	if (memcmp(&want, got, sizeof(want))) {
		t->host++;
		first_diff(t->host_first, "config write %lu (layout %s, cap at 0x%x, write off 0x%x len %u): BPF act %d "
			   "reason %d, host build act %d reason %d", t->cases, vw_tc_layouts[c->layout].name,
			   c->cap_off, c->off, c->len, got->act, got->reason, want.act, want.reason);
	}
	ra = vw_tc_ref_cfg(p, c->cap_off, c->cap_len, c->in_cap, c->off, c->len, data, &rr);
	if (got->act != ra || got->reason != rr) {
		t->ref++;
		first_diff(t->ref_first, "config write %lu (layout %s, cap at 0x%x, write off 0x%x len %u): BPF act %d "
			   "reason %d, reference act %d reason %d", t->cases, vw_tc_layouts[c->layout].name,
			   c->cap_off, c->off, c->len, got->act, got->reason, ra, rr);
	}
	t->cases++;
}

static void cfg_add(const struct vw_tc_cfg *c, void *arg)
{
	struct st_cfg *w = next_case(arg);

	w->c = *c;
}

static void bc_cfgs(struct tally *t)
{
	static struct st_cfg in[ST_CFGS];
	struct pending p = { .kind = ST_TPH_CFG, .max = ST_CFGS, .size = sizeof(in[0]), .in = in,
			     .out = sk->bss->st_cfg, .check = cfg_check, .t = t };

	vw_tc_cfgs(VW_TC_SEED, cfg_add, &p);
	flush(&p);
}

/* ---- TPH uAPI revisions: the decoder ------------------------------------ */

static void dec_check(const void *in, const void *out, struct tally *t)
{
	const struct st_dec *got = out;
	struct st_dec want = *(const struct st_dec *)in;
	const struct vw_tc_hdr *c = &want.c;
	const struct vw_tph_policy *p = c->pol_null ? NULL : &c->pol;
	int reason, rr, ra;

	vw_tph_decode_hdr(&vw_tc_revs[want.rev], want.hdr, &want.out);
	want.act = vw_tph_judge_header(p, want.out.argsz, want.out.op, want.out.mode, want.out.count, &reason);
	want.reason = reason;
	if (memcmp(&want, got, sizeof(want))) {
		t->host++;
		first_diff(t->host_first, "decode %lu (revision %u, op %u mode %u argsz %u count %u): BPF op %u mode %u "
			   "argsz %u count %u act %d/%d, host build op %u mode %u argsz %u count %u act %d/%d", t->cases,
			   vw_tc_revs[want.rev].id, c->op, c->mode, c->argsz, c->count, got->out.op, got->out.mode,
			   got->out.argsz, got->out.count, got->act, got->reason, want.out.op, want.out.mode,
			   want.out.argsz, want.out.count, want.act, want.reason);
	}
	ra = vw_tph_judge_header(p, c->argsz, c->op, c->mode, c->count, &rr);
	if (got->act != ra || got->reason != rr) {
		t->ref++;
		first_diff(t->ref_first, "decode %lu (revision %u, op %u mode %u argsz %u count %u): BPF act %d/%d, "
			   "revision 1 on the case %d/%d", t->cases, vw_tc_revs[want.rev].id, c->op, c->mode, c->argsz,
			   c->count, got->act, got->reason, ra, rr);
	}
	t->cases++;
}

struct dec_pending {
	struct pending p;
	__u32 rev;
};

static void dec_add(const struct vw_tc_hdr *c, void *arg)
{
	struct dec_pending *dp = arg;
	__u8 hdr[VW_TPH_REV_FIXED_MAX + 4];
	struct st_dec *w;

	if (!vw_tc_encode_hdr(&vw_tc_revs[dp->rev], c, hdr))
		return;	/* the revision cannot say it (tests/unit/test_tph.c counts those) */
	w = next_case(&dp->p);
	w->c = *c;
	memcpy(w->hdr, hdr, sizeof(hdr));
	w->rev = dp->rev;
}

static void bc_decodes(struct tally *t)
{
	static struct st_dec in[ST_DECS];
	struct dec_pending dp = { .p = { .kind = ST_TPH_DECODE, .max = ST_DECS, .size = sizeof(in[0]), .in = in,
					 .out = sk->bss->st_dec, .check = dec_check, .t = t } };

	for (dp.rev = 0; dp.rev < VW_TPH_NREVS; dp.rev++) {
		vw_tc_headers(dec_add, &dp);
		flush(&dp.p);
	}
}

/* ---- TPH batches --------------------------------------------------------- */

/*
 * Batch b (number trial) in revision rev's layout, checked in chunks of chunk
 * entries, by BPF (copying the encoded entries and decoding them) and by the
 * host (on what the layout keeps of each entry).
 */
static void batch_once(const struct vw_tc_batch *orig, __u32 trial, __u32 chunk, __u32 rev, struct tally *t)
{
	static struct vw_tph_scratch host;
	static struct vw_tc_batch proj;
	static __u8 raw[VW_TPH_MAX_ENTRIES * VW_TPH_REV_ENTRY_MAX];
	const struct vw_tc_batch *b = &proj;
	struct vw_selftest__bss *bss = sk->bss;
	struct st_batch a = { .ents = (__u64)(uintptr_t)raw, .count = orig->count, .chunk = chunk,
			      .pol_null = orig->pol_null, .caller_null = orig->caller_null, .rev = rev };
	__u32 i;
	int reason = VW_TPH_R_NONE, v;

	proj = *orig;
	for (i = 0; i < orig->count; i++)
		vw_tc_project_entry(&vw_tc_revs[rev], &orig->ents[i], &proj.ents[i]);
	vw_tc_encode_entries(&vw_tc_revs[rev], proj.ents, proj.count, raw);
	bss->st_tpol = b->pol;
	memcpy(bss->st_scratch.caller_cpus, b->caller, sizeof(b->caller));
	t->errors += run_prog(sk->progs.st_tph_batch, &a, sizeof(a)) != 0 || a.unreadable;
	vw_tc_run_batch(b, &host, chunk);
	v = vw_tph_verdict(VW_ALLOW, host.res.nbad, &reason);
	if (memcmp(&bss->st_scratch.res, &host.res, sizeof(host.res)) || a.verdict != v || a.reason != reason) {
		t->host++;
		first_diff(t->host_first, "batch %u (revision %u, %u entries in chunks of %u%s%s): BPF %u refused (first at index %u), "
			   "verdict %d reason %d; host build %u refused (first at index %u), verdict %d reason %d",
			   trial, vw_tc_revs[rev].id, b->count, chunk, b->pol_null ? ", no policy" : "",
			   b->caller_null ? ", no caller mask" : "", bss->st_scratch.res.nbad,
			   bss->st_scratch.res.nrec ? bss->st_scratch.res.bad_idx[0] : 0, a.verdict, a.reason,
			   host.res.nbad, host.res.nrec ? host.res.bad_idx[0] : 0, v, reason);
	}
	if (vw_tc_batch_differs(&bss->st_scratch.res, b)) {
		t->ref++;
		first_diff(t->ref_first, "batch %u (%u entries in chunks of %u): BPF's %u refused entries (first at index %u) "
			   "differ from the per-CPU truth table", trial, b->count, chunk, bss->st_scratch.res.nbad,
			   bss->st_scratch.res.nrec ? bss->st_scratch.res.bad_idx[0] : 0);
	}
	t->cases++;
}

/* Every batch in revision 1's layout; every fourth also in each other revision's. */
static void bc_batches(struct tally *t, unsigned long *entries)
{
	static struct vw_tc_batch b;
	__u32 trial, rev;

	vw_tc_seed(VW_TC_SEED);
	for (trial = 0; trial < VW_TC_BATCHES; trial++) {
		vw_tc_batch(&b, trial);
		for (rev = 0; rev < (trial % 4 ? 1u : VW_TPH_NREVS); rev++) {
			batch_once(&b, trial, VW_TPH_CHUNK, rev, t);
			*entries += b.count;
			if (b.chunk2) {
				batch_once(&b, trial, b.chunk2, rev, t);
				*entries += b.count;
			}
		}
	}
}

/* ---- the test ------------------------------------------------------------ */

static void report(const struct tally *t, const char *ref_name)
{
	printf("  %-8s %9lu cases in %5.1f s: %lu differ from the host build, %lu %s, %lu failed runs\n",
	       t->name, t->cases, t->seconds, t->host, t->ref, ref_name, t->errors);
	CHECK(t->cases > 0, "%s: no cases ran", t->name);
	CHECK(t->errors == 0, "%s: %lu runs failed", t->name, t->errors);
	CHECK(t->host == 0, "%s: %lu results differ from the host build; first: %s", t->name, t->host,
	      t->host_first);
	CHECK(t->ref == 0, "%s: %lu results differ from the reference (%s); first: %s", t->name, t->ref,
	      ref_name, t->ref_first);
}

void test_bytecode(void)
{
	struct tally t[6] = { { .name = "compile" }, { .name = "decide" }, { .name = "header" },
			      { .name = "batch" }, { .name = "cfg" }, { .name = "decode" } };
	unsigned long entries = 0, total = 0;
	double t0, start = now();
	int k;

	sk = vw_selftest__open_and_load();
	CHECK(sk != NULL, "tests/bpf/selftest.bpf.c did not load: %s (libbpf's log is above)", strerror(errno));
	if (!sk)
		return;
	memcpy(sk->bss->st_revs, vw_tc_revs, sizeof(vw_tc_revs));	/* for batches and decodes */
	bc_decide(&t[0], &t[1]);
	t0 = now();
	bc_headers(&t[2]);
	t[2].seconds = now() - t0;
	t0 = now();
	bc_batches(&t[3], &entries);
	t[3].seconds = now() - t0;
	t0 = now();
	bc_cfgs(&t[4]);
	t[4].seconds = now() - t0;
	t0 = now();
	bc_decodes(&t[5]);
	t[5].seconds = now() - t0;
	vw_selftest__destroy(sk);
	sk = NULL;

	report(&t[0], "bytes off the oracle");
	report(&t[1], "off brute force");
	report(&t[2], "off the reference");
	report(&t[3], "off the reference");
	report(&t[4], "off the reference");
	report(&t[5], "off revision 1's verdict");
	for (k = 0; k < 6; k++)
		total += t[k].cases;
	printf("bytecode: %lu cases compared, BPF build against host build and references "
	       "(%lu TPH entries checked in batches), %.1f s with loading\n", total, entries, now() - start);
}

/* needs no device: the judges' bytecode against their host build */
VW_TEST(bytecode, bytecode, 0)
{
	test_bytecode();
}
