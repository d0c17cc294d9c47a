/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel lockdown (what UEFI Secure Boot switches on) and what it leaves of a policy.
 * integrity forbids bpf_probe_write_user, so the DSN serial cannot be rewritten: scrub
 * rules apply as audit and virtual serials do not apply. confidentiality also forbids
 * bpf_probe_read_kernel and kprobes, which every vfio-warden program needs.
 */
#ifndef VW_LOCKDOWN_H
#define VW_LOCKDOWN_H

#include <stdio.h>
#include "policy.h"

enum vw_lockdown {
	VW_LOCKDOWN_NONE = 0,
	VW_LOCKDOWN_INTEGRITY = 1,
	VW_LOCKDOWN_CONFIDENTIALITY = 2,
};

/* What a policy entry lost to lockdown (vw_policy_entry.degraded). */
#define VW_DEGRADED_SCRUB  0x1	/* capability dsn {read: scrub} applies as audit */
#define VW_DEGRADED_SERIAL 0x2	/* its virtual serial does not apply */

/* "none [integrity] confidentiality" (the bracketed word) or a bare mode name. */
int vw_lockdown_parse(const char *text, enum vw_lockdown *out);
const char *vw_lockdown_name(enum vw_lockdown mode);
/* The running kernel's mode, from /sys/kernel/security/lockdown (securityfs mounted if
 * needed); NONE where the lockdown LSM is not built in. */
enum vw_lockdown vw_lockdown_current(void);
/* Adapt a parsed policy to a mode: marks and rewrites what the mode makes impossible.
 * Returns how many entries changed. */
int vw_policy_adapt_lockdown(struct vw_policy *p, enum vw_lockdown mode);
/* One line per degraded entry, each starting with prefix. */
void vw_policy_say_degraded(const struct vw_policy *p, const char *prefix);
/* The same lines into a string (for status), "" when nothing was degraded. */
void vw_policy_degraded_text(const struct vw_policy *p, int entry, char *buf, size_t len);

#endif
