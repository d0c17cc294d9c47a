// SPDX-License-Identifier: GPL-2.0
/*
 * Capability walker: QEMU devices captured from a real guest (tests/data),
 * per-capability length rules on synthesized config spaces, every malformed
 * chain we know of, and the name tables.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "cfgdump.h"
#include "layout.h"
#include "vw_test.h"

static struct vw_layout L;
static uint8_t cfg[VW_CFG_SIZE];
/* The device's own layout as a map (the walker's lengths, the earlier capability wins).
 * L.capmap is vfio-pci's view of it: test_vfiorules.c. */
static uint8_t P[VW_CFG_SIZE];

static void physical_map(void)
{
	static int16_t owner[VW_CFG_SIZE];

	vw_layout_owners(&L, owner);
	for (unsigned b = 0; b < VW_CFG_SIZE; b++)
		P[b] = b >= L.size ? VW_CAP_UNASSIGNED : b < VW_HEADER_SIZE ? VW_CAP_HEADER
		       : owner[b] >= 0 ? vw_cap_map_byte(L.caps[owner[b]].id) : VW_CAP_UNASSIGNED;
}

/* ---- helpers ------------------------------------------------------------ */

static int load(const char *path)
{
	static uint8_t buf[VW_CFG_SIZE];
	size_t size;
	char bdf[VW_NAME_LEN], err[256];
	int rc = vw_cfg_load(path, NULL, buf, &size, bdf, err, sizeof(err));

	CHECK(rc == 0, "%s", err);
	if (rc)
		return rc;
	rc = vw_walk(buf, size, &L);
	physical_map();
	return rc;
}

static const struct vw_cap *find(bool ext, unsigned offset)
{
	for (int i = 0; i < L.ncaps; i++)
		if (L.caps[i].extended == ext && L.caps[i].offset == offset)
			return &L.caps[i];
	return NULL;
}

/* The capability at offset has this ID and length, and capmap says so. */
static void expect_cap(bool ext, unsigned offset, unsigned id, unsigned len)
{
	const struct vw_cap *c = find(ext, offset);

	CHECK(c != NULL, "no capability at 0x%x", offset);
	if (!c)
		return;
	CHECK(c->id == id, "cap at 0x%x: id 0x%x, expected 0x%x", offset, c->id, id);
	CHECK(c->length == len, "cap at 0x%x: length 0x%x, expected 0x%x", offset, c->length, len);
	CHECK(c->length_known, "cap at 0x%x: length unknown", offset);
	CHECK(P[offset] == vw_cap_map_byte(id), "capmap[0x%x] = 0x%x", offset, P[offset]);
	CHECK(P[offset + len - 1] == vw_cap_map_byte(id), "capmap[0x%x] = 0x%x",
	      offset + len - 1, P[offset + len - 1]);
}

static bool warned(const char *needle)
{
	for (int i = 0; i < L.nwarnings; i++)
		if (strstr(L.warnings[i], needle))
			return true;
	return false;
}

#define CHECK_WARNED(needle) CHECK(warned(needle), "no warning containing \"%s\" (%d warnings%s%s)", \
				   needle, L.nwarnings, L.nwarnings ? ", first: " : "", \
				   L.nwarnings ? L.warnings[0] : "")
#define CHECK_NO_WARNINGS() CHECK(L.nwarnings == 0, "unexpected warning: %s", L.warnings[0])

static void put16(unsigned off, uint16_t v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = v >> 8;
}

static void put32(unsigned off, uint32_t v)
{
	put16(off, v & 0xffff);
	put16(off + 2, v >> 16);
}

/* A type 0 endpoint with a capability list and nothing else. */
static void blank(void)
{
	memset(cfg, 0, sizeof(cfg));
	put16(0x00, 0x1af4);
	put16(0x02, 0x1234);
	put16(0x06, 0x0010);	/* Status: Capabilities List */
	put32(0x08, 0x02000001);
}

static void std_cap(unsigned off, uint8_t id, uint8_t next)
{
	cfg[off] = id;
	cfg[off + 1] = next;
}

static void ext_cap(unsigned off, uint16_t id, uint8_t ver, unsigned next)
{
	put32(off, id | (uint32_t)(ver & 0xf) << 16 | (uint32_t)next << 20);
}

static void pcie_at(unsigned off, uint8_t next, unsigned version, unsigned type, unsigned lanes)
{
	cfg[0x34] = (uint8_t)off;
	std_cap(off, 0x10, next);
	put16(off + 2, (uint16_t)(version | type << 4));
	put32(off + 0x0c, lanes << 4);
}

static void walk(size_t size)
{
	CHECK_EQ(vw_walk(cfg, size, &L), 0);
	physical_map();
}

/* Length of a lone capability built by the caller at off (std or ext). */
static unsigned len_at(bool ext, unsigned off)
{
	const struct vw_cap *c;

	walk(VW_CFG_SIZE);
	c = find(ext, off);
	CHECK(c != NULL, "no capability at 0x%x", off);
	return c && c->length_known ? c->length : 0;
}

/* ---- QEMU devices ------------------------------------------------------- */

static void test_e1000e(void)
{
	CHECK_EQ(load("tests/data/qemu-e1000e.lspci"), 0);
	CHECK_EQ(L.vendor, 0x8086);
	CHECK_EQ(L.device_id, 0x10d3);
	CHECK_EQ(L.class_code, 0x020000);
	CHECK_EQ(L.header_type, 0);
	CHECK_EQ(L.size, 4096);
	CHECK_EQ(L.ncaps, 6);
	expect_cap(false, 0xc8, 0x01, 8);
	expect_cap(false, 0xd0, 0x05, 14);	/* 64-bit, no masking */
	expect_cap(false, 0xe0, 0x10, 0x14);	/* v1 RCiEP */
	expect_cap(false, 0xa0, 0x11, 12);
	expect_cap(true, 0x100, 0x01, 0x38);	/* endpoint AER */
	expect_cap(true, 0x140, 0x03, 12);
	CHECK_EQ(find(true, 0x100)->version, 2);
	CHECK_EQ(find(true, 0x140)->version, 1);
	CHECK_EQ(P[0x00], VW_CAP_HEADER);
	CHECK_EQ(P[0x3f], VW_CAP_HEADER);
	CHECK_EQ(P[0x40], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0xac], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0xde], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0xf4], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0x138], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0x14c], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0xf00], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0xfff], VW_CAP_UNASSIGNED);
	CHECK_NO_WARNINGS();
}

static void test_igb(void)
{
	CHECK_EQ(load("tests/data/qemu-igb.lspci"), 0);
	CHECK_EQ(L.vendor, 0x8086);
	CHECK_EQ(L.device_id, 0x10c9);
	CHECK_EQ(L.ncaps, 7);
	expect_cap(false, 0x40, 0x01, 8);
	expect_cap(false, 0x50, 0x05, 24);	/* 64-bit, per-vector masking */
	expect_cap(false, 0x70, 0x11, 12);
	expect_cap(false, 0xa0, 0x10, 0x3c);	/* v2 */
	expect_cap(true, 0x100, 0x01, 0x38);
	expect_cap(true, 0x150, 0x0e, 8);
	expect_cap(true, 0x160, 0x10, 64);
	CHECK_EQ(P[0x158], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0x1a0], VW_CAP_UNASSIGNED);
	CHECK_NO_WARNINGS();
}

static void test_nvme(void)
{
	CHECK_EQ(load("tests/data/qemu-nvme.lspci"), 0);
	CHECK_EQ(L.vendor, 0x1b36);
	CHECK_EQ(L.device_id, 0x0010);
	CHECK_EQ(L.class_code, 0x010802);
	CHECK_EQ(L.ncaps, 3);
	expect_cap(false, 0x40, 0x11, 12);
	expect_cap(false, 0x80, 0x10, 0x3c);
	expect_cap(false, 0x60, 0x01, 8);
	for (unsigned b = 0x100; b < VW_CFG_SIZE; b++)
		if (P[b] != VW_CAP_UNASSIGNED) {
			CHECK(0, "capmap[0x%x] = 0x%x in empty extended space", b, P[b]);
			break;
		}
	CHECK_NO_WARNINGS();
}

static void test_vmxnet3(void)
{
	CHECK_EQ(load("tests/data/qemu-vmxnet3.lspci"), 0);
	CHECK_EQ(L.vendor, 0x15ad);
	CHECK_EQ(L.device_id, 0x07b0);
	CHECK_EQ(L.ncaps, 4);
	expect_cap(false, 0x48, 0x10, 0x3c);
	expect_cap(false, 0x9c, 0x11, 12);
	expect_cap(false, 0x84, 0x05, 14);
	expect_cap(true, 0x100, 0x03, 12);
	CHECK_EQ(P[0x10c], VW_CAP_UNASSIGNED);
	CHECK_NO_WARNINGS();
}

/* The same device with 256 and 64 bytes of config space. */
static void test_short_sizes(void)
{
	static uint8_t buf[VW_CFG_SIZE];
	size_t size;
	char bdf[VW_NAME_LEN], err[256];

	CHECK_EQ(vw_cfg_load("tests/data/qemu-e1000e.lspci", NULL, buf, &size, bdf, err, sizeof(err)), 0);
	CHECK_EQ(vw_walk(buf, 256, &L), 0);
	physical_map();
	CHECK_EQ(L.size, 256);
	CHECK_EQ(L.ncaps, 4);
	CHECK(find(true, 0x140) == NULL, "extended capability in 256 bytes");
	CHECK_EQ(P[0x140], VW_CAP_UNASSIGNED);
	CHECK_NO_WARNINGS();

	CHECK_EQ(vw_walk(buf, 64, &L), 0);
	physical_map();
	CHECK_EQ(L.ncaps, 0);
	CHECK_WARNED("past the 64 bytes");
	CHECK_EQ(P[0x3f], VW_CAP_HEADER);
	CHECK_EQ(P[0x40], VW_CAP_UNASSIGNED);

	CHECK_EQ(vw_walk(buf, 63, &L), -EINVAL);
	CHECK_EQ(vw_walk(buf, 4097, &L), -EINVAL);
	CHECK_EQ(vw_walk(NULL, 4096, &L), -EINVAL);
	blank();
	put16(0, 0xffff);
	CHECK_EQ(vw_walk(cfg, 4096, &L), -EINVAL);
	put16(0, 0);
	CHECK_EQ(vw_walk(cfg, 4096, &L), -EINVAL);
}

/* ---- lengths -------------------------------------------------------------- */

static void test_msi_lengths(void)
{
	static const struct { uint16_t ctl; unsigned len; } t[] = {
		{ 0x0000, 10 }, { 0x0080, 14 }, { 0x0100, 20 }, { 0x0180, 24 },
		{ 0x0200, 12 }, { 0x0280, 16 }, { 0x0380, 24 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		blank();
		cfg[0x34] = 0x40;
		std_cap(0x40, 0x05, 0);
		put16(0x42, t[i].ctl);
		CHECK(len_at(false, 0x40) == t[i].len, "MSI ctl %04x: length %u", t[i].ctl, t[i].len);
	}
}

static void test_std_lengths(void)
{
	/* PCIe v1 by port type; v2 always 0x3c */
	blank();
	pcie_at(0x40, 0, 1, 0x4, 1);	/* root port */
	CHECK_EQ(len_at(false, 0x40), 0x24);
	pcie_at(0x40, 0, 1, 0x6, 1);	/* downstream port, no slot */
	CHECK_EQ(len_at(false, 0x40), 0x14);
	put16(0x42, 0x0100 | 0x6 << 4 | 1);	/* slot implemented */
	CHECK_EQ(len_at(false, 0x40), 0x1c);
	pcie_at(0x40, 0, 1, 0x0, 1);
	CHECK_EQ(len_at(false, 0x40), 0x14);
	pcie_at(0x40, 0, 2, 0x9, 0);
	CHECK_EQ(len_at(false, 0x40), 0x3c);

	/* PCI-X: ECC registers from version 1 */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x07, 0);
	CHECK_EQ(len_at(false, 0x40), 8);
	put16(0x42, 0x1000);
	CHECK_EQ(len_at(false, 0x40), 24);

	/* Enhanced Allocation: entries of 1 + Entry Size dwords */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x14, 0);
	cfg[0x42] = 2;
	put32(0x44, 2);		/* entry 0: 2 more dwords */
	put32(0x50, 3);		/* entry 1: 3 more dwords */
	CHECK_EQ(len_at(false, 0x40), 4 + 12 + 16);

	/* Vendor-specific: its own length byte; below 3 it is unknown */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x09, 0);
	cfg[0x42] = 0x18;
	CHECK_EQ(len_at(false, 0x40), 0x18);
	cfg[0x42] = 1;
	CHECK_EQ(len_at(false, 0x40), 0);
	CHECK_EQ(find(false, 0x40)->length, 0xc0);	/* up to 0x100 */
	CHECK_WARNED("length byte");

	/* fixed sizes */
	static const struct { uint8_t id; unsigned len; } fixed[] = {
		{ 0x01, 8 }, { 0x03, 8 }, { 0x04, 4 }, { 0x0d, 8 }, { 0x11, 12 },
		{ 0x12, 8 }, { 0x13, 6 }, { 0x15, 0x24 },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		blank();
		cfg[0x34] = 0x40;
		std_cap(0x40, fixed[i].id, 0);
		CHECK(len_at(false, 0x40) == fixed[i].len, "cap 0x%02x: expected %u",
		      fixed[i].id, fixed[i].len);
	}
}

/* An endpoint (PCIe v2, x4 link at 0x40) with one extended cap at 0x100. */
static void ext_alone(uint16_t id, uint8_t ver)
{
	blank();
	pcie_at(0x40, 0, 2, 0x0, 4);
	ext_cap(0x100, id, ver, 0);
}

static void test_ext_lengths(void)
{
	ext_alone(0x01, 2);
	CHECK_EQ(len_at(true, 0x100), 0x38);
	pcie_at(0x40, 0, 2, 0x4, 4);	/* root port */
	CHECK_EQ(len_at(true, 0x100), 0x48);
	pcie_at(0x40, 0, 2, 0xa, 0);	/* event collector */
	CHECK_EQ(len_at(true, 0x100), 0x48);

	/* VC: one extended VC, then a 32-phase VC arbitration table at 0x30 */
	ext_alone(0x02, 1);
	put32(0x104, 1);
	CHECK_EQ(len_at(true, 0x100), 0x10 + 2 * 0xc);
	put32(0x108, 3u << 24 | 0x02);
	CHECK_EQ(len_at(true, 0x100), 0x30 + 16);
	/* port arbitration table: 128 phases of 4 bits at 0x80 */
	put32(0x104, 1 | 2 << 10);
	put32(0x110, 8u << 24 | 0x08);
	CHECK_EQ(len_at(true, 0x100), 0x80 + 64);

	ext_alone(0x05, 1);
	put32(0x104, 2 << 8);
	CHECK_EQ(len_at(true, 0x100), 0x30);
	ext_alone(0x07, 1);
	CHECK_EQ(len_at(true, 0x100), 8);
	ext_alone(0x07, 2);
	CHECK_EQ(len_at(true, 0x100), 12);

	/* VSEC and DVSEC: length in bits 31:20 at +4 */
	ext_alone(0x0b, 1);
	put32(0x104, 0x04c10040);
	CHECK_EQ(len_at(true, 0x100), 0x4c);
	ext_alone(0x23, 1);
	put32(0x104, 0x0380001e);
	CHECK_EQ(len_at(true, 0x100), 0x38);
	put32(0x104, 0x0040001e);
	CHECK_EQ(len_at(true, 0x100), 0);
	CHECK_WARNED("length field");

	/* ACS: 8, plus the egress control vector when supported */
	ext_alone(0x0d, 1);
	CHECK_EQ(len_at(true, 0x100), 8);
	put16(0x104, 0x20 | 24 << 8);
	CHECK_EQ(len_at(true, 0x100), 12);
	put16(0x104, 0x20 | 40 << 8);
	CHECK_EQ(len_at(true, 0x100), 16);
	put16(0x104, 0x20);	/* 0 means 256 bits */
	CHECK_EQ(len_at(true, 0x100), 40);

	ext_alone(0x12, 1);	/* multicast: endpoints stop before the overlay BAR */
	CHECK_EQ(len_at(true, 0x100), 0x28);
	pcie_at(0x40, 0, 2, 0x6, 4);
	CHECK_EQ(len_at(true, 0x100), 0x30);

	/* Resizable BAR: 4 + 8 per BAR, count in control bits 7:5 */
	ext_alone(0x15, 1);
	put32(0x108, 3 << 5);
	CHECK_EQ(len_at(true, 0x100), 28);
	put32(0x108, 0);
	CHECK_EQ(len_at(true, 0x100), 0);
	CHECK_WARNED("Number of Resizable BARs");
	ext_alone(0x24, 1);
	put32(0x108, 6 << 5);
	CHECK_EQ(len_at(true, 0x100), 52);

	ext_alone(0x16, 1);	/* DPA: substates 0..5, one byte each */
	put32(0x104, 5);
	CHECK_EQ(len_at(true, 0x100), 0x18);

	/* TPH: ST table in the capability when location is 01b */
	ext_alone(0x17, 1);
	put32(0x104, 1 << 9 | 15u << 16);
	CHECK_EQ(len_at(true, 0x100), 12 + 32);
	put32(0x104, 1 << 9 | 2u << 16);	/* 3 entries: 6 bytes, rounded up */
	CHECK_EQ(len_at(true, 0x100), 12 + 8);
	put32(0x104, 2 << 9 | 15u << 16);	/* in the MSI-X table */
	CHECK_EQ(len_at(true, 0x100), 12);

	/* per-lane registers: link width x4 from the PCIe capability */
	ext_alone(0x19, 1);
	CHECK_EQ(len_at(true, 0x100), 0x0c + 8);
	ext_alone(0x26, 1);
	CHECK_EQ(len_at(true, 0x100), 0x24);
	ext_alone(0x2a, 1);
	CHECK_EQ(len_at(true, 0x100), 0x24);
	ext_alone(0x27, 1);
	CHECK_EQ(len_at(true, 0x100), 0x18);
	pcie_at(0x40, 0, 2, 0x9, 0);	/* x0: no per-lane registers */
	CHECK_EQ(len_at(true, 0x100), 0x08);
	blank();			/* no PCIe capability: unknown */
	ext_cap(0x100, 0x19, 1, 0x200);
	ext_cap(0x200, 0x03, 1, 0);
	CHECK_EQ(len_at(true, 0x100), 0);
	CHECK_EQ(find(true, 0x100)->length, 0x100);
	CHECK_WARNED("link width");

	ext_alone(0x1a, 1);	/* PMUX: 4 bytes per protocol */
	put32(0x104, 3);
	CHECK_EQ(len_at(true, 0x100), 0x1c);

	/* DPC: RP extensions add RP PIO registers and a log */
	ext_alone(0x1d, 1);
	CHECK_EQ(len_at(true, 0x100), 0x0c);
	put16(0x104, 0x20 | 9 << 8);
	CHECK_EQ(len_at(true, 0x100), 0x44);

	/* IDE: 1 link stream (8), 2 selective streams (20 + 12 * blocks) */
	ext_alone(0x30, 1);
	put32(0x104, 0x3 | 1u << 16);
	put32(0x10c + 8, 1);	/* first selective stream: 1 address block */
	CHECK_EQ(len_at(true, 0x100), 0x0c + 8 + 32 + 20);

	ext_alone(0x36, 1);	/* MMIO register block locator */
	put32(0x104, 0x18);
	CHECK_EQ(len_at(true, 0x100), 0x18);

	static const struct { uint16_t id; unsigned len; } fixed[] = {
		{ 0x03, 12 }, { 0x04, 16 }, { 0x0e, 8 }, { 0x0f, 8 }, { 0x10, 64 },
		{ 0x13, 16 }, { 0x18, 8 }, { 0x1b, 8 }, { 0x1e, 16 }, { 0x1f, 12 },
		{ 0x25, 12 }, { 0x29, 16 }, { 0x2e, 0x18 },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		ext_alone(fixed[i].id, 1);
		CHECK(len_at(true, 0x100) == fixed[i].len, "ext 0x%02x: expected %u",
		      fixed[i].id, fixed[i].len);
	}
}

/* Unknown lengths reach the next capability or the end of their space. */
static void test_unknown_lengths(void)
{
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x08, 0x80);	/* HyperTransport: no fixed size */
	std_cap(0x80, 0x01, 0);
	ext_cap(0x100, 0x11, 1, 0x180);	/* MR-IOV */
	ext_cap(0x180, 0x03, 1, 0x400);
	ext_cap(0x400, 0x33, 1, 0);	/* last: up to the end */
	walk(VW_CFG_SIZE);
	CHECK_EQ(find(false, 0x40)->length, 0x40);
	CHECK_EQ(find(false, 0x40)->length_known, 0);
	CHECK_EQ(find(true, 0x100)->length, 0x80);
	CHECK_EQ(find(true, 0x400)->length, 0xc00);
	CHECK_EQ(P[0xfff], 0x33);
	CHECK_WARNED("HyperTransport (0x08) at 0x040: length unknown");
	CHECK_WARNED("up to 0x180");
}

/* ---- malformed chains ---------------------------------------------------- */

static void test_std_malformed(void)
{
	/* loop: 0x40 -> 0x50 -> 0x40 */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x01, 0x50);
	std_cap(0x50, 0x11, 0x40);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 2);
	CHECK_WARNED("loops at 0x40");

	/* self loop */
	std_cap(0x40, 0x01, 0x40);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("loops");

	/* next pointer into the header */
	std_cap(0x40, 0x01, 0x20);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("into the header (0x20)");

	/* list pointer into the header */
	cfg[0x34] = 0x10;
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 0);
	CHECK_WARNED("pointer at 0x34 points into the header");

	/* low two bits of pointers are reserved */
	cfg[0x34] = 0x43;
	std_cap(0x40, 0x01, 0x53);
	std_cap(0x50, 0x11, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 2);
	CHECK(find(false, 0x50) != NULL, "masked pointer not followed");

	/* backwards but not looping: legal */
	blank();
	cfg[0x34] = 0x80;
	std_cap(0x80, 0x01, 0x40);
	std_cap(0x40, 0x11, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 2);
	CHECK_NO_WARNINGS();

	/* pointer past the end of a 128-byte buffer */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x01, 0xc0);
	walk(128);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("past the 128 bytes");

	/* capability running off the end of standard space */
	blank();
	cfg[0x34] = 0xf0;
	std_cap(0xf0, 0x09, 0);
	cfg[0xf2] = 0x40;
	walk(VW_CFG_SIZE);
	CHECK_EQ(find(false, 0xf0)->length, 0x10);
	CHECK_EQ(P[0xff], 0x09);
	CHECK_EQ(P[0x100], VW_CAP_UNASSIGNED);
	CHECK_WARNED("run past 0x100; clamped");

	/* Status says no list: 0x34 is ignored */
	blank();
	put16(0x06, 0);
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x01, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 0);
	CHECK_NO_WARNINGS();

	/* CardBus bridges keep the list pointer at 0x14 */
	blank();
	cfg[0x0e] = 0x02;
	cfg[0x14] = 0x80;
	std_cap(0x80, 0x01, 0);
	walk(VW_STD_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_EQ(L.header_type, 2);
}

static void test_ext_malformed(void)
{
	/* loop: 0x100 -> 0x200 -> 0x100 */
	blank();
	ext_cap(0x100, 0x01, 1, 0x200);
	ext_cap(0x200, 0x03, 1, 0x100);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 2);
	CHECK_WARNED("loops at 0x100 (from 0x200)");

	/* self loop */
	ext_cap(0x100, 0x03, 1, 0x100);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("loops");

	/* next pointer below 0x100 (into standard space / the header) */
	blank();
	ext_cap(0x100, 0x03, 1, 0x040);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("below 0x100");

	/* backwards without a loop is legal (PLX switches do it) */
	blank();
	ext_cap(0x100, 0x03, 1, 0x800);
	ext_cap(0x800, 0x01, 1, 0x200);
	ext_cap(0x200, 0x18, 1, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 3);
	CHECK_NO_WARNINGS();

	/* running off the end of config space */
	blank();
	ext_cap(0x100, 0x03, 1, 0xff0);
	ext_cap(0xff0, 0x0b, 1, 0);
	put32(0xff4, 0x04000001);	/* VSEC length 0x40 */
	walk(VW_CFG_SIZE);
	CHECK_EQ(find(true, 0xff0)->length, 0x10);
	CHECK_EQ(P[0xfff], 0x0b);
	CHECK_WARNED("run past 0x1000; clamped");

	/* 0xffffffff at 0x100: extended space not readable */
	blank();
	put32(0x100, 0xffffffff);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 0);
	CHECK_WARNED("all ones");

	/* 0 at 0x100: no extended capabilities, nothing wrong */
	blank();
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 0);
	CHECK_NO_WARNINGS();

	/* a next pointer to an empty dword */
	blank();
	ext_cap(0x100, 0x03, 1, 0x400);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("at 0x400 (from 0x100) reads as 00000000");

	/* the header mirrored at 0x100 (8-bit decoding host bridges) */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x01, 0);
	memcpy(cfg + 0x100, cfg, 0x100);
	put16(0x104, 0x0406);	/* Command differs: still a mirror */
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_WARNED("mirrors the header");
	CHECK_EQ(P[0x100], VW_CAP_UNASSIGNED);

	/* a Null capability chains on without being mapped */
	blank();
	ext_cap(0x100, 0x0000, 0, 0x200);
	ext_cap(0x200, 0x03, 1, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 1);
	CHECK_EQ(P[0x100], VW_CAP_UNASSIGNED);
	CHECK_EQ(P[0x200], 0x03);

	/* extended space is only walked with 4096 bytes */
	blank();
	ext_cap(0x100, 0x03, 1, 0);
	walk(VW_STD_CFG_SIZE);
	CHECK_EQ(L.ncaps, 0);
}

static void test_overlap_and_odd_ids(void)
{
	/* VSEC 0x100..0x13f overlaps DSN at 0x120: warn, first one owns */
	blank();
	ext_cap(0x100, 0x0b, 1, 0x120);
	put32(0x104, 0x04000001);
	ext_cap(0x120, 0x03, 1, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 2);
	CHECK_WARNED("overlap");
	CHECK_EQ(P[0x120], 0x0b);
	CHECK_EQ(P[0x140], VW_CAP_UNASSIGNED);

	/* IDs that do not fit a map byte, and standard ID 0 */
	blank();
	cfg[0x34] = 0x40;
	std_cap(0x40, 0x00, 0x50);
	std_cap(0x50, 0xff, 0);
	ext_cap(0x100, 0x1234, 1, 0x200);
	ext_cap(0x200, 0x00fe, 1, 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 4);
	CHECK_EQ(P[0x40], VW_CAP_MAP_OTHER);
	CHECK_EQ(P[0x50], VW_CAP_MAP_OTHER);
	CHECK_EQ(P[0x100], VW_CAP_MAP_OTHER);
	CHECK_EQ(P[0x200], VW_CAP_MAP_OTHER);
	CHECK_EQ(find(true, 0x100)->id, 0x1234);
	CHECK_EQ(vw_cap_map_byte(0x0103), VW_CAP_MAP_OTHER);
	CHECK_EQ(vw_cap_map_byte(0x10), 0x10);
}

static void test_limits(void)
{
	/* more capabilities than caps[] holds */
	blank();
	for (unsigned i = 0; i < 100; i++)
		ext_cap(0x100 + 0x20 * i, 0x18, 1, i < 99 ? 0x100 + 0x20 * (i + 1) : 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, VW_MAX_CAPS);
	CHECK_WARNED("more than 96 capabilities");

	/* more warnings than warnings[] holds */
	blank();
	for (unsigned i = 0; i < 30; i++)
		ext_cap(0x100 + 0x20 * i, 0x11, 1, i < 29 ? 0x100 + 0x20 * (i + 1) : 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 30);
	CHECK_EQ(L.nwarnings, VW_MAX_WARNINGS);
	CHECK_STR(L.warnings[VW_MAX_WARNINGS - 1], "too many warnings; the rest are not shown");

	/* the longest possible standard list: 48 capabilities, every dword */
	blank();
	cfg[0x34] = 0x40;
	for (unsigned p = 0x40; p < 0x100; p += 4)
		std_cap(p, 0x0a, p + 4 < 0x100 ? (uint8_t)(p + 4) : 0);
	walk(VW_CFG_SIZE);
	CHECK_EQ(L.ncaps, 48);
	CHECK_NO_WARNINGS();
}

/* ---- names ---------------------------------------------------------------- */

static void test_names(void)
{
	bool ext;
	uint16_t id;

	CHECK_STR(vw_cap_name(false, 0x01), "Power Management");
	CHECK_STR(vw_cap_name(false, 0x11), "MSI-X");
	CHECK_STR(vw_cap_name(true, 0x03), "Device Serial Number");
	CHECK_STR(vw_cap_name(true, 0x17), "Transaction Processing Hints");
	CHECK_STR(vw_cap_name(false, 0x99), "Unknown");
	CHECK_STR(vw_cap_name(true, 0x999), "Unknown");
	for (uint16_t i = 0x01; i <= 0x15; i++)
		CHECK(strcmp(vw_cap_name(false, i), "Unknown"), "std 0x%02x unnamed", i);
	for (uint16_t i = 0x01; i <= 0x34; i++)
		CHECK(strcmp(vw_cap_name(true, i), "Unknown"), "ext 0x%02x unnamed", i);

	CHECK_STR(vw_cap_short_name(false, 0x10), "pcie");
	CHECK_STR(vw_cap_short_name(true, 0x03), "dsn");
	CHECK_STR(vw_cap_short_name(true, 0x17), "tph");
	CHECK(vw_cap_short_name(true, 0x999) == NULL, "short name for 0x999");

	/* short names are unique across both spaces and look themselves up */
	for (int e = 0; e < 2; e++)
		for (uint16_t i = 0; i < 0x100; i++) {
			const char *s = vw_cap_short_name(e, i);

			if (!s)
				continue;
			CHECK(vw_cap_lookup(s, &ext, &id) == 0 && ext == e && id == i,
			      "\"%s\" looks up as %s 0x%x, expected %s 0x%x", s,
			      ext ? "ext" : "cap", id, e ? "ext" : "cap", i);
		}

	CHECK(vw_cap_lookup("cap:0x05", &ext, &id) == 0 && !ext && id == 5, "cap:0x05");
	CHECK(vw_cap_lookup("ext:0x0003", &ext, &id) == 0 && ext && id == 3, "ext:0x0003");
	CHECK(vw_cap_lookup("ext:23", &ext, &id) == 0 && ext && id == 23, "ext:23");
	CHECK(vw_cap_lookup("cap:16", &ext, &id) == 0 && !ext && id == 16, "cap:16");
	CHECK(vw_cap_lookup("ext:0xffff", &ext, &id) == 0 && ext && id == 0xffff, "ext:0xffff");
	CHECK(vw_cap_lookup("DSN", &ext, &id) == 0 && ext && id == 3, "DSN");
	CHECK_EQ(vw_cap_lookup("cap:256", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup("ext:0x10000", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup("cap:", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup("cap:-1", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup("cap:0x5z", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup("nonsense", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup("", &ext, &id), -ENOENT);
	CHECK_EQ(vw_cap_lookup(NULL, &ext, &id), -ENOENT);
}

int main(void)
{
	test_e1000e();
	test_igb();
	test_nvme();
	test_vmxnet3();
	test_short_sizes();
	test_msi_lengths();
	test_std_lengths();
	test_ext_lengths();
	test_unknown_lengths();
	test_std_malformed();
	test_ext_malformed();
	test_overlap_and_odd_ids();
	test_limits();
	test_names();
	return vw_test_done();
}
