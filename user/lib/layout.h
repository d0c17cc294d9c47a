/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Config-space layout: walking a device's standard and extended capability
 * chains into a list of capabilities and a per-byte region map (the same
 * encoding as vfio-pci's pci_config_map, see vw_types.h). Used by the loader
 * (per-device maps), `map` and `check`.
 */
#ifndef VW_LAYOUT_H
#define VW_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vw_types.h"

#define VW_MAX_CAPS     96
#define VW_MAX_WARNINGS 16

struct vw_cap {
	uint16_t offset;
	uint16_t length;	/* bytes, clamped to config space */
	uint16_t id;
	uint8_t extended;	/* 1: extended capability (offset >= 0x100) */
	uint8_t version;	/* extended capabilities only */
	uint8_t length_known;	/* 0: length is a conservative guess (see warnings) */
	/*
	 * What vfio-pci shows the guest of it (vfiorules.h): its bytes from
	 * offset, 0 when it hides the capability (then its bytes are unassigned
	 * config space to the guest, passed through raw), 4 with vfio_placeholder
	 * for a hidden first extended capability, whose header it keeps to anchor
	 * the chain. capmap follows this, as vfio-pci's own map does.
	 */
	uint16_t vfio_length;
	uint8_t vfio_placeholder;
};

struct vw_layout {
	uint32_t size;		/* 256 or 4096: bytes of config space we have */
	uint16_t vendor;
	uint16_t device_id;
	uint32_t class_code;	/* 24 bits: base, sub, prog-if */
	uint8_t header_type;	/* low 7 bits of 0x0e */
	int ncaps;
	struct vw_cap caps[VW_MAX_CAPS];
	uint8_t capmap[VW_CFG_SIZE];	/* vfio-pci's pci_config_map; bytes >= size are VW_CAP_UNASSIGNED */
	const char *vfio_rules;	/* the kernel whose vfio-pci rules made capmap ("6.12") */
	int vfio_hidden;	/* capabilities vfio-pci hides, wholly or in part */
	int nwarnings;
	char warnings[VW_MAX_WARNINGS][160];
};

/*
 * Walk cfg[0..size) (size 64..4096). Never reads outside the buffer, never
 * loops forever; malformed chains end the walk with a warning. Returns 0, or
 * -EINVAL when the buffer cannot be config space at all (size < 64, vendor
 * 0xffff/0x0000).
 */
int vw_walk(const uint8_t *cfg, size_t size, struct vw_layout *out);

/* Human name of a capability ("Power Management", "Device Serial Number"). */
const char *vw_cap_name(bool extended, uint16_t id);
/* Short policy name ("pm", "msix", "dsn", "tph"); NULL when none. */
const char *vw_cap_short_name(bool extended, uint16_t id);
/*
 * Parse a capability name as written in a policy: a short name ("pm",
 * "dsn"), or "cap:0x01" / "ext:0x0003" by number. Returns 0 or -ENOENT.
 */
int vw_cap_lookup(const char *name, bool *extended, uint16_t *id);

/*
 * Added by the walker: helpers the loader, `map` and the policy compiler share.
 */

/* capmap byte for a capability whose ID is 0 or does not fit below 0xfe
 * (reserved or garbage IDs): no spec capability uses it, and it can be told
 * apart from the header (0) and unassigned (0xfe, 0xff). caps[] has the ID. */
#define VW_CAP_MAP_OTHER 0xfd

/* capmap byte for a capability ID (extended IDs keep their low 8 bits). */
uint8_t vw_cap_map_byte(uint16_t id);

/*
 * Per byte of config space, the index into l->caps of the capability that
 * owns it, or -1 for header and unassigned bytes (and bytes >= l->size).
 * Where capabilities overlap, the one earlier in caps[] (chain order) owns
 * the byte; capmap is built from the same rule.
 */
void vw_layout_owners(const struct vw_layout *l, int16_t owner[VW_CFG_SIZE]);
/* The same as the guest sees it through vfio-pci: vfio_length bytes, the later capability wins. */
void vw_layout_guest_owners(const struct vw_layout *l, int16_t owner[VW_CFG_SIZE]);

/* Length of a fixed-size capability; 0 when it varies or is unknown. */
uint16_t vw_cap_fixed_length(bool extended, uint16_t id);

#endif
