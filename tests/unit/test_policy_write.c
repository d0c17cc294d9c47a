// SPDX-License-Identifier: GPL-2.0
/*
 * The policy writer (user/lib/policy_write.c): every shipped and test policy,
 * written back and parsed again, gives the same layers, selectors, serials and
 * TPH rules byte for byte; and a second write is identical to the first.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdump.h"
#include "explain.h"
#include "policy.h"
#include "policy_write.h"
#include "vw_test.h"

static struct vw_policy a, b;

/* a parsed, written, parsed again into b: the same layers; a second write the same bytes */
static void write_back(const char *name)
{
	char err[512], why[256], *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *m;

	m = open_memstream(&t1, &l1);
	CHECK_EQ(vw_policy_write(m, &a, "round trip", NULL), 0);
	fclose(m);
	if (vw_policy_parse(name, t1, l1, &b, err, sizeof(err))) {
		CHECK(0, "%s written back does not parse: %s\n%s", name, err, t1);
		free(t1);
		return;
	}
	CHECK(vw_policy_same(&a, &b, why, sizeof(why)), "%s: %s\n%s", name, why, t1);
	m = open_memstream(&t2, &l2);
	vw_policy_write(m, &b, "round trip", NULL);
	fclose(m);
	CHECK(l1 == l2 && !memcmp(t1, t2, l1), "%s: second write differs", name);
	free(t1);
	free(t2);
}

static void roundtrip(const char *path)
{
	char err[512];

	if (vw_policy_load_file(path, &a, err, sizeof(err))) {
		CHECK(0, "%s: %s", path, err);
		return;
	}
	write_back(path);
}

/*
 * Capability IDs at the edges of what the parser takes: ext:0x0000 (the Null
 * extended capability; learn and import pciback used to drop it), the last IDs
 * with their own rule (0xfd), the first standard one, IDs without a short name,
 * and names; in the default and in a device entry.
 */
static void test_edge_ids(void)
{
	static const char pol[] =
		"version: 1\n"
		"default:\n"
		"  capability:\n"
		"    ext:0x0000: {read: audit, write: deny}\n"
		"    ext:0x00fd: deny\n"
		"    cap:0x01: {write: audit}\n"
		"    cap:0xfd: {read: audit}\n"
		"devices:\n"
		"  - match: {vendor: \"8086\", device: \"10d3\"}\n"
		"    capability:\n"
		"      ext:0: {write: deny}\n"
		"      ext:0x0001: audit\n"
		"      cap:0x15: {write: audit}\n"
		"      ext:0x0030: deny\n";
	char err[512];

	/* what the writer must keep: the parser took these */
	if (vw_policy_parse("edge-ids", pol, strlen(pol), &a, err, sizeof(err))) {
		CHECK(0, "%s", err);
		return;
	}
	CHECK_EQ(a.entries[0].prof.ext_cap[0], VW_RULE(VW_AUDIT, VW_DENY));
	CHECK_EQ(a.entries[1].prof.ext_cap[0], VW_RULE(VW_UNSET, VW_DENY));
	CHECK_EQ(a.entries[0].prof.std_cap[0xfd], VW_RULE(VW_AUDIT, VW_UNSET));
	write_back("edge-ids");
}

/*
 * policies/hazards.yaml: the default plus audited writes where the issue's
 * hazards live, on QEMU's e1000e; every rule (a capability or range line
 * that audits) has a "Source:" in the comment block right above it.
 */
static void test_hazards(void)
{
	static struct vw_policy def, hz;
	static struct vw_explained xd, xh;
	struct vw_layout lay;
	uint8_t cfg[VW_CFG_SIZE];
	char err[512], bdf[VW_NAME_LEN], line[512];
	size_t size = 0;
	unsigned i, diff = 0, rules = 0, sourced = 0;
	int since_source = 99;
	FILE *f;

	CHECK(vw_policy_load_file("policies/hazards.yaml", &hz, err, sizeof(err)) == 0, "%s", err);
	vw_policy_load_default(&def, err, sizeof(err));
	CHECK(vw_cfg_load("tests/data/qemu-e1000e.lspci", NULL, cfg, &size, bdf, err, sizeof(err)) == 0, "%s", err);
	vw_walk(cfg, size, &lay);
	vw_explain(&def, &lay, "", &xd);
	vw_explain(&hz, &lay, "", &xh);
	CHECK_EQ(VW_ACT_WRITE(xh.dev.act[0x04]), VW_AUDIT);	/* COMMAND low byte */
	CHECK_EQ(VW_ACT_WRITE(xh.dev.act[0x05]), VW_ALLOW);
	CHECK_EQ(VW_ACT_WRITE(xh.dev.act[0xcc]), VW_AUDIT);	/* PMCSR of this e1000e's PM cap at 0xc8 */
	CHECK_EQ(VW_ACT_WRITE(xh.dev.act[0x108]), VW_AUDIT);	/* AER uncorrectable mask */
	CHECK_EQ(VW_ACT_WRITE(xh.dev.act[0xa2]), VW_ALLOW);	/* MSI-X: not a hazard here */
	/* never weaker than the default: every read and write at least as strong */
	for (i = 0; i < VW_CFG_SIZE; i++)
		diff += VW_ACT_READ(xh.dev.act[i]) != VW_ACT_READ(xd.dev.act[i]) ||
			VW_ACT_WRITE(xh.dev.act[i]) < VW_ACT_WRITE(xd.dev.act[i]);
	CHECK_EQ(diff, 0);
	/* a bridge: Bridge Control audited (class 0x0604 entry), as a vendor-specific capability */
	lay.header_type = 1;
	lay.class_code = 0x060400;
	vw_explain(&hz, &lay, "", &xh);
	CHECK(VW_ACT_WRITE(xh.dev.act[0x3e]) == VW_AUDIT && VW_ACT_WRITE(xh.dev.act[0x3f]) == VW_AUDIT,
	      "bridge control");
	lay.class_code = 0x020000;
	vw_explain(&hz, &lay, "", &xh);
	CHECK_EQ(VW_ACT_WRITE(xh.dev.act[0x3e]), VW_ALLOW);

	f = fopen("policies/hazards.yaml", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *t = line + strspn(line, " -");

		if (t[0] == '#') {
			if (strstr(t, "Source:"))
				since_source = 0;
			continue;
		}
		since_source++;
		if (!strstr(t, "audit}"))
			continue;
		rules++;
		/* the rule, or the run of rules right under one comment block, carries it */
		sourced += since_source <= 4;
	}
	if (f)
		fclose(f);
	CHECK(rules >= 8, "%u audit rules", rules);
	CHECK_EQ(sourced, rules);
}

int main(void)
{
	test_hazards();
	test_edge_ids();
	const char *pats[] = { "policies/*.yaml", "tests/data/policies/good/*.yaml" };
	struct vw_policy_entry e = { .kind = VW_SEL_VENDOR_DEVICE, .vendor = 0x8086, .device_id = 0x10d3 };
	glob_t g;
	size_t i, k, n = 0;

	for (k = 0; k < 2; k++) {
		if (glob(pats[k], 0, NULL, &g))
			continue;
		for (i = 0; i < g.gl_pathc; i++, n++)
			roundtrip(g.gl_pathv[i]);
		globfree(&g);
	}
	printf("round trips: %zu policies\n", n);
	CHECK(n >= 10, "found the policies");

	/* add/find by selector */
	vw_policy_load_default(&a, (char[64]){ 0 }, 64);
	CHECK_EQ(vw_policy_find_entry(&a, &e), -1);
	CHECK_EQ(vw_policy_add_entry(&a, &e), 1);
	CHECK_EQ(vw_policy_add_entry(&a, &e), 1);
	CHECK_EQ(a.entries[1].prof.header, VW_RULE_NONE);
	while (a.nentries < VW_MAX_PROFILES) {
		e.device_id++;
		vw_policy_add_entry(&a, &e);
	}
	e.device_id++;
	CHECK_EQ(vw_policy_add_entry(&a, &e), -ENOSPC);
	return vw_test_done();
}
