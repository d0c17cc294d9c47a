// SPDX-License-Identifier: GPL-2.0
/*
 * Config-space walker: the standard capability list from 0x34 and the
 * extended list from 0x100, each capability sized as the PCIe 6 base spec
 * lays it out, then a per-byte region map in vfio-pci's pci_config_map
 * encoding.
 *
 * The input is whatever a device (or a dump of one) returned, so nothing in
 * it is trusted: every read is bounds-checked (out-of-range reads as 0),
 * every chain is walked with a visited set, and anything malformed ends that
 * chain with a warning instead of an error. A layout is always produced.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/pci_regs.h>
#include "layout.h"
#include "vw_uapi_check.h"	/* include/ copies vs the uAPI headers */
#include "vfiorules.h"

#define STD_CAP_START	PCI_STD_HEADER_SIZEOF	/* first byte after the type 0/1 header */
#define EXT_CAP_START	PCI_CFG_SPACE_SIZE

/* PCI Express capability: Device/Port Type (Capabilities register 7:4) */
#define PCIE_TYPE_ENDPOINT	PCI_EXP_TYPE_ENDPOINT
#define PCIE_TYPE_LEG_END	PCI_EXP_TYPE_LEG_END
#define PCIE_TYPE_ROOT_PORT	PCI_EXP_TYPE_ROOT_PORT
#define PCIE_TYPE_DOWNSTREAM	PCI_EXP_TYPE_DOWNSTREAM
#define PCIE_TYPE_RC_END	PCI_EXP_TYPE_RC_END
#define PCIE_TYPE_RC_EC		PCI_EXP_TYPE_RC_EC

struct walk {
	const uint8_t *cfg;
	size_t size;
	struct vw_layout *l;
	unsigned pcie;		/* offset of the PCI Express capability, 0: none */
	bool full;		/* caps[] is full: stop walking */
	const char *why[VW_MAX_CAPS];	/* why a length is unknown, if known */
};

static void warn(struct vw_layout *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct vw_layout *l, const char *fmt, ...)
{
	va_list ap;

	if (l->nwarnings >= VW_MAX_WARNINGS)
		return;
	if (l->nwarnings == VW_MAX_WARNINGS - 1) {
		snprintf(l->warnings[l->nwarnings++], sizeof(l->warnings[0]),
			 "too many warnings; the rest are not shown");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(l->warnings[l->nwarnings++], sizeof(l->warnings[0]), fmt, ap);
	va_end(ap);
}

/* Little-endian read of n (1, 2 or 4) bytes; bytes outside the buffer read 0. */
static uint32_t rd(const struct walk *w, unsigned off, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		if ((size_t)off + i < w->size)
			v |= (uint32_t)w->cfg[off + i] << (8 * i);
	return v;
}

#define rd8(w, off)  ((uint8_t)rd(w, off, 1))
#define rd16(w, off) ((uint16_t)rd(w, off, 2))
#define rd32(w, off) rd(w, off, 4)

static unsigned align4(unsigned n)
{
	return (n + 3) & ~3u;
}

static unsigned umax(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

static unsigned pcie_type(const struct walk *w)
{
	return w->pcie ? (rd16(w, w->pcie + 2) >> 4) & 0xf : PCIE_TYPE_ENDPOINT;
}

/* Bytes a capability may occupy: standard ones live below 0x100. */
static unsigned space_end(const struct walk *w, bool extended)
{
	if (extended || w->size < VW_STD_CFG_SIZE)
		return (unsigned)w->size;
	return VW_STD_CFG_SIZE;
}

/*
 * Maximum Link Width from the PCIe capability, for per-lane registers; -1
 * without one. Width x0 (RCiEPs have no link) means no per-lane registers.
 */
static int link_width(struct walk *w, int ci)
{
	if (!w->pcie) {
		w->why[ci] = "no PCI Express capability gives the link width";
		return -1;
	}
	return (rd32(w, w->pcie + 0x0c) >> 4) & 0x3f;
}

/* ---- standard capabilities ------------------------------------------ */

/* 10/14 bytes (32/64-bit address), 20/24 with per-vector masking; the
 * Extended Message Data register adds 2 when there is no mask. */
static unsigned msi_len(const struct walk *w, unsigned off)
{
	uint16_t ctl = rd16(w, off + 2);
	bool is64 = ctl & 0x0080, mask = ctl & 0x0100, ext_data = ctl & 0x0200;

	if (mask)
		return is64 ? 24 : 20;
	return (is64 ? 14 : 10) + (ext_data ? 2 : 0);
}

/* ECC registers exist from capability version 1 on. */
static unsigned pcix_len(const struct walk *w, unsigned off)
{
	if (w->l->header_type == 1)	/* bridge: version in Secondary Status */
		return (rd16(w, off + 2) >> 12) & 3 ? 32 : 16;
	return (rd16(w, off + 2) >> 12) & 3 ? 24 : 8;
}

/* A length field that cannot be below min: 0 (unknown length) with why, when it is. */
static unsigned at_least(struct walk *w, int ci, unsigned len, unsigned min, const char *why)
{
	if (len < min) {
		w->why[ci] = why;
		return 0;
	}
	return len;
}

static unsigned vendor_len(struct walk *w, int ci, unsigned off)
{
	return at_least(w, ci, rd8(w, off + 2), 3, "its length byte is below 3");
}

/*
 * Version 2 and later: 0x3c, every register present (RsvdZ where a function
 * has no link, slot or root). Version 1 stops after the last register group
 * the port type has: link for everyone (QEMU's v1 RCiEPs implement it too),
 * slot for downstream ports with a slot, root control/status for root ports
 * and event collectors.
 */
static unsigned pcie_len(const struct walk *w, unsigned off)
{
	uint16_t flags = rd16(w, off + 2);
	unsigned type = (flags >> 4) & 0xf;

	if ((flags & 0xf) >= 2)
		return 0x3c;
	if (type == PCIE_TYPE_ROOT_PORT || type == PCIE_TYPE_RC_EC)
		return 0x24;
	if (type == PCIE_TYPE_DOWNSTREAM && (flags & 0x0100))
		return 0x1c;
	return 0x14;
}

/* Header, a bus-number dword on bridges, then entries of 1 + Entry Size dwords. */
static unsigned ea_len(const struct walk *w, unsigned off)
{
	unsigned n = rd8(w, off + 2) & 0x3f;
	unsigned pos = off + 4 + (w->l->header_type == 1 ? 4 : 0);

	for (unsigned i = 0; i < n && pos < VW_STD_CFG_SIZE; i++)
		pos += 4 + 4 * (rd32(w, pos) & 7);
	return pos - off;
}

static unsigned std_cap_len(struct walk *w, int ci, uint16_t id, unsigned off)
{
	switch (id) {
	case 0x05: return msi_len(w, off);
	case 0x07: return pcix_len(w, off);
	case 0x09: return vendor_len(w, ci, off);
	case 0x10: return pcie_len(w, off);
	case 0x14: return ea_len(w, off);
	default:   return vw_cap_fixed_length(false, id);
	}
}

/* ---- extended capabilities ------------------------------------------ */

/* Root ports and event collectors add Root Error Command/Status/Source ID. */
static unsigned aer_len(const struct walk *w)
{
	unsigned t = pcie_type(w);

	return t == PCIE_TYPE_ROOT_PORT || t == PCIE_TYPE_RC_EC ? 0x48 : 0x38;
}

/* Phases of the widest arbitration scheme a capability field offers. */
static unsigned arb_phases(unsigned cap_bits)
{
	if (cap_bits & 0x20)
		return 256;
	if (cap_bits & 0x18)
		return 128;
	if (cap_bits & 0x04)
		return 64;
	if (cap_bits & 0x02)
		return 32;
	return 0;	/* hardware-fixed only: no table */
}

/*
 * VC, VC9 and MFVC: 0x10 of port registers, 0xc per VC resource (1 +
 * Extended VC Count), a VC arbitration table of 4 bits per phase and, per
 * VC, a port (MFVC: function) arbitration table of phases * entry size bits,
 * each table at an offset given in 16-byte units.
 */
static unsigned vc_len(const struct walk *w, unsigned off)
{
	uint32_t cap1 = rd32(w, off + 4), cap2 = rd32(w, off + 8);
	unsigned nvc = (cap1 & 7) + 1, entry_bits = 1u << ((cap1 >> 10) & 3);
	unsigned len = 0x10 + 0xc * nvc, tab = (cap2 >> 24) * 16;
	unsigned phases = arb_phases(cap2 & 0x0e);

	if (tab && phases)
		len = umax(len, tab + phases / 2);
	for (unsigned i = 0; i < nvc; i++) {
		uint32_t res = rd32(w, off + 0x10 + 0xc * i);

		tab = (res >> 24) * 16;
		phases = arb_phases(res & 0x3e);
		if (tab && phases)
			len = umax(len, tab + phases * entry_bits / 8);
	}
	return len;
}

static unsigned rclink_len(const struct walk *w, unsigned off)
{
	return 0x10 + 0x10 * ((rd32(w, off + 4) >> 8) & 0xff);
}

/* Version 2 added the Associated Bus Numbers register. */
static unsigned rcec_len(uint8_t version)
{
	return version >= 2 ? 12 : 8;
}

/* An Egress Control Vector follows when P2P Egress Control is supported. */
static unsigned acs_len(const struct walk *w, unsigned off)
{
	uint16_t cap = rd16(w, off + 4);
	unsigned bits;

	if (!(cap & 0x20))
		return 8;
	bits = (cap >> 8) & 0xff;	/* 0 encodes 256 */
	if (!bits)
		bits = 256;
	return 8 + 4 * ((bits + 31) / 32);
}

/* Root and switch ports add the 8-byte MC_Overlay_BAR. */
static unsigned mcast_len(const struct walk *w)
{
	unsigned t = pcie_type(w);

	if (t == PCIE_TYPE_ENDPOINT || t == PCIE_TYPE_LEG_END || t == PCIE_TYPE_RC_END)
		return 0x28;
	return 0x30;
}

/* Number of Resizable BARs sits in the first control register, bits 7:5. */
static unsigned rebar_len(struct walk *w, int ci, unsigned off)
{
	unsigned n = (rd32(w, off + 8) >> 5) & 7;

	if (n < 1 || n > 6) {
		w->why[ci] = "its Number of Resizable BARs field is out of range";
		return 0;
	}
	return 4 + 8 * n;
}

/* One Power Allocation byte per substate, 0..Substate_Max. */
static unsigned dpa_len(const struct walk *w, unsigned off)
{
	return 0x10 + align4((rd32(w, off + 4) & 0x1f) + 1);
}

/* A Steering Tag table follows when ST Table Location is 01b. */
static unsigned tph_len(const struct walk *w, unsigned off)
{
	uint32_t cap = rd32(w, off + 4);

	if (((cap >> 9) & 3) != 1)
		return 12;
	return 12 + align4((((cap >> 16) & 0x7ff) + 1) * 2);
}

/* Lane Equalization Control: 16 bits per lane. */
static unsigned secpci_len(struct walk *w, int ci)
{
	int lanes = link_width(w, ci);

	return lanes < 0 ? 0 : 0x0c + align4(2 * (unsigned)lanes);
}

/* 16/32/64 GT/s: 8 dwords, then an 8-bit equalization control per lane. */
static unsigned phy_len(struct walk *w, int ci)
{
	int lanes = link_width(w, ci);

	return lanes < 0 ? 0 : 0x20 + align4((unsigned)lanes);
}

/* Lane margining: control and status, 16 bits each, per lane. */
static unsigned lmr_len(struct walk *w, int ci)
{
	int lanes = link_width(w, ci);

	return lanes < 0 ? 0 : 0x08 + 4 * (unsigned)lanes;
}

static unsigned pmux_len(const struct walk *w, unsigned off)
{
	return 0x10 + 4 * (rd32(w, off + 4) & 0x3f);
}

/*
 * Root ports with RP Extensions: RP PIO registers from 0x0c, then a log of
 * RP PIO Log Size dwords (header log, ImpSpec log, TLP prefix log) at 0x20.
 */
static unsigned dpc_len(const struct walk *w, unsigned off)
{
	uint16_t cap = rd16(w, off + 4);
	unsigned log;

	if (!(cap & 0x20))
		return 0x0c;
	log = ((cap >> 8) & 0xf) | (((cap >> 12) & 1) << 4);
	return 0x20 + 4 * umax(log, 4);
}

/* VSEC and DVSEC: length (whole structure) in bits 31:20 of the dword at +4. */
static unsigned vsec_len(struct walk *w, int ci, unsigned off)
{
	return at_least(w, ci, rd32(w, off + 4) >> 20, 8, "its length field is below 8");
}

/*
 * IDE: 0x0c of header, capability and control; 8 bytes per Link IDE stream
 * (traffic classes); per Selective IDE stream 20 bytes plus 12 per address
 * association block.
 */
static unsigned ide_len(const struct walk *w, unsigned off)
{
	uint32_t cap = rd32(w, off + 4);
	unsigned pos = off + 0x0c, nsel;

	if (cap & 1)
		pos += 8 * (((cap >> 13) & 7) + 1);
	nsel = cap & 2 ? ((cap >> 16) & 0xff) + 1 : 0;
	for (unsigned i = 0; i < nsel && pos < w->size; i++)
		pos += 20 + 12 * (rd32(w, pos) & 0xf);
	return pos - off;
}

/* MMIO Register Block Locator: structure length in bits 11:0 at +4. */
static unsigned mrbl_len(struct walk *w, int ci, unsigned off)
{
	unsigned len = rd32(w, off + 4) & 0xfff;

	if (len < 8) {
		w->why[ci] = "its structure length is below 8";
		return 0;
	}
	return len;
}

static unsigned ext_cap_len(struct walk *w, int ci, uint16_t id, uint8_t ver,
			    unsigned off)
{
	switch (id) {
	case 0x01: return aer_len(w);
	case 0x02:
	case 0x08:
	case 0x09: return vc_len(w, off);
	case 0x05: return rclink_len(w, off);
	case 0x07: return rcec_len(ver);
	case 0x0b:
	case 0x23: return vsec_len(w, ci, off);
	case 0x0d: return acs_len(w, off);
	case 0x12: return mcast_len(w);
	case 0x15:
	case 0x24: return rebar_len(w, ci, off);
	case 0x16: return dpa_len(w, off);
	case 0x17: return tph_len(w, off);
	case 0x19: return secpci_len(w, ci);
	case 0x1a: return pmux_len(w, off);
	case 0x1d: return dpc_len(w, off);
	case 0x26:
	case 0x2a:
	case 0x31: return phy_len(w, ci);
	case 0x27: return lmr_len(w, ci);
	case 0x30: return ide_len(w, off);
	case 0x36: return mrbl_len(w, ci, off);
	default:   return vw_cap_fixed_length(true, id);
	}
}

/* ---- chains ---------------------------------------------------------- */

static const char *space_name(bool extended)
{
	return extended ? "extended" : "standard";
}

/* Record a capability; returns false when caps[] is full. */
static bool add_cap(struct walk *w, bool extended, uint16_t id, uint8_t version,
		    unsigned off)
{
	struct vw_layout *l = w->l;
	struct vw_cap *c;
	unsigned len, end = space_end(w, extended);
	int ci = l->ncaps;

	if (ci >= VW_MAX_CAPS) {
		warn(l, "more than %d capabilities; the rest are not mapped", VW_MAX_CAPS);
		w->full = true;
		return false;
	}
	len = extended ? ext_cap_len(w, ci, id, version, off)
		       : std_cap_len(w, ci, id, off);
	c = &l->caps[l->ncaps++];
	c->offset = (uint16_t)off;
	c->id = id;
	c->extended = extended;
	c->version = version;
	c->length_known = len != 0;
	if (len && off + len > end) {
		warn(l, "%s capability %s at 0x%03x: 0x%x bytes run past 0x%03x; clamped",
		     space_name(extended), vw_cap_name(extended, id), off, len, end);
		len = end - off;
	}
	c->length = (uint16_t)len;
	return true;
}

/* Capability list pointer: 0x34, or 0x14 in a CardBus (type 2) header. */
static unsigned std_list_pointer(const struct walk *w)
{
	return w->l->header_type == 2 ? PCI_CB_CAPABILITY_LIST : PCI_CAPABILITY_LIST;
}

static void walk_std(struct walk *w)
{
	struct vw_layout *l = w->l;
	uint8_t seen[VW_STD_CFG_SIZE / 8] = { 0 };
	unsigned from = std_list_pointer(w), pos;

	if (!(rd16(w, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	pos = rd8(w, from) & ~3u;
	/* Every pass marks a new dword below 0x100, so this ends. */
	while (pos) {
		uint8_t id;

		if (pos < STD_CAP_START) {
			warn(l, "standard capability pointer at 0x%02x points into the header (0x%02x); list ends",
			     from, pos);
			return;
		}
		if (pos + 2 > w->size) {
			warn(l, "standard capability pointer at 0x%02x points past the %zu bytes of config space (0x%02x); list ends",
			     from, w->size, pos);
			return;
		}
		if (seen[pos / 8] & (1u << (pos % 8))) {
			warn(l, "standard capability list loops at 0x%02x (pointer at 0x%02x); list ends",
			     pos, from);
			return;
		}
		seen[pos / 8] |= 1u << (pos % 8);
		id = rd8(w, pos);
		if (!add_cap(w, false, id, 0, pos))
			return;
		if (id == 0x10 && !w->pcie)
			w->pcie = pos;
		from = pos + 1;
		pos = rd8(w, from) & ~3u;
	}
}

/*
 * Some host bridges decode only 8 address bits, so 0x100.. reads the header
 * again and the "extended capability" at 0x100 is the vendor/device ID.
 * Command and Status are left out: a live device may change them between
 * the two reads.
 */
static bool ext_mirrors_header(const struct walk *w)
{
	const uint8_t *e = w->cfg + EXT_CAP_START;

	return !memcmp(e, w->cfg, 4) &&
	       !memcmp(e + 8, w->cfg + 8, VW_HEADER_SIZE - 8);
}

static bool ext_space_present(struct walk *w)
{
	uint32_t hdr;

	if (w->size < VW_CFG_SIZE)
		return false;
	if (ext_mirrors_header(w)) {
		warn(w->l, "config space at 0x100 mirrors the header (8-bit decode); no extended capabilities");
		return false;
	}
	hdr = rd32(w, EXT_CAP_START);
	if (hdr == 0xffffffff)
		warn(w->l, "extended config space reads as all ones; no extended capabilities");
	return hdr != 0 && hdr != 0xffffffff;
}

static void walk_ext(struct walk *w)
{
	struct vw_layout *l = w->l;
	uint8_t seen[VW_CFG_SIZE / 4 / 8] = { 0 };
	unsigned pos = EXT_CAP_START, from = 0;

	if (w->full || !ext_space_present(w))
		return;
	/* Every pass marks a new dword, so this ends. */
	for (;;) {
		uint32_t hdr;
		unsigned next;

		if (seen[pos / 32] & (1u << (pos / 4 % 8))) {
			warn(l, "extended capability list loops at 0x%03x (from 0x%03x); list ends",
			     pos, from);
			return;
		}
		seen[pos / 32] |= 1u << (pos / 4 % 8);
		hdr = rd32(w, pos);
		if (hdr == 0 || hdr == 0xffffffff) {
			warn(l, "extended capability at 0x%03x (from 0x%03x) reads as %08x; list ends",
			     pos, from, hdr);
			return;
		}
		/* ID 0 is the Null capability: nothing to map, but it may chain on. */
		if ((hdr & 0xffff) &&
		    !add_cap(w, true, hdr & 0xffff, (hdr >> 16) & 0xf, pos))
			return;
		next = (hdr >> 20) & 0xffc;
		if (!next)
			return;
		if (next < EXT_CAP_START) {
			warn(l, "extended capability at 0x%03x: next pointer 0x%03x is below 0x100; list ends",
			     pos, next);
			return;
		}
		if (next + 4 > w->size) {
			warn(l, "extended capability at 0x%03x: next pointer 0x%03x is past the end; list ends",
			     pos, next);
			return;
		}
		from = pos;
		pos = next;
	}
}

/* ---- vfio-pci: what the guest sees (vfio_cap_len, vfio_ext_cap_len) ---- */

/* Whether vfio-pci walks the extended list: its PCIe (or PCI-X 2.0) length reader says so. */
static bool vfio_ext_walked(const struct walk *w, const struct vw_vfio_rules *r)
{
	bool via = false;

	for (int i = 0; i < w->l->ncaps; i++) {
		const struct vw_cap *c = &w->l->caps[i];

		if (!c->extended && ((c->id == 0x10 && r->std_len[0x10] == 0xff) ||
				     (c->id == 0x07 && r->std_len[0x07] == 0xff && (rd16(w, c->offset + 2) >> 12) & 3)))
			via = true;
	}
	return via && w->size > VW_STD_CFG_SIZE && rd32(w, EXT_CAP_START) != 0;
}

static unsigned vfio_std_len(const struct walk *w, const struct vw_vfio_rules *r, uint16_t id, unsigned pos)
{
	uint16_t f = rd16(w, pos + 2), pcie = rd16(w, w->pcie + 2);
	bool rcie = ((pcie >> 4) & 0xf) == PCIE_TYPE_RC_END;

	if (!id || id > r->std_max || id >= sizeof(r->std_len))
		return 0;	/* ID 0 clashes with vfio-pci's own "header" ID */
	if (r->std_len[id] != 0xff)
		return r->std_len[id];
	switch (id) {
	case 0x05: return 10 + (f & 0x0080 ? 4 : 0) + (f & 0x0100 ? 10 : 0);
	case 0x07: return (f >> 12) & 3 ? 24 : 8;
	case 0x08: return rd8(w, pos + 3) & 0xe0 ? 24 : 28;
	case 0x09: return rd8(w, pos + 2);
	case 0x10: return (pcie & 0xf) == 1 ? (rcie ? 0x0c : 0x14) : (rcie ? 0x2c : r->pcie_v2_len);
	case 0x12: return (rd8(w, pos + 4) & 0xf) == 0xf ? 16 : 8;
	}
	return 0;
}

/* vfio_vc_cap_len: port arbitration tables are never the guest's, so not counted. */
static unsigned vfio_vc_len(const struct walk *w, unsigned pos)
{
	uint32_t cap2 = rd32(w, pos + 8);
	unsigned len = 0x10 + 0x0c * (1 + (rd32(w, pos + 4) & 7));
	unsigned phases = cap2 & 8 ? 128 : cap2 & 4 ? 64 : cap2 & 2 ? 32 : 0;

	return phases ? ((len + 15) & ~15u) + phases / 2 : len;
}

static unsigned vfio_ext_len(const struct walk *w, const struct vw_vfio_rules *r, uint16_t id, unsigned pos)
{
	uint32_t d = rd32(w, pos + 4);
	unsigned bits;

	if (id > r->ext_max || id >= sizeof(r->ext_len) / sizeof(r->ext_len[0]))
		return 0;
	if (r->ext_len[id] != 0xff)
		return r->ext_len[id];
	switch (id) {
	case 0x0b:
	case 0x23: return d >> 20;	/* VSEC, DVSEC */
	case 0x02:
	case 0x08:
	case 0x09: return vfio_vc_len(w, pos);
	case 0x0d:
		bits = rd8(w, pos + 5) ? (rd8(w, pos + 5) + 31u) & ~31u : 256;
		return d & 0x20 ? 8 + bits / 8 : 8;
	case 0x15: return 4 + ((rd8(w, pos + 8) & 0xe0) >> 5) * 8;
	case 0x16: return 16 + (d & 0x1f) + 1;
	case 0x17: return (d & 0x600) == 0x200 ? 0x0c + ((d >> 16) & 0x7ff) * 2 + 2 : 0x0c;
	}
	return 0;
}

/*
 * vfio_cap_init / vfio_ecap_init on the same chains: each capability's
 * length as vfio-pci takes it, 0 for those it hides. A hidden first
 * extended capability keeps its 4-byte header (its ID zeroed) to anchor the
 * chain; the ones after it are unlinked.
 */
static void vfio_view(struct walk *w)
{
	struct vw_layout *l = w->l;
	const struct vw_vfio_rules *r = vw_vfio_rules();
	bool ext = vfio_ext_walked(w, r), first_ext = true;
	unsigned end;

	l->vfio_rules = r->name;
	for (int i = 0; i < l->ncaps; i++) {
		struct vw_cap *c = &l->caps[i];

		end = c->extended ? (unsigned)w->size : VW_CFG_SIZE;
		if (!c->extended)
			c->vfio_length = (uint16_t)vfio_std_len(w, r, c->id, c->offset);
		else if (ext)
			c->vfio_length = (uint16_t)vfio_ext_len(w, r, c->id, c->offset);
		if (c->extended && ext && first_ext && !c->vfio_length && c->offset == EXT_CAP_START) {
			c->vfio_length = 4;
			c->vfio_placeholder = 1;
		}
		first_ext = first_ext && !(c->extended && ext);
		if (c->offset + c->vfio_length > end)
			c->vfio_length = (uint16_t)(end - c->offset);
		if (c->vfio_placeholder || c->vfio_length < c->length)
			l->vfio_hidden++;
	}
}

/* ---- after the walk --------------------------------------------------- */

/* Where the capability after caps[i] (by offset, same space) starts. */
static unsigned next_cap_start(const struct walk *w, int i)
{
	const struct vw_layout *l = w->l;
	const struct vw_cap *c = &l->caps[i];
	unsigned end = space_end(w, c->extended);

	for (int j = 0; j < l->ncaps; j++)
		if (l->caps[j].extended == c->extended &&
		    l->caps[j].offset > c->offset && l->caps[j].offset < end)
			end = l->caps[j].offset;
	return end;
}

/*
 * A capability we cannot size keeps everything up to the next capability
 * (or the end of its space): better to over-attribute bytes to it than to
 * call its registers unassigned.
 */
static void guess_unknown_lengths(struct walk *w)
{
	struct vw_layout *l = w->l;

	for (int i = 0; i < l->ncaps; i++) {
		struct vw_cap *c = &l->caps[i];
		unsigned end;

		if (c->length_known)
			continue;
		end = next_cap_start(w, i);
		c->length = (uint16_t)(end - c->offset);
		warn(l, "%s capability %s (0x%02x) at 0x%03x: length unknown%s%s; assuming 0x%x bytes, up to 0x%03x",
		     space_name(c->extended), vw_cap_name(c->extended, c->id), c->id,
		     c->offset, w->why[i] ? ": " : "", w->why[i] ? w->why[i] : "",
		     c->length, end);
	}
}

static void warn_overlaps(struct walk *w)
{
	struct vw_layout *l = w->l;
	int order[VW_MAX_CAPS], n = l->ncaps, last = -1;

	for (int i = 0; i < n; i++) {	/* insertion sort by offset */
		int j = i;

		for (; j > 0 && l->caps[order[j - 1]].offset > l->caps[i].offset; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (int k = 0; k < n; k++) {
		const struct vw_cap *c = &l->caps[order[k]], *p;

		if (last >= 0) {
			p = &l->caps[last];
			if (p->offset + p->length > c->offset)
				warn(l, "capabilities overlap: %s at 0x%03x (0x%x bytes) and %s at 0x%03x",
				     vw_cap_name(p->extended, p->id), p->offset, p->length,
				     vw_cap_name(c->extended, c->id), c->offset);
		}
		if (last < 0 || c->offset + c->length > l->caps[last].offset + l->caps[last].length)
			last = order[k];
	}
}

uint8_t vw_cap_map_byte(uint16_t id)
{
	return id >= 1 && id < VW_CAP_MAP_OTHER ? (uint8_t)id : VW_CAP_MAP_OTHER;
}

/*
 * The capability that owns each byte: by its length in the device, the
 * earlier capability winning an overlap; or (guest) by what vfio-pci shows,
 * the later one winning, as its memset of pci_config_map does.
 */
static void owners(const struct vw_layout *l, int16_t owner[VW_CFG_SIZE], bool guest)
{
	unsigned size = l->size < VW_CFG_SIZE ? l->size : VW_CFG_SIZE;

	for (unsigned b = 0; b < VW_CFG_SIZE; b++)
		owner[b] = -1;
	for (int i = 0; i < l->ncaps && i < VW_MAX_CAPS; i++) {
		const struct vw_cap *c = &l->caps[i];
		unsigned end = (unsigned)c->offset + (guest ? c->vfio_length : c->length);

		for (unsigned b = c->offset; b < end && b < size; b++)
			if (b >= VW_HEADER_SIZE && (guest || owner[b] < 0))
				owner[b] = (int16_t)i;
	}
}

void vw_layout_owners(const struct vw_layout *l, int16_t owner[VW_CFG_SIZE])
{
	owners(l, owner, false);
}

void vw_layout_guest_owners(const struct vw_layout *l, int16_t owner[VW_CFG_SIZE])
{
	owners(l, owner, true);
}

static void build_capmap(struct vw_layout *l)
{
	int16_t owner[VW_CFG_SIZE];

	vw_layout_guest_owners(l, owner);
	for (unsigned b = 0; b < VW_CFG_SIZE; b++) {
		const struct vw_cap *c = owner[b] >= 0 ? &l->caps[owner[b]] : NULL;

		if (b >= l->size)
			l->capmap[b] = VW_CAP_UNASSIGNED;
		else if (b < VW_HEADER_SIZE)
			l->capmap[b] = VW_CAP_HEADER;
		else if (c)	/* vfio-pci stores a placeholder's ID as it is, truncated */
			l->capmap[b] = c->vfio_placeholder ? (uint8_t)c->id : vw_cap_map_byte(c->id);
		else
			l->capmap[b] = VW_CAP_UNASSIGNED;
	}
}

int vw_walk(const uint8_t *cfg, size_t size, struct vw_layout *out)
{
	struct walk w = { .cfg = cfg, .size = size, .l = out };

	memset(out, 0, sizeof(*out));
	memset(out->capmap, VW_CAP_UNASSIGNED, sizeof(out->capmap));
	if (!cfg || size < VW_HEADER_SIZE || size > VW_CFG_SIZE)
		return -EINVAL;
	out->vendor = rd16(&w, PCI_VENDOR_ID);
	if (out->vendor == 0xffff || out->vendor == 0)
		return -EINVAL;
	out->size = (uint32_t)size;
	out->device_id = rd16(&w, PCI_DEVICE_ID);
	out->class_code = rd32(&w, PCI_CLASS_REVISION) >> 8;
	out->header_type = rd8(&w, PCI_HEADER_TYPE) & 0x7f;

	walk_std(&w);
	walk_ext(&w);
	guess_unknown_lengths(&w);
	warn_overlaps(&w);
	vfio_view(&w);
	build_capmap(out);
	return 0;
}
