// SPDX-License-Identifier: GPL-2.0
/*
 * Floods (issue 11, README "Floods"): config accesses as fast as several
 * threads can issue them, with `run -o FILE` draining the log.
 *
 *   vw-selftest --flood ENVFILE EVFILE RUN_PID SECONDS THREADS [check]
 *
 * The caller (tests/vm/guest-flood.sh) has `run -p POLICY -o EVFILE` going as
 * RUN_PID. Prints the accesses issued, the records the flood produced, the sum
 * of their counts, the audit+deny counters, lost, and the drain rate: the
 * drainer stopped (SIGSTOP) while 2,500 distinct reads fill the ring (no two
 * alike, so none are merged), then timed from SIGCONT until the file holds
 * them all, 4 rounds; also per second of the drainer's CPU time.
 * With "check", asserts (CHECK): sum of counts == audit+deny counters, lost 0,
 * a deny record per denied access (when the policy denies the flood's writes),
 * and that a task's pending aggregate is reported within the window when it
 * goes idle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cli.h"
#include "flood.h"
#include "vfio_util.h"
#include "vw_test.h"
#include "vmtest.h"
#include "vw_aggregate.h"

#define FLOOD_UNASSIGNED 0xf00	/* e1000e: unassigned (the selftests' UNASSIGNED) */

struct flood_thread {
	pthread_t th;
	const char *bdf;
	double end;
	long issued, eperm, failed;
};

/* A guest hammering config space: header and capability reads, and every 64th access
 * a write into unassigned space (denied by the check's policy, audited by audit-all). */
static void *flood_main(void *arg)
{
	static const unsigned offs[] = { 0x00, 0x04, 0x08, 0x0c, 0x10, 0x2c, 0x34, 0x3c, 0xc8, 0xd0, 0xe0, 0x100 };
	struct flood_thread *t = arg;
	struct vw_dev d = { .fd = -1 };
	uint32_t v = 0;
	long i;
	int rc;

	if (vw_dev_open(&d, t->bdf))
		return NULL;
	for (i = 0; vw_now_s() < t->end; i++) {
		if (i % 64 == 63)
			rc = vw_cfg_write(&d, FLOOD_UNASSIGNED, 4, 0x5a5a5a5a);
		else
			rc = vw_cfg_read(&d, offs[i % 12], 1u << (i % 3), &v);
		t->issued++;
		if (rc == -EPERM)
			t->eperm++;
		else if (rc < 0)
			t->failed++;
	}
	vw_dev_close(&d);
	return NULL;
}

/* Records and the sum of their counts (audit/deny config records of bdf) from line `from`; deny ones apart. */
static void sum_records(const char *file, long from, const char *bdf, long *records, long long *sum, long *deny_records,
			long long *deny_sum)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	long n = 0;

	*records = *deny_records = 0;
	*sum = *deny_sum = 0;
	while (f && getline(&line, &cap, f) > 0) {
		json_object *e, *v;
		long long c;
		int deny;

		if (n++ < from || !(e = json_tokener_parse(line)))
			continue;
		if (json_object_object_get_ex(e, "type", &v) && !strcmp(json_object_get_string(v), "config") &&
		    json_object_object_get_ex(e, "device", &v) && !strcmp(json_object_get_string(v), bdf) &&
		    json_object_object_get_ex(e, "action", &v) &&
		    (!strcmp(json_object_get_string(v), "audit") || !strcmp(json_object_get_string(v), "deny"))) {
			deny = !strcmp(json_object_get_string(v), "deny");
			c = json_object_object_get_ex(e, "count", &v) ? json_object_get_int64(v) : 1;
			(*records)++;
			*sum += c;
			if (deny) {
				(*deny_records)++;
				*deny_sum += c;
			}
		}
		json_object_put(e);
	}
	free(line);
	if (f)
		fclose(f);
}

static long long judged_ad(json_object *st, const char *bdf)
{
	return status_counter(st, bdf, "read.audit") + status_counter(st, bdf, "write.audit") +
	       status_counter(st, bdf, "read.deny") + status_counter(st, bdf, "write.deny");
}

/* Wait (bounded) until the log's records of bdf from `from` account for `want` accesses. */
static long long wait_sum(const char *file, long from, const char *bdf, long long want, int timeout_s)
{
	double end = vw_now_s() + timeout_s;
	long records, deny_records;
	long long sum, deny_sum;

	for (;;) {
		sum_records(file, from, bdf, &records, &sum, &deny_records, &deny_sum);
		if (sum >= want || vw_now_s() > end)
			return sum;
		usleep(100 * 1000);	/* polling the streamer */
	}
}

/* Lines added to file since *off (updated): reads only what is new. */
static long new_lines(const char *file, long *off)
{
	char buf[65536];
	long n = 0;
	ssize_t got, i;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((got = pread(fd, buf, sizeof(buf), *off)) > 0) {
		for (i = 0; i < got; i++)
			n += buf[i] == '\n';
		*off += got;
	}
	close(fd);
	return n;
}

/* CPU time (user + system) of pid so far, in seconds. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st);
	fclose(f);
	return (ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * The drainer with a backlog: records per second from SIGCONT until all are in
 * the file, and per second of the drainer's CPU time. 2,500 records fit the
 * default ring (3,542 of 296 bytes): nothing waits in vw_agg.
 */
static double backlog_rate(const char *bdf, const char *evfile, pid_t run_pid, long *total, double *per_cpu_s)
{
	enum { ROUNDS = 4, N = 2500 };
	struct vw_dev d = { .fd = -1 };
	double busy = 0, cpu = 0;
	uint32_t v;
	int r, i;

	*total = 0;
	*per_cpu_s = 0;
	if (vw_dev_open(&d, bdf))
		return 0;
	for (r = 0; r < ROUNDS; r++) {
		long off, got = 0;
		double t0, c0;

		/* the keys of the round before are gone after two windows */
		usleep(2 * VW_AGG_WINDOW_NS / 1000 + 500 * 1000);
		off = 0;
		new_lines(evfile, &off);
		kill(run_pid, SIGSTOP);
		for (i = 0; i < N; i++)	/* distinct offsets: a record each */
			vw_cfg_read(&d, i, 1, &v);
		c0 = cpu_s(run_pid);
		t0 = vw_now_s();
		kill(run_pid, SIGCONT);
		while (got < N && vw_now_s() - t0 < WAIT_S) {
			usleep(1000);
			got += new_lines(evfile, &off);
		}
		busy += vw_now_s() - t0;
		cpu += cpu_s(run_pid) - c0;
		*total += got;
	}
	vw_dev_close(&d);
	*per_cpu_s = cpu > 0 ? *total / cpu : 0;
	return busy > 0 ? *total / busy : 0;
}

int flood_run(const struct flood_opts *o)
{
	struct flood_thread th[16] = {};
	json_object *st0, *st1;
	long lines0, records, deny_records, issued = 0, eperm = 0, failed = 0, backlog_records = 0;
	long long sum, deny_sum, judged, lost0, lost1, deny0, denied;
	double t0, t1, t_drained, backlog, backlog_cpu;
	int n = o->threads > 16 ? 16 : o->threads, i;

	st0 = cli_status();
	lost0 = status_global(st0, "lost");
	deny0 = status_counter(st0, o->bdf, "write.deny");
	lines0 = file_lines(o->evfile);
	t0 = vw_now_s();
	for (i = 0; i < n; i++) {
		th[i].bdf = o->bdf;
		th[i].end = t0 + o->seconds;
		pthread_create(&th[i].th, NULL, flood_main, &th[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i].th, NULL);
		issued += th[i].issued;
		eperm += th[i].eperm;
		failed += th[i].failed;
	}
	t1 = vw_now_s();
	st1 = cli_status();
	judged = judged_ad(st1, o->bdf) - judged_ad(st0, o->bdf);
	denied = status_counter(st1, o->bdf, "write.deny") - deny0;
	/* the last window's counts come one window after the flood */
	sum = wait_sum(o->evfile, lines0, o->bdf, judged, WAIT_S);
	t_drained = vw_now_s();
	sum_records(o->evfile, lines0, o->bdf, &records, &sum, &deny_records, &deny_sum);
	json_object_put(st1);
	st1 = cli_status();
	lost1 = status_global(st1, "lost");
	backlog = backlog_rate(o->bdf, o->evfile, o->run_pid, &backlog_records, &backlog_cpu);

	printf("flood: %d threads, %.1f s, kernel %s\n", n, t1 - t0, o->kernel);
	printf("  accesses issued          %ld (%.0f/s; %ld refused EPERM, %ld other errors)\n", issued,
	       issued / (t1 - t0), eperm, failed);
	printf("  records                  %ld (%ld of them deny)\n", records, deny_records);
	printf("  sum of counts            %lld (deny %lld)\n", sum, deny_sum);
	printf("  audit+deny counters      %lld (deny %lld)\n", judged, denied);
	printf("  lost                     %lld\n", lost1 - lost0);
	printf("  drain rate               %.0f records/s to the file (%ld records in 4 backlogs of 2500 distinct "
	       "reads; %.0f per drainer CPU second)\n", backlog, backlog_records, backlog_cpu);
	printf("  flood records written    all by %.1f s after the flood started (%.0f records/s)\n",
	       t_drained - t0, records / (t_drained - t0));
	if (o->check) {
		CHECK_EQ(failed, 0);
		CHECK_EQ(issued, judged);
		CHECK_EQ(sum, judged);
		CHECK_EQ(lost1 - lost0, 0);
		CHECK(records < issued / 10, "%ld records for %ld accesses: the flood was not aggregated", records, issued);
		if (o->deny) {
			CHECK_EQ(denied, eperm);
			CHECK(denied > 0, "no write was denied");
			CHECK_EQ(deny_sum, denied);
			CHECK(deny_records > 0, "no deny record");
		}
		CHECK(backlog_records == 4 * 2500, "%ld of %d backlog records", backlog_records, 4 * 2500);
	}
	json_object_put(st0);
	json_object_put(st1);
	return 0;
}

/*
 * An idle task's pending count is reported within the window: 50 identical reads
 * (the first gets its record at once, 49 are counted), then nothing. The
 * aggregated record must come within a window (+ the drainer's 200 ms poll and
 * TCG slack), carry count 49 and first/last times 1 window apart at most.
 */
int flood_idle_check(const struct flood_opts *o)
{
	struct vw_dev d = { .fd = -1 };
	json_object *ev, *v;
	long lines0 = file_lines(o->evfile), records, deny_records;
	long long sum, deny_sum;
	double t0, t1;
	uint32_t val;
	int i;

	if (vw_dev_open(&d, o->bdf)) {
		CHECK(0, "open %s: %s", o->bdf, vw_errmsg());
		return 1;
	}
	for (i = 0; i < 50; i++)
		vw_cfg_read(&d, 0x0a, 2, &val);	/* the class code: a key nothing else uses */
	t0 = vw_now_s();
	vw_dev_close(&d);
	sum = wait_sum(o->evfile, lines0, o->bdf, 50, 10);
	t1 = vw_now_s();
	sum_records(o->evfile, lines0, o->bdf, &records, &sum, &deny_records, &deny_sum);
	printf("idle: 50 identical reads, then idle: %ld records, sum of counts %lld, complete %.2f s after the last\n",
	       records, sum, t1 - t0);
	CHECK_EQ(sum, 50);
	CHECK_EQ(records, 2);
	CHECK(t1 - t0 < VW_AGG_WINDOW_NS / 1e9 + 1.5, "the pending count came %.2f s after the last read", t1 - t0);
	ev = events_find_last(o->evfile, "type", "config", "device", o->bdf, "offset", "10", "size", "2", NULL);
	CHECK(ev && json_object_object_get_ex(ev, "count", &v) && json_object_get_int64(v) == 49,
	      "the aggregated record has count 49");
	CHECK(ev && json_object_object_get_ex(ev, "first", &v), "the aggregated record has 'first'");
	if (ev)
		json_object_put(ev);
	return 0;
}
