// SPDX-License-Identifier: GPL-2.0
/*
 * The judged TPH uAPI revision, chosen at attach (--tph-uapi). The Feb 2025
 * RFC puts TPH in VFIO_DEVICE_FEATURE 11 (VFIO_DEVICE_FEATURE_DMA_BUF on newer
 * kernels): with revision 1 judged, that call is NOT TPH (the kernel answers,
 * the TPH counters stay, the ioctl rules count it as dma_buf); with the RFC
 * judged, a GET_ST for a CPU outside the caller's affinity is refused (EPERM)
 * with an event naming the revision and the entry, an allowed one reaches the
 * driver, and revision 1's own ioctl is no longer TPH. No emulated device has
 * TPH: what reaches the driver fails there (ENOTTY, or EINVAL where feature 11
 * is DMA_BUF), as in the revision 1 tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vw_test.h"
#include "vmtest.h"
#include "cli.h"
#include "tph_rev.h"
#include "vfio_util.h"
#include "vw_tph_rev.h"


static char out[1 << 16];

/* The RFC's call: vfio_device_feature {argsz, flags}, then vfio_pci_tph
 * {argsz, flags, count} and count 20-byte vfio_pci_tph_info. */
static struct {
	__u32 argsz, flags;
	__u32 tph_argsz, tph_flags, count;
	__u8 info[4][20];
} rfc;

static int rfc_call(const struct vw_dev *d, __u32 dir, __u32 tph_flags, __u32 count, __u32 cpu)
{
	__u32 i;

	memset(&rfc, 0, sizeof(rfc));
	rfc.argsz = 8 + 12 + count * 20;
	rfc.flags = 11 | dir;
	rfc.tph_argsz = 12 + count * 20;
	rfc.tph_flags = tph_flags;
	rfc.count = count;
	for (i = 0; i < count && i < 4; i++) {
		memcpy(rfc.info[i], &cpu, 4);	/* cpu_id */
		rfc.info[i][8] = 0x4;		/* flags: volatile memory, a hint (ignored) */
		rfc.info[i][10] = (__u8)i;	/* index */
	}
	return ioctl(d->fd, VW_TPH_FEATURE_IOCTL, &rfc) ? errno : 0;
}

/* Revision 1's own call: GET_ST of one entry for cpu. */
static int v1_call(const struct vw_dev *d, __u32 cpu)
{
	struct {
		struct vw_tph_op op;
		struct vw_tph_entry e;
	} a = { .op = { .hdr = { .argsz = VW_TPH_FIXED_SIZE + VW_TPH_ENTRY_SIZE, .op = VW_TPH_OP_GET_ST },
			 .st = { .count = 1 } },
		.e = { .cpu = cpu } };

	return ioctl(d->fd, VW_TPH_IOCTL, &a) ? errno : 0;
}

static long long tph_counter(const char *bdf, const char *path)
{
	json_object *st = cli_status();
	long long n = status_counter(st, bdf, path);

	json_object_put(st);
	return n;
}

static long long tph_calls(const char *bdf)
{
	json_object *st = cli_status();
	long long n = status_counter(st, bdf, "tph.allow") + status_counter(st, bdf, "tph.audit") +
		      status_counter(st, bdf, "tph.deny");

	json_object_put(st);
	return n;
}

/* counters.ioctls.dma_buf: allow + audit + deny */
static long long dma_buf_calls(const char *bdf)
{
	json_object *st = cli_status(), *devs, *d, *v, *x;
	long long n = 0;
	size_t i;

	if (st && json_object_object_get_ex(st, "devices", &devs))
		for (i = 0; i < json_object_array_length(devs); i++) {
			d = json_object_array_get_idx(devs, i);
			if (strcmp(json_object_get_string(json_object_object_get(d, "device")), bdf) ||
			    !json_object_object_get_ex(d, "counters", &v) || !json_object_object_get_ex(v, "ioctls", &v) ||
			    !json_object_object_get_ex(v, "dma_buf", &v))
				continue;
			json_object_object_foreach(v, k, val) {
				(void)k;
				x = val;
				n += json_object_get_int64(x);
			}
		}
	json_object_put(st);
	return n;
}

static int judged_revision(void)
{
	json_object *st = cli_status();
	int id = json_object_get_int(json_object_object_get(st, "tph_uapi_revision"));

	json_object_put(st);
	return id;
}

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Revision 1 judged: the RFC's GET_ST for a foreign CPU is a plain feature call. */
static void rfc_not_tph_under_v1(const struct vw_dev *d)
{
	long long tph0, dma0;
	int rc;

	CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", NULL), 0);
	CHECK_EQ(judged_revision(), 1);
	CHECK_EQ(cli_run(out, sizeof(out), "status", NULL), 0);
	CHECK(strstr(out, "tph uapi judged: revision 1 (v1)") != NULL, "status: %.1500s", out);
	tph0 = tph_calls(d->bdf);
	dma0 = dma_buf_calls(d->bdf);
	rc = rfc_call(d, VW_TPH_FEATURE_GET, 2, 1, 1);
	CHECK(rc == ENOTTY || rc == EINVAL, "RFC GET_ST under revision 1: the kernel's answer, got %d (%s)", rc,
	      strerror(rc));
	CHECK_EQ(tph_calls(d->bdf), tph0);		/* not judged as TPH */
	CHECK_EQ(dma_buf_calls(d->bdf), dma0 + 1);	/* but by the ioctl rules, as feature 11 */
	CHECK_EQ(v1_call(d, 1), EPERM);			/* revision 1's own call is TPH */
	CHECK_EQ(tph_calls(d->bdf), tph0 + 1);
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
}

/* The RFC judged: its calls are TPH, revision 1's are not. */
static void rfc_judged(const struct vw_dev *d, const char *evfile)
{
	long long deny0, allow0, dma0;
	json_object *ev, *ents, *e0;
	pid_t log;
	int rc;

	CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", "--tph-uapi", "rfc-feature-2025", NULL), 0);
	CHECK_EQ(judged_revision(), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "status", NULL), 0);
	CHECK(strstr(out, "tph uapi judged: revision 2 (rfc-feature-2025)") != NULL, "status: %.1500s", out);
	/* a running attachment keeps its revision: asking another is refused */
	CHECK_EQ(cli_run(out, sizeof(out), "run", "--keep", "-q", "--tph-uapi", "v1", NULL), 2);
	CHECK(strstr(out, "fixed until detach") != NULL, "run --keep with another revision: %s", out);
	unlink(evfile);
	log = cli_spawn("log", "-q", "-o", evfile, NULL);
	deny0 = tph_counter(d->bdf, "tph.deny");
	allow0 = tph_counter(d->bdf, "tph.allow");
	dma0 = dma_buf_calls(d->bdf);
	CHECK_EQ(rfc_call(d, VW_TPH_FEATURE_GET, 2, 3, 1), EPERM);	/* GET_ST, CPU 1: not ours */
	CHECK_EQ(events_wait(evfile, 1, WAIT_S, "type", "tph", "tph_uapi", "rfc-feature-2025", "op", "get_st",
			     "action", "deny", "reason", "entries_not_allowed", "count", "3", "refused_entries", "3",
			     "errno", "1", NULL), 1);
	ev = events_find(evfile, "type", "tph", "op", "get_st", NULL);
	ents = ev ? json_object_object_get(ev, "entries") : NULL;
	e0 = ents ? json_object_array_get_idx(ents, 2) : NULL;
	CHECK(e0 && json_object_get_int(json_object_object_get(e0, "index")) == 2 &&
	      json_object_get_int(json_object_object_get(e0, "cpu")) == 1 &&
	      !strcmp(json_object_get_string(json_object_object_get(e0, "mem_type")), "vm") &&
	      !strcmp(json_object_get_string(json_object_object_get(e0, "why")), "cpu_not_allowed"),
	      "the refused entries, decoded from 20-byte infos: %s", ev ? json_object_to_json_string(ev) : "no event");
	json_object_put(ev);
	rc = rfc_call(d, VW_TPH_FEATURE_GET, 2, 3, 0);		/* CPU 0: allowed, reaches the driver */
	CHECK(rc == ENOTTY || rc == EINVAL, "allowed RFC GET_ST: the kernel's answer, got %d (%s)", rc, strerror(rc));
	CHECK_EQ(rfc_call(d, VW_TPH_FEATURE_SET, 0 | 2 << 3, 0, 0), EPERM);	/* ENABLE DS */
	CHECK_EQ(events_wait(evfile, 1, WAIT_S, "type", "tph", "tph_uapi", "rfc-feature-2025", "op", "enable",
			     "mode", "ds", "reason", "mode_not_allowed", NULL), 1);
	CHECK_EQ(tph_counter(d->bdf, "tph.deny"), deny0 + 2);
	CHECK_EQ(tph_counter(d->bdf, "tph.allow"), allow0 + 1);
	CHECK_EQ(dma_buf_calls(d->bdf), dma0);		/* none of them counted as dma_buf */
	rc = v1_call(d, 1);				/* revision 1's call: not TPH now */
	CHECK_EQ(rc, ENOTTY);
	CHECK_EQ(tph_counter(d->bdf, "tph.deny"), deny0 + 2);
	kill(log, SIGTERM);
	waitpid(log, NULL, 0);
	snprintf(out, sizeof(out), "python3 tests/validate-events.py user/lib/events.schema.json %s >/dev/null 2>&1",
		 evfile);
	CHECK_EQ(system(out), 0);
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
}

void test_tph_revisions(const struct tph_rev_opts *o)
{
	CHECK_EQ(cli_run(out, sizeof(out), "attach", "--tph-uapi", "v20", NULL), 2);
	CHECK(strstr(out, "unknown or undecoded TPH uAPI revision 'v20'") && strstr(out, "v1, rfc-feature-2025"),
	      "an unknown revision is refused, naming the ones this build decodes: %s", out);
	pin_cpu0();
	rfc_not_tph_under_v1(o->dev);
	rfc_judged(o->dev, o->evfile);
}

VW_TEST(tph_revisions, tph_rev, VW_DETACHED)
{
	test_tph_revisions(&(struct tph_rev_opts){ d, EVFILE });
}
