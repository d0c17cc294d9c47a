// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle under kill -9 (vw-selftest -t detach_interrupted,log_kill9):
 *
 * - a detach killed at each of its steps (VW_TEST_STOP_AT makes it stop there,
 *   then it gets SIGKILL): status, its exit code and metrics say whether the
 *   programs enforce, a write the policy denies shows which is true, and attach
 *   re-arms or finishes the detach; the same for `run` killed in its shutdown,
 *   recovered by `run --keep`.
 * - `log -o FILE` killed over and over while a flood fills the ring buffer:
 *   every line of FILE is whole JSON, no record is in it twice (seq), and the
 *   records' counts add up to the audit counter exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cli.h"
#include "vfio_util.h"
#include "vw_test.h"
#include "vmtest.h"


static char out[1 << 16];

/* `vfio-warden ARGS` started with VW_TEST_STOP_AT=step; returns once it stopped there (or exited). */
static pid_t spawn_stop_at(const char *step, const char *a1, const char *a2, const char *a3, const char *a4)
{
	pid_t pid;

	setenv("VW_TEST_STOP_AT", step, 1);
	pid = cli_spawn(a1, a2, a3, a4, NULL);
	unsetenv("VW_TEST_STOP_AT");
	return pid;
}

/* Wait for pid to stop at its step (SIGSTOP), then kill -9 it. 0, or -1 if it never stopped. */
static int kill_when_stopped(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		fprintf(stderr, "  pid %d did not stop at its step: status 0x%x\n", pid, st);
		return -1;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

static int metrics_has(const char *what)
{
	return cli_run(out, sizeof(out), "metrics", NULL) == 0 && strstr(out, what) != NULL;
}

/* status: its exit code; out holds its text. The first line printed. */
static int status_line(char *line, size_t len)
{
	int rc = cli_run(out, sizeof(out), "status", NULL);

	snprintf(line, len, "%.*s", (int)strcspn(out, "\n"), out);
	return rc;
}

/* After the kill: not enforcing, and everything says so. */
static void check_stood_down(struct vw_dev *d, const char *when)
{
	char line[256];
	int rc = status_line(line, sizeof(line)), wr;

	wr = vw_cfg_write(d, UNASSIGNED, 4, 0x92);
	printf("  %s: status exit %d \"%s\"; a denied write: %s\n", when, rc, line, wr ? strerror(-wr) : "succeeded");
	CHECK_EQ(rc, 8);
	CHECK(strstr(line, "attached: retired (detach interrupted): NOT enforcing") != NULL, "%s: %s", when, line);
	CHECK_EQ(wr, 0);	/* the truth status tells: nothing is enforced */
	CHECK(metrics_has("vfio_warden_attached 0\n") && strstr(out, "vfio_warden_detach_interrupted 1\n"),
	      "%s: metrics: %.400s", when, out);
}

/* After attach or run --keep recovered: enforcing, and everything says so. */
static void check_enforcing(struct vw_dev *d, const char *when)
{
	char line[256];
	int rc = status_line(line, sizeof(line)), wr;

	wr = vw_cfg_write(d, UNASSIGNED, 4, 0x93);
	printf("  %s: status exit %d \"%s\"; a denied write: %s\n", when, rc, line, wr ? strerror(-wr) : "succeeded");
	CHECK_EQ(rc, 0);
	CHECK(!strcmp(line, "attached: yes"), "%s: %s", when, line);
	CHECK_EQ(wr, -EPERM);
	CHECK(metrics_has("vfio_warden_attached 1\n") && strstr(out, "vfio_warden_detach_interrupted 0\n"),
	      "%s: metrics: %.400s", when, out);
}

static void test_detach_interrupted(struct vw_dev *d)
{
	/* each step of vw_detach at which a kill leaves the programs pinned, stood down */
	static const char *const steps[] = { "retired", "settled", "unpin-first" };
	char when[96], line[256];
	unsigned i;
	pid_t pid;
	int rc, wr;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", NULL), 0);
		CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x91), -EPERM);
		pid = spawn_stop_at(steps[i], "detach", "-q", NULL, NULL);
		CHECK_EQ(kill_when_stopped(pid), 0);
		snprintf(when, sizeof(when), "detach killed at %s", steps[i]);
		check_stood_down(d, when);
		if (i == 0) {	/* a reload writes the policy, and neither re-arms nor claims to */
			rc = cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL);
			wr = vw_cfg_write(d, UNASSIGNED, 4, 0x95);
			printf("  reload then: exit %d: %.*s; a denied write: %s\n", rc, (int)strcspn(out, "\n"), out,
			       wr ? strerror(-wr) : "succeeded");
			CHECK_EQ(rc, 8);
			CHECK_EQ(wr, 0);
			check_stood_down(d, "after a reload");
		}
		rc = cli_run(out, sizeof(out), "attach", "-q", NULL);
		printf("  attach after it: exit %d: %.*s\n", rc, (int)strcspn(out, "\n"), out);
		CHECK_EQ(rc, 0);
		snprintf(when, sizeof(when), "attach after detach killed at %s", steps[i]);
		check_enforcing(d, when);
		CHECK_EQ(cli_run(out, sizeof(out), "detach", "-q", NULL), 0);
	}
	/* killed once the "attached" marker is gone: detached as far as anyone can tell */
	CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", NULL), 0);
	pid = spawn_stop_at("unpinned", "detach", "-q", NULL, NULL);
	CHECK_EQ(kill_when_stopped(pid), 0);
	rc = status_line(line, sizeof(line));
	wr = vw_cfg_write(d, UNASSIGNED, 4, 0x94);
	printf("  detach killed at unpinned: status exit %d \"%s\"; a denied write: %s\n", rc, line,
	       wr ? strerror(-wr) : "succeeded");
	CHECK_EQ(rc, 5);
	CHECK_EQ(wr, 0);
	CHECK(metrics_has("vfio_warden_attached 0\n"), "metrics: %.300s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", NULL), 0);
	check_enforcing(d, "attach after detach killed at unpinned");
	CHECK_EQ(cli_run(out, sizeof(out), "detach", "-q", NULL), 0);

	/* `run` killed in its shutdown (it stands the vetoes down, then detaches); run --keep recovers */
	pid = spawn_stop_at("run-retired", "run", "-q", "-o", "/dev/null");
	CHECK_EQ(cli_wait_attached(1, WAIT_S), 0);
	kill(pid, SIGTERM);
	CHECK_EQ(kill_when_stopped(pid), 0);
	check_stood_down(d, "run killed in its shutdown");
	pid = cli_spawn("run", "--keep", "-q", "-o", "/dev/null", NULL);
	{	/* run --keep re-arms under the lock, then streams: wait for status to say so */
		double end = vw_now_s() + WAIT_S;

		while (cli_run(out, sizeof(out), "status", NULL) != 0 && vw_now_s() < end)
			usleep(50 * 1000);	/* polling a condition, bounded */
	}
	check_enforcing(d, "run --keep after run killed in its shutdown");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	CHECK_EQ(cli_run(out, sizeof(out), "detach", "-q", NULL), 0);
}

/* ---- the event log under kill -9 ---------------------------------------- */

static atomic_int flood_stop;

struct lc_flood {
	pthread_t th;
	const char *bdf;
	long issued;
};

/* Distinct reads (3,072 keys a thread): more than vw_agg merges, so most are records of their own. */
static void *lc_flood_main(void *arg)
{
	struct lc_flood *t = arg;
	struct vw_dev d = { .fd = -1 };
	uint32_t v;
	long i;

	if (vw_dev_open(&d, t->bdf))
		return NULL;
	for (i = 0; !atomic_load(&flood_stop); i++) {
		unsigned size = 1u << (i % 3);

		if (vw_cfg_read(&d, ((i / 3) % 1024) * 4, size, &v) == 0)
			t->issued++;
	}
	vw_dev_close(&d);
	return NULL;
}

static long long file_size(const char *f)
{
	struct stat st;

	return stat(f, &st) ? 0 : (long long)st.st_size;
}

/* FNV-1a: without seq (before it existed), a repeat was recognisable only as the same bytes */
static uint64_t lc_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h ? h : 1;
}

static int lc_seen(uint64_t *set, size_t cap, uint64_t h)
{
	size_t i = h & (cap - 1);

	while (set[i] && set[i] != h)
		i = (i + 1) & (cap - 1);
	if (set[i])
		return 1;
	set[i] = h;
	return 0;
}

struct log_tally {
	long lines, torn, no_seq, repeated;
	long long sum;	/* audit config accesses of bdf in the records, each record once */
};

static void tally_log(const char *file, const char *bdf, struct log_tally *t)
{
	size_t cap = 1 << 22, lcap = 0;
	uint64_t *set = calloc(cap, sizeof(*set));
	FILE *f = fopen(file, "r");
	char *line = NULL;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	while (f && set && (n = getline(&line, &lcap, f)) > 0) {
		json_object *e = NULL, *v;
		uint64_t key;

		t->lines++;
		if (line[n - 1] != '\n' || !(e = json_tokener_parse(line))) {
			t->torn++;
			continue;
		}
		if (json_object_object_get_ex(e, "seq", &v)) {
			key = json_object_get_uint64(v) | 1ULL << 63;
		} else {
			key = lc_hash(line) & ~(1ULL << 63);
			t->no_seq++;
		}
		if (lc_seen(set, cap, key ? key : 1)) {
			t->repeated++;
		} else if (json_object_object_get_ex(e, "type", &v) && !strcmp(json_object_get_string(v), "config") &&
			   json_object_object_get_ex(e, "device", &v) && !strcmp(json_object_get_string(v), bdf) &&
			   json_object_object_get_ex(e, "action", &v) && !strcmp(json_object_get_string(v), "audit")) {
			t->sum += json_object_object_get_ex(e, "count", &v) ? json_object_get_int64(v) : 1;
		}
		json_object_put(e);
	}
	free(line);
	free(set);
	if (f)
		fclose(f);
}

static void test_log_kill9(const char *bdf, const char *rwdir, int kills)
{
	static const char file[] = "/tmp/vw-kill9-events.jsonl";	/* guest-local: 9p is slow */
	struct lc_flood th[2] = { { .bdf = bdf }, { .bdf = bdf } };
	struct log_tally t;
	char pol[512];
	long long want = 0, lost = 0, grow;
	unsigned seed = 777;
	json_object *st0, *st1;
	double end;
	FILE *f;
	pid_t pid;
	int i, k;

	snprintf(pol, sizeof(pol), "%s/audit-all-kill9.yaml", rwdir);
	f = fopen(pol, "w");
	if (f) {
		fputs("version: 1\ndefault:\n  header: audit\n  capabilities: audit\n  unassigned: audit\n", f);
		fclose(f);
	}
	unlink(file);
	CHECK_EQ(cli_run(out, sizeof(out), "attach", "-q", "-p", pol, "--ringbuf-size", "16777216", NULL), 0);
	st0 = cli_status();
	atomic_store(&flood_stop, 0);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i].th, NULL, lc_flood_main, &th[i]);
	for (k = 0; k < kills; k++) {
		/* kill at a random point of the drain: after the file grew by 1..768 KiB */
		grow = file_size(file) + 1 + rand_r(&seed) % (768 * 1024);
		pid = cli_spawn("log", "-q", "-o", file, NULL);
		for (end = vw_now_s() + WAIT_S; file_size(file) < grow && vw_now_s() < end;)
			usleep(1000);	/* polling a condition (the file grew), bounded */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	atomic_store(&flood_stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i].th, NULL);
	/* a last reader, left to finish: every record must then be in the file, once */
	pid = cli_spawn("log", "-q", "-o", file, NULL);
	for (end = vw_now_s() + 120; vw_now_s() < end;) {
		st1 = cli_status();
		want = status_counter(st1, bdf, "read.audit") - status_counter(st0, bdf, "read.audit");
		lost = status_global(st1, "lost") - status_global(st0, "lost");
		json_object_put(st1);
		tally_log(file, bdf, &t);
		if (t.sum + lost >= want)
			break;
		usleep(200 * 1000);	/* polling a condition: the reader writing the log */
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	tally_log(file, bdf, &t);
	printf("  log -o killed %d times under a flood (%ld + %ld reads): %ld lines, %ld not whole JSON, "
	       "%ld repeated, %ld without seq; audit accesses in the records %lld for %lld judged, lost %lld\n",
	       kills, th[0].issued, th[1].issued, t.lines, t.torn, t.repeated, t.no_seq, t.sum, want, lost);
	CHECK_EQ(t.torn, 0);
	CHECK_EQ(t.repeated, 0);
	CHECK_EQ(t.no_seq, 0);
	/* the flood outruns the reader under TCG: what the full ring could not take is
	 * counted lost by the producer, one access per lost record (a record of its own:
	 * the counts vw_agg holds wait for room, never lost); the reader loses none */
	CHECK_EQ(t.sum + lost, want);
	json_object_put(st0);
	CHECK_EQ(cli_run(out, sizeof(out), "detach", "-q", NULL), 0);
}

/* detach (and run's shutdown) killed at each step: status/metrics/exit code, attach re-arms */
VW_TEST(detach_interrupted, lifecycle, VW_DETACHED)
{
	test_detach_interrupted(d);
}

/* `log -o FILE` killed under a flood: whole lines, no repeats, the exact sum (VW_KILL9_N kills) */
VW_TEST(log_kill9, lifecycle, VW_DETACHED)
{
	test_log_kill9(E1, RWDIR, getenv("VW_KILL9_N") ? atoi(getenv("VW_KILL9_N")) : 10);
}
