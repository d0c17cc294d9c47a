// SPDX-License-Identifier: GPL-2.0
/* TPH on the host only: see tph.h. */
#include <stdio.h>
#include <string.h>

#include "tph.h"

const char *vw_tph_op_name(__u32 op)
{
	static const char *const n[VW_TPH_NOPS] = { "get_cap", "enable", "disable", "get_st", "set_st" };

	return op < VW_TPH_NOPS ? n[op] : "unknown";
}

const char *vw_tph_mode_name(__u32 mode)
{
	switch (mode) {
	case VW_TPH_MODE_NS: return "ns";
	case VW_TPH_MODE_IV: return "iv";
	case VW_TPH_MODE_DS: return "ds";
	default: return "invalid";
	}
}

const char *vw_tph_mem_name(__u32 mem_type)
{
	switch (mem_type) {
	case VW_TPH_MEM_VM: return "vm";
	case VW_TPH_MEM_PM: return "pm";
	default: return "unknown";
	}
}

const char *vw_tph_cpu_mode_name(__u32 mode)
{
	switch (mode) {
	case VW_TPH_CPUS_CALLER: return "caller";
	case VW_TPH_CPUS_ALL: return "all";
	case VW_TPH_CPUS_LIST: return "list";
	default: return "invalid";
	}
}

const char *vw_tph_loc_name(__u32 loc)
{
	switch (loc) {
	case VW_TPH_LOC_NONE: return "none";
	case VW_TPH_LOC_CAP: return "capability";
	case VW_TPH_LOC_MSIX: return "msix";
	default: return "reserved";
	}
}

const char *vw_tph_reason_name(__u32 r)
{
	static const char *const n[VW_TPH_NREASONS] = {
		[VW_TPH_R_NONE] = "none",
		[VW_TPH_R_OP_UNKNOWN] = "op_unknown",
		[VW_TPH_R_OP_DENIED] = "op_not_allowed",
		[VW_TPH_R_MODE_INVALID] = "mode_invalid",
		[VW_TPH_R_MODE_DENIED] = "mode_not_allowed",
		[VW_TPH_R_ARGSZ] = "argsz_too_small",
		[VW_TPH_R_COUNT_ZERO] = "count_zero",
		[VW_TPH_R_COUNT_BIG] = "count_too_big",
		[VW_TPH_R_ARGSZ_COUNT] = "argsz_short_of_entries",
		[VW_TPH_R_UNREADABLE] = "unreadable",
		[VW_TPH_R_ENTRIES] = "entries_not_allowed",
		[VW_TPH_R_CFG_ENABLE] = "requester_enable",
		[VW_TPH_R_CFG_DS] = "ds_mode_select",
		[VW_TPH_R_CFG_ST_TABLE] = "st_table_write",
		[VW_TPH_R_CFG_UNSEEN] = "control_write_unseen",
	};

	return r < VW_TPH_NREASONS ? n[r] : "unknown";
}

const char *vw_tph_bad_name(__u32 bit)
{
	switch (bit) {
	case VW_TPH_BAD_CPU_RANGE: return "cpu_out_of_range";
	case VW_TPH_BAD_CPU: return "cpu_not_allowed";
	case VW_TPH_BAD_MEM: return "mem_type_not_allowed";
	default: return "unknown";
	}
}

int vw_tph_op_lookup(const char *s)
{
	__u32 i;

	for (i = 0; i < VW_TPH_NOPS; i++)
		if (!strcmp(s, vw_tph_op_name(i)))
			return (int)i;
	return -1;
}

int vw_tph_mode_lookup(const char *s)
{
	return !strcmp(s, "ns") ? VW_TPH_MODE_NS : !strcmp(s, "iv") ? VW_TPH_MODE_IV :
	       !strcmp(s, "ds") ? VW_TPH_MODE_DS : -1;
}

int vw_tph_mem_lookup(const char *s)
{
	return !strcmp(s, "vm") ? VW_TPH_MEM_VM : !strcmp(s, "pm") ? VW_TPH_MEM_PM : -1;
}

int vw_tph_cpu_mode_lookup(const char *s)
{
	return !strcmp(s, "caller") ? VW_TPH_CPUS_CALLER :
	       !strcmp(s, "all") ? VW_TPH_CPUS_ALL : -1;
}

int vw_tph_parse_cpus(const char *s, __u64 cpus[VW_TPH_CPU_WORDS])
{
	for (;;) {
		__u32 lo = 0, hi, c, nd = 0;

		while (*s >= '0' && *s <= '9' && nd < 4)
			lo = lo * 10 + (__u32)(*s++ - '0'), nd++;
		if (!nd || (*s >= '0' && *s <= '9'))
			return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			hi = 0;
			nd = 0;
			while (*s >= '0' && *s <= '9' && nd < 4)
				hi = hi * 10 + (__u32)(*s++ - '0'), nd++;
			if (!nd || (*s >= '0' && *s <= '9'))
				return -1;
		}
		if (lo > hi || hi >= VW_TPH_MAX_CPUS)
			return -1;
		for (c = lo; c <= hi; c++)
			cpus[c >> 6] |= 1ULL << (c & 63);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -1;
	}
}

__u32 vw_tph_format_cpus(const __u64 cpus[VW_TPH_CPU_WORDS], char *buf, __u32 len)
{
	__u32 c = 0, out = 0, lo, k, item = 0;
	char num[2][4];
	__u32 nlen[2];

	while (c < VW_TPH_MAX_CPUS) {
		if (!((cpus[c >> 6] >> (c & 63)) & 1)) {
			c++;
			continue;
		}
		lo = c;
		while (c + 1 < VW_TPH_MAX_CPUS && ((cpus[(c + 1) >> 6] >> ((c + 1) & 63)) & 1))
			c++;
		for (k = 0; k < 2; k++) {	/* decimal of lo and of c */
			__u32 v = k ? c : lo, d = v >= 100 ? 3 : v >= 10 ? 2 : 1, j;

			for (j = d; j-- > 0; v /= 10)
				num[k][j] = (char)('0' + v % 10);
			nlen[k] = d;
		}
		if (item++ && out + 1 < len)
			buf[out] = ',';
		out += item > 1;
		for (k = 0; k < (lo == c ? 1u : 2u); k++) {
			__u32 j;

			if (k) {
				if (out + 1 < len)
					buf[out] = '-';
				out++;
			}
			for (j = 0; j < nlen[k]; j++, out++)
				if (out + 1 < len)
					buf[out] = num[k][j];
		}
		c++;
	}
	buf[out < len ? out : len - 1] = 0;
	return out;
}

int vw_tph_policy_check(const struct vw_tph_policy *p)
{
	int bad = 0;

	bad |= (p->ops_allowed & ~VW_TPH_OPS_KNOWN) ? 1 : 0;
	bad |= (p->modes_allowed & ~VW_TPH_MODES_KNOWN) ? 2 : 0;
	bad |= (p->mem_types_allowed & ~VW_TPH_MEMS_KNOWN) ? 4 : 0;
	bad |= p->cpu_mode > VW_TPH_CPUS_LIST ? 8 : 0;
	bad |= (p->cfg_write_action != VW_ALLOW && p->cfg_write_action != VW_AUDIT &&
		p->cfg_write_action != VW_DENY) ? 16 : 0;
	bad |= p->uapi_version != VW_TPH_UAPI_VERSION ? 32 : 0;
	return bad;
}

const char *vw_tph_policy_problem(int bit)
{
	switch (bit) {
	case 1: return "ops";
	case 2: return "modes";
	case 4: return "mem_types";
	case 8: return "cpus";
	case 16: return "config_writes";
	case 32: return "uapi_version";
	default: return "unknown";
	}
}

static const struct vw_tph_rev rev_v1 = VW_TPH_REV_V1, rev_rfc_feature = VW_TPH_REV_RFC_FEATURE;

const struct vw_tph_revision vw_tph_revisions[] = {
	{ 1, "v1", "v1 (April 2026 proposal)",
	  "VFIO_DEVICE_PCI_TPH _IO(';', 122): GET_CAP, ENABLE, DISABLE, GET_ST, SET_ST", &rev_v1 },
	{ 2, "rfc-feature-2025", "RFC \"vfio/pci: add PCIe TPH to device feature ioctl\" (Feb 2025)",
	  "VFIO_DEVICE_FEATURE PCI_TPH (feature 11): ENABLE, DISABLE, GET_ST, SET_ST", &rev_rfc_feature },
	{ 0, NULL, "Huawei series v3..v20 (2026; not decoded: no exact layout transcribed)",
	  "VFIO_DEVICE_FEATURE TPH_ST / TPH_CPU_ST; TPH capability virtualised by vfio-pci", NULL },
};
const unsigned vw_tph_nrevisions = sizeof(vw_tph_revisions) / sizeof(vw_tph_revisions[0]);

const struct vw_tph_revision *vw_tph_revision_by_id(__u32 id)
{
	unsigned i;

	for (i = 0; id && i < vw_tph_nrevisions; i++)
		if (vw_tph_revisions[i].rev && vw_tph_revisions[i].id == id)
			return &vw_tph_revisions[i];
	return NULL;
}

const struct vw_tph_revision *vw_tph_revision_lookup(const char *name)
{
	unsigned i;

	for (i = 0; name && i < vw_tph_nrevisions; i++) {
		const struct vw_tph_revision *r = &vw_tph_revisions[i];
		char num[12];

		snprintf(num, sizeof(num), "%u", r->id);
		if (r->rev && (!strcmp(name, r->name) || !strcmp(name, num)))
			return r;
	}
	return NULL;
}

void vw_tph_revision_describe(__u32 id, char *buf, unsigned len)
{
	const struct vw_tph_revision *r = vw_tph_revision_by_id(id);

	if (r)
		snprintf(buf, len, "revision %u (%s): %s, %s", r->id, r->name, r->series, r->ioctls);
	else
		snprintf(buf, len, "revision %u: unknown to this build", id);
}

const char *vw_tph_revision_names(void)
{
	static char names[256];
	unsigned i, n = 0;

	for (i = 0; i < vw_tph_nrevisions && n < sizeof(names); i++)
		if (vw_tph_revisions[i].rev)
			n += snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", vw_tph_revisions[i].name);
	return names;
}
