// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel lockdown: reading the mode as securityfs prints it, and what a policy keeps
 * under it (user/lib/lockdown.c): scrub rules become audit, virtual serials go, every
 * other rule stays as written, and each change is marked for attach, status and map.
 */
#include "vw_test.h"
#include "lockdown.h"
#include "vw_dsn.h"

static void test_parse(void)
{
	enum vw_lockdown m = 99;

	CHECK_EQ(vw_lockdown_parse("[none] integrity confidentiality\n", &m), 0);
	CHECK_EQ(m, VW_LOCKDOWN_NONE);
	CHECK_EQ(vw_lockdown_parse("none [integrity] confidentiality\n", &m), 0);
	CHECK_EQ(m, VW_LOCKDOWN_INTEGRITY);
	CHECK_EQ(vw_lockdown_parse("none integrity [confidentiality]\n", &m), 0);
	CHECK_EQ(m, VW_LOCKDOWN_CONFIDENTIALITY);
	CHECK_EQ(vw_lockdown_parse("integrity", &m), 0);
	CHECK_EQ(m, VW_LOCKDOWN_INTEGRITY);
	CHECK_EQ(vw_lockdown_parse("none\n", &m), 0);
	CHECK_EQ(m, VW_LOCKDOWN_NONE);
	CHECK_EQ(vw_lockdown_parse("integ", &m), -1);
	CHECK_EQ(vw_lockdown_parse("integrityx", &m), -1);
	CHECK_EQ(vw_lockdown_parse("none integrity", &m), -1);
	CHECK_EQ(vw_lockdown_parse("none [integrity confidentiality", &m), -1);
	CHECK_EQ(vw_lockdown_parse("[bogus] none", &m), -1);
	CHECK_EQ(vw_lockdown_parse("", &m), -1);
	CHECK_STR(vw_lockdown_name(VW_LOCKDOWN_CONFIDENTIALITY), "confidentiality");
}

static const char policy_text[] =
	"version: 1\n"
	"default:\n"
	"  unassigned: {read: audit, write: deny}\n"
	"  capability:\n"
	"    dsn: {read: scrub, write: deny}\n"
	"devices:\n"
	"  - match: {bdf: \"0000:00:03.0\"}\n"
	"    serial: 00-11-22-33-44-55-66-77\n"
	"  - match: {vendor: \"8086\"}\n"
	"    capability:\n"
	"      dsn: {read: deny}\n";

static void test_adapt(void)
{
	static struct vw_policy p, orig;
	char err[256], text[96];
	int i;

	CHECK_EQ(vw_policy_parse("t.yaml", policy_text, sizeof(policy_text) - 1, &p, err, sizeof(err)), 0);
	orig = p;
	CHECK_EQ(vw_policy_adapt_lockdown(&p, VW_LOCKDOWN_NONE), 0);
	CHECK(!memcmp(&p, &orig, sizeof(p)), "no lockdown: the policy is untouched");

	CHECK_EQ(vw_policy_adapt_lockdown(&p, VW_LOCKDOWN_INTEGRITY), 2);
	CHECK_EQ(p.lockdown, VW_LOCKDOWN_INTEGRITY);
	/* default: scrub -> audit, the write rule kept */
	CHECK_EQ(VW_RULE_READ(p.entries[0].prof.ext_cap[VW_EXT_CAP_DSN]), VW_AUDIT);
	CHECK_EQ(VW_RULE_WRITE(p.entries[0].prof.ext_cap[VW_EXT_CAP_DSN]), VW_DENY);
	CHECK_EQ(p.entries[0].degraded, VW_DEGRADED_SCRUB);
	/* the bdf entry loses its serial; the vendor entry's deny is possible, so kept */
	for (i = 1; i < p.nentries; i++) {
		if (p.entries[i].kind == VW_SEL_BDF) {
			CHECK_EQ(p.entries[i].has_serial, 0);
			CHECK_EQ(p.entries[i].degraded, VW_DEGRADED_SERIAL);
			vw_policy_degraded_text(&p, i, text, sizeof(text));
			CHECK_STR(text, "virtual serial not applied");
		} else {
			CHECK_EQ(p.entries[i].degraded, 0);
			CHECK_EQ(VW_RULE_READ(p.entries[i].prof.ext_cap[VW_EXT_CAP_DSN]), VW_DENY);
		}
	}
	vw_policy_degraded_text(&p, 0, text, sizeof(text));
	CHECK_STR(text, "dsn read scrub applies as audit");
	/* nothing else changed */
	for (i = 0; i < p.nentries; i++) {
		orig.entries[i].prof.ext_cap[VW_EXT_CAP_DSN] = p.entries[i].prof.ext_cap[VW_EXT_CAP_DSN];
		CHECK(!memcmp(&orig.entries[i].prof, &p.entries[i].prof, sizeof(p.entries[i].prof)),
		      "entry %d: only the DSN rule changes", i);
	}
}

int main(void)
{
	test_parse();
	test_adapt();
	return vw_test_done();
}
