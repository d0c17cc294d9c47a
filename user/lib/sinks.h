/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where events go besides the log file: the kernel audit log (libaudit) and
 * the systemd journal (libsystemd), for the SIEMs and log pipelines a fleet
 * already runs. Both off unless asked for (run/log --linux-audit, --journal).
 */
#ifndef VW_SINKS_H
#define VW_SINKS_H

#include <stddef.h>
#include "vw_types.h"

struct vw_vm;

enum vw_audit_mode { VW_AUDIT_OFF, VW_AUDIT_DENY, VW_AUDIT_ALL };

struct vw_sinks {
	enum vw_audit_mode audit;
	int journal;
	int audit_fd;		/* netlink socket from audit_open(), -1 */
	unsigned long long audit_failed, journal_failed;
};

/* "deny" or "all"; 0 or -EINVAL. */
int vw_parse_audit_mode(const char *s, enum vw_audit_mode *out);
/* Open what is asked for; 0, or an exit code after saying why. */
int vw_sinks_open(struct vw_sinks *s);
void vw_sinks_close(struct vw_sinks *s);
/* Hand one event to every open sink. Failures are counted and said (rate-limited). */
void vw_sinks_event(struct vw_sinks *s, const struct vw_event *e);

/*
 * The audit record's text for an event: "op=write action=deny device=... ";
 * the kernel adds who sent it, libaudit adds exe=, hostname= and res=.
 * The VM's name (vm may be NULL) is hex-encoded when it needs to be, and
 * vm_source= says who chose it. Returns the length written (truncated to len).
 */
int vw_audit_text(const struct vw_event *e, const struct vw_vm *vm, char *buf, size_t len);

/*
 * The journal entry for an event: "NAME=value" strings into f (at most
 * VW_JOURNAL_FIELDS, each malloc'd: the caller frees them). message is the
 * event's text line; it and every value a process chose (the VM's name and
 * UUID) are escaped as the text log escapes them. Returns the count or -ENOMEM.
 */
#define VW_JOURNAL_FIELDS 16
int vw_journal_fields(const struct vw_event *e, const struct vw_vm *vm, const char *message, char **f);
/* Should this event go to the audit log in this mode? */
int vw_audit_wants(enum vw_audit_mode mode, const struct vw_event *e);

#endif
