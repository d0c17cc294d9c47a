// SPDX-License-Identifier: GPL-2.0
/*
 * Capability names, short policy names and the lengths of fixed-size
 * capabilities, from the PCI Local Bus 3.0 / PCI-PM / PCIe 6 base specs.
 * Human names follow lspci where lspci has one, so `map` output and lspci
 * output can be read side by side. Capabilities whose size depends on their
 * registers are sized in layout.c and have length 0 here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "layout.h"

struct cap_info {
	const char *name;
	const char *short_name;	/* unique across both tables; NULL: none */
	uint16_t length;	/* fixed length, 0: variable or unknown */
};

static const struct cap_info std_caps[] = {
	[0x00] = { "Null", NULL, 0 },
	[0x01] = { "Power Management", "pm", 8 },
	[0x02] = { "AGP", "agp", 12 },
	[0x03] = { "Vital Product Data", "vpd", 8 },
	[0x04] = { "Slot Identification", "slotid", 4 },
	[0x05] = { "MSI", "msi", 0 },
	[0x06] = { "CompactPCI Hot Swap", "chswp", 4 },
	[0x07] = { "PCI-X", "pcix", 0 },
	[0x08] = { "HyperTransport", "ht", 0 },
	[0x09] = { "Vendor Specific Information", "vendor", 0 },
	[0x0a] = { "Debug Port", "dbg", 4 },
	[0x0b] = { "CompactPCI Central Resource Control", "ccrc", 0 },
	[0x0c] = { "PCI Hot-Plug", "hotplug", 8 },
	[0x0d] = { "Bridge Subsystem Vendor ID", "ssvid", 8 },
	[0x0e] = { "AGP 8x", "agp3", 0 },
	[0x0f] = { "Secure Device", "secure", 0x18 },
	[0x10] = { "PCI Express", "pcie", 0 },
	[0x11] = { "MSI-X", "msix", 12 },
	[0x12] = { "SATA HBA", "sata", 8 },
	[0x13] = { "PCI Advanced Features", "af", 6 },
	[0x14] = { "Enhanced Allocation", "ea", 0 },
	[0x15] = { "Flattening Portal Bridge", "fpb", 0x24 },
};

static const struct cap_info ext_caps[] = {
	[0x00] = { "Null", NULL, 0 },
	[0x01] = { "Advanced Error Reporting", "aer", 0 },
	[0x02] = { "Virtual Channel", "vc", 0 },
	[0x03] = { "Device Serial Number", "dsn", 12 },
	[0x04] = { "Power Budgeting", "pwr", 16 },
	[0x05] = { "Root Complex Link Declaration", "rclink", 0 },
	[0x06] = { "Root Complex Internal Link Control", "rclinkctl", 12 },
	[0x07] = { "Root Complex Event Collector Endpoint Association", "rcec", 0 },
	[0x08] = { "Multi-Function Virtual Channel", "mfvc", 0 },
	[0x09] = { "Virtual Channel (MFVC present)", "vc9", 0 },
	[0x0a] = { "Root Complex Register Block Header", "rcrb", 0x14 },
	[0x0b] = { "Vendor Specific Information", "vsec", 0 },
	[0x0c] = { "Configuration Access Correlation", "cac", 8 },
	[0x0d] = { "Access Control Services", "acs", 0 },
	[0x0e] = { "Alternative Routing-ID Interpretation (ARI)", "ari", 8 },
	[0x0f] = { "Address Translation Service (ATS)", "ats", 8 },
	[0x10] = { "Single Root I/O Virtualization (SR-IOV)", "sriov", 64 },
	[0x11] = { "Multi-Root I/O Virtualization (MR-IOV)", "mriov", 0 },
	[0x12] = { "Multicast", "mcast", 0 },
	[0x13] = { "Page Request Interface (PRI)", "pri", 16 },
	[0x14] = { "Reserved for AMD", NULL, 0 },
	[0x15] = { "Resizable BAR", "rebar", 0 },
	[0x16] = { "Dynamic Power Allocation", "dpa", 0 },
	[0x17] = { "Transaction Processing Hints", "tph", 0 },
	[0x18] = { "Latency Tolerance Reporting", "ltr", 8 },
	[0x19] = { "Secondary PCI Express", "secpci", 0 },
	[0x1a] = { "Protocol Multiplexing", "pmux", 0 },
	[0x1b] = { "Process Address Space ID (PASID)", "pasid", 8 },
	[0x1c] = { "LN Requester", "lnr", 8 },
	[0x1d] = { "Downstream Port Containment", "dpc", 0 },
	[0x1e] = { "L1 PM Substates", "l1ss", 16 },
	[0x1f] = { "Precision Time Measurement", "ptm", 12 },
	[0x20] = { "PCI Express over M-PHY", "mpcie", 0 },
	[0x21] = { "FRS Queueing", "frs", 16 },
	[0x22] = { "Readiness Time Reporting", "rtr", 12 },
	[0x23] = { "Designated Vendor-Specific", "dvsec", 0 },
	[0x24] = { "VF Resizable BAR", "vf-rebar", 0 },
	[0x25] = { "Data Link Feature", "dlnk", 12 },
	[0x26] = { "Physical Layer 16.0 GT/s", "pl16", 0 },
	[0x27] = { "Lane Margining at the Receiver", "lmr", 0 },
	[0x28] = { "Hierarchy ID", "hier-id", 0x20 },
	[0x29] = { "Native PCIe Enclosure Management", "npem", 16 },
	[0x2a] = { "Physical Layer 32.0 GT/s", "pl32", 0 },
	[0x2b] = { "Alternate Protocol", "altprot", 0x18 },
	[0x2c] = { "System Firmware Intermediary", "sfi", 0x14 },
	[0x2d] = { "Shadow Functions", "shadow", 0 },
	[0x2e] = { "Data Object Exchange", "doe", 0x18 },
	[0x2f] = { "Device 3", "dev3", 16 },
	[0x30] = { "Integrity and Data Encryption", "ide", 0 },
	[0x31] = { "Physical Layer 64.0 GT/s", "pl64", 0 },
	[0x32] = { "Flit Logging", "flit-log", 0x3c },
	[0x33] = { "Flit Performance Measurement", "flit-perf", 0 },
	[0x34] = { "Flit Error Injection", "flit-ei", 0x24 },
	[0x35] = { "Streamlined Virtual Channel", "svc", 0 },
	[0x36] = { "MMIO Register Block Locator", "mrbl", 0 },
	[0x37] = { "NOP Flit", "nop-flit", 0 },
	[0x38] = { "Scalable I/O Virtualization", "siov", 0 },
	[0x39] = { "Physical Layer 128.0 GT/s", "pl128", 0 },
	[0x3a] = { "Captured Data", "capt-data", 0 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct cap_info *cap_info(bool extended, uint16_t id)
{
	const struct cap_info *t = extended ? ext_caps : std_caps;
	size_t n = extended ? ARRAY_SIZE(ext_caps) : ARRAY_SIZE(std_caps);

	if (id >= n || !t[id].name)
		return NULL;
	return &t[id];
}

const char *vw_cap_name(bool extended, uint16_t id)
{
	const struct cap_info *c = cap_info(extended, id);

	return c ? c->name : "Unknown";
}

const char *vw_cap_short_name(bool extended, uint16_t id)
{
	const struct cap_info *c = cap_info(extended, id);

	return c ? c->short_name : NULL;
}

uint16_t vw_cap_fixed_length(bool extended, uint16_t id)
{
	const struct cap_info *c = cap_info(extended, id);

	return c ? c->length : 0;
}

static int lookup_short(const struct cap_info *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].short_name && !strcasecmp(t[i].short_name, name))
			return (int)i;
	return -1;
}

/* "0x10", "16": the whole string must be a number no larger than max. */
static int parse_id(const char *s, unsigned long max, uint16_t *id)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -ENOENT;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -ENOENT;
	*id = (uint16_t)v;
	return 0;
}

int vw_cap_lookup(const char *name, bool *extended, uint16_t *id)
{
	int i;

	if (!name)
		return -ENOENT;
	if (!strncasecmp(name, "cap:", 4)) {
		*extended = false;
		return parse_id(name + 4, 0xff, id);
	}
	if (!strncasecmp(name, "ext:", 4)) {
		*extended = true;
		return parse_id(name + 4, 0xffff, id);
	}
	i = lookup_short(std_caps, ARRAY_SIZE(std_caps), name);
	if (i >= 0) {
		*extended = false;
		*id = (uint16_t)i;
		return 0;
	}
	i = lookup_short(ext_caps, ARRAY_SIZE(ext_caps), name);
	if (i >= 0) {
		*extended = true;
		*id = (uint16_t)i;
		return 0;
	}
	return -ENOENT;
}
