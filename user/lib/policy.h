/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files (YAML) parsed into layers (struct vw_profile, shared with BPF)
 * plus the selectors that say which devices each layer applies to.
 */
#ifndef VW_POLICY_H
#define VW_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "vw_types.h"

#define VW_MAX_ENTRIES (VW_MAX_PROFILES - 1)	/* device entries; 1 slot for default */
#define VW_POLICY_MAX_SIZE  (1 << 20)	/* bytes; larger files are refused unparsed */
#define VW_POLICY_MAX_DEPTH 16		/* YAML nesting (mappings and lists) */

struct vw_policy_entry {
	enum vw_sel_kind kind;
	char bdf[VW_NAME_LEN];	/* VW_SEL_BDF: canonical "dddd:bb:dd.f" */
	uint16_t vendor;	/* VW_SEL_VENDOR_DEVICE, VW_SEL_VENDOR */
	uint16_t device_id;	/* VW_SEL_VENDOR_DEVICE */
	uint32_t class_code;	/* VW_SEL_CLASS: left-aligned 24-bit value */
	uint32_t class_bits;	/* VW_SEL_CLASS: 8, 16 or 24 */
	int line;		/* where the entry starts in the file (1-based) */
	char label[64];		/* for messages/status: "default", "bdf 0000:00:03.0" */
	struct vw_profile prof;	/* every rule VW_UNSET unless the file set it */
	int has_serial;		/* device entries: a virtual DSN ("serial:") */
	uint64_t serial;
	unsigned degraded;	/* VW_DEGRADED_*: what kernel lockdown took (lockdown.h) */
};

struct vw_policy {
	char source[256];	/* file name, or "<built-in default>" */
	int nentries;		/* entries[0] is always the default layer */
	int lockdown;		/* enum vw_lockdown it was adapted to (lockdown.h), 0: none */
	struct vw_policy_entry entries[VW_MAX_PROFILES];
};

/*
 * Parse a policy. On error returns -1 and writes "NAME:LINE:COL: message"
 * into err (NAME is the file name as given). No global state is touched.
 */
int vw_policy_parse(const char *name, const char *buf, size_t len,
		    struct vw_policy *out, char *err, size_t errlen);
int vw_policy_load_file(const char *path, struct vw_policy *out, char *err, size_t errlen);
/* The built-in default policy (policies/default.yaml embedded at build time). */
int vw_policy_load_default(struct vw_policy *out, char *err, size_t errlen);
/* Its text (NUL-terminated; *len without the NUL when len is not NULL). */
const char *vw_policy_default_text(size_t *len);

/*
 * Layers that apply to a device, most specific first (VW_NLAYERS entries,
 * index into p->entries or -1), chosen as include/vw_select.h says: the same
 * selection BPF makes for devices it compiles. bdf is canonicalised first.
 */
void vw_policy_layers(const struct vw_policy *p, const char *bdf, uint16_t vendor,
		      uint16_t device_id, uint32_t class_code, int layers[VW_NLAYERS]);
/* An empty profile: every rule unset (what an entry that states nothing gives). */
void vw_profile_clear(struct vw_profile *prof);
/* The vw_selectors key entry e is stored under (vw_select.h); -EINVAL: none. */
int vw_policy_entry_key(const struct vw_policy_entry *e, __u32 gen, struct vw_sel_key *k);

#endif
