// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <libaudit.h>
#include <systemd/sd-journal.h>

#include "escape.h"
#include "events.h"
#include "layout.h"
#include "exit.h"
#include "msg.h"
#include "sinks.h"
#include "vm.h"
#include "vw_decide.h"
#include "vw_ioctl.h"

int vw_parse_audit_mode(const char *s, enum vw_audit_mode *out)
{
	if (!strcmp(s, "deny"))
		*out = VW_AUDIT_DENY;
	else if (!strcmp(s, "all"))
		*out = VW_AUDIT_ALL;
	else
		return -EINVAL;
	return 0;
}

int vw_audit_wants(enum vw_audit_mode mode, const struct vw_event *e)
{
	if (mode == VW_AUDIT_OFF || e->type == VW_EV_DEVICE)
		return 0;
	/* a bypass is an access nobody judged, a race a call that ran unlike judged: as grave as a denial */
	return mode == VW_AUDIT_ALL || e->action == VW_DENY || e->type == VW_EV_BYPASS || e->type == VW_EV_RACE;
}

/*
 * NAME="value", or NAME=HEX (audit's encoding, as the kernel's for untrusted
 * strings) when the value holds a space, a quote, a control character or a
 * byte past 0x7e. libaudit's own test lets a single quote through, and the
 * kernel wraps a user record's text in msg='...': a quote would end it early.
 */
static char *audit_nv(const char *name, const char *value)
{
	size_t n = strlen(value);
	char *hex, *out = NULL;

	if (!audit_value_needs_encoding(value, n) && !strchr(value, '\''))
		return audit_encode_nv_string(name, value, 0);
	hex = malloc(2 * n + 1);
	if (hex && audit_encode_value(hex, value, n) && asprintf(&out, "%s=%s", name, hex) < 0)
		out = NULL;
	free(hex);
	return out;
}

int vw_audit_text(const struct vw_event *e, const struct vw_vm *vm, char *buf, size_t len)
{
	char *name = vm && vm->name[0] ? audit_nv("vm", vm->name) : NULL;
	const char *source = vm ? vw_vm_source_name(vm->source) : NULL;
	char vmf[600];
	int n;

	/* vm_source: who chose the name (only libvirt-scope is libvirt's) */
	snprintf(vmf, sizeof(vmf), "%s vm_source=%s", name ? name : "vm=?", name && source ? source : "?");
	if (e->type == VW_EV_TPH)
		n = snprintf(buf, len, "op=tph action=%s device=%s vendor=%04x device_id=%04x tph_op=%u "
			     "vmm_pid=%u %s seq=%llu", vw_action_name(e->action), e->bdf, e->vendor, e->device_id,
			     e->tph_op, e->pid, vmf, (unsigned long long)e->seq);
	else if (e->type == VW_EV_RACE)
		n = snprintf(buf, len, "op=ioctl_race race=%s action=%s device=%s vendor=%04x device_id=%04x "
			     "judged_flags=0x%x used_flags=0x%x vmm_pid=%u tid=%u %s seq=%llu", vw_race_kind_name(e->race_kind),
			     e->on_race == VW_IOC_KILL ? "kill" : "audit", e->bdf, e->vendor, e->device_id,
			     e->judged_flags, e->ioc_flags, e->pid, e->tid, vmf, (unsigned long long)e->seq);
	else if (e->type == VW_EV_IOCTL)
		n = snprintf(buf, len, "op=ioctl action=%s device=%s vendor=%04x device_id=%04x ioctl=0x%x "
			     "feature_flags=0x%x vmm_pid=%u %s seq=%llu", vw_action_name(e->action), e->bdf, e->vendor,
			     e->device_id, e->ioc_cmd, e->ioc_flags, e->pid, vmf, (unsigned long long)e->seq);
	else
		n = snprintf(buf, len, "op=%s action=%s device=%s vendor=%04x device_id=%04x offset=0x%x "
			     "size=%u at=0x%x region=%s vmm_pid=%u %s seq=%llu", e->dir == VW_DIR_WRITE ? "write" : "read",
			     e->type == VW_EV_BYPASS ? "bypass" : vw_action_name(e->action), e->bdf, e->vendor, e->device_id, e->offset, e->size, e->at,
			     vw_region_name(vw_region_kind(e->at, e->cap)), e->pid, vmf,
			     (unsigned long long)e->seq);
	free(name);
	return n < 0 ? 0 : n >= (int)len ? (int)len - 1 : n;
}

int vw_sinks_open(struct vw_sinks *s)
{
	s->audit_fd = -1;
	if (s->audit != VW_AUDIT_OFF) {
		s->audit_fd = audit_open();
		if (s->audit_fd < 0) {
			vw_msg(VW_ERR, "vfio-warden: --linux-audit: cannot open the kernel audit socket: %s "
				"(needs CONFIG_AUDIT and CAP_AUDIT_WRITE)\n", strerror(errno));
			return VW_EXIT_NO_SUPPORT;
		}
	}
	return 0;
}

void vw_sinks_close(struct vw_sinks *s)
{
	if (s->audit_fd >= 0)
		audit_close(s->audit_fd);
	s->audit_fd = -1;
	if (s->audit_failed || s->journal_failed)
		vw_msg(VW_WARNING, "vfio-warden: %llu audit record(s) and %llu journal entr%s could not be sent "
			"(every event is still in the log)\n", s->audit_failed, s->journal_failed,
			s->journal_failed == 1 ? "y" : "ies");
}

/* sd-daemon priorities: a denial, a bypass or a race is a warning, an audit a notice. */
static int priority(const struct vw_event *e)
{
	return e->type == VW_EV_BYPASS || e->type == VW_EV_RACE || e->action == VW_DENY ? 4
	       : e->type == VW_EV_DEVICE ? 6 : 5;
}

int vw_journal_fields(const struct vw_event *e, const struct vw_vm *vm, const char *message, char **f)
{
	char name[VW_ESCAPE_MAX(128)], uuid[VW_ESCAPE_MAX(64)], msg[VW_ESCAPE_MAX(4096)];
	const char *source = vw_vm_source_name(vm->source);
	int n = 0, i;

	/* fields a process chose, escaped as the MESSAGE has them; the MESSAGE too, should it hold one */
	vw_text_escape(message, 4096, msg, sizeof(msg));
	vw_text_escape(vm->name, sizeof(vm->name), name, sizeof(name));
	vw_text_escape(vm->uuid, sizeof(vm->uuid), uuid, sizeof(uuid));
#define F(...) do { if (asprintf(&f[n], __VA_ARGS__) < 0) goto fail; n++; } while (0)
	F("MESSAGE=%s", msg);
	F("PRIORITY=%d", priority(e));
	F("SYSLOG_IDENTIFIER=vfio-warden");
	F("VFIO_WARDEN_TYPE=%s", e->type == VW_EV_BYPASS ? "bypass" : e->type == VW_EV_TPH ? "tph"
				 : e->type == VW_EV_IOCTL ? "ioctl" : e->type == VW_EV_RACE ? "race"
				 : e->type == VW_EV_DEVICE ? "device" : "config");
	F("VFIO_WARDEN_ACTION=%s", e->type == VW_EV_DEVICE ? "none"
				   : e->type == VW_EV_RACE && e->on_race == VW_IOC_KILL ? "kill"
				   : vw_action_name(e->action));
	F("VFIO_WARDEN_DEVICE=%.*s", (int)strnlen(e->bdf, sizeof(e->bdf)), e->bdf);
	F("VFIO_WARDEN_OP=%s", e->type == VW_EV_TPH ? "tph" : e->type == VW_EV_IOCTL || e->type == VW_EV_RACE ? "ioctl"
			       : e->dir == VW_DIR_WRITE ? "write" : "read");
	F("VFIO_WARDEN_OFFSET=0x%x", e->offset);
	F("VFIO_WARDEN_SIZE=%u", e->size);
	F("VFIO_WARDEN_VMM_PID=%u", e->pid);
	F("VFIO_WARDEN_VM=%s", name);
	/* who chose the name: only libvirt-scope is libvirt's */
	F("VFIO_WARDEN_VM_SOURCE=%s", vm->name[0] && source ? source : "");
	F("VFIO_WARDEN_VM_UUID=%s", uuid);
	F("VFIO_WARDEN_SEQ=%llu", (unsigned long long)e->seq);
#undef F
	return n;
fail:
	for (i = 0; i < n; i++)
		free(f[i]);
	return -ENOMEM;
}

static void to_journal(struct vw_sinks *s, const struct vw_event *e, const struct vw_vm *vm)
{
	char *text = NULL, *f[VW_JOURNAL_FIELDS];
	struct iovec iov[VW_JOURNAL_FIELDS];
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int rc, n, i;

	if (!m)
		return;
	vw_print_event(m, VW_FMT_TEXT, e);	/* escaped: text_who() in events.c */
	fclose(m);
	if (len && text[len - 1] == '\n')
		text[len - 1] = 0;
	n = vw_journal_fields(e, vm, text ? text : "", f);
	free(text);
	for (i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = f[i], .iov_len = strlen(f[i]) };
	rc = n < 0 ? n : sd_journal_sendv(iov, n);
	for (i = 0; i < n; i++)
		free(f[i]);
	if (rc < 0 && s->journal_failed++ % 1000 == 0)
		vw_msg(VW_ERR, "vfio-warden: --journal: sending to the journal failed: %s\n", strerror(-rc));
}

void vw_sinks_event(struct vw_sinks *s, const struct vw_event *e)
{
	struct vw_vm vm = {};
	char text[1024];

	if (!s->journal && !vw_audit_wants(s->audit, e))
		return;
	vw_vm_of(e->pid, e->start_ns, vw_cgroup_path(e->cgroup_id), &vm);
	if (s->journal)
		to_journal(s, e, &vm);
	if (s->audit_fd >= 0 && vw_audit_wants(s->audit, e)) {
		vw_audit_text(e, &vm, text, sizeof(text));
		/* res= is libaudit's: failed for a denial, success otherwise */
		if (audit_log_user_message(s->audit_fd, AUDIT_TRUSTED_APP, text, NULL, NULL, NULL,
					   e->action == VW_DENY ? 0 : 1) <= 0 &&
		    s->audit_failed++ % 1000 == 0)
			vw_msg(VW_ERR, "vfio-warden: --linux-audit: sending an audit record failed: %s\n",
				strerror(errno));
	}
}
