// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO device ioctls that change config space behind the guard ('ioctls:'
 * rules, include/vw_ioctl.h): every rule class allowed, audited and denied
 * with exact counters and events; VFIO_DEVICE_RESET and LOW_POWER_ENTRY
 * refused with PMCSR and COMMAND unchanged in sysfs (and, as the control,
 * LOW_POWER_ENTRY allowed does put the device in D3hot); a hot reset's event
 * names every device behind the group fds passed; QEMU starts under the
 * default policy, and its ioctls are counted. The same calls made as 32-bit
 * ioctls (int $0x80: compat_sys_ioctl, another LSM hook) are judged alike,
 * and a 32-bit pread of config space is judged over all of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vw_test.h"
#include "vmtest.h"
#include "cli.h"
#include "ioctls.h"
#include "vfio_util.h"
#include "vw_ioctl.h"
#include "vw_tph_uapi.h"


static char out[1 << 16];
static const struct ioctls_opts *O;

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void write_policy(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	CHECK(f != NULL, "cannot write %s", path);
}

/* counters.ioctls.CLASS.{allow,audit,deny} of bdf from one `status --json`; -1 if absent */
static void ioc_counters(const char *bdf, const char *cls, long long n[3])
{
	static const char *const acts[] = { "allow", "audit", "deny" };
	json_object *st = cli_status(), *devs, *d, *v, *x;
	size_t i;
	int k;

	n[0] = n[1] = n[2] = -1;
	if (st && json_object_object_get_ex(st, "devices", &devs))
		for (i = 0; i < json_object_array_length(devs); i++) {
			d = json_object_array_get_idx(devs, i);
			if (strcmp(json_object_get_string(json_object_object_get(d, "device")), bdf))
				continue;
			if (json_object_object_get_ex(d, "counters", &v) && json_object_object_get_ex(v, "ioctls", &v) &&
			    json_object_object_get_ex(v, cls, &v))
				for (k = 0; k < 3; k++)
					if (json_object_object_get_ex(v, acts[k], &x))
						n[k] = json_object_get_int64(x);
		}
	json_object_put(st);
}

/* counters.ioctls.CLASS.ACTION of bdf, -1 if absent */
static long long ioc_counter(const char *bdf, const char *cls, const char *action)
{
	long long n[3];

	ioc_counters(bdf, cls, n);
	return n[!strcmp(action, "audit") ? 1 : !strcmp(action, "deny") ? 2 : 0];
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

/* VFIO_DEVICE_FEATURE with flags and len bytes of data (zeros, or data) */
static int feature(const struct vw_dev *d, __u32 flags, const void *data, size_t len)
{
	struct {
		struct vfio_device_feature f;
		__u8 data[64];
	} a;

	memset(&a, 0, sizeof(a));
	a.f.argsz = sizeof(a.f) + len;
	a.f.flags = flags;
	if (data)
		memcpy(a.data, data, len);
	return xioctl(d->fd, VFIO_DEVICE_FEATURE, &a);
}

static int hot_reset(const struct vw_dev *d, const struct vw_dev *peer)
{
	struct {
		struct vfio_pci_hot_reset h;
		__s32 fds[2];
	} a;

	memset(&a, 0, sizeof(a));
	a.h.argsz = sizeof(a);
	a.h.count = 2;
	a.fds[0] = d->group;
	a.fds[1] = peer->group;
	return xioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, &a);
}

static int set_irqs(const struct vw_dev *d)
{
	struct vfio_irq_set s = { .argsz = sizeof(s), .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				  .index = VFIO_PCI_MSI_IRQ_INDEX, .start = 0, .count = 0 };

	return xioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s);	/* MSI off: it is off already */
}

/* config word at off from sysfs (the PCI core's view, not VFIO's) */
static unsigned sysfs16(const char *bdf, unsigned off)
{
	__u16 v = 0xdead;

	if (vw_sysfs_cfg_read(bdf, off, &v, 2) != 2)
		return 0xdead;
	return v;
}

/* Wait (bounded) for the device's PMCSR power state to become want. */
static int wait_power_state(const char *bdf, unsigned pm, unsigned want)
{
	int i;

	for (i = 0; i < 100; i++) {
		if ((sysfs16(bdf, pm + 4) & 3) == want)
			return 1;
		pause_ms(100);
	}
	return 0;
}

static const char *const actions[] = { "allow", "audit", "deny" };

/* One class's call; 0 or errno. LOW_POWER_ENTRY that went through waits for D3hot. */
static int call_class(int cls, const struct vw_dev *d, const struct vw_dev *peer, unsigned pm, int *d3)
{
	__u32 op = 1;
	__u8 token[16] = { 1 };
	__u8 zero[32] = { 0 };
	int rc;

	switch (cls) {
	case VW_IOC_RESET:
		return xioctl(d->fd, VFIO_DEVICE_RESET, NULL);
	case VW_IOC_HOT_RESET:
		return hot_reset(d, peer);
	case VW_IOC_SET_IRQS:
		return set_irqs(d);
	case VW_IOC_LOW_POWER_ENTRY:
		rc = feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0);
		if (!rc && pm)
			*d3 = wait_power_state(d->bdf, pm, 3);
		return rc;
	case VW_IOC_LOW_POWER_EXIT:
		return feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0);
	case VW_IOC_BUS_MASTER:
		return feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_BUS_MASTER, &op, sizeof(op));
	case VW_IOC_DMA_BUF:
		return feature(d, VFIO_DEVICE_FEATURE_GET | VW_FEAT_DMA_BUF, zero, sizeof(zero));
	case VW_IOC_MIG:
		return feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION, zero, 8);
	case VW_IOC_VF_TOKEN:
		return feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, token, sizeof(token));
	case VW_IOC_PROBE:
		return feature(d, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0);
	}
	return -1;
}

/* Every rule class under one action for all: results, counters, events. */
static void each_class(int act, const struct vw_dev *d, const struct vw_dev *peer, unsigned pm)
{
	char pol[512], text[1024];
	int cls;

	snprintf(pol, sizeof(pol), "%s/ioctls-%s.yaml", O->rwdir, actions[act]);
	snprintf(text, sizeof(text),
		 "version: 1\ndefault:\n  unassigned: {read: audit, write: deny}\n  ioctls:\n"
		 "    {reset: %1$s, hot_reset: %1$s, set_irqs: %1$s, low_power_entry: %1$s, low_power_exit: %1$s,\n"
		 "     bus_master: %1$s, dma_buf: %1$s, migration: %1$s, vf_token: %1$s}\n", actions[act]);
	write_policy(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	for (cls = 0; cls <= VW_IOC_PROBE; cls++) {
		const char *name = vw_ioc_class_names[cls];
		/* probes are allowed whatever the rules say */
		int want = cls == VW_IOC_PROBE ? 0 : act;
		long long before[3], after[3];
		int ev0 = 0, rc, d3 = -1, k;

		ioc_counters(d->bdf, name, before);
		if (want)
			ev0 = events_count(O->evfile, "type", "ioctl", "rule", name, "action", actions[want],
					   "device", d->bdf, NULL);
		rc = call_class(cls, d, peer, pm, &d3);
		printf("  %-6s %-16s -> %s%s\n", actions[act], name, rc ? strerror(rc) : "ok",
		       d3 < 0 ? "" : d3 ? " (device reached D3hot)" : " (device did NOT reach D3hot)");
		if (want == 2)
			CHECK(rc == EPERM, "%s under deny: %s, expected EPERM", name, strerror(rc));
		else
			CHECK(rc != EPERM, "%s under %s refused", name, actions[act]);
		ioc_counters(d->bdf, name, after);
		for (k = 0; k < 3; k++)
			CHECK(before[k] >= 0 && after[k] == before[k] + (k == want), "%s.%s: %lld -> %lld under %s", name,
			      actions[k], before[k], after[k], actions[act]);
		if (want) {
			json_object *ev;

			CHECK_EQ(events_wait(O->evfile, ev0 + 1, WAIT_S, "type", "ioctl", "rule", name, "action",
					     actions[want], "device", d->bdf, NULL), ev0 + 1);
			ev = events_find_last(O->evfile, "type", "ioctl", "rule", name, "action", actions[want],
					      "device", d->bdf, NULL);
			CHECK(ev != NULL, "no %s event for %s", actions[want], name);
			if (ev && cls >= VW_IOC_LOW_POWER_ENTRY && cls <= VW_IOC_VF_TOKEN) {
				json_object *f = json_object_object_get(ev, "feature");

				CHECK_STR(json_object_get_string(json_object_object_get(ev, "ioctl")), "VFIO_DEVICE_FEATURE");
				CHECK(f != NULL, "%s event names no feature", name);
			}
			if (ev)
				CHECK_EQ(json_object_get_int(json_object_object_get(ev, "errno")), want == 2 ? EPERM : 0);
			json_object_put(ev);
		}
		if (cls == VW_IOC_LOW_POWER_ENTRY && d3 >= 0)
			CHECK(d3 == 1, "LOW_POWER_ENTRY went through but PMCSR never showed D3hot: 0x%04x",
			      sysfs16(d->bdf, pm + 4));
	}
}

/* Refused RESET and LOW_POWER_ENTRY leave PMCSR and COMMAND as they were. */
static void refused_change_nothing(const struct vw_dev *d, unsigned pm)
{
	unsigned cmd0 = sysfs16(d->bdf, 0x04), pmcsr0 = sysfs16(d->bdf, pm + 4);
	int d3 = -1;

	printf("  before: COMMAND 0x%04x PMCSR 0x%04x\n", cmd0, pmcsr0);
	CHECK_EQ(call_class(VW_IOC_RESET, d, NULL, pm, &d3), EPERM);
	CHECK_EQ(call_class(VW_IOC_LOW_POWER_ENTRY, d, NULL, pm, &d3), EPERM);
	CHECK_EQ(feature(d, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, NULL, 0),
		 EPERM);
	pause_ms(1000);	/* a runtime suspend would have happened by now */
	printf("  after:  COMMAND 0x%04x PMCSR 0x%04x\n", sysfs16(d->bdf, 0x04), sysfs16(d->bdf, pm + 4));
	CHECK_EQ(sysfs16(d->bdf, 0x04), cmd0);
	CHECK_EQ(sysfs16(d->bdf, pm + 4), pmcsr0);
	CHECK((pmcsr0 & 3) == 0, "the device was in D0 to begin with: PMCSR 0x%04x", pmcsr0);
}

/* A hot reset's event names the devices of every group passed, its own included. */
static void hot_reset_names_devices(const struct vw_dev *d, const struct vw_dev *peer)
{
	json_object *ev, *devs;
	int n0 = events_count(O->evfile, "type", "ioctl", "rule", "hot_reset", "action", "audit", "device", d->bdf,
			      NULL), rc;
	size_t i;
	int seen_self = 0, seen_peer = 0;

	rc = hot_reset(d, peer);
	printf("  hot reset under audit: %s\n", rc ? strerror(rc) : "ok");
	CHECK(rc != EPERM, "audited hot reset refused");
	/* the fds stay open until the event is written: it is resolved from /proc/PID/fd */
	CHECK_EQ(events_wait(O->evfile, n0 + 1, WAIT_S, "type", "ioctl", "rule", "hot_reset", "action", "audit",
			     "device", d->bdf, NULL), n0 + 1);
	/* the newest: the campaign's random hot resets (one group) are in the same log */
	ev = events_find_last(O->evfile, "type", "ioctl", "rule", "hot_reset", "action", "audit", "device", d->bdf,
			      NULL);
	devs = ev ? json_object_object_get(ev, "devices") : NULL;
	for (i = 0; devs && i < json_object_array_length(devs); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(devs, i));

		seen_self += !strcmp(s, d->bdf);
		seen_peer += !strcmp(s, peer->bdf);
	}
	printf("  event: %s\n", ev ? json_object_to_json_string(ev) : "(none)");
	CHECK(seen_self == 1 && seen_peer == 1, "the hot reset event names %s and %s once each", d->bdf, peer->bdf);
	if (ev) {
		CHECK_STR(json_object_get_string(json_object_object_get(ev, "ioctl")), "VFIO_DEVICE_PCI_HOT_RESET");
		CHECK_EQ(json_object_get_int(json_object_object_get(ev, "group_count")), 2);
		CHECK_EQ(json_object_get_int(json_object_array_get_idx(json_object_object_get(ev, "groups"), 0)),
			 d->group_id);
		CHECK_EQ(json_object_get_int(json_object_array_get_idx(json_object_object_get(ev, "groups"), 1)),
			 peer->group_id);
	}
	json_object_put(ev);
}

/* An unreadable feature header is refused, whatever the rules: the driver could fault it in. */
static void unreadable_feature_refused(const struct vw_dev *d)
{
	long long before = ioc_counter(d->bdf, "other_feature", "deny");

	CHECK_EQ(xioctl(d->fd, VFIO_DEVICE_FEATURE, NULL), EPERM);
	CHECK_EQ(ioc_counter(d->bdf, "other_feature", "deny"), before + 1);
	CHECK(events_wait(O->evfile, 1, WAIT_S, "type", "ioctl", "reason", "unreadable", NULL) >= 1,
	      "no event for the unreadable feature header");
}

/*
 * A system call through the i386 table (int $0x80) from this 64-bit program:
 * compat_sys_ioctl, compat pread64. Arguments in ebx, ecx, edx, esi, edi; the
 * kernel clobbers r8-r11 on the way back. 0 or more, or -errno.
 */
static long int80(long nr, __u32 a, __u32 b, __u32 c, __u32 d, __u32 e)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
		     : "memory", "cc", "r8", "r9", "r10", "r11");
	return (int)ret;
}

#define NR32_IOCTL 54		/* arch/x86/entry/syscalls/syscall_32.tbl */
#define NR32_PREAD64 180

/* ioctl through compat_sys_ioctl; arg must sit below 4 GiB. 0 or errno. */
static int ioctl32(int fd, __u32 cmd, const void *arg)
{
	long r = int80(NR32_IOCTL, fd, cmd, (__u32)(unsigned long)arg, 0, 0);

	return r < 0 ? (int)-r : 0;
}

static long long dev_counter(const char *bdf, const char *path)
{
	json_object *st = cli_status();
	long long n = status_counter(st, bdf, path);

	json_object_put(st);
	return n;
}

/* One refused ioctl class, native then 32-bit: both EPERM, each one deny and one event. */
static void compat_refused_like_native(const struct vw_dev *d, int cls, __u32 cmd, const void *arg32)
{
	const char *name = vw_ioc_class_names[cls];
	int ev0 = events_count(O->evfile, "type", "ioctl", "rule", name, "action", "deny", "device", d->bdf, NULL);
	long long n0[3], n1[3], n2[3];
	int native = -1, d3 = -1, rc;

	ioc_counters(d->bdf, name, n0);
	if (cls == VW_IOC_RESET || cls == VW_IOC_LOW_POWER_ENTRY)
		native = call_class(cls, d, NULL, 0, &d3);
	ioc_counters(d->bdf, name, n1);
	rc = ioctl32(d->fd, cmd, arg32);
	ioc_counters(d->bdf, name, n2);
	printf("  deny   %-16s native -> %s, int $0x80 -> %s; counters allow/audit/deny %lld/%lld/%lld -> "
	       "%lld/%lld/%lld -> %lld/%lld/%lld\n", name, native < 0 ? "-" : native ? strerror(native) : "ok",
	       rc ? strerror(rc) : "ok", n0[0], n0[1], n0[2], n1[0], n1[1], n1[2], n2[0], n2[1], n2[2]);
	CHECK_EQ(native, EPERM);
	CHECK(rc == EPERM, "%s via int $0x80 under deny: %s, expected EPERM", name, rc ? strerror(rc) : "ok");
	CHECK(n1[0] == n0[0] && n1[1] == n0[1] && n1[2] == n0[2] + 1, "%s native: deny +1", name);
	CHECK(n2[0] == n1[0] && n2[1] == n1[1] && n2[2] == n1[2] + 1, "%s via int $0x80: deny +1 as native", name);
	CHECK_EQ(events_wait(O->evfile, ev0 + 2, WAIT_S, "type", "ioctl", "rule", name, "action", "deny", "device",
			     d->bdf, NULL), ev0 + 2);
}

/*
 * 32-bit ioctls (int $0x80 from this 64-bit program; a 32-bit VMM alike) reach
 * vfio-pci through compat_sys_ioctl, which calls security_file_ioctl_compat,
 * not security_file_ioctl: refused exactly as the native calls, counted and
 * reported alike, and PMCSR stays. A 32-bit pread64 of config space: the veto
 * does not decode the i386 registers (syscall 180 is not the x86_64 pread64),
 * so it judges the read over all of config space (extent any, path unknown).
 */
static void compat_calls(const struct vw_dev *d, unsigned pm)
{
	char pol[512];
	struct compat_args {
		struct vfio_device_feature lpe;		/* LOW_POWER_ENTRY */
		struct {
			struct vw_tph_op op;
			struct vw_tph_entry e;
		} tph;					/* revision 1 GET_ST, one entry */
		__u8 buf[16];
	} *a;
	unsigned pmcsr0 = sysfs16(d->bdf, pm + 4), cmd0 = sysfs16(d->bdf, 0x04);
	long long tph0, rd0, inexact0;
	int ev0, rc;
	long r;
	__u16 vid = 0;

	a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	CHECK(a != MAP_FAILED && (unsigned long)a < (1UL << 32), "MAP_32BIT buffer: %p", (void *)a);
	if (a == MAP_FAILED)
		return;
	snprintf(pol, sizeof(pol), "%s/ioctls-compat.yaml", O->rwdir);
	write_policy(pol, "version: 1\ndefault:\n  unassigned: {read: deny, write: deny}\n"
			  "  ioctls: {reset: deny, low_power_entry: deny}\n  tph: {ops: [get_cap]}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	printf("  before: COMMAND 0x%04x PMCSR 0x%04x\n", cmd0, pmcsr0);

	compat_refused_like_native(d, VW_IOC_RESET, VFIO_DEVICE_RESET, NULL);
	memset(a, 0, sizeof(*a));
	a->lpe.argsz = sizeof(a->lpe);
	a->lpe.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
	compat_refused_like_native(d, VW_IOC_LOW_POWER_ENTRY, VFIO_DEVICE_FEATURE, &a->lpe);

	/* the judged TPH revision's call (revision 1): GET_ST, an op the policy leaves out */
	a->tph.op.hdr.argsz = VW_TPH_FIXED_SIZE + VW_TPH_ENTRY_SIZE;
	a->tph.op.hdr.op = VW_TPH_OP_GET_ST;
	a->tph.op.st.count = 1;
	tph0 = dev_counter(d->bdf, "tph.deny");
	ev0 = events_count(O->evfile, "type", "tph", "op", "get_st", "reason", "op_not_allowed", "device", d->bdf,
			   NULL);
	CHECK_EQ(xioctl(d->fd, VW_TPH_IOCTL, &a->tph), EPERM);
	rc = ioctl32(d->fd, VW_TPH_IOCTL, &a->tph);
	printf("  deny   tph get_st         int $0x80 -> %s; tph.deny %lld -> %lld\n", rc ? strerror(rc) : "ok", tph0,
	       dev_counter(d->bdf, "tph.deny"));
	CHECK(rc == EPERM, "TPH GET_ST via int $0x80: %s, expected EPERM", rc ? strerror(rc) : "ok");
	CHECK_EQ(dev_counter(d->bdf, "tph.deny"), tph0 + 2);
	CHECK_EQ(events_wait(O->evfile, ev0 + 2, WAIT_S, "type", "tph", "op", "get_st", "reason", "op_not_allowed",
			     "device", d->bdf, NULL), ev0 + 2);

	pause_ms(1000);	/* a runtime suspend would have happened by now */
	printf("  after:  COMMAND 0x%04x PMCSR 0x%04x\n", sysfs16(d->bdf, 0x04), sysfs16(d->bdf, pm + 4));
	CHECK_EQ(sysfs16(d->bdf, 0x04), cmd0);
	CHECK_EQ(sysfs16(d->bdf, pm + 4), pmcsr0);
	CHECK((pmcsr0 & 3) == 0, "the device was in D0 to begin with: PMCSR 0x%04x", pmcsr0);
	if ((sysfs16(d->bdf, pm + 4) & 3) != 0) {	/* the 32-bit call got through: wake it for the next tests */
		a->lpe.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
		ioctl32(d->fd, VFIO_DEVICE_FEATURE, &a->lpe);
	}

	/* pread64 of the vendor ID (allowed), natively: exact; through the i386 table: all of config space */
	rd0 = dev_counter(d->bdf, "read.deny");
	inexact0 = dev_counter(d->bdf, "inexact_read");
	ev0 = events_count(O->evfile, "type", "config", "path", "unknown", "extent", "any", "action", "deny", "device",
			   d->bdf, NULL);
	CHECK_EQ(vw_cfg_pread(d, 0, &vid, 2), 2);
	CHECK_EQ(vid, 0x8086);
	r = int80(NR32_PREAD64, d->fd, (__u32)(unsigned long)a->buf, 2, (__u32)d->cfg_off, (__u32)(d->cfg_off >> 32));
	printf("  32-bit pread64 of the vendor ID (unassigned reads denied): %s; read.deny %lld -> %lld, "
	       "inexact_read %lld -> %lld\n", r < 0 ? strerror((int)-r) : "ok", rd0, dev_counter(d->bdf, "read.deny"),
	       inexact0, dev_counter(d->bdf, "inexact_read"));
	CHECK_EQ(r, -EPERM);
	CHECK_EQ(dev_counter(d->bdf, "read.deny"), rd0 + 1);
	CHECK_EQ(dev_counter(d->bdf, "inexact_read"), inexact0 + 1);
	CHECK_EQ(events_wait(O->evfile, ev0 + 1, WAIT_S, "type", "config", "path", "unknown", "extent", "any", "action",
			     "deny", "device", d->bdf, NULL), ev0 + 1);
	/* where every read is allowed, the 32-bit pread gets the bytes */
	write_policy(pol, "version: 1\ndefault:\n  unassigned: {read: allow, write: deny}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	r = int80(NR32_PREAD64, d->fd, (__u32)(unsigned long)a->buf, 2, (__u32)d->cfg_off, (__u32)(d->cfg_off >> 32));
	CHECK_EQ(r, 2);
	CHECK_EQ(a->buf[0] | a->buf[1] << 8, 0x8086);
	munmap(a, 4096);
}

/* QEMU (realize: SET_IRQS, FEATURE probes; machine reset: RESET) starts under the default policy. */
static void qemu_starts(void)
{
	char dev[64];
	int in[2], st = -1, i, alive = 0;
	long long irqs = 0, resets = 0, migs = 0;
	pid_t pid;

	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
	snprintf(dev, sizeof(dev), "vfio-pci,host=%s", O->qemu_bdf);
	if (pipe(in))
		return;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		dup2(null, 1);
		close(in[1]);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "64",
		       "-nodefaults", "-display", "none", "-S", "-monitor", "stdio", "-device", dev, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	for (i = 0; i < WAIT_S * 2; i++) {
		irqs = ioc_counter(O->qemu_bdf, "set_irqs", "allow");
		resets = ioc_counter(O->qemu_bdf, "reset", "allow");
		migs = ioc_counter(O->qemu_bdf, "migration", "allow") + ioc_counter(O->qemu_bdf, "probe", "allow");
		if (waitpid(pid, &st, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		if (irqs > 0 && resets > 0)
			break;
		pause_ms(500);
	}
	alive = pid > 0;
	printf("  QEMU %s: SET_IRQS %lld, RESET %lld, migration/probe features %lld allowed\n",
	       alive ? "running" : "exited", irqs, resets, migs);
	CHECK(alive, "QEMU exited under the default policy (status 0x%x)", st);
	CHECK(irqs > 0, "QEMU's SET_IRQS not counted");
	CHECK(resets > 0, "QEMU's RESET not counted");
	if (pid > 0) {
		if (write(in[1], "quit\n", 5) != 5)
			kill(pid, SIGTERM);
		for (i = 0; i < WAIT_S * 10 && waitpid(pid, &st, WNOHANG) == 0; i++)
			pause_ms(100);
		if (i == WAIT_S * 10) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "QEMU quit with status 0x%x", st);
	}
	close(in[1]);
	CHECK_EQ(ioc_counter(O->qemu_bdf, "set_irqs", "deny") + ioc_counter(O->qemu_bdf, "reset", "deny"), 0);
}

static void check_status_text(void)
{
	CHECK_EQ(cli_run(out, sizeof(out), "status", NULL), 0);
	CHECK(strstr(out, "tph uapi judged: revision 1") != NULL, "status names the TPH uAPI revision:\n%.2000s",
	      out);
	CHECK(strstr(out, "ioctls allow/audit/deny: reset(") != NULL, "status counts per ioctl:\n%.3000s", out);
	CHECK(strstr(out, "ioctl hooks: file_ioctl, file_ioctl_compat (32-bit)") != NULL,
	      "status shows the 32-bit ioctl hook attached:\n%.3000s", out);
}

void test_ioctls(const struct ioctls_opts *o)
{
	struct vw_dev d = { .fd = -1 }, peer = { .fd = -1 };
	unsigned pm;
	int act;

	O = o;
	if (vw_dev_open(&d, o->bdf) || vw_dev_open(&peer, o->peer)) {
		CHECK(0, "cannot open %s and %s: %s", o->bdf, o->peer, vw_errmsg());
		vw_dev_close(&d);
		return;
	}
	pm = vw_pm_cap(o->bdf);
	CHECK(pm != 0, "%s has no Power Management capability in sysfs", o->bdf);
	printf("  %s: PM capability at 0x%02x, group %d; %s: group %d\n", d.bdf, pm, d.group_id, peer.bdf,
	       peer.group_id);
	for (act = 0; act < 3; act++)
		each_class(act, &d, &peer, pm);
	refused_change_nothing(&d, pm);	/* still under the deny policy */
	unreadable_feature_refused(&d);
	compat_calls(&d, pm);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
	hot_reset_names_devices(&d, &peer);	/* the default policy audits hot resets */
	check_status_text();
	vw_dev_close(&peer);
	vw_dev_close(&d);
	qemu_starts();
}

/* VFIO device ioctls: the 'ioctls:' rules, hot reset devices, QEMU under the default */
VW_TEST(ioctls, ioctls, VW_ATTACHED | VW_LOG)
{
	struct ioctls_opts io = { .bdf = E1, .peer = IGB, .qemu_bdf = NVME, .rwdir = RWDIR, .evfile = EVFILE };

	test_ioctls(&io);
}
