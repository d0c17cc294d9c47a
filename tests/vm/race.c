// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO_DEVICE_FEATURE header race (include/vw_ioctl.h): one thread calls
 * the ioctl while another rewrites the header's flags between
 * SET|DMA_LOGGING_START (other_feature: allowed) and SET|LOW_POWER_ENTRY
 * (denied by the policy here). The veto reads the flags once, vfio copies them
 * again; a call that ran LOW_POWER_ENTRY after the veto judged DMA logging
 * returns 0 where every other outcome is EPERM (judged LOW_POWER_ENTRY:
 * refused) or ENOTTY (DMA logging: vfio-pci has no log_ops). So the caller
 * counts the races it won exactly, and every one must be in the counters
 * (ioctl_races.flags_changed) and in the log as a race event, none missed.
 * With on_race: kill, a forked child racing the same way dies by SIGKILL
 * before it can act on its first won race (it would say so through a pipe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vw_test.h"
#include "cli.h"
#include "race.h"
#include "vfio_util.h"
#include "vmtest.h"
#include "vw_ioctl.h"

#define JUDGED_OK  (VFIO_DEVICE_FEATURE_SET | VW_FEAT_DMA_LOGGING_START)
#define JUDGED_BAD (VFIO_DEVICE_FEATURE_SET | VW_FEAT_LOW_POWER_ENTRY)

static char out[1 << 16];

/* The two racing threads' shared state; the header is the ioctl's argument. */
struct racer {
	const struct vw_dev *d;
	volatile struct vfio_device_feature hdr;
	volatile int stop;
	double deadline;
	long want;		/* stop after this many won races */
	int notify_fd;		/* >= 0: write a byte for each won race (the kill test's child) */
	unsigned pm;		/* PM capability: the first won race must show D3hot */
	/* the caller's tally */
	long calls, eperm, enotty, won, other_errno;
	int d3_checked, d3_ok, exit_failed;
	pid_t tid;
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);	/* best effort: 1 CPU guests too */
}

static void *flipper(void *arg)
{
	struct racer *r = arg;

	pin_to_cpu(1);
	while (!r->stop) {
		r->hdr.flags = JUDGED_BAD;
		r->hdr.flags = JUDGED_OK;
	}
	return NULL;
}

static unsigned sysfs16(const char *bdf, unsigned off)
{
	__u16 v = 0xdead;

	return vw_sysfs_cfg_read(bdf, off, &v, 2) == 2 ? v : 0xdead;
}

static int wait_d3hot(const char *bdf, unsigned pm)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 100; i++) {
		if ((sysfs16(bdf, pm + 4) & 3) == 3)
			return 1;
		nanosleep(&ts, NULL);	/* polling the condition: the PCI core's runtime suspend */
	}
	return 0;
}

static int low_power_exit(const struct vw_dev *d)
{
	struct vfio_device_feature f = { .argsz = sizeof(f),
					 .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT };

	return ioctl(d->fd, VFIO_DEVICE_FEATURE, &f) < 0 ? errno : 0;
}

/* The calling thread: FEATURE calls on the flipping header until time or enough won races. */
static void race_calls(struct racer *r)
{
	pthread_t t;
	int rc;

	r->tid = syscall(SYS_gettid);
	r->hdr.argsz = sizeof(struct vfio_device_feature);
	r->hdr.flags = JUDGED_OK;
	pin_to_cpu(0);
	if (pthread_create(&t, NULL, flipper, r)) {
		CHECK(0, "pthread_create: %s", strerror(errno));
		return;
	}
	while (r->won < r->want && vw_now_s() < r->deadline) {
		rc = ioctl(r->d->fd, VFIO_DEVICE_FEATURE, (void *)&r->hdr) < 0 ? errno : 0;
		r->calls++;
		if (rc == EPERM) {
			r->eperm++;
			continue;
		}
		if (rc == ENOTTY) {
			r->enotty++;
			continue;
		}
		/* judged DMA logging, ran LOW_POWER_ENTRY: won */
		if (r->notify_fd >= 0 && write(r->notify_fd, "w", 1) != 1)
			r->exit_failed++;
		if (rc) {
			r->other_errno = rc;
			continue;
		}
		r->won++;
		if (!r->d3_checked && r->pm) {
			r->d3_checked = 1;
			r->d3_ok = wait_d3hot(r->d->bdf, r->pm);
		}
		r->exit_failed += low_power_exit(r->d) != 0;
	}
	r->stop = 1;
	pthread_join(t, NULL);
}

static void write_policy(const char *path, const char *on_race)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL, "cannot write %s", path);
	if (!f)
		return;
	fprintf(f, "version: 1\ndefault:\n  unassigned: {read: audit, write: deny}\n"
		   "  ioctls: {low_power_entry: deny%s%s}\n", on_race ? ", on_race: " : "", on_race ? on_race : "");
	fclose(f);
}

static long long races(const char *bdf, const char *kind)
{
	json_object *st = cli_status();
	char path[64];
	long long n;

	snprintf(path, sizeof(path), "ioctl_races.%s", kind);
	n = status_counter(st, bdf, path);
	json_object_put(st);
	return n;
}

/* Under on_race: audit (the default): every won race counted and reported, and only those. */
static void races_reported(const struct race_opts *o)
{
	const struct vw_dev *d = o->dev;
	struct racer r = { .d = d, .notify_fd = -1, .want = 5, .pm = vw_pm_cap(d->bdf) };
	long long fc0 = races(d->bdf, "flags_changed"), un0 = races(d->bdf, "unjudged"), fc, un;
	int ev0 = events_count(o->evfile, "type", "race", "device", d->bdf, NULL), ev;
	char tid[16], pol[512];
	json_object *e;

	snprintf(pol, sizeof(pol), "%s/race-audit.yaml", o->rwdir);
	write_policy(pol, NULL);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	r.deadline = vw_now_s() + o->seconds;
	race_calls(&r);
	printf("  %ld calls: %ld refused (judged LOW_POWER_ENTRY), %ld ENOTTY (DMA logging ran), "
	       "%ld won (judged DMA logging, LOW_POWER_ENTRY ran)%s, other errno %ld\n", r.calls, r.eperm, r.enotty,
	       r.won, r.d3_checked ? (r.d3_ok ? ", the first put the device in D3hot" : ", NO D3hot") : "",
	       r.other_errno);
	CHECK(r.calls > 0 && !r.other_errno, "unexpected errno %ld", r.other_errno);
	CHECK_EQ(r.exit_failed, 0);
	if (o->require_race)
		CHECK(r.won > 0, "no race won in %d s on parallel vCPUs (%ld calls)", o->seconds, r.calls);
	if (r.d3_checked)
		CHECK(r.d3_ok, "a won race did not put the device in D3hot: PMCSR 0x%04x", sysfs16(d->bdf, r.pm + 4));
	fc = races(d->bdf, "flags_changed");
	un = races(d->bdf, "unjudged");
	printf("  counters: flags_changed %lld -> %lld, unjudged %lld -> %lld\n", fc0, fc, un0, un);
	CHECK(fc0 >= 0 && fc == fc0 + r.won, "flags_changed %lld -> %lld for %ld won races", fc0, fc, r.won);
	CHECK_EQ(un, un0);
	snprintf(tid, sizeof(tid), "%d", r.tid);
	ev = events_wait(o->evfile, ev0 + r.won, WAIT_S, "type", "race", "device", d->bdf, NULL);
	CHECK(ev == ev0 + r.won, "race events %d -> %d for %ld won races", ev0, ev, r.won);
	CHECK_EQ(events_count(o->evfile, "type", "race", "device", d->bdf, "tid", tid, "race", "flags_changed",
			      "judged.feature", "DMA_LOGGING_START", "judged.action", "allow", "used.feature",
			      "LOW_POWER_ENTRY", "used.policy", "deny", "on_race", "audit", NULL),
		 (int)r.won);
	e = events_find_last(o->evfile, "type", "race", "device", d->bdf, NULL);
	if (e)
		printf("  event: %s\n", json_object_to_json_string(e));
	json_object_put(e);
}

/* Under on_race: kill: a forked child racing the same way dies by SIGKILL at its first won race. */
static void race_killed(const struct race_opts *o)
{
	const struct vw_dev *d = o->dev;
	long long k0 = races(d->bdf, "killed"), fc0 = races(d->bdf, "flags_changed"), k, fc;
	int p[2], st = 0, ev0 = events_count(o->evfile, "type", "race", "device", d->bdf, "on_race", "kill", NULL);
	char pol[512], pidbuf[16], b;
	pid_t pid;
	double until;

	snprintf(pol, sizeof(pol), "%s/race-kill.yaml", o->rwdir);
	write_policy(pol, "kill");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid == 0) {	/* the device fd is inherited: a VFIO group opens once */
		struct racer r = { .d = d, .notify_fd = p[1], .want = 1000000 };

		close(p[0]);
		r.deadline = vw_now_s() + o->seconds;
		race_calls(&r);
		_exit(3);	/* never won a race, or survived one */
	}
	close(p[1]);
	for (until = vw_now_s() + o->seconds + WAIT_S; waitpid(pid, &st, WNOHANG) == 0 && vw_now_s() < until;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);	/* polling the condition: the child's end */
	}
	if (vw_now_s() >= until) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	printf("  child %d: %s %d\n", pid, WIFSIGNALED(st) ? "killed by signal" : "exited with",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the racing child was not killed (status 0x%x)", st);
	CHECK(read(p[0], &b, 1) == 0, "the child went on after a won race: it was not killed before returning");
	close(p[0]);
	k = races(d->bdf, "killed");
	fc = races(d->bdf, "flags_changed");
	printf("  counters: killed %lld -> %lld, flags_changed %lld -> %lld\n", k0, k, fc0, fc);
	CHECK_EQ(k, k0 + 1);
	CHECK_EQ(fc, fc0 + 1);
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	CHECK_EQ(events_wait(o->evfile, ev0 + 1, WAIT_S, "type", "race", "device", d->bdf, "on_race", "kill", NULL),
		 ev0 + 1);
	CHECK_EQ(events_count(o->evfile, "type", "race", "device", d->bdf, "on_race", "kill", "pid", pidbuf,
			      "killed", "true", "used.feature", "LOW_POWER_ENTRY", NULL), 1);
	/* the call itself ran: the device is in low power until this process takes it out */
	CHECK_EQ(low_power_exit(d), 0);
}

void test_race(const struct race_opts *o)
{
	races_reported(o);
	if (o->require_race)
		race_killed(o);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
}

/*
 * On parallel vCPUs (boot.sh --tcg multi, which tells the guest VW_TCG=multi:
 * tests/vm/guest-race.sh) races must happen, and on_race: kill is tested too.
 * Under single-threaded TCG the vCPUs seldom overlap: 10 s, the accounting only
 * (every race won counted and reported, none extra).
 */
VW_TEST(race, ioctls, VW_ATTACHED | VW_LOG)
{
	const char *tcg = getenv("VW_TCG");
	int parallel = tcg && !strcmp(tcg, "multi");
	struct race_opts ro = { .dev = d, .rwdir = RWDIR, .evfile = EVFILE, .seconds = parallel ? 90 : 10,
				.require_race = parallel };

	printf("  %s vCPUs\n", parallel ? "parallel" : "single-threaded TCG");
	test_race(&ro);
}
