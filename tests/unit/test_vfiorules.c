// SPDX-License-Identifier: GPL-2.0
/*
 * What vfio-pci shows a guest (vfiorules.h, layout.c "vfio-pci"): the region
 * map the loader compiles a device's policy from must be vfio-pci's own
 * pci_config_map, which a device bound after attach is compiled from, so
 * that `unassigned: {write: deny}` covers the same bytes either way. Checked
 * here on QEMU devices and on real hardware (pciutils' dumps, when the
 * shared fixtures are there); the VM selftests compare with vfio-pci's map
 * itself on every kernel of the matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cfgdump.h"
#include "explain.h"
#include "layout.h"
#include "maprender.h"
#include "policy.h"
#include "vfiorules.h"
#include "vw_test.h"

static struct vw_layout L;

static int load(const char *path, const char *kernel)
{
	static uint8_t buf[VW_CFG_SIZE];
	char bdf[VW_NAME_LEN], err[256];
	size_t size;

	vw_vfio_rules_use(vw_vfio_rules_for(kernel));
	if (vw_cfg_load(path, NULL, buf, &size, bdf, err, sizeof(err)))
		return -1;
	return vw_walk(buf, size, &L);
}

/* Bytes [off, off+len) map to id (vfio-pci's encoding). */
static void expect_bytes(unsigned off, unsigned len, unsigned id, const char *what)
{
	unsigned b, bad = 0;

	for (b = off; b < off + len; b++)
		bad += L.capmap[b] != id;
	CHECK(bad == 0, "%s: 0x%x+0x%x: %u bytes not 0x%02x (0x%x: 0x%02x)", what, off, len, bad, id, off,
	      L.capmap[off]);
}

/* The same, and the capability ends there: the byte after maps to something else. */
static void expect_run(unsigned off, unsigned len, unsigned id, const char *what)
{
	expect_bytes(off, len, id, what);
	CHECK(L.capmap[off + len] != id, "%s: 0x%x still 0x%02x", what, off + len, id);
}

static void expect_hidden(unsigned off, unsigned len, const char *what)
{
	expect_bytes(off, len, VW_CAP_UNASSIGNED, what);
}

static void test_release_rules(void)
{
	CHECK_STR(vw_vfio_rules_for("6.1.0-57-amd64")->name, "6.1-6.3");
	CHECK_STR(vw_vfio_rules_for("6.3.13")->name, "6.1-6.3");
	CHECK_STR(vw_vfio_rules_for("6.4.0")->name, "6.4-6.19");
	CHECK_STR(vw_vfio_rules_for("6.12.117+deb12-amd64")->name, "6.4-6.19");
	CHECK_STR(vw_vfio_rules_for("6.12")->name, "6.4-6.19");
	CHECK_STR(vw_vfio_rules_for("6.12.118+deb12-amd64")->name, "7.0+, 6.12.118+");
	CHECK_STR(vw_vfio_rules_for("7.3.4+deb13-amd64")->name, "7.0+, 6.12.118+");
	CHECK_STR(vw_vfio_rules_for(NULL)->name, "6.1-6.3");
	CHECK_EQ(vw_vfio_rules_for("6.1.0-57-amd64")->pcie_v2_len, 0x32);
	CHECK_EQ(vw_vfio_rules_for("6.12.118+deb12-amd64")->pcie_v2_len, 0x34);
}

/* QEMU's e1000e: a v1 RCiEP, so vfio-pci shows 0xc bytes of PCIe and 0x2c of AER. */
static void test_e1000e(void)
{
	CHECK_EQ(load("tests/data/qemu-e1000e.lspci", "6.12"), 0);
	expect_run(0xe0, 0x0c, 0x10, "PCIe v1 RCiEP");
	expect_hidden(0xec, 0x14, "rest of PCIe");
	expect_run(0x100, 0x2c, 0x01, "AER");
	expect_hidden(0x12c, 0x14, "rest of AER");
	expect_run(0x140, 12, 0x03, "DSN");
	expect_run(0xd0, 14, 0x05, "MSI 64-bit");
	CHECK_EQ(L.vfio_hidden, 2);
}

/*
 * QEMU's cxl-type3 (captured in the VM with the matrix's QEMU): DVSECs are
 * shown from 6.4 on and hidden before (6.1), where the first one stays as a
 * 4-byte placeholder header; DOE is hidden by both.
 */
static void test_cxl(void)
{
	CHECK_EQ(load("tests/data/qemu-cxl-type3.lspci", "6.12.118"), 0);
	expect_run(0x80, 0x34, 0x10, "PCIe v2 endpoint");
	expect_bytes(0x100, 0x3c, 0x23, "DVSEC 1");	/* DVSEC 2 follows at once */
	expect_bytes(0x13c, 0x24, 0x23, "DVSEC 2");	/* DVSEC 3 at 0x160 */
	expect_bytes(0x160, 0x10, 0x23, "DVSEC 3");
	expect_run(0x170, 0x20, 0x23, "DVSEC 4");
	expect_hidden(0x190, 0x70, "DOE");
	expect_run(0x200, 0x2c, 0x01, "AER");

	CHECK_EQ(load("tests/data/qemu-cxl-type3.lspci", "6.1"), 0);
	expect_run(0x80, 0x32, 0x10, "PCIe v2 endpoint, 0x32 (Link Status 2 cut off)");
	expect_hidden(0xb2, 2, "Link Status 2 on 6.1");
	expect_run(0x100, 4, 0x23, "placeholder");
	expect_hidden(0x104, 0xfc, "DVSECs and DOE on 6.1");
	expect_run(0x200, 0x2c, 0x01, "AER on 6.1");
	CHECK(L.caps[2].vfio_placeholder && L.caps[2].vfio_length == 4, "placeholder cap");
}

/* The bytes map shows for a hidden capability: unassigned, whose they are, the unassigned rule. */
static void test_map_json(void)
{
	static struct vw_policy p;
	static struct vw_explained x;
	const char *rules[VW_MAX_RULE_NAMES];
	struct vw_map_input in = { .target = "cxl", .layout = &L };
	struct json_object *o, *regs, *r = NULL, *v;
	char err[256];
	int i, n;

	CHECK_EQ(load("tests/data/qemu-cxl-type3.lspci", "6.12"), 0);
	CHECK_EQ(vw_policy_load_default(&p, err, sizeof(err)), 0);
	vw_explain(&p, &L, "", &x);
	for (i = 0; i < x.nnames; i++)
		rules[i] = x.names[i];
	in.act = x.dev.act;
	in.rule = x.rule;
	in.rules = rules;
	in.nrules = x.nnames;
	o = vw_map_json(&in);
	regs = json_object_object_get(o, "regions");
	n = (int)json_object_array_length(regs);
	for (i = 0; i < n; i++)
		if (json_object_get_int(json_object_object_get(json_object_array_get_idx(regs, i), "start")) == 0x190)
			r = json_object_array_get_idx(regs, i);
	CHECK(r != NULL, "no region at 0x190");
	if (r) {
		CHECK_STR(json_object_get_string(json_object_object_get(r, "kind")), "unassigned");
		CHECK_STR(json_object_get_string(json_object_object_get(r, "hidden_by")), "vfio-pci");
		CHECK_STR(json_object_get_string(json_object_object_get(r, "name")), "Data Object Exchange");
		CHECK_STR(json_object_get_string(json_object_object_get(r, "write")), "deny");
		CHECK_STR(json_object_get_string(json_object_object_get(r, "rule")), "default: unassigned");
		v = json_object_object_get(r, "length");
		CHECK_EQ(json_object_get_int(v), 0x18);	/* DOE's own length; unassigned runs on after it */
	}
	json_object_put(o);
}

/* Real hardware: Secondary PCIe, Physical Layer 16/32 GT/s, Lane Margining, PASID are hidden. */
static void test_pciutils(void)
{
	const char *root = getenv("VW_FIXTURES") ? getenv("VW_FIXTURES") : "../shared/fixtures";
	char path[1024];
	const struct vw_cap *c;

	snprintf(path, sizeof(path), "%s/pciutils/01-nvme-samsung-pm174x_dsn_sriov.lspci", root);
	if (load(path, "6.12")) {
		printf("note: %s is absent; real-hardware checks skipped\n", path);
		return;
	}
	for (int i = 0; i < L.ncaps; i++) {
		c = &L.caps[i];
		if (!c->extended)
			continue;
		if (c->id == 0x19 || c->id == 0x26 || c->id == 0x27 || c->id == 0x2a || c->id == 0x25)
			CHECK(c->vfio_length == 0 && L.capmap[c->offset] == VW_CAP_UNASSIGNED,
			      "ext 0x%x at 0x%x shown by vfio-pci", c->id, c->offset);
		if (c->id == 0x10 || c->id == 0x03 || c->id == 0x0e)
			CHECK(c->vfio_length && L.capmap[c->offset] == c->id, "ext 0x%x at 0x%x hidden", c->id, c->offset);
	}
	snprintf(path, sizeof(path), "%s/pciutils/05-intel-dsa-0b25_tph_dvsec.lspci", root);
	CHECK_EQ(load(path, "6.12"), 0);
	expect_hidden(0x230, 8, "PASID");
	expect_run(0x240, 16, 0x13, "PRI");
	expect_run(0x220, 8, 0x0f, "ATS");
	CHECK(L.capmap[0x200] == 0x23, "DVSEC shown from 6.4 on");
	CHECK_EQ(load(path, "6.1"), 0);
	CHECK(L.capmap[0x200] == VW_CAP_UNASSIGNED, "DVSEC hidden by 6.1");
}

int main(void)
{
	test_release_rules();
	test_e1000e();
	test_cxl();
	test_map_json();
	test_pciutils();
	vw_vfio_rules_use(NULL);
	return vw_test_done();
}
