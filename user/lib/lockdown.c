// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "lockdown.h"
#include "msg.h"
#include "vw_dsn.h"

static const char *const mode_names[] = {
	[VW_LOCKDOWN_NONE] = "none",
	[VW_LOCKDOWN_INTEGRITY] = "integrity",
	[VW_LOCKDOWN_CONFIDENTIALITY] = "confidentiality",
};

const char *vw_lockdown_name(enum vw_lockdown mode)
{
	return (unsigned)mode < 3 ? mode_names[mode] : "unknown";
}

static int mode_by_name(const char *w, size_t n, enum vw_lockdown *out)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (strlen(mode_names[i]) == n && !strncmp(w, mode_names[i], n)) {
			*out = i;
			return 0;
		}
	return -1;
}

int vw_lockdown_parse(const char *text, enum vw_lockdown *out)
{
	const char *open = strchr(text, '['), *close;
	size_t n;

	if (open) {	/* securityfs: every mode listed, the active one in brackets */
		close = strchr(open, ']');
		return close ? mode_by_name(open + 1, (size_t)(close - open - 1), out) : -1;
	}
	n = strcspn(text, " \t\n");
	return text[n + strspn(text + n, " \t\n")] ? -1 : mode_by_name(text, n, out);
}

enum vw_lockdown vw_lockdown_current(void)
{
	static const char path[] = "/sys/kernel/security/lockdown";
	enum vw_lockdown mode = VW_LOCKDOWN_NONE;
	char buf[128] = "";
	FILE *f = fopen(path, "re");

	if (!f && !mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL))
		f = fopen(path, "re");
	if (!f)
		return VW_LOCKDOWN_NONE;	/* no lockdown LSM: nothing is locked down */
	if (!fgets(buf, sizeof(buf), f) || vw_lockdown_parse(buf, &mode))
		mode = VW_LOCKDOWN_INTEGRITY;	/* unreadable: assume the helper is refused */
	fclose(f);
	return mode;
}

int vw_policy_adapt_lockdown(struct vw_policy *p, enum vw_lockdown mode)
{
	int i, changed = 0;

	if (mode == VW_LOCKDOWN_NONE)
		return 0;
	for (i = 0; i < p->nentries; i++) {
		struct vw_policy_entry *e = &p->entries[i];
		__u8 *dsn = &e->prof.ext_cap[VW_EXT_CAP_DSN];

		if (VW_RULE_READ(*dsn) == VW_SCRUB) {
			*dsn = VW_RULE(VW_AUDIT, VW_RULE_WRITE(*dsn));
			e->degraded |= VW_DEGRADED_SCRUB;
		}
		if (e->has_serial) {
			e->has_serial = 0;
			e->degraded |= VW_DEGRADED_SERIAL;
		}
		changed += e->degraded != 0;
	}
	p->lockdown = mode;
	return changed;
}

void vw_policy_degraded_text(const struct vw_policy *p, int entry, char *buf, size_t len)
{
	const struct vw_policy_entry *e = &p->entries[entry];

	snprintf(buf, len, "%s%s%s", e->degraded & VW_DEGRADED_SCRUB ? "dsn read scrub applies as audit" : "",
		 e->degraded == (VW_DEGRADED_SCRUB | VW_DEGRADED_SERIAL) ? "; " : "",
		 e->degraded & VW_DEGRADED_SERIAL ? "virtual serial not applied" : "");
}

void vw_policy_say_degraded(const struct vw_policy *p, const char *prefix)
{
	char what[96];
	int i;

	for (i = 0; i < p->nentries; i++) {
		if (!p->entries[i].degraded)
			continue;
		vw_policy_degraded_text(p, i, what, sizeof(what));
		vw_msg(VW_WARNING, "%s%s (line %d): %s\n", prefix, p->entries[i].label, p->entries[i].line, what);
	}
}
