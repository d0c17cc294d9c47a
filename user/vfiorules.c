// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci's capability tables, per kernel. Read from the vfio-pci-core
 * modules of the kernels in the VM matrix (Debian 6.1.0-57, 6.12.117+deb12,
 * 7.3.4+deb13: the .rodata behind the symbols pci_cap_length and
 * pci_ext_cap_length), which match their sources. The only difference between
 * them is DVSEC (0x23), exposed from 6.12 on and hidden by 6.1; 7.3 raises
 * PCI_EXT_CAP_ID_MAX to 0x31 with zero lengths, which hides the same IDs.
 * Kernels between 6.2 and 6.11 get the 6.1 table: hiding DVSEC there at
 * worst denies writes that such a kernel passes to a visible capability.
 * The VM selftests compare the result with vfio-pci's own map, byte for
 * byte, on every kernel of the matrix.
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

static const struct vw_vfio_rules linux_6_1 = {
	.name = "6.1", STD_LEN, .ext_max = 0x2e, .ext_len = { EXT_LEN },
};

static const struct vw_vfio_rules linux_6_12 = {
	.name = "6.12", STD_LEN, .ext_max = 0x2e, .ext_len = { EXT_LEN, [0x23] = VAR },
};

static const struct vw_vfio_rules *chosen;

const struct vw_vfio_rules *vw_vfio_rules_for(const char *release)
{
	unsigned major = 0, minor = 0;

	if (release && sscanf(release, "%u.%u", &major, &minor) == 2 && (major > 6 || (major == 6 && minor >= 12)))
		return &linux_6_12;
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
