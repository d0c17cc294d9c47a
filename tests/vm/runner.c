// SPDX-License-Identifier: GPL-2.0
/*
 * vw-selftest: the VM selftests' runner, inside the guest booted by
 * tests/vm/boot.sh after tests/vm/guest-setup.sh --leave-second ENVFILE.
 * Every check goes through the real VFIO device file and asserts on what the
 * caller sees (errno, bytes), what the device holds (sysfs), and what
 * vfio-warden reports (events, counters). The tests are registered by name in
 * their features' files (tests/vm/vmtest.h); the runner sets up what each one
 * needs, so any of them runs alone.
 *
 *   vw-selftest [-t NAME[,NAME...]] [--reverse] ENVFILE
 *                                 run the tests (all, or those named: a test or a feature)
 *   vw-selftest -l                list the tests: name, feature, what the runner sets up
 *   vw-selftest --attack ENVFILE  the long adversarial campaign (make attack)
 *   vw-selftest --demo ENVFILE    drive demo traffic (make demo)
 *   vw-selftest --bench ENVFILE   ns per config read/write, tmpfs pread, pipe (make bench)
 *   vw-selftest --bench-empty lsm|all   hold empty programs on vfio-warden's hooks (make bench)
 *   vw-selftest --flood ENVFILE EVFILE RUN_PID SECONDS THREADS [check]   the flood (guest-flood.sh)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vw_test.h"
#include "bench.h"
#include "flood.h"
#include "cli.h"
#include "fleet.h"
#include "demo-traffic.h"
#include "attack.h"
#include "vfio_util.h"
#include "vmtest.h"

int vw_t_pass, vw_t_fail;

static char out[1 << 16];

/* The table the build collects from every VW_TEST line (Makefile: vw-tests.inc). */
#define VW_T(name, feature, needs) VW_TEST(name, feature, needs);
#include "vw-tests.inc"
#undef VW_T
struct vw_registered {
	const char *name, *feature;
	unsigned needs;
	void (*run)(struct vw_dev *d);
};
#define VW_T(name, feature, needs) { #name, #feature, needs, vwt_##name },
static const struct vw_registered tests[] = {
#include "vw-tests.inc"
};
#undef VW_T
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* ---- what each test needs ------------------------------------------------ */

/*
 * The attachment the runner made, as status shows it: what a load fixes (ring
 * buffer size, TPH revision) and what a reload changes (policy, generation).
 * A test that left another policy gets the default reloaded (a reload costs
 * map updates; a load, the verifier under TCG: about 30 s on a busy host).
 */
struct attachment {
	char loaded[128], policy[384];
};
static struct attachment mine;

static int attachment_get(struct attachment *a)
{
	json_object *st = cli_status();
	int attached = st && json_object_get_boolean(json_object_object_get(st, "attached"));

	memset(a, 0, sizeof(*a));
	if (attached) {
		snprintf(a->loaded, sizeof(a->loaded), "ring %d, tph %s",
			 json_object_get_int(json_object_object_get(st, "ringbuf_size")),
			 json_object_get_string(json_object_object_get(st, "tph_uapi")));
		snprintf(a->policy, sizeof(a->policy), "%s, generation %d",
			 json_object_get_string(json_object_object_get(st, "policy")),
			 json_object_get_int(json_object_object_get(st, "generation")));
	}
	json_object_put(st);
	return attached;
}

/* The default policy again, and no virtual serial left by an earlier test. */
static int reload_default(void)
{
	const char *devs[] = { E1, E2 };
	size_t i;

	if (cli_run(attach_out, sizeof(attach_out), "reload", "-q", "-p", "policies/default.yaml", NULL))
		return -1;
	for (i = 0; i < 2 && !LOCKED; i++)	/* E2 is not vfio-pci's until bound_after_attach */
		cli_run(out, sizeof(out), "dsn", "clear", devs[i], NULL);
	return 0;
}

/*
 * The test's events start a new log; the runner's last one joins EVFILE_ALL
 * (a log a test started itself, a flood's or a tiny ring's, stays out: tens of
 * thousands of records whose schema the unit tests check, and a slow check).
 */
static int runner_log;

static void end_log(void)
{
	char cmd[1200];

	stop_log();
	if (runner_log) {
		snprintf(cmd, sizeof(cmd), "cat %s >> %s 2>/dev/null", EVFILE, EVFILE_ALL);
		system(cmd);
	}
	runner_log = 0;
}

static void new_log(void)
{
	end_log();
	start_log();
	runner_log = 1;
}

static void detach_all(void)
{
	end_log();
	if (cli_run(out, sizeof(out), "status", NULL) != 5)
		cli_run(out, sizeof(out), "detach", NULL);
	system("pkill -f 'vfio-warden (run|log)' 2>/dev/null");
	memset(&mine, 0, sizeof(mine));
}

static int prepare(const struct vw_registered *t, struct vw_dev *d)
{
	struct attachment now;
	int attached;

	if (d->fd < 0 && vw_dev_open(d, E1)) {
		fprintf(stderr, "cannot open %s: %s\n", E1, vw_errmsg());
		return -1;
	}
	if (t->needs & VW_DETACHED) {
		detach_all();
		return 0;
	}
	if (t->needs & (VW_ATTACHED | VW_FRESH)) {
		attached = attachment_get(&now);
		if ((t->needs & VW_FRESH) || !attached || !mine.loaded[0] || strcmp(now.loaded, mine.loaded)) {
			detach_all();
			if (attach(NULL, NULL))
				return -1;
		} else if (strcmp(now.policy, mine.policy)) {
			stop_log();
			if (reload_default())
				return -1;
		}
		attachment_get(&mine);
	}
	if (t->needs & VW_LOG)
		new_log();
	else
		end_log();
	return 0;
}

/* ---- selecting and running ----------------------------------------------- */

static void list_tests(void)
{
	size_t i;

	printf("%-32s %-10s %s\n", "test", "feature", "runner sets up");
	for (i = 0; i < NTESTS; i++)
		printf("%-32s %-10s %s%s%s%s%s%s\n", tests[i].name, tests[i].feature,
		       tests[i].needs & VW_FRESH ? "fresh attach " :
		       tests[i].needs & VW_ATTACHED ? "attached " : "",
		       tests[i].needs & VW_LOG ? "log " : "",
		       tests[i].needs & VW_DETACHED ? "detached " : "",
		       tests[i].needs & VW_LAST ? "last (changes the boot) " : "",
		       tests[i].needs & VW_UNLOCKED ? "(not under lockdown)" :
		       tests[i].needs & VW_LOCKDOWN ? "(lockdown only)" : "",
		       tests[i].needs ? "" : "as found");
}

/* -t: each comma-separated word names a test or a feature; an unknown one is an error. */
static int select_tests(const char *list, unsigned char *chosen)
{
	char *copy = strdup(list ? list : ""), *save = NULL, *w;
	size_t i;
	int rc = 0;

	memset(chosen, list ? 0 : 1, NTESTS);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int hit = 0;

		for (i = 0; i < NTESTS; i++)
			if (!strcmp(w, tests[i].name) || !strcmp(w, tests[i].feature))
				chosen[i] = hit = 1;
		if (!hit) {
			fprintf(stderr, "vw-selftest: no test or feature '%s' (vw-selftest -l lists them)\n", w);
			rc = 2;
		}
	}
	free(copy);
	return rc;
}

static void run_one(const struct vw_registered *t, struct vw_dev *d)
{
	double t0 = vw_now_s();

	if ((t->needs & VW_UNLOCKED) && LOCKED) {
		printf("== %s: not under lockdown\n", t->name);
		return;
	}
	if ((t->needs & VW_LOCKDOWN) && !LOCKED) {
		printf("== %s: only under lockdown=integrity\n", t->name);
		return;
	}
	printf("== %s\n", t->name);
	if (prepare(t, d)) {
		CHECK(0, "%s: setting up (%s%s) failed: %s", t->name,
		      t->needs & VW_DETACHED ? "detach" : "attach", t->needs & VW_LOG ? ", log" : "", attach_out);
		return;
	}
	t->run(d);
	/* each test's wall time on a "timing:" line: make check's table (tests/vm/run-matrix.sh) */
	printf("timing: %s %.1f\n", t->name, vw_now_s() - t0);
}

static int run_tests(const char *list, int reverse, const char *env)
{
	struct vw_dev d = { .fd = -1 };
	unsigned char chosen[NTESTS];
	size_t i, k;

	if (select_tests(list, chosen))
		return 2;
	if (vw_env_load(env)) {
		fprintf(stderr, "vw-selftest: cannot read %s (from tests/vm/guest-setup.sh)\n", env);
		return 2;
	}
	E1 = getenv("E1000E_BDF");
	E2 = getenv("E1000E2_BDF");
	IGB = getenv("IGB_BDF");
	NVME = getenv("NVME_BDF");
	CXL = getenv("CXL_BDF");
	RWDIR = getenv("VW_RWDIR") ? getenv("VW_RWDIR") : "/tmp";
	if (!E1 || !E2 || !IGB || !NVME) {
		fprintf(stderr, "vw-selftest: env file lacks device BDFs\n");
		return 2;
	}
	/* guest-local: the streamer writes each event with its own write(), and the
	 * shared rwdir (9p under TCG) would make it the bottleneck */
	snprintf(EVFILE, sizeof(EVFILE), "/tmp/vw-events.jsonl");
	unlink(EVFILE_ALL);
	LOCKED = lockdown_integrity();
	printf("kernel lockdown: %s\n", LOCKED ? "integrity" : "none");
	/* table order (or its reverse: the same tests must pass in any order), VW_LAST ones after */
	for (k = 0; k < 2; k++)
		for (i = 0; i < NTESTS; i++) {
			const struct vw_registered *t = &tests[reverse ? NTESTS - 1 - i : i];

			if (chosen[t - tests] && !(t->needs & VW_LAST) == !k)
				run_one(t, &d);
		}
	vw_dev_close(&d);
	detach_all();
	{	/* every event the tests' logs got follows the schema (as the fleet test checks its own) */
		const char *none[] = { NULL };

		printf("== every test's events against the schema\n");
		check_events_schema(EVFILE_ALL, none);
	}
	printf("vm: ");
	return vw_test_done();
}

/* ---- the other modes ----------------------------------------------------- */

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

int main(int argc, char **argv)
{
	const char *list = NULL;
	int reverse = 0, i;

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
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-l")) {
			list_tests();
			return 0;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			list = argv[++i];
		} else if (!strcmp(argv[i], "--reverse")) {
			reverse = 1;
		} else {
			break;
		}
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: vw-selftest [-t NAME[,NAME...]] [--reverse] ENVFILE | -l\n"
				"       (ENVFILE from tests/vm/guest-setup.sh; -l lists the tests and features)\n");
		return 2;
	}
	return run_tests(list, reverse, argv[i]);
}
