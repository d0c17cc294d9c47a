// SPDX-License-Identifier: GPL-2.0
/*
 * VM selftests for the config-space guard: run inside the guest booted by
 * tests/vm/boot.sh after tests/vm/guest-setup.sh --leave-second ENVFILE.
 * Every check goes through the real VFIO device file and asserts on what the
 * caller sees (errno, bytes), what the device holds (sysfs), and what
 * vfio-warden reports (events, counters).
 *
 *   vw-selftest ENVFILE           run the selftests
 *   vw-selftest --demo ENVFILE    drive demo traffic (make demo)
 *   vw-selftest --bench ENVFILE   ns per config read/write, tmpfs pread, pipe (make bench)
 *   vw-selftest --bench-empty lsm|all   hold empty programs on vfio-warden's hooks (make bench)
 *   vw-selftest --flood ENVFILE EVFILE RUN_PID SECONDS THREADS [check]   the flood (guest-flood.sh)
 *   vw-selftest --bytecode        only the shared judges as BPF bytecode (bytecode.c)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/vw_test.h"
#include "bench.h"
#include "flood.h"
#include "lifecycle.h"
#include "bytecode.h"
#include "cli.h"
#include "fleet.h"
#include "ioctls.h"
#include "tph_rev.h"
#include "demo-traffic.h"
#include "learn.h"
#include "vfio_util.h"
#include "vw_tph.h"
#include "stress.h"
#include "attack.h"
#include "review.h"

int vw_t_pass, vw_t_fail;

#define UNASSIGNED 0xf00
#define WAIT_S 60	/* bound for conditions in a TCG guest; never a fixed sleep */

static const char *E1, *E2, *IGB, *NVME, *RWDIR;
/* The guest kernel runs in lockdown=integrity: no DSN scrub, scrub rules apply as audit. */
static int LOCKED;
static char EVFILE[512];
static pid_t log_pid;
static char out[1 << 16];

static void start_log(void)
{
	unlink(EVFILE);
	log_pid = cli_spawn("log", "-q", "-o", EVFILE, NULL);
}

static void stop_log(void)
{
	if (log_pid > 0) {
		kill(log_pid, SIGTERM);
		waitpid(log_pid, NULL, 0);
	}
	log_pid = 0;
}

static const char *policy_path(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", RWDIR, name);
	return p[i];
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static const char *hexv(uint32_t v, unsigned size)
{
	static char b[8][16];
	static int i;

	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "0x%0*x", size * 2, v);
	return b[i];
}

static const char *num(long long v)
{
	static char b[8][24];
	static int i;

	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "%lld", v);
	return b[i];
}

static long long counter(const char *bdf, const char *path)
{
	json_object *st = cli_status();
	long long v = status_counter(st, bdf, path);

	json_object_put(st);
	return v;
}

/* Whether the guest booted with lockdown=integrity (securityfs brackets the mode). */
static int lockdown_integrity(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, "[integrity]") != NULL;
}

static int attach(const char *policy, const char *ringbuf)
{
	int rc;

	if (ringbuf)
		rc = cli_run(out, sizeof(out), "attach", "-q", "-p", policy, "--ringbuf-size", ringbuf, NULL);
	else if (policy)
		rc = cli_run(out, sizeof(out), "attach", "-q", "-p", policy, NULL);
	else
		rc = cli_run(out, sizeof(out), "attach", "-q", NULL);
	if (rc)
		fprintf(stderr, "attach failed (%d): %s\n", rc, out);
	return rc;
}

/* ---- default policy ---------------------------------------------------- */

static void test_unassigned_writes_denied(struct vw_dev *d)
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

static void test_assigned_and_reads(struct vw_dev *d)
{
	long long allow0 = counter(E1, "write.allow"), audit0 = counter(E1, "read.audit");
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
		CHECK_EQ(counter(E1, "read.scrub"), 0);
	} else {	/* the DSN inside makes the start-up read a scrub: the strongest action wins */
		CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E1, "op", "read", "offset", "0", "size", "4096",
				     "action", "scrub", "region", "capability", "cap_name", "Device Serial Number",
				     "count", "1", NULL), 1);
		CHECK_EQ(counter(E1, "read.audit") - audit0, 1);
		CHECK_EQ(counter(E1, "read.scrub"), 1);
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
static void test_other_paths(struct vw_dev *d)
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

static void test_non_vfio_untouched(struct vw_dev *d)
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

static void test_threads(struct vw_dev *d)
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


/* ---- Device Serial Number --------------------------------------------- */

#define DSN 0x140	/* e1000e; serial 52:54:00:ff:ff:12:34:56 for the default MAC */
static const uint8_t real_serial[8] = { 0x56, 0x34, 0x12, 0xff, 0xff, 0x00, 0x54, 0x52 };

static uint32_t rd32(struct vw_dev *d, unsigned off)
{
	uint32_t v = 0xdeadbeef;

	CHECK_EQ(vw_cfg_read(d, off, 4, &v), 0);
	return v;
}

/* Every read of 1/2/4/8 bytes at every offset around the DSN: serial bytes
 * are the virtual serial's, everything else what the device holds. */
static void check_scrubbed(struct vw_dev *d, const uint8_t *virt, const char *what)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	uint8_t sys[32], got[8], full[4096];
	unsigned off, si, i, bad = 0;

	CHECK_EQ(vw_sysfs_cfg_read(d->bdf, DSN - 8, sys, sizeof(sys)), 32);
	for (off = DSN - 8; off < DSN + 16; off++)
		for (si = 0; si < 4; si++) {
			memset(got, 0xaa, sizeof(got));
			if (vw_cfg_pread(d, off, got, sizes[si]) != (ssize_t)sizes[si]) {
				bad++;
				continue;
			}
			for (i = 0; i < sizes[si]; i++) {
				unsigned b = off + i;
				uint8_t want = b >= DSN + 4 && b < DSN + 12 ? virt[b - DSN - 4] : sys[b - (DSN - 8)];

				if (got[i] != want && bad++ < 3)
					printf("  %s: read %u@0x%x byte 0x%x = %02x, want %02x\n", what, sizes[si], off, b, got[i], want);
			}
		}
	CHECK(bad == 0, "%s: %u bytes wrong", what, bad);
	CHECK_EQ(vw_cfg_pread(d, 0, full, sizeof(full)), 4096);
	CHECK(!memcmp(full + DSN + 4, virt, 8), "%s: 4 KiB read carries the real serial", what);
	CHECK(!memcmp(full + DSN, sys + 8, 4), "%s: DSN header must stay real", what);
}

static void test_dsn_scrub(struct vw_dev *d)
{
	static const uint8_t zero[8];
	uint8_t sys[12];
	unsigned off;

	CHECK_EQ(vw_sysfs_cfg_read(E1, DSN, sys, 12), 12);
	CHECK(!memcmp(sys + 4, real_serial, 8), "sysfs (the host's view) shows the real serial");
	check_scrubbed(d, zero, "default scrub");
	CHECK_EQ(vw_sysfs_cfg_read(E1, DSN, sys, 12), 12);
	CHECK(!memcmp(sys + 4, real_serial, 8), "the host's own view is unchanged");
	for (off = DSN; off < DSN + 12; off++)
		CHECK_EQ(vw_cfg_write(d, off, 1, 0x00), -EPERM);
	CHECK_EQ(events_wait(EVFILE, 12, WAIT_S, "device", E1, "op", "write", "action", "deny",
			     "cap_name", "Device Serial Number", NULL), 12);
}

/*
 * Secure Boot hosts (lockdown=integrity): the serial cannot be rewritten. Every read
 * gets the real serial and is audited, QEMU's 4 KiB start-up read succeeds, writes
 * stay denied, and attach, status, map and `dsn set` all say so.
 */
static void test_dsn_lockdown(struct vw_dev *d)
{
	json_object *st = cli_status(), *deg;
	const char *scrub;

	check_scrubbed(d, real_serial, "lockdown: the real serial, audited");
	CHECK(events_wait(EVFILE, 1, WAIT_S, "device", E1, "op", "read", "offset", num(DSN + 4), "action", "audit",
			  "cap_name", "Device Serial Number", NULL) >= 1, "serial reads are audited");
	CHECK_STR(json_object_get_string(json_object_object_get(st, "lockdown")), "integrity");
	scrub = json_object_get_string(json_object_object_get(st, "dsn_scrub"));
	CHECK(scrub && !strncmp(scrub, "unavailable (lockdown=integrity", 31), "dsn_scrub: %s", scrub);
	deg = json_object_object_get(st, "degraded");
	CHECK(json_object_array_length(deg) == 1 &&
	      strstr(json_object_get_string(json_object_array_get_idx(deg, 0)), "default: dsn read scrub applies as audit"),
	      "degraded: %s", json_object_to_json_string(deg));
	json_object_put(st);
	/* a virtual serial is impossible here: refused, not ignored */
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 6);
	CHECK(strstr(out, "lockdown (integrity)"), "%s", out);
	/* map shows the verdict that applies: audit here, scrub on an unlocked host */
	CHECK_EQ(cli_run(out, sizeof(out), "map", "--json", E1, NULL), 0);
	CHECK(strstr(out, "\"name\":\"Device Serial Number\",\"version\":1,\"read\":\"audit\""), "map: %.300s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "map", "--json", "--lockdown", "none", E1, NULL), 0);
	CHECK(strstr(out, "\"read\":\"scrub\""), "map --lockdown none: %.300s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "get", E1, NULL), 0);
}

static void test_dsn_virtual(struct vw_dev *d)
{
	static const uint8_t v1[8] = { 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };
	static const uint8_t v2[8] = { 0x01, 0, 0, 0, 0, 0, 0, 0x02 };
	static const uint8_t zero[8];

	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 0);
	CHECK_EQ(rd32(d, DSN + 4), 0x44556677);	/* next read, no re-attach */
	CHECK_EQ(rd32(d, DSN + 8), 0x00112233);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "get", E1, NULL), 0);
	CHECK(strstr(out, "00-11-22-33-44-55-66-77"), "get: %s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "02:00:00:00:00:00:00:01", NULL), 0);
	check_scrubbed(d, v2, "second set");
	CHECK_EQ(vw_dev_reset(d), 0);	/* VFIO_DEVICE_RESET */
	CHECK_EQ(rd32(d, DSN + 4), 0x00000001);
	vw_dev_close(d);
	CHECK_EQ(vw_dev_open(d, E1), 0);	/* close and reopen */
	CHECK_EQ(rd32(d, DSN + 8), 0x02000000);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "clear", E1, NULL), 0);
	check_scrubbed(d, zero, "cleared");
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 0);
	check_scrubbed(d, v1, "set again");
	/* bad input changes nothing */
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-7g", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "0011223344556677", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11:22-33-44-55-66-77", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", "0000:00:1f.7", "00-11-22-33-44-55-66-77", NULL), 2);
	CHECK(strstr(out, "no PCI device"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", IGB, "00-11-22-33-44-55-66-77", NULL), 2);
	CHECK(strstr(out, "no Device Serial Number"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", "0000:00:00.0", "00-11-22-33-44-55-66-77", NULL), 2);
	CHECK(strstr(out, "not bound to vfio-pci"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "get", E1, NULL), 0);
	CHECK(strstr(out, "00-11-22-33-44-55-66-77"), "unchanged after bad input: %s", out);
	check_scrubbed(d, v1, "after bad input");
}

static void test_dsn_modes(struct vw_dev *d)
{
	static const char *fmt = "version: 1\ndefault:\n  unassigned: {read: audit, write: deny}\n"
				 "  capability:\n    dsn: {read: %s, write: deny}\n";
	const char *pol = policy_path("dsn-mode.yaml");
	char text[256];
	uint32_t v;
	int n;

	snprintf(text, sizeof(text), fmt, "allow");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	check_scrubbed(d, real_serial, "allow");
	snprintf(text, sizeof(text), fmt, "audit");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	/* one more audit event at the serial (under lockdown the earlier scrub reads were audits too) */
	n = events_count(EVFILE, "device", E1, "op", "read", "offset", num(DSN + 4), "action", "audit",
			 "cap_name", "Device Serial Number", NULL);
	CHECK_EQ(rd32(d, DSN + 4), 0xff123456);
	CHECK_EQ(events_wait(EVFILE, n + 1, WAIT_S, "device", E1, "op", "read", "offset", num(DSN + 4),
			     "action", "audit", "cap_name", "Device Serial Number", NULL), n + 1);
	snprintf(text, sizeof(text), fmt, "deny");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(vw_cfg_read(d, DSN + 4, 4, &v), -EPERM);
	CHECK_EQ(vw_cfg_read(d, DSN + 11, 1, &v), -EPERM);
	CHECK_EQ(vw_cfg_read(d, DSN, 4, &v), 0);	/* header: the chain stays walkable */
	CHECK_EQ(vw_cfg_read(d, DSN + 12, 4, &v), 0);
	snprintf(text, sizeof(text), fmt, "scrub");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	if (LOCKED) {	/* said even with -q, and the serial stays real */
		CHECK(strstr(out, "dsn read scrub applies as audit"), "reload under lockdown: %s", out);
		CHECK_EQ(rd32(d, DSN + 4), 0xff123456);
	} else {
		CHECK_EQ(rd32(d, DSN + 4), 0x44556677);	/* the virtual serial survived four reloads */
	}
	/* the first access after reload returns is judged by the new policy */
	write_file(pol, "version: 1\ndefault:\n  unassigned: {read: audit, write: allow}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0), 0);
	CHECK_EQ(rd32(d, DSN + 4), 0xff123456);	/* no scrub rule: the real serial at once */
	snprintf(text, sizeof(text), fmt, "scrub");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0), -EPERM);
	CHECK_EQ(rd32(d, DSN + 4), LOCKED ? 0xff123456 : 0x44556677);
}


/* ---- TPH: VFIO_DEVICE_PCI_TPH ------------------------------------------ */
/*
 * No Debian kernel has the proposed uAPI: a call the hook allows reaches the
 * driver and fails with ENOTTY; a call it refuses fails with EPERM.
 */
static struct {
	struct vw_tph_op op;
	struct vw_tph_entry ents[VW_TPH_MAX_ENTRIES];
} tph;

static int tph_call(struct vw_dev *d, void *arg)
{
	return ioctl(d->fd, VW_TPH_IOCTL, arg) ? errno : 0;
}

static int tph_st(struct vw_dev *d, unsigned op, unsigned count, unsigned cpu)
{
	unsigned i;

	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = vw_tph_st_argsz(count);
	tph.op.hdr.op = op;
	tph.op.st.count = count;
	for (i = 0; i < count && i < VW_TPH_MAX_ENTRIES; i++) {
		tph.ents[i].cpu = cpu;
		tph.ents[i].mem_type = VW_TPH_MEM_VM;
		tph.ents[i].index = i;
	}
	return tph_call(d, &tph);
}

static int tph_enable(struct vw_dev *d, unsigned mode)
{
	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = VW_TPH_FIXED_SIZE;
	tph.op.hdr.op = VW_TPH_OP_ENABLE;
	tph.op.ctrl.mode = mode;
	return tph_call(d, &tph);
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

static void test_tph_default(struct vw_dev *d)
{
	long long deny0 = counter(E1, "tph.deny");
	json_object *ev;

	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 2, "the guest needs 2 CPUs for caller-affinity tests");
	pin_to_cpu0();
	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = VW_TPH_FIXED_SIZE;
	tph.op.hdr.op = VW_TPH_OP_GET_CAP;
	CHECK_EQ(tph_call(d, &tph), ENOTTY);	/* allowed: the driver answers */
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 0), ENOTTY);	/* CPU 0: ours */
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 1), EPERM);	/* CPU 1: not in our affinity */
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, 1, 1), EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "device", E1, "op", "get_st", "action", "deny",
			     "reason", "entries_not_allowed", "refused_entries", "1", NULL), 1);
	/* a mixed batch: one CPU and one memory type out of 100 refuse the whole call */
	tph_st(d, VW_TPH_OP_GET_ST, 100, 0);
	tph.ents[37].cpu = 1;
	tph.ents[90].mem_type = 7;
	CHECK_EQ(tph_call(d, &tph), EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "count", "100", "refused_entries", "2", NULL), 1);
	ev = events_find(EVFILE, "type", "tph", "count", "100", NULL);
	{
		json_object *ents = ev ? json_object_object_get(ev, "entries") : NULL;
		json_object *e0 = ents ? json_object_array_get_idx(ents, 0) : NULL;
		json_object *e1 = ents ? json_object_array_get_idx(ents, 1) : NULL;

		CHECK(e0 && json_object_get_int(json_object_object_get(e0, "index")) == 37 &&
		      json_object_get_int(json_object_object_get(e0, "cpu")) == 1 &&
		      e1 && json_object_get_int(json_object_object_get(e1, "index")) == 90,
		      "offending entries: %s", ev ? json_object_to_json_string(ev) : "no event");
	}
	json_object_put(ev);
	/* the largest batch, all allowed: every one of 2048 entries checked, passed on */
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, VW_TPH_MAX_ENTRIES, 0), ENOTTY);
	tph.ents[2047].cpu = 1;
	CHECK_EQ(tph_call(d, &tph), EPERM);	/* ...and the very last one counts */
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_IV), ENOTTY);	/* IV: the default allows it */
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_DS), EPERM);	/* DS: tags the host cannot filter */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "op", "enable", "mode", "ds", "action", "deny", NULL), 1);
	/* malformed calls: passed to the driver (which refuses them), reported */
	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = 4;
	tph.op.hdr.op = VW_TPH_OP_GET_CAP;
	CHECK_EQ(tph_call(d, &tph), ENOTTY);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "action", "audit", "reason", "argsz_too_small", NULL), 1);
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 0, 0), ENOTTY);
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 5000, 0), ENOTTY);
	CHECK_EQ(tph_call(d, (void *)8), ENOTTY);	/* unreadable pointer */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "reason", "unreadable", NULL), 1);
	CHECK_EQ(counter(E1, "tph.deny") - deny0, 5);
}

static void test_tph_policy(struct vw_dev *d)
{
	const char *pol = policy_path("tph.yaml");

	write_file(pol, "version: 1\n"
		   "default:\n"
		   "  unassigned: {read: audit, write: deny}\n"
		   "  tph: {ops: [get_cap, get_st], cpus: \"1\", modes: [iv, ds]}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	pin_to_cpu0();
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 1), ENOTTY);	/* listed CPU, outside our affinity */
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 0), EPERM);	/* our CPU, not listed */
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, 1, 1), EPERM);	/* op not allowed */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "op", "set_st", "reason", "op_not_allowed", NULL), 1);
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_DS), EPERM);	/* enable itself is not allowed */
	write_file(pol, "version: 1\n"
		   "default:\n"
		   "  unassigned: {read: audit, write: deny}\n"
		   "  tph: {cpus: all, modes: [iv, ds]}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_DS), ENOTTY);
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, 2, 1), ENOTTY);
	write_file(pol, "version: 1\ndefault:\n  tph: {cpus: \"0-3,x\"}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 2);
	CHECK(strstr(out, "tph.yaml:3:"), "bad cpu list refused with a position: %s", out);
}

/* ---- overrides, reload, late binding ------------------------------------ */

static const char *default_layer =
	"default:\n"
	"  header: allow\n"
	"  capabilities: allow\n"
	"  unassigned: {read: audit, write: deny}\n"
	"  capability:\n"
	"    dsn: {read: scrub, write: deny}\n";

static void write_overrides(const char *path)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "version: 1\n%s"
		 "devices:\n"
		 "  - match: {bdf: \"%s\"}\n"
		 "    ranges:\n"
		 "      - {start: 0xf00, length: 4, write: allow}\n"
		 "  - match: {vendor: \"8086\", device: \"10d3\"}\n"
		 "    ranges:\n"
		 "      - {start: 0xf10, length: 4, write: allow}\n"
		 "  - match: {vendor: \"8086\", device: \"10c9\"}\n"
		 "    unassigned: {write: audit}\n"
		 "  - match: {bdf: \"%s\"}\n"	/* bound after attach: BPF looks its BDF up */
		 "    ranges:\n"
		 "      - {start: 0xf20, length: 4, write: allow}\n",
		 default_layer, E1, E2);
	write_file(path, text);
}

static void test_reload_overrides(struct vw_dev *d)
{
	struct vw_dev igb = { .fd = -1 }, nvme = { .fd = -1 };
	const char *pol = policy_path("overrides.yaml");
	json_object *st;

	write_overrides(pol);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	st = cli_status();
	CHECK_EQ(json_object_get_int(json_object_object_get(st, "generation")), 1);
	json_object_put(st);

	/* virtual serial survives reload (lockdown: none can be set, the real one shows) */
	CHECK_EQ(rd32(d, DSN + 4), LOCKED ? 0xff123456 : 0x44556677);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x1), 0);	/* per-BDF range */
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED + 4, 4, 0x2), -EPERM);	/* next dword: still default */
	CHECK_EQ(vw_cfg_write(d, 0xf10, 4, 0x3), 0);	/* vendor:device layer under the BDF layer */
	CHECK_EQ(vw_cfg_write(d, 0xf0e, 4, 0x4), -EPERM);	/* straddles 0xf0e..0xf11: any denied byte denies */
	CHECK_EQ(vw_dev_open(&igb, IGB), 0);
	CHECK_EQ(vw_cfg_write(&igb, UNASSIGNED, 4, 0x1a1a1a1a), 0);	/* vendor:device: audit */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", IGB, "op", "write", "action", "audit",
			     "value", "0x1a1a1a1a", NULL), 1);
	CHECK_EQ(vw_dev_open(&nvme, NVME), 0);
	CHECK_EQ(vw_cfg_write(&nvme, UNASSIGNED, 4, 0x1), -EPERM);	/* default layer */
	vw_dev_close(&igb);
	vw_dev_close(&nvme);
}

static void test_bound_after_attach(void)
{
	struct vw_dev d2 = { .fd = -1 };
	char cmd[256];
	json_object *st, *devs;
	const char *layout = NULL;
	json_object *layers = NULL;
	size_t i;

	snprintf(cmd, sizeof(cmd), "tests/vm/guest-setup.sh bind %s >/dev/null", E2);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(vw_dev_open(&d2, E2), 0);
	CHECK_EQ(vw_cfg_write(&d2, UNASSIGNED, 4, 0x2), -EPERM);	/* default layer, vfio's map */
	CHECK_EQ(vw_cfg_write(&d2, 0xf10, 4, 0x3), 0);	/* vendor:device selector from BPF */
	CHECK_EQ(vw_cfg_write(&d2, 0xf20, 4, 0x5), 0);	/* bdf selector from BPF */
	CHECK_EQ(vw_cfg_write(&d2, 0x04, 2, 0x0), 0);	/* header */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "device", "device", E2, NULL), 1);
	/* DSN found from vfio-pci's map; two devices, two serials */
	if (LOCKED) {	/* no scrub: E2's own serial (MAC ...:57), audited */
		CHECK_EQ(rd32(&d2, DSN + 4), 0xff123457);
		CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E2, "op", "read", "offset", num(DSN + 4),
				     "action", "audit", NULL), 1);
		CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E2, "aa-bb-cc-dd-ee-ff-00-11", NULL), 6);
	} else {
		CHECK_EQ(rd32(&d2, DSN + 4), 0);
		CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E2, "aa-bb-cc-dd-ee-ff-00-11", NULL), 0);
		CHECK_EQ(rd32(&d2, DSN + 4), 0xeeff0011);
		CHECK_EQ(rd32(&d2, DSN + 8), 0xaabbccdd);
	}
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E2, "action", "deny", "offset", num(UNASSIGNED), NULL), 1);
	st = cli_status();
	devs = json_object_object_get(st, "devices");
	for (i = 0; devs && i < json_object_array_length(devs); i++) {
		json_object *dj = json_object_array_get_idx(devs, i);

		if (strcmp(json_object_get_string(json_object_object_get(dj, "device")), E2))
			continue;
		layout = json_object_get_string(json_object_object_get(dj, "layout"));
		layers = json_object_object_get(dj, "policy");
	}
	CHECK_STR(layout, "vfio-pci map");
	/* BPF chose the layers as the loader does (vw_select.h), and says which */
	snprintf(cmd, sizeof(cmd), "bdf %s", E2);
	CHECK_STR(json_object_get_string(json_object_object_get(layers, "bdf")), cmd);
	CHECK_STR(json_object_get_string(json_object_object_get(layers, "vendor:device")), "vendor 8086:10d3");
	CHECK_STR(json_object_get_string(json_object_object_get(layers, "default")), "default");
	CHECK(layers && json_object_object_length(layers) == 3, "layers of %s: %s", E2,
	      layers ? json_object_to_json_string(layers) : "none");
	CHECK_EQ(status_counter(st, E2, "write.deny"), 1);
	CHECK_EQ(status_counter(st, E2, "write.allow"), 3);
	json_object_put(st);
	vw_dev_close(&d2);
}

/* Each file under tests/data/policies/bad/ names the line:col and message it must produce. */
static void test_bad_policies_change_nothing(struct vw_dev *d)
{
	FILE *ls = popen("ls tests/data/policies/bad/*.yaml", "r");
	char path[512], first[256], want[512];
	int n = 0, gen0;
	json_object *st = cli_status();

	gen0 = json_object_get_int(json_object_object_get(st, "generation"));
	json_object_put(st);
	while (ls && fgets(path, sizeof(path), ls)) {
		FILE *f;
		int lc_line = 0, lc_col = 0;

		path[strcspn(path, "\n")] = 0;
		f = fopen(path, "r");
		first[0] = 0;
		if (f) {
			if (!fgets(first, sizeof(first), f))
				first[0] = 0;
			fclose(f);
		}
		if (sscanf(first, "# expect: %d:%d", &lc_line, &lc_col) != 2)
			continue;	/* generated cases (huge files) are covered by the unit tests */
		n++;
		snprintf(want, sizeof(want), "%.400s:%d:%d:", path, lc_line, lc_col);
		CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", path, NULL), 2);
		CHECK(strstr(out, want) != NULL, "%s: wanted '%s' in: %s", path, want, out);
	}
	if (ls)
		pclose(ls);
	CHECK(n >= 20, "only %d malformed policies found", n);
	st = cli_status();
	CHECK_EQ(json_object_get_int(json_object_object_get(st, "generation")), gen0);
	json_object_put(st);
	/* enforcement unchanged: the overrides policy still allows 0xf00 and denies 0xf04 */
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x1), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED + 4, 4, 0x1), -EPERM);
}

static void test_check_hints(void)
{
	const char *pol = policy_path("hints.yaml");

	write_file(pol, "version: 1\n"
		   "devices:\n"
		   "  - match: {vendor: \"dead\"}\n"
		   "    unassigned: {write: audit}\n"
		   "  - match: {vendor: \"8086\", device: \"10c9\"}\n"
		   "    capability:\n"
		   "      sriov: {write: audit}\n"
		   "      tph: {write: deny}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "check", pol, NULL), 0);
	CHECK(strstr(out, ":3: hint: entry 'vendor dead' matches no PCI device"), "%s", out);
	CHECK(strstr(out, ":5: hint: entry 'vendor 8086:10c9': the rule for capability tph"), "%s", out);
	CHECK(!strstr(out, "capability sriov"), "igb has SR-IOV: no hint expected: %s", out);
}

static void test_cli_errors(void)
{
	CHECK_EQ(cli_run(out, sizeof(out), "attach", NULL), 4);
	CHECK(strstr(out, "already attached"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "bogus", NULL), 2);
	CHECK_EQ(system("setpriv --reuid=65534 --regid=65534 --clear-groups build/vfio-warden status >/dev/null 2>&1") >> 8, 3);
	CHECK_EQ(system("setpriv --reuid=65534 --regid=65534 --clear-groups build/vfio-warden detach >/dev/null 2>&1") >> 8, 3);
	/* pinned state is root-only */
	CHECK_EQ(system("setpriv --reuid=65534 --regid=65534 --clear-groups ls /sys/fs/bpf/vfio-warden >/dev/null 2>&1") >> 8 != 0, 1);
}

/*
 * lockdown=confidentiality also forbids bpf_probe_read_kernel and kprobes: attach must
 * refuse before loading anything, naming lockdown and the mode (exit 6), not dump a
 * verifier log. Raised at run time (securityfs allows raising, never lowering).
 */
static void test_lockdown_confidentiality(void)
{
	int fd = open("/sys/kernel/security/lockdown", O_WRONLY);

	CHECK(fd >= 0 && write(fd, "confidentiality", 15) == 15, "raising lockdown: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	CHECK_EQ(cli_run(out, sizeof(out), "attach", NULL), 6);
	CHECK(strstr(out, "lockdown is in confidentiality mode") && !strstr(out, "libbpf"),
	      "attach under confidentiality: %s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "status", NULL), 5);	/* nothing was pinned */
}

static void test_detach_restores(struct vw_dev *d)
{
	if (!LOCKED) {	/* a scrubbed, virtual serial right up to the detach */
		CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
		CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 0);
		CHECK_EQ(rd32(d, DSN + 4), 0x44556677);
	}
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
	/* the first access after detach returns: no program of ours left to scrub it */
	CHECK_EQ(rd32(d, DSN + 4), 0xff123456);
	CHECK_EQ(rd32(d, DSN + 8), 0x525400ff);
	CHECK_EQ(cli_run(out, sizeof(out), "status", NULL), 5);
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 5);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x0), 0);	/* plain vfio-pci behaviour again */
}

static void test_kill9_keeps_enforcement(struct vw_dev *d)
{
	char ev2[600];
	pid_t pid;

	snprintf(ev2, sizeof(ev2), "%s/run-events.jsonl", RWDIR);
	pid = cli_spawn("run", "-q", "-o", ev2, NULL);
	CHECK_EQ(cli_wait_attached(1, WAIT_S), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x99), -EPERM);
	CHECK_EQ(events_wait(ev2, 1, WAIT_S, "value", "0x00000099", "action", "deny", NULL), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x98), -EPERM);
	CHECK_EQ(cli_run(out, sizeof(out), "status", NULL), 0);
	/* a new log resumes the stream: the event written while nobody read is still there */
	start_log();
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "value", "0x00000098", "action", "deny", NULL), 1);
	stop_log();
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
	/* run without --keep detaches on SIGTERM */
	pid = cli_spawn("run", "-q", "-o", ev2, NULL);
	CHECK_EQ(cli_wait_attached(1, WAIT_S), 0);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	CHECK_EQ(cli_wait_attached(0, WAIT_S), 0);
}

/*
 * A 4 KiB ring buffer (13 records) and nobody reading. 2,000 reads over 100
 * dwords: the first of each is a record, or, the ring being full, the first
 * count of its key; the rest are counted (include/vw_aggregate.h). Nothing is
 * lost: the counts wait in vw_agg until the ring takes them. Then 5,000
 * distinct reads, more keys than vw_agg holds (4,096), with the ring full:
 * those get records of their own, and what the ring cannot take is lost and
 * counted. Either way the records' counts plus lost equal the audit counter.
 */
static void test_tiny_ringbuf(struct vw_dev *d)
{
	const char *pol = policy_path("audit-all.yaml");
	enum { N = 2000, M = 5000 };
	long long lost, audited;
	uint32_t v;
	int i, ok = 0, events;

	write_file(pol, "version: 1\ndefault:\n  header: audit\n  capabilities: audit\n  unassigned: audit\n");
	CHECK_EQ(attach(pol, "4096"), 0);
	for (i = 0; i < N; i++)
		ok += vw_cfg_read(d, (i % 100) * 4, 4, &v) == 0;
	CHECK_EQ(ok, N);
	audited = counter(E1, "read.audit");
	lost = counter(E1, "lost");
	CHECK_EQ(audited, N);
	CHECK_EQ(lost, 0);
	start_log();
	events = events_wait(EVFILE, N, WAIT_S, "type", "config", "device", E1, "op", "read", NULL);
	CHECK_EQ(events, N);
	stop_log();
	for (i = 0, ok = 0; i < M; i++)	/* 4096 one-byte reads, then 904 two-byte ones: all distinct */
		ok += vw_cfg_read(d, i % 4096, i < 4096 ? 1 : 2, &v) == 0;
	CHECK_EQ(ok, M);
	audited = counter(E1, "read.audit");
	lost = counter(E1, "lost");
	CHECK_EQ(audited, N + M);
	printf("  %d distinct reads, 4 KiB ring, nobody reading: lost %lld\n", M, lost);
	CHECK(lost > 0, "lost = %lld: more keys than vw_agg holds and a full ring lose records", lost);
	start_log();
	events = events_wait(EVFILE, (int)(M - lost), WAIT_S, "type", "config", "device", E1, "op", "read", NULL);
	CHECK_EQ(events + lost, M);
	json_object *st = cli_status();
	CHECK(json_object_get_int64(json_object_object_get(st, "lost")) >= lost, "global lost counter");
	json_object_put(st);
	stop_log();
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
}

/*
 * Floods (README "Floods"): 4 threads for 10 s with header/capability reads
 * audited and unassigned writes denied; the records' counts equal the
 * counters, nothing lost, denials keep deny records; then an idle task's
 * pending count comes within the window.
 */
static void test_flood(void)
{
	const char *pol = policy_path("flood.yaml");
	struct utsname u;
	struct flood_opts fo = { .bdf = E1, .evfile = EVFILE, .seconds = 10, .threads = 4, .check = 1, .deny = 1 };

	uname(&u);
	fo.kernel = u.release;
	write_file(pol, "version: 1\ndefault:\n  header: audit\n  capabilities: audit\n"
			"  unassigned: {read: audit, write: deny}\n");
	CHECK_EQ(attach(pol, NULL), 0);
	start_log();
	fo.run_pid = log_pid;
	flood_run(&fo);
	flood_idle_check(&fo);
	stop_log();
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
}

/* Wait (bounded) until process pid holds a BPF map: it got past its attached check. */
static int wait_holds_bpf_map(pid_t pid)
{
	char dir[64], path[384], target[64];
	struct dirent *de;
	int i, found = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	for (i = 0; i < WAIT_S * 20 && !found; i++) {
		DIR *d = opendir(dir);

		while (d && (de = readdir(d))) {
			ssize_t n;

			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n > 0 && (target[n] = 0, strstr(target, "bpf-map")))
				found = 1;
		}
		if (d)
			closedir(d);
		if (!found)
			usleep(50 * 1000);	/* polling the condition */
	}
	return found ? 0 : -1;
}

/*
 * `make attack`: the long campaign with crashes, restarts and reloads, then
 * concurrent CLI use: detach while a stream runs, two attaches at once.
 */
static int attack_main(const char *env)
{
	struct attack_opts ao = { .threads = 4, .chaos = 1, .reloads = 100,
				  .policy_a = "policies/default.yaml", .policy_b = "policies/strict.yaml" };
	pid_t a1, a2, run;
	int s1 = -1, s2 = -1, rs = -1;

	if (vw_env_load(env) || !getenv("E1000E_BDF"))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress reaches the host log as it happens */
	RWDIR = getenv("VW_RWDIR") ? getenv("VW_RWDIR") : "/tmp";
	snprintf(EVFILE, sizeof(EVFILE), "/tmp/vw-attack-events.jsonl");	/* guest-local, as in main() */
	ao.bdfs[0] = getenv("E1000E_BDF");
	ao.bdfs[1] = getenv("IGB_BDF");
	ao.bdfs[2] = getenv("NVME_BDF");
	ao.per_thread = getenv("VW_ATTACK_N") ? atol(getenv("VW_ATTACK_N")) : 25000;
	ao.evfile = EVFILE;
	ao.rwdir = RWDIR;
	ao.scrubbed = !lockdown_integrity();
	printf("== attack campaign: 4 threads x %ld config accesses, kill -9 / restart / 100 reloads\n",
	       ao.per_thread);
	CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", "-p", ao.policy_a, "--ringbuf-size", "67108864", NULL), 0);
	attack_campaign(&ao);

	printf("== concurrent CLI\n");
	/* detach while a stream runs: the stream ends cleanly (exit 0) */
	run = cli_spawn("log", "-q", "-o", "/dev/null", NULL);
	CHECK_EQ(wait_holds_bpf_map(run), 0);	/* streaming, not still starting */
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
	waitpid(run, &rs, 0);
	CHECK(WIFEXITED(rs) && WEXITSTATUS(rs) == 0, "log after detach: status %d", rs);
	/* and the `run --keep` the campaign left streaming */
	system("pkill -f 'vfio-warden run --keep' ; true");
	/* two attaches at once: one wins, the other is told why (4 attached / 7 busy) */
	a1 = cli_spawn("attach", "-q", NULL);
	a2 = cli_spawn("attach", "-q", NULL);
	waitpid(a1, &s1, 0);
	waitpid(a2, &s2, 0);
	s1 = WIFEXITED(s1) ? WEXITSTATUS(s1) : -1;
	s2 = WIFEXITED(s2) ? WEXITSTATUS(s2) : -1;
	printf("  two attaches at once: exit %d and %d\n", s1, s2);
	CHECK((s1 == 0) + (s2 == 0) == 1, "exactly one attach wins");
	CHECK((s1 == 4 || s1 == 7 || s1 == 0) && (s2 == 4 || s2 == 7 || s2 == 0), "the loser says why");
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
	{	/* every record the campaign streamed follows the event schema */
		const char *none[] = { NULL };

		check_events_schema(EVFILE, none);
	}
	printf("vm: ");
	return vw_test_done();
}

/* The QEMU tests alone (--fleet, --learn): on the nvme, which QEMU takes, attached for them. */
static void fleet_alone(const char *bdf)
{
	const char *none[] = { NULL };
	struct fleet_opts fo = { .bdf = bdf, .rwdir = RWDIR, .logs = none };

	test_fleet(&fo);
}

static void learn_alone(const char *bdf)
{
	struct learn_opts lo = { .bdf = bdf, .rwdir = RWDIR };

	test_learn(&lo);
}

static int run_alone(const char *envfile, const char *name, void (*test)(const char *bdf))
{
	const char *bdf;

	if (vw_env_load(envfile) || !(bdf = getenv("NVME_BDF")))
		return 2;
	RWDIR = getenv("VW_RWDIR") ? getenv("VW_RWDIR") : "/tmp";
	CHECK_EQ(attach(NULL, NULL), 0);
	test(bdf);
	cli_run(out, sizeof(out), "detach", NULL);
	printf("%s: ", name);
	return vw_test_done();
}

#define RUN(t, ...) do { printf("== %s\n", #t); t(__VA_ARGS__); } while (0)

int main(int argc, char **argv)
{
	struct vw_dev d = { .fd = -1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--demo")) {
		const char *bdfs[4];

		if (vw_env_load(argv[2]))
			return 2;
		bdfs[0] = getenv("E1000E_BDF");
		bdfs[1] = getenv("IGB_BDF");
		bdfs[2] = getenv("NVME_BDF");
		bdfs[3] = getenv("E1000E2_BDF");
		return demo_traffic(bdfs, 4);
	}
	if (argc == 3 && !strcmp(argv[1], "--attack"))
		return attack_main(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--lifecycle")) {	/* tests/vm/guest-lifecycle.sh */
		struct vw_dev ld = { .fd = -1 };

		if (vw_env_load(argv[2]) || !(E1 = getenv("E1000E_BDF")))
			return 2;
		RWDIR = getenv("VW_RWDIR") ? getenv("VW_RWDIR") : "/tmp";
		if (vw_dev_open(&ld, E1)) {
			fprintf(stderr, "cannot open %s: %s\n", E1, vw_errmsg());
			return 1;
		}
		RUN(test_detach_interrupted, &ld);
		vw_dev_close(&ld);
		RUN(test_log_kill9, E1, RWDIR, getenv("VW_KILL9_N") ? atoi(getenv("VW_KILL9_N")) : 40);
		printf("lifecycle: ");
		return vw_test_done();
	}
	if (argc == 3 && !strcmp(argv[1], "--learn"))	/* the learn tests alone, attached for them */
		return run_alone(argv[2], "learn", learn_alone);
	if (argc == 3 && !strcmp(argv[1], "--fleet"))	/* the fleet test alone, attached for it */
		return run_alone(argv[2], "fleet", fleet_alone);
	if (argc == 3 && !strcmp(argv[1], "--ioctls")) {	/* the ioctl rules alone, attached for them */
		struct ioctls_opts io = { .rwdir = getenv("VW_RWDIR") ? getenv("VW_RWDIR") : "/tmp" };

		if (vw_env_load(argv[2]) || !(io.bdf = getenv("E1000E_BDF")) || !(io.peer = getenv("IGB_BDF")) ||
		    !(io.qemu_bdf = getenv("NVME_BDF")))
			return 2;
		RWDIR = io.rwdir;
		snprintf(EVFILE, sizeof(EVFILE), "/tmp/vw-events.jsonl");
		io.evfile = EVFILE;
		CHECK_EQ(attach(NULL, NULL), 0);
		if (vw_t_fail) {
			printf("ioctls: ");
			return vw_test_done();
		}
		start_log();
		test_ioctls(&io);
		stop_log();
		cli_run(out, sizeof(out), "detach", NULL);
		snprintf(out, sizeof(out), "python3 tests/validate-events.py user/lib/events.schema.json %s 2>&1 | tail -n 5",
			 EVFILE);
		{
			FILE *p = popen(out, "r");
			size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;

			out[n] = 0;
			if (p)
				pclose(p);
			printf("%s", out);
			CHECK(strstr(out, " 0 invalid") && !strstr(out, "events: 0 valid"), "schema: %s", out);
		}
		printf("ioctls: ");
		return vw_test_done();
	}
	if (argc == 3 && !strcmp(argv[1], "--bench")) {
		if (vw_env_load(argv[2]) || !getenv("E1000E_BDF"))
			return 2;
		return bench_config(getenv("E1000E_BDF"), getenv("VW_BENCH_N") ? atoi(getenv("VW_BENCH_N")) : 2000);
	}
	if (argc == 3 && !strcmp(argv[1], "--bench-empty"))
		return bench_empty(argv[2]);
	if (argc >= 7 && !strcmp(argv[1], "--flood")) {	/* tests/vm/guest-flood.sh */
		struct utsname u;
		struct flood_opts fo = { .evfile = argv[3], .run_pid = atoi(argv[4]), .seconds = atoi(argv[5]),
					 .threads = atoi(argv[6]), .check = argc > 7 && !strcmp(argv[7], "check") };

		if (vw_env_load(argv[2]) || !(fo.bdf = getenv("E1000E_BDF")))
			return 2;
		uname(&u);
		fo.kernel = u.release;
		flood_run(&fo);
		if (fo.check)
			flood_idle_check(&fo);
		printf("flood: ");
		return vw_test_done();
	}
	if (argc == 2 && !strcmp(argv[1], "--bytecode")) {
		test_bytecode();
		printf("vm: ");
		return vw_test_done();
	}
	if (argc < 2 || vw_env_load(argv[1])) {
		fprintf(stderr, "usage: vw-selftest ENVFILE (from tests/vm/guest-setup.sh)\n");
		return 2;
	}
	E1 = getenv("E1000E_BDF");
	E2 = getenv("E1000E2_BDF");
	IGB = getenv("IGB_BDF");
	NVME = getenv("NVME_BDF");
	RWDIR = getenv("VW_RWDIR") ? getenv("VW_RWDIR") : "/tmp";
	if (!E1 || !E2 || !IGB || !NVME) {
		fprintf(stderr, "vw-selftest: env file lacks device BDFs\n");
		return 2;
	}
	/* guest-local: the streamer writes each event with its own write(), and the
	 * shared rwdir (9p under TCG) would make it the bottleneck */
	snprintf(EVFILE, sizeof(EVFILE), "/tmp/vw-events.jsonl");
	LOCKED = lockdown_integrity();
	printf("kernel lockdown: %s\n", LOCKED ? "integrity" : "none");

	RUN(test_bytecode);	/* needs no device: the judges' bytecode against their host build */
	/* nothing below means anything unattached, and each wait would run out its bound */
	if (attach(NULL, NULL)) {
		CHECK(0, "attach failed: %s", out);
		printf("vm: ");
		return vw_test_done();
	}
	start_log();
	if (vw_dev_open(&d, E1)) {
		fprintf(stderr, "cannot open %s: %s\n", E1, vw_errmsg());
		return 1;
	}
	RUN(test_unassigned_writes_denied, &d);
	RUN(test_assigned_and_reads, &d);
	if (LOCKED) {
		RUN(test_dsn_lockdown, &d);
		printf("== test_dsn_scrub, test_dsn_virtual: not under lockdown (the refusal is tested above)\n");
	} else {
		RUN(test_dsn_scrub, &d);
		RUN(test_dsn_virtual, &d);
	}
	RUN(test_other_paths, &d);
	RUN(test_tph_default, &d);
	RUN(test_non_vfio_untouched, &d);
	RUN(test_threads, &d);
	RUN(review_selftests, &(struct review_env){ E1, IGB, NVME, getenv("CXL_BDF"), EVFILE, LOCKED, DSN, real_serial });
	RUN(test_preempt_stress, &d, DSN, real_serial, !LOCKED);
	{	/* the adversarial campaign, short form (`make attack` runs the long one) */
		struct attack_opts ao = { .bdfs = { E1, IGB, NVME }, .threads = 4, .per_thread = 2500,
					  .evfile = EVFILE, .scrubbed = !LOCKED };

		RUN(attack_campaign, &ao);
	}
	RUN(test_reload_overrides, &d);
	RUN(test_bound_after_attach);
	RUN(test_bad_policies_change_nothing, &d);
	RUN(test_cli_errors);
	RUN(test_check_hints);
	RUN(test_dsn_modes, &d);
	RUN(test_tph_policy, &d);
	{	/* VFIO device ioctls: the 'ioctls:' rules, hot reset devices, QEMU under the default */
		struct ioctls_opts io = { .bdf = E1, .peer = IGB, .qemu_bdf = NVME, .rwdir = RWDIR, .evfile = EVFILE };

		RUN(test_ioctls, &io);
	}
	stop_log();
	{	/* learn from QEMU as the VFIO client, a read flood, --diff, import pciback */
		struct learn_opts lo = { .bdf = NVME, .rwdir = RWDIR };

		RUN(test_learn, &lo);
	}
	{	/* QEMU as the VFIO client: VM names, metrics, audit log, journal, schema */
		const char *logs[] = { EVFILE, "/tmp/vw-attack-events.jsonl", NULL };
		struct fleet_opts fo = { .bdf = NVME, .rwdir = RWDIR, .logs = logs };

		RUN(test_fleet, &fo);
	}
	RUN(test_detach_restores, &d);
	RUN(test_kill9_keeps_enforcement, &d);
	RUN(test_detach_interrupted, &d);
	RUN(test_log_kill9, E1, RWDIR, 10);
	RUN(test_tph_revisions, &(struct tph_rev_opts){ &d, EVFILE });
	RUN(test_tiny_ringbuf, &d);
	RUN(test_flood);
	vw_dev_close(&d);
	cli_run(out, sizeof(out), "detach", NULL);
	RUN(test_lockdown_confidentiality);	/* last: lockdown can only be raised until reboot */
	printf("vm: ");
	return vw_test_done();
}
