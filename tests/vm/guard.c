// SPDX-License-Identifier: GPL-2.0
/*
 * The config-space guard under the default policy: unassigned writes denied
 * with their events, assigned writes and reads allowed, the paths other than
 * pread/pwrite judged over every byte they reach, other files untouched, and
 * four writer threads at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <pthread.h>
#include <sys/uio.h>
#include "vw_test.h"
#include "cli.h"
#include "vmtest.h"



VW_TEST(unassigned_writes_denied, guard, VW_ATTACHED | VW_LOG)
{
	static const uint32_t vals[] = { 0, 0x5a, 0x1234, 0, 0xa5c3e1f0 };
	uint8_t before[16], after[16];
	unsigned size;

	for (size = 1; size <= 4; size *= 2) {
		json_object *ev;

		CHECK_EQ(vw_sysfs_cfg_read(E1, UNASSIGNED, before, sizeof(before)), (long)sizeof(before));
		CHECK_EQ(vw_cfg_write(d, UNASSIGNED, size, vals[size]), -EPERM);
		CHECK_EQ(vw_sysfs_cfg_read(E1, UNASSIGNED, after, sizeof(after)), (long)sizeof(after));
		CHECK(!memcmp(before, after, sizeof(before)), "config at 0xf00 changed after a denied %u-byte write", size);
		CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "config", "device", E1, "op", "write",
				     "offset", num(UNASSIGNED), "size", num(size), "value", hexv(vals[size], size),
				     "action", "deny", "region", "unassigned", "errno", "1", NULL), 1);
		ev = events_find(EVFILE, "value", hexv(vals[size], size), NULL);
		CHECK(ev && !strcmp(json_object_get_string(json_object_object_get(ev, "vendor")), "8086") &&
		      !strcmp(json_object_get_string(json_object_object_get(ev, "device_id")), "10d3") &&
		      json_object_get_int(json_object_object_get(ev, "pid")) == getpid() &&
		      !strcmp(json_object_get_string(json_object_object_get(ev, "path")), "pwrite") &&
		      json_object_object_get(ev, "cgroup") && json_object_object_get(ev, "time"),
		      "event fields: %s", ev ? json_object_to_json_string(ev) : "none");
		json_object_put(ev);
	}
}

/* attached anew: its 4 KiB read must open a flood-aggregation key of its own
 * ("count": 1), not join one a test before it opened within the 1 s window */
VW_TEST(assigned_and_reads, guard, VW_FRESH | VW_LOG)
{
	long long allow0 = counter(E1, "write.allow"), audit0 = counter(E1, "read.audit");
	long long scrub0 = counter(E1, "read.scrub");
	uint8_t full[4096];
	uint32_t cmd = 0, v = 0;

	CHECK_EQ(vw_cfg_read(d, 0x04, 2, &cmd), 0);
	CHECK_EQ(vw_cfg_write(d, 0x04, 2, cmd), 0);	/* command register: assigned, allowed */
	CHECK_EQ(vw_cfg_read(d, 0x00, 4, &v), 0);
	CHECK_EQ(v, 0x10d38086);
	CHECK_EQ(vw_cfg_read(d, UNASSIGNED, 4, &v), 0);	/* unassigned read: allowed, audited */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "op", "read", "offset", num(UNASSIGNED),
			     "size", "4", "action", "audit", "region", "unassigned", "errno", "0", NULL), 1);
	CHECK_EQ(vw_cfg_pread(d, 0, full, sizeof(full)), 4096);	/* QEMU's start-up read */
	CHECK(full[0] == 0x86 && full[1] == 0x80, "full read vendor %02x%02x", full[1], full[0]);
	CHECK_EQ(counter(E1, "write.allow") - allow0, 1);
	if (LOCKED) {	/* no scrub under lockdown: the start-up read is audited, and succeeds */
		CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "op", "read", "offset", "0",
				     "size", "4096", "action", "audit", NULL), 1);
		CHECK_EQ(counter(E1, "read.audit") - audit0, 2);
		CHECK_EQ(counter(E1, "read.scrub") - scrub0, 0);
	} else {	/* the DSN inside makes the start-up read a scrub: the strongest action wins */
		CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "op", "read", "offset", "0", "size", "4096",
				     "action", "scrub", "region", "capability", "cap_name", "Device Serial Number",
				     "count", "1", NULL), 1);
		CHECK_EQ(counter(E1, "read.audit") - audit0, 1);
		CHECK_EQ(counter(E1, "read.scrub") - scrub0, 1);
	}
	CHECK_EQ(events_count(EVFILE, "device", E1, "offset", "4", NULL), 0);	/* allowed: counted, no event */
}

/*
 * Paths other than pread/pwrite (include/vw_extent.h): the veto cannot know
 * their exact bytes, so it judges every byte they could reach. preadv/pwritev:
 * from the offset to the end of config space; io_uring, read, write: all of it.
 * Under the default policy (unassigned writes denied, the DSN serial
 * scrubbed) every such write is refused and every such read scrubbed (audited
 * under lockdown, where scrub rules apply as audit).
 */
VW_TEST(other_paths, guard, VW_ATTACHED | VW_LOG)
{
	uint32_t v = 0x600df00d, r = 0, hdr = 0, cmd = 0;
	long long inexact_r0 = counter(E1, "inexact_read"), inexact_w0 = counter(E1, "inexact_write");
	long long bypass0 = counter(E1, "bypass");
	const char *read_action = lockdown_integrity() ? "read.audit" : "read.scrub";
	long long read_judged0 = counter(E1, read_action);
	struct iovec iov = { &v, 4 };
	struct io_uring ring;

	CHECK_EQ(vw_cfg_read(d, 0x04, 2, &cmd), 0);
	CHECK_EQ(pwritev(d->fd, &iov, 1, d->cfg_off + UNASSIGNED), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "path", "pwritev", "extent", "from_offset",
			     "offset", num(UNASSIGNED), "action", "deny", NULL), 1);
	/* the command register alone is allowed, but the iovec could reach unassigned bytes */
	iov.iov_base = &cmd;
	iov.iov_len = 2;
	CHECK_EQ(pwritev(d->fd, &iov, 1, d->cfg_off + 0x04), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "path", "pwritev", "offset", "4",
			     "action", "deny", NULL), 1);
	CHECK_EQ(vw_cfg_write(d, 0x04, 2, cmd), 0);	/* the same bytes by pwrite: exact, allowed */
	iov.iov_base = &r;
	iov.iov_len = 4;
	CHECK_EQ(preadv(d->fd, &iov, 1, d->cfg_off + 0), 4);
	CHECK_EQ(r, 0x10d38086);

	CHECK_EQ(io_uring_queue_init(4, &ring, 0), 0);
	v = 0x0ddba11;
	CHECK_EQ(vw_cfg_uring(&ring, d, 1, &v, 4, UNASSIGNED), -EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "path", "io_uring", "op", "write",
			     "extent", "any", "offset", "0", "size", "4096", "action", "deny", NULL), 1);
	CHECK_EQ(vw_cfg_uring(&ring, d, 0, &hdr, 4, 0), 4);
	CHECK_EQ(hdr, 0x10d38086);
	io_uring_queue_exit(&ring);

	/* read()/write() at the file position (0: BAR0), which other threads can move */
	v = 0x77777777;
	CHECK_EQ(write(d->fd, &v, 4), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "path", "write", "extent", "any",
			     "action", "deny", NULL), 1);
	CHECK_EQ(read(d->fd, &r, 4), 4);	/* BAR0, allowed: no config read is denied */

	/* preadv, io_uring and read(): 3 reads; pwritev twice, io_uring and write(): 4 writes */
	CHECK_EQ(counter(E1, "inexact_read") - inexact_r0, 3);
	CHECK_EQ(counter(E1, read_action) - read_judged0, 3);	/* the DSN serial is in their reach */
	CHECK_EQ(counter(E1, "inexact_write") - inexact_w0, 4);
	CHECK_EQ(counter(E1, "bypass") - bypass0, 0);
	/* pread/pwrite are exact */
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x5eed1e55), -EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "path", "pwrite", "extent", "exact",
			     "offset", num(UNASSIGNED), "size", "4", "value", "0x5eed1e55", NULL), 1);
}

VW_TEST(non_vfio_untouched, guard, VW_ATTACHED | VW_LOG)
{
	int lines0 = file_lines(EVFILE);
	char path[600];
	uint32_t v = 0x12345678, r = 0;
	uint8_t cfg[64];
	int fd;

	snprintf(path, sizeof(path), "%s/plain-file", RWDIR);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "open %s", path);
	CHECK_EQ(pwrite(fd, &v, 4, UNASSIGNED), 4);
	CHECK_EQ(pread(fd, &r, 4, UNASSIGNED), 4);
	CHECK_EQ(r, v);
	close(fd);
	CHECK_EQ(vw_sysfs_cfg_read(E1, 0, cfg, sizeof(cfg)), 64);
	/* nothing above produced an event: the next event is the sentinel's */
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x5e5e5e5e), -EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "value", "0x5e5e5e5e", NULL), 1);
	CHECK_EQ(file_lines(EVFILE), lines0 + 1);
}

struct thread_arg {
	struct vw_dev *d;
	int id, n, ok_allowed, ok_denied;
};

static void *writer(void *p)
{
	struct thread_arg *a = p;
	uint32_t cmd = 0;
	int i;

	vw_cfg_read(a->d, 0x04, 2, &cmd);
	for (i = 0; i < a->n; i++) {
		if (i & 1)
			a->ok_denied += vw_cfg_write(a->d, UNASSIGNED, 4, 0xbeef0000 | a->id) == -EPERM;
		else
			a->ok_allowed += vw_cfg_write(a->d, 0x04, 2, cmd) == 0;
	}
	return NULL;
}

VW_TEST(threads, guard, VW_ATTACHED | VW_LOG)
{
	enum { T = 4, N = 200 };
	struct thread_arg a[T];
	pthread_t th[T];
	long long deny0 = counter(E1, "write.deny"), allow0 = counter(E1, "write.allow");
	long long reached0 = counter(E1, "reached_write"), skipped0, skipped1;
	json_object *st0 = cli_status(), *st1;
	int i;

	for (i = 0; i < T; i++) {
		a[i] = (struct thread_arg){ .d = d, .id = i, .n = N };
		pthread_create(&th[i], NULL, writer, &a[i]);
	}
	for (i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < T; i++) {
		CHECK_EQ(a[i].ok_allowed, N / 2);
		CHECK_EQ(a[i].ok_denied, N / 2);
		CHECK_EQ(events_wait(EVFILE, N / 2, WAIT_S, "device", E1, "action", "deny",
				     "value", hexv(0xbeef0000 | i, 4), NULL), N / 2);
	}
	CHECK_EQ(counter(E1, "write.deny") - deny0, T * N / 2);
	CHECK_EQ(counter(E1, "write.allow") - allow0, T * N / 2);
	/* only allowed writes reach vfio: counted, or a run of the accounting fentry that the
	 * kernel skipped (a fully preemptible kernel skips a preempted tracing program's next
	 * run on that CPU; the campaign accounts for them the same way) */
	st1 = cli_status();
	skipped0 = status_skipped_runs(st0, "vw_config_rw");
	skipped1 = status_skipped_runs(st1, "vw_config_rw");
	json_object_put(st0);
	json_object_put(st1);
	CHECK_EQ(counter(E1, "reached_write") - reached0 + (skipped1 - skipped0), T * N / 2);
	CHECK_EQ(counter(E1, "bypass"), 0);
	CHECK_EQ(counter(E1, "lost"), 0);
	{	/* the veto runs as a BPF LSM program, which the kernel never skips */
		json_object *st = cli_status();

		CHECK_STR(json_object_get_string(json_object_object_get(st, "veto")), "bpf lsm");
		json_object_put(st);
	}
}
