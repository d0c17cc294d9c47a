/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The constants include/ copies for the BPF build (which sees vmlinux.h, not
 * the uAPI headers), checked against <linux/pci_regs.h> and <linux/vfio.h> on
 * every host build: a copy that drifts does not compile.
 */
#ifndef VW_UAPI_CHECK_H
#define VW_UAPI_CHECK_H
#ifndef __VW_BPF__

#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include "vw_dsn.h"
#include "vw_tph_uapi.h"
#include "vw_types.h"

#define VW_SAME(ours, theirs) _Static_assert((ours) == (theirs), #ours " differs from " #theirs)

VW_SAME(VW_CFG_SIZE, PCI_CFG_SPACE_EXP_SIZE);
VW_SAME(VW_STD_CFG_SIZE, PCI_CFG_SPACE_SIZE);
VW_SAME(VW_HEADER_SIZE, PCI_STD_HEADER_SIZEOF);
VW_SAME(VW_CONFIG_REGION, VFIO_PCI_CONFIG_REGION_INDEX);
VW_SAME(VW_EXT_CAP_DSN, PCI_EXT_CAP_ID_DSN);
VW_SAME(VW_EXT_CAP_TPH, PCI_EXT_CAP_ID_TPH);
VW_SAME(VW_EXT_CAP_TPH_ID, PCI_EXT_CAP_ID_TPH);
VW_SAME(VW_TPH_CAP_REG, PCI_TPH_CAP);
VW_SAME(VW_TPH_CAP_LOC_MASK << VW_TPH_CAP_LOC_SHIFT, PCI_TPH_CAP_LOC_MASK);
VW_SAME(VW_TPH_LOC_CAP << VW_TPH_CAP_LOC_SHIFT, PCI_TPH_LOC_CAP);
VW_SAME(VW_TPH_LOC_MSIX << VW_TPH_CAP_LOC_SHIFT, PCI_TPH_LOC_MSIX);
VW_SAME(VW_TPH_CAP_SIZE_SHIFT, PCI_TPH_CAP_ST_SHIFT);
VW_SAME(VW_TPH_CAP_SIZE_MASK << VW_TPH_CAP_SIZE_SHIFT, PCI_TPH_CAP_ST_MASK);
VW_SAME(VW_TPH_ST_TABLE_OFF, PCI_TPH_BASE_SIZEOF);

#undef VW_SAME
#endif
#endif
