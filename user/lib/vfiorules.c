// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci's capability tables, per kernel: pci_cap_length[] and
 * pci_ext_cap_length[] in drivers/vfio/pci/vfio_pci_config.c. The only change
 * since 6.1 is DVSEC (0x23): hidden before 6.4, shown (variable length, raw
 * writes) from 6.4 on ("vfio/pci: Add DVSEC PCI Extended Config Capability to
 * user visible list", merged for v6.4). IDs past PCI_EXT_CAP_ID_MAX have no
 * entry and are hidden: a higher ID_MAX with zero lengths hides the same IDs.
 * The VM selftests compare the result with vfio-pci's own map, byte for
 * byte, on every kernel of the matrix (6.1, 6.12, 7.3).
 */
#include <stdio.h>
#include <sys/utsname.h>
#include "vfiorules.h"

#define VAR 0xff

#define STD_LEN \
	.std_max = 0x14, \
	.std_len = { [0x01] = 8, [0x02] = 12, [0x03] = 8, [0x05] = VAR, [0x07] = VAR, [0x08] = VAR, \
		     [0x09] = VAR, [0x10] = VAR, [0x11] = 12, [0x12] = VAR, [0x13] = 6 }

#define EXT_LEN \
	[0x01] = 0x2c, [0x02] = VAR, [0x03] = 12, [0x04] = 16, [0x08] = VAR, [0x09] = VAR, \
	[0x0b] = VAR, [0x0d] = VAR, [0x0e] = 8, [0x0f] = 8, [0x10] = 0x40, [0x12] = 0x28, \
	[0x13] = 16, [0x15] = VAR, [0x16] = VAR, [0x17] = VAR, [0x18] = 8

/*
 * A v2 PCI Express endpoint with a link: vfio-pci takes
 * PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 bytes. "PCI: Change capability register
 * offsets to hex" (5.17) wrote it as 0x32 instead of decimal 52, which cuts
 * Link Status 2 off the capability; "PCI: Correct
 * PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 value" restored 0x34 in 7.0 and was
 * backported to stable series at sublevels not known here. Measured in the
 * VM matrix: Debian 6.1.0-57 has 0x32, 6.12.118 and 7.3 have 0x34. Where unknown, 0x32:
 * two more bytes judged unassigned (writes to Link Status 2, read-only, are
 * denied) rather than raw bytes judged as a capability.
 */
#define PCIE_V2_BUG 0x32
#define PCIE_V2_FIXED 0x34

static const struct vw_vfio_rules linux_6_1 = {
	.name = "6.1-6.3", .pcie_v2_len = PCIE_V2_BUG, STD_LEN, .ext_max = 0x2e, .ext_len = { EXT_LEN },
};

static const struct vw_vfio_rules linux_6_4 = {
	.name = "6.4-6.19", .pcie_v2_len = PCIE_V2_BUG, STD_LEN, .ext_max = 0x2e,
	.ext_len = { EXT_LEN, [0x23] = VAR },
};

static const struct vw_vfio_rules linux_7_0 = {
	.name = "7.0+, 6.12.118+", .pcie_v2_len = PCIE_V2_FIXED, STD_LEN, .ext_max = 0x2e,
	.ext_len = { EXT_LEN, [0x23] = VAR },
};

static const struct vw_vfio_rules *chosen;

const struct vw_vfio_rules *vw_vfio_rules_for(const char *release)
{
	unsigned major = 0, minor = 0, sub = 0;

	if (!release || sscanf(release, "%u.%u.%u", &major, &minor, &sub) < 2)
		return &linux_6_1;
	if (major > 6 || (major == 6 && minor == 12 && sub >= 118))
		return &linux_7_0;
	if (major == 6 && minor >= 4)
		return &linux_6_4;
	return &linux_6_1;
}

const struct vw_vfio_rules *vw_vfio_rules(void)
{
	static const struct vw_vfio_rules *here;
	struct utsname u;

	if (chosen)
		return chosen;
	if (!here)
		here = vw_vfio_rules_for(uname(&u) ? NULL : u.release);
	return here;
}

void vw_vfio_rules_use(const struct vw_vfio_rules *r)
{
	chosen = r;
}
