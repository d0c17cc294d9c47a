// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO device ioctls that change config space behind the guard ('ioctls:'
 * rules, include/vw_ioctl.h): every rule class allowed, audited and denied
 * with exact counters and events; VFIO_DEVICE_RESET and LOW_POWER_ENTRY
 * refused with PMCSR and COMMAND unchanged in sysfs (and, as the control,
 * LOW_POWER_ENTRY allowed does put the device in D3hot); a hot reset's event
 * names every device behind the group fds passed; QEMU starts under the
 * default policy, and its ioctls are counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* the Power Management capability's offset, from sysfs; 0 if none */
static unsigned pm_cap(const char *bdf)
{
	__u8 cfg[256];
	unsigned p, n;

	if (vw_sysfs_cfg_read(bdf, 0, cfg, sizeof(cfg)) != (ssize_t)sizeof(cfg))
		return 0;
	for (p = cfg[0x34] & 0xfc, n = 0; p >= 0x40 && n < 48; p = cfg[p + 1] & 0xfc, n++)
		if (cfg[p] == 0x01)
			return p;
	return 0;
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
	pm = pm_cap(o->bdf);
	CHECK(pm != 0, "%s has no Power Management capability in sysfs", o->bdf);
	printf("  %s: PM capability at 0x%02x, group %d; %s: group %d\n", d.bdf, pm, d.group_id, peer.bdf,
	       peer.group_id);
	for (act = 0; act < 3; act++)
		each_class(act, &d, &peer, pm);
	refused_change_nothing(&d, pm);	/* still under the deny policy */
	unreadable_feature_refused(&d);
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
