// SPDX-License-Identifier: GPL-2.0
/*
 * `learn`: the shared recording code (include/vw_learn.h, the code BPF runs)
 * against a byte-by-byte reference, and the learned policy (learn_policy.c):
 * it compiles to exactly the wanted actions, layers on the base, keeps the DSN
 * scrub and the base's denials, and `check` reads it back. Also --diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdump.h"
#include "explain.h"
#include "layout.h"
#include "learn_policy.h"
#include "policy.h"
#include "policy_write.h"
#include "vw_learn.h"
#include "vw_test.h"

static unsigned rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* The recording against a plain per-byte reference, random accesses of every size. */
static void test_note_reference(void)
{
	static struct vw_learn l;
	static unsigned ref[2][VW_CFG_SIZE], refd[2][VW_LEARN_DWORDS];
	unsigned i, k, bad = 0, badc = 0;

	memset(&l, 0, sizeof(l));
	for (k = 0; k < 20000; k++) {
		unsigned dir = rnd(2), sizes[] = { 1, 2, 3, 4, 8, 64, 100, 4096 };
		unsigned len = sizes[rnd(8)], off = rnd(VW_CFG_SIZE + 8), end = off + len, d;

		vw_learn_note(&l, dir, off, len);
		if (end > VW_CFG_SIZE)
			end = VW_CFG_SIZE;
		for (i = off; i < end; i++)
			ref[dir][i] = 1;
		for (d = off >> 2; off < end && d <= (end - 1) >> 2; d++)
			refd[dir][d]++;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < VW_CFG_SIZE; i++)
			bad += vw_learn_seen(&l, k, i) != (int)ref[k][i];
		for (i = 0; i < VW_LEARN_DWORDS; i++)
			badc += l.count[k][i] != refd[k][i];
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(badc, 0);

	/* edges: the last byte, a 4 KiB read, nothing past the end, a zero-length access */
	memset(&l, 0, sizeof(l));
	vw_learn_note(&l, 1, 4095, 1);
	CHECK(vw_learn_seen(&l, 1, 4095) && !vw_learn_seen(&l, 1, 4094) && !vw_learn_seen(&l, 0, 4095), "last byte");
	CHECK_EQ(l.count[1][1023], 1);
	vw_learn_note(&l, 0, 0, 4096);
	for (i = 0, bad = 0; i < VW_CFG_SIZE; i++)
		bad += !vw_learn_seen(&l, 0, i);
	CHECK_EQ(bad, 0);
	vw_learn_note(&l, 0, 4096, 4);
	vw_learn_note(&l, 1, 10, 0);
	CHECK(!vw_learn_seen(&l, 1, 10), "zero length notes nothing");
	CHECK_EQ(l.count[0][0], 1);
	/* 3 bytes over a dword edge count in both dwords, once each */
	memset(&l, 0, sizeof(l));
	vw_learn_note(&l, 1, 6, 3);
	CHECK(l.count[1][1] == 1 && l.count[1][2] == 1 && l.count[1][0] == 0, "straddle");
	CHECK(!vw_learn_seen(&l, 1, 5) && vw_learn_seen(&l, 1, 6) && vw_learn_seen(&l, 1, 8) &&
	      !vw_learn_seen(&l, 1, 9), "straddle bytes");
}

static void load_fixture(const char *path, struct vw_layout *lay)
{
	uint8_t buf[VW_CFG_SIZE];
	char bdf[VW_NAME_LEN], err[256];
	size_t got = 0;

	CHECK(vw_cfg_load(path, NULL, buf, &got, bdf, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(vw_walk(buf, got, lay), 0);
}

static struct vw_policy base, back;
static struct vw_learned ld;
static struct vw_explained x;

/* Render, parse back, compile for the device: the actions every byte gets. */
static int roundtrip(const struct vw_policy *p, const struct vw_learn_notes *notes, char **text)
{
	struct vw_policy_notes cb = vw_policy_comments_cb;
	char err[512];
	size_t len = 0;
	FILE *m = open_memstream(text, &len);

	cb.arg = (void *)notes;
	vw_policy_write(m, p, "test", &cb);
	fclose(m);
	if (vw_policy_parse("learned", *text, len, &back, err, sizeof(err))) {
		CHECK(0, "written policy does not parse: %s\n%s", err, *text);
		return -1;
	}
	vw_explain(&back, &ld.lay, ld.bdf, &x);
	return 0;
}

/* What QEMU does to an e1000e: read all of it, write a few registers. */
static void test_build_e1000e(int else_action)
{
	static struct vw_learn_notes notes;
	char err[512], *text = NULL;
	unsigned i, bad = 0;
	int dsn_off = -1;

	memset(&ld, 0, sizeof(ld));
	memset(&notes, 0, sizeof(notes));
	load_fixture("tests/data/qemu-e1000e.lspci", &ld.lay);
	snprintf(ld.bdf, sizeof(ld.bdf), "0000:00:0a.0");
	ld.key.kind = VW_SEL_BDF;
	snprintf(ld.key.bdf, sizeof(ld.key.bdf), "%s", ld.bdf);
	vw_learn_note(&ld.seen, 0, 0, 4096);		/* the 4 KiB read */
	vw_learn_note(&ld.seen, 1, 0x04, 2);		/* command */
	vw_learn_note(&ld.seen, 1, 0x04, 2);
	vw_learn_note(&ld.seen, 1, 0x10, 4);		/* BAR0 */
	vw_learn_note(&ld.seen, 1, 0x3c, 1);		/* interrupt line */
	vw_learn_note(&ld.seen, 1, 0xa2, 2);		/* MSI-X control */
	vw_learn_note(&ld.seen, 1, 0x50, 1);		/* unassigned: the default denies it */
	CHECK_EQ(vw_policy_load_default(&base, err, sizeof(err)), 0);
	CHECK(vw_learn_build(&base, &ld, else_action, &notes, err, sizeof(err)) == 0, "%s", err);
	if (roundtrip(&base, &notes, &text))
		return;
	for (i = 0; i < (unsigned)ld.lay.ncaps; i++)
		if (ld.lay.caps[i].extended && ld.lay.caps[i].id == 3)
			dsn_off = ld.lay.caps[i].offset;
	CHECK(dsn_off > 0, "the e1000e fixture has a DSN");
	for (i = 0; i < VW_CFG_SIZE; i++) {
		int r = VW_ACT_READ(x.dev.act[i]), w = VW_ACT_WRITE(x.dev.act[i]);
		int serial = dsn_off > 0 && i >= (unsigned)dsn_off + 4 && i < (unsigned)dsn_off + 12;
		int written = (i >= 4 && i < 6) || (i >= 0x10 && i < 0x14) || i == 0x3c || (i >= 0xa2 && i < 0xa4);

		/* the default denies unassigned and DSN writes: --else audit does not weaken that */
		int base_denies = (i >= VW_HEADER_SIZE && vw_cap_is_unassigned(ld.lay.capmap[i])) ||
				  (dsn_off > 0 && i >= (unsigned)dsn_off && i < (unsigned)dsn_off + 12);

		bad += r != (serial ? VW_SCRUB : VW_ALLOW);
		bad += w != (written ? VW_ALLOW : base_denies ? VW_DENY : else_action);
	}
	CHECK_EQ(bad, 0);
	CHECK(strstr(text, "# header command; 2 writes"), "range comment names the register and counts:\n%s", text);
	CHECK(strstr(text, "MSI-X (cap 0x11); 1 writes"), "capability named:\n%s", text);
	CHECK(strstr(text, "dsn: {read: scrub}"), "scrub kept");
	CHECK(strstr(text, "learned by `vfio-warden learn` from 0000:00:0a.0 (8086:10d3): 4096 bytes read, 10 bytes "
			   "written"), "entry comment:\n%s", text);
	free(text);

	/* --diff: the default policy audits the unassigned reads of that run, denies the 0x50 write */
	{
		static struct vw_policy def;
		char *out = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&out, &len);
		int n;

		vw_policy_load_default(&def, err, sizeof(err));
		n = vw_learn_diff(m, &def, &ld);
		fclose(m);
		CHECK(n >= 2, "diff ranges %d", n);
		CHECK(strstr(out, "write 0x050-0x050 would be denied: unassigned; 1 writes"), "diff:\n%s", out);
		CHECK(strstr(out, "read 0x040-0x09f would be audited: unassigned"), "diff:\n%s", out);
		CHECK(!strstr(out, "0x004"), "allowed writes are not in the diff");
		free(out);
		/* the learned policy itself has nothing to report but the base's denial */
		m = open_memstream(&out, &len);
		n = vw_learn_diff(m, &back, &ld);
		fclose(m);
		CHECK_EQ(n, 1);
		free(out);
	}
}

/* Keyed by vendor:device; a base bdf entry for the device beats it, and build says so. */
static void test_build_keys(void)
{
	static struct vw_learn_notes notes;
	char err[512], *text = NULL;
	const char *pol = "version: 1\ndevices:\n  - match: {bdf: \"0000:00:0a.0\"}\n    header: {write: audit}\n";

	memset(&ld, 0, sizeof(ld));
	load_fixture("tests/data/qemu-e1000e.lspci", &ld.lay);
	snprintf(ld.bdf, sizeof(ld.bdf), "0000:00:0a.0");
	ld.key.kind = VW_SEL_VENDOR_DEVICE;
	ld.key.vendor = 0x8086;
	ld.key.device_id = 0x10d3;
	vw_learn_note(&ld.seen, 1, 0x04, 2);
	CHECK_EQ(vw_policy_load_default(&base, err, sizeof(err)), 0);
	CHECK(vw_learn_build(&base, &ld, VW_DENY, &notes, err, sizeof(err)) == 0, "%s", err);
	CHECK(roundtrip(&base, &notes, &text) == 0, "parse");
	CHECK(strstr(text, "match: {vendor: \"8086\", device: \"10d3\"}"), "keyed by vendor:device:\n%s", text);
	CHECK_EQ(VW_ACT_WRITE(x.dev.act[4]), VW_ALLOW);
	CHECK_EQ(VW_ACT_WRITE(x.dev.act[6]), VW_DENY);
	CHECK_EQ(VW_ACT_READ(x.dev.act[0]), VW_DENY);	/* nothing was read */
	free(text);

	CHECK_EQ(vw_policy_parse("b", pol, strlen(pol), &base, err, sizeof(err)), 0);
	CHECK(vw_learn_build(&base, &ld, VW_DENY, &notes, err, sizeof(err)) == -1, "bdf entry in the way");
	CHECK(strstr(err, "a more specific entry of the base policy decides it"), "%s", err);

	/* learning again over an entry with the same key replaces its rules */
	ld.key.kind = VW_SEL_BDF;
	snprintf(ld.key.bdf, sizeof(ld.key.bdf), "%s", ld.bdf);
	CHECK_EQ(vw_policy_parse("b", pol, strlen(pol), &base, err, sizeof(err)), 0);
	CHECK(vw_learn_build(&base, &ld, VW_DENY, &notes, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(base.nentries, 2);
	CHECK(roundtrip(&base, &notes, &text) == 0, "parse");
	CHECK_EQ(VW_ACT_WRITE(x.dev.act[6]), VW_DENY);
	free(text);
}

/* A recording that needs more ranges than an entry holds is refused, not coarsened. */
static void test_build_too_many(void)
{
	static struct vw_learn_notes notes;
	char err[512];
	unsigned i;

	memset(&ld, 0, sizeof(ld));
	load_fixture("tests/data/qemu-nvme.lspci", &ld.lay);
	snprintf(ld.bdf, sizeof(ld.bdf), "0000:00:0e.0");
	ld.key.kind = VW_SEL_BDF;
	snprintf(ld.key.bdf, sizeof(ld.key.bdf), "%s", ld.bdf);
	for (i = 0; i < 200; i++)
		vw_learn_note(&ld.seen, 0, 0x400 + 8 * i, 1);
	vw_policy_load_default(&base, err, sizeof(err));
	CHECK(vw_learn_build(&base, &ld, VW_DENY, &notes, err, sizeof(err)) == -1, "too many ranges");
	CHECK(strstr(err, "more than 64 ranges"), "%s", err);
}

int main(void)
{
	test_note_reference();
	test_build_e1000e(VW_DENY);
	test_build_e1000e(VW_AUDIT);
	test_build_keys();
	test_build_too_many();
	return vw_test_done();
}
