// SPDX-License-Identifier: GPL-2.0
/*
 * Preemption stress. Run in every VM boot; it is the test that matters on a
 * fully preemptible kernel (the matrix boots 6.12 with preempt=full, and 7.3
 * has no other mode): there the kernel preempts BPF programs mid-run, and a
 * tracing program preempted on a CPU is skipped for the next task there. The
 * veto must not be one of those (it runs as a BPF LSM program).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>

#include "vw_test.h"
#include "vmtest.h"
#include "cli.h"
#include "stress.h"

enum { WRITERS = 6, READERS = 2, ROUNDS = 1500 };

struct stress_arg {
	struct vw_dev *d;
	unsigned id, dsn_off;
	const uint8_t *real;
	long leaked, refused_allowed, other_errors, serial_leaks, reads;
};

static void *stress_writer(void *p)
{
	struct stress_arg *a = p;
	uint32_t cmd = 0;
	int i, rc;

	vw_cfg_read(a->d, 0x04, 2, &cmd);
	for (i = 0; i < ROUNDS; i++) {
		rc = vw_cfg_write(a->d, UNASSIGNED, 4, 0x5eed0000u | (a->id << 12) | (unsigned)i);
		if (rc == 0)
			a->leaked++;
		else if (rc != -EPERM)
			a->other_errors++;
		rc = vw_cfg_write(a->d, 0x04, 2, cmd);
		if (rc == -EPERM)
			a->refused_allowed++;
		else if (rc)
			a->other_errors++;
	}
	return NULL;
}

static void *stress_reader(void *p)
{
	struct stress_arg *a = p;
	uint8_t got[8];
	uint32_t vendor;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		memset(got, 0, sizeof(got));
		if (vw_cfg_pread(a->d, a->dsn_off + 4, got, 8) != 8) {
			a->other_errors++;
			continue;
		}
		a->reads++;
		if (!memcmp(got, a->real, 8))
			a->serial_leaks++;
	}
	/* a skipped scrub is detected at the thread's next VFIO access: make one */
	vw_cfg_read(a->d, 0x00, 2, &vendor);
	return NULL;
}

const char *preempt_model(void)
{
	static char model[32];
	char buf[128] = "", *l, *r;
	FILE *f = fopen("/sys/kernel/debug/sched/preempt", "r");

	if (!f && !mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		f = fopen("/sys/kernel/debug/sched/preempt", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	l = strchr(buf, '(');
	r = l ? strchr(l, ')') : NULL;
	if (!l || !r || r - l - 1 >= (long)sizeof(model))
		return "unknown";
	memcpy(model, l + 1, (size_t)(r - l - 1));
	model[r - l - 1] = 0;
	return model;
}

static long long global(const char *key)
{
	json_object *st = cli_status(), *v;
	long long n = st && json_object_object_get_ex(st, key, &v) ? json_object_get_int64(v) : -1;

	json_object_put(st);
	return n;
}

/* Runs of vfio_pci_config_rw's fexit (the DSN scrub) the kernel skipped so far. */
static long long skipped_fexit(void)
{
	json_object *st = cli_status();
	long long n = status_skipped_runs(st, "vw_config_rw_ex");

	json_object_put(st);
	return n;
}

void test_preempt_stress(struct vw_dev *d, unsigned dsn_off, const uint8_t real_serial[8], int scrubbed)
{
	struct stress_arg a[WRITERS + READERS];
	pthread_t th[WRITERS + READERS];
	long leaked = 0, refused = 0, other = 0, serial = 0, reads = 0;
	long long unjudged0 = global("contended"), unjudged;
	long long missed0 = global("scrub_missed"), missed, fexit0 = skipped_fexit(), fexit;
	uint8_t before[4], after[4];
	struct utsname u;
	int i;

	uname(&u);
	CHECK_EQ(vw_sysfs_cfg_read(d->bdf, UNASSIGNED, before, 4), 4);
	for (i = 0; i < WRITERS + READERS; i++) {
		a[i] = (struct stress_arg){ .d = d, .id = (unsigned)i, .dsn_off = dsn_off, .real = real_serial };
		pthread_create(&th[i], NULL, i < WRITERS ? stress_writer : stress_reader, &a[i]);
	}
	for (i = 0; i < WRITERS + READERS; i++) {
		pthread_join(th[i], NULL);
		leaked += a[i].leaked;
		refused += a[i].refused_allowed;
		other += a[i].other_errors;
		serial += a[i].serial_leaks;
		reads += a[i].reads;
	}
	unjudged = global("contended") - unjudged0;
	missed = global("scrub_missed") - missed0;
	fexit = skipped_fexit() - fexit0;
	printf("  DSN scrubs counted skipped: %lld; fexit runs the kernel skipped: %lld\n", missed, fexit);
	printf("  kernel %s (preemption: %s): %d denied writes, %ld got through; %d allowed writes, %ld refused "
	       "unjudged (status: %lld); %ld serial reads, %ld real\n", u.release,
	       preempt_model(), WRITERS * ROUNDS, leaked,
	       WRITERS * ROUNDS, refused, unjudged, reads, serial);
	CHECK_EQ(leaked, 0);
	CHECK_EQ(other, 0);
	CHECK_EQ(refused, unjudged);	/* every refusal of an allowed write is counted */
	/* the DSN scrub is a tracing program the kernel may skip under full
	 * preemption (README: Preemption): each miss must be reported, and with
	 * default preemption there are none */
	if (!scrubbed) {
		CHECK_EQ(serial, reads);	/* kernel lockdown: no scrub, every read audited */
		CHECK_EQ(missed, 0);
	} else {
		/* the scrub (fexit) runs for every armed read, whether or not the
		 * accounting fentry ran: a real serial means a skipped fexit, counted as
		 * missed unless the fentry was skipped too */
		CHECK(missed <= serial && serial <= fexit + missed, "%ld real serials, %lld scrubs counted "
		      "missed, %lld runs of the fexit skipped", serial, missed, fexit);
		if (!strcmp(preempt_model(), "voluntary") || !strcmp(preempt_model(), "none"))
			CHECK_EQ(serial, 0);
	}
	CHECK_EQ(vw_sysfs_cfg_read(d->bdf, UNASSIGNED, after, 4), 4);
	CHECK(!memcmp(before, after, 4), "unassigned bytes changed under stress");
}

VW_TEST(preempt_stress, stress, VW_ATTACHED | VW_LOG)
{
	test_preempt_stress(d, DSN, real_serial, !LOCKED);
}
