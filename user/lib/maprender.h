/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `map` output: a device's config space as a list of regions (runs of bytes
 * with the same owner, actions and deciding rule), printed as an aligned
 * text table or as JSON.
 */
#ifndef VW_MAPRENDER_H
#define VW_MAPRENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "layout.h"

struct json_object;

struct vw_region {
	uint16_t start;
	uint16_t length;
	enum vw_region_kind kind;
	/*
	 * VW_REGION_CAPABILITY, and VW_REGION_UNASSIGNED bytes of a capability
	 * that vfio-pci hides (hidden; cap is -1 and the rest 0 otherwise):
	 */
	int cap;		/* index into layout->caps */
	bool hidden;		/* vfio-pci hides them: raw config space to the guest, or its placeholder header */
	bool extended;
	uint16_t id;
	uint8_t version;	/* extended capabilities */
	uint16_t cap_offset;	/* the whole capability, of which this is a part */
	uint16_t cap_length;	/* what vfio-pci exposes of it; hidden bytes: its length in the device */
	bool length_known;
	const char *name;	/* vw_cap_name() */
	/* every kind: */
	enum vw_action read;
	enum vw_action write;
	int rule;		/* index into vw_map_input.rules, -1: no rule decided */
};

struct vw_map_input {
	const char *target;		/* BDF or dump name, for the header line */
	const struct vw_layout *layout;
	const uint8_t *act;		/* layout->size bytes of VW_ACT(read, write); NULL: allow */
	const int *rule;		/* per byte: index into rules[] or -1; NULL: none */
	const char *const *rules;	/* what decided, e.g. "devices[1].caps.dsn" */
	int nrules;
};

/*
 * Split config space into regions: every byte 0..size-1 in exactly one,
 * in order; neighbouring bytes share a region when kind, capability, read
 * and write action and rule are all the same. Returns the number of
 * regions (at most layout->size), -ENOSPC when max is too small.
 */
int vw_map_regions(const struct vw_map_input *in, struct vw_region *out, int max);

/*
 * Action and kind names are events.h's vw_action_name() and
 * vw_region_name(), so `map` and the audit log say the same words.
 *
 * Header line (target, vendor:device, class, size), the table with columns
 * START END LEN KIND CAPABILITY READ WRITE RULE, then the walker's
 * warnings. Returns 0 or -errno.
 */
int vw_map_print_text(FILE *f, const struct vw_map_input *in);

/*
 * {"target":..,"vendor":"8086","device_id":"10d3","size":4096,
 *  "regions":[{"start":0,"length":64,"kind":"header","read":"allow",
 *  "write":"allow"}, {"start":200,"length":8,"kind":"capability",
 *  "extended":false,"id":1,"name":"Power Management","read":..,"write":..,
 *  "rule":..}, ..],"warnings":[..]}
 * "version" follows "name" for extended capabilities; "rule" is present
 * only when a rule decided. The caller owns the object (json_object_put).
 */
struct json_object *vw_map_json(const struct vw_map_input *in);
int vw_map_print_json(FILE *f, const struct vw_map_input *in, bool pretty);

#endif
