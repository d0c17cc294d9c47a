// SPDX-License-Identifier: GPL-2.0
/*
 * `vfio-warden learn` against real QEMU as the VFIO client:
 *   1. learn, with --else deny, from QEMU's lifecycle: realize paused (-S),
 *      system_reset on the monitor, then `cont` for a short SeaBIOS run
 *      (bounded: SeaBIOS's debug console says how far it got), then quit;
 *   2. enforce the learned policy and run the same lifecycle again: 0 denials;
 *   3. a write to a byte QEMU never touched is denied (and one it wrote is not);
 * then learning under a 4-thread read flood loses nothing (every touched byte,
 * exact per-dword counts), and `learn --diff` and `import pciback` from the CLI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "vw_test.h"
#include "vmtest.h"
#include "cli.h"
#include "learn.h"
#include "vfio_util.h"

#define QEMU_WAIT_S 60
#define LEARN_EVENTS "/tmp/vw-learn-events.jsonl"	/* guest-local: one write per event */
#define BIOS_WAIT_S 45

static char out[1 << 16];

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct qemu {
	pid_t pid;
	int in, out;		/* its monitor (stdio) */
	char log[512];		/* SeaBIOS debug console */
};

/* Read the monitor until its prompt comes back (bounded); what it said in buf. */
static int mon_wait_prompt(struct qemu *q, char *buf, size_t len, int timeout_s)
{
	size_t got = 0;
	double t0 = vw_now_s();

	buf[0] = 0;
	while (vw_now_s() - t0 < timeout_s) {
		struct pollfd p = { .fd = q->out, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(q->out, buf + got, len - got - 1);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = 0;
		if (strstr(buf, "(qemu) "))
			return 0;
		if (got + 1 >= len)
			got = 0;	/* keep reading: only the prompt matters */
	}
	return -1;
}

static int mon(struct qemu *q, const char *cmd, char *buf, size_t len)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);

	if (write(q->in, line, (size_t)n) != n)
		return -1;
	return mon_wait_prompt(q, buf, len, QEMU_WAIT_S);
}

/* QEMU holding the device, paused (-S), monitor on pipes, SeaBIOS's debug port to a file. */
static int qemu_start(struct qemu *q, const char *bdf, const char *rwdir, int run)
{
	char dev[64], dbg[600], buf[4096];
	int in[2], o[2];

	snprintf(q->log, sizeof(q->log), "%s/seabios-%d.log", rwdir, run);
	unlink(q->log);
	snprintf(dev, sizeof(dev), "vfio-pci,host=%s", bdf);
	snprintf(dbg, sizeof(dbg), "file,id=dbg,path=%s", q->log);
	if (pipe(in) || pipe(o))
		return -1;
	q->pid = fork();
	if (q->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(null, 2);
		close(in[1]);
		close(o[0]);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "64",
		       "-nodefaults", "-display", "none", "-S", "-monitor", "stdio", "-chardev", dbg, "-device",
		       "isa-debugcon,iobase=0x402,chardev=dbg", "-device", dev, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	q->in = in[1];
	q->out = o[0];
	/* the prompt comes once the machine (and the device) is realized */
	return mon_wait_prompt(q, buf, sizeof(buf), QEMU_WAIT_S);
}

static void qemu_stop(struct qemu *q)
{
	int i, st;

	if (q->pid <= 0)
		return;
	if (write(q->in, "quit\n", 5) != 5)
		kill(q->pid, SIGTERM);
	for (i = 0; i < QEMU_WAIT_S * 10 && waitpid(q->pid, &st, WNOHANG) == 0; i++)
		pause_ms(100);
	if (i == QEMU_WAIT_S * 10) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, &st, 0);
	}
	close(q->in);
	close(q->out);
	q->pid = -1;
}

static int file_has(const char *path, const char *s)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int hit = 0;

	while (f && !hit && fgets(line, sizeof(line), f))
		hit = strstr(line, s) != NULL;
	if (f)
		fclose(f);
	return hit;
}

/*
 * The lifecycle both runs go through: realize (paused), system_reset, `cont`
 * until SeaBIOS has enumerated PCI and looked for something to boot (bounded),
 * stop, quit. Returns whether SeaBIOS got that far.
 */
static int qemu_lifecycle(const char *bdf, const char *rwdir, int run)
{
	struct qemu q = { .pid = -1 };
	char buf[4096];
	double t0;
	int bios = 0;

	if (qemu_start(&q, bdf, rwdir, run)) {
		CHECK(0, "QEMU run %d did not come up with its monitor", run);
		if (q.pid > 0) {
			kill(q.pid, SIGKILL);
			waitpid(q.pid, NULL, 0);
			close(q.in);
			close(q.out);
		}
		return 0;
	}
	CHECK(mon(&q, "system_reset", buf, sizeof(buf)) == 0, "system_reset");
	CHECK(mon(&q, "info status", buf, sizeof(buf)) == 0, "info status");
	CHECK(mon(&q, "cont", buf, sizeof(buf)) == 0, "cont");
	t0 = vw_now_s();
	while (vw_now_s() - t0 < BIOS_WAIT_S) {
		/* SeaBIOS says this once PCI is set up and option ROMs have run */
		if (file_has(q.log, "Searching bootorder") || file_has(q.log, "No bootable device") ||
		    file_has(q.log, "Booting from")) {
			bios = 1;
			break;
		}
		pause_ms(250);
	}
	printf("  QEMU run %d: SeaBIOS %s after %.1f s (PCI init of the device: %s)\n", run,
	       bios ? "reached the boot menu" : "did not reach the boot menu", vw_now_s() - t0,
	       file_has(q.log, "1b36:0010") || file_has(q.log, "PCI: init bdf") ? "seen in its log" : "not seen");
	mon(&q, "stop", buf, sizeof(buf));
	qemu_stop(&q);
	return bios;
}

/* learn in the background; waits (bounded) until it says it records. */
static pid_t learn_spawn(const char *const *args, int *err_fd)
{
	const char *argv[24] = { getenv("VW_BIN") ? getenv("VW_BIN") : "build/vfio-warden", "learn" };
	char buf[4096];
	size_t got = 0;
	int n = 2, p[2];
	double t0;
	pid_t pid;

	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);	/* --diff reports on stdout */
		dup2(p[1], 2);
		close(p[0]);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(p[1]);
	*err_fd = p[0];
	t0 = vw_now_s();
	while (vw_now_s() - t0 < QEMU_WAIT_S) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 200) <= 0)
			continue;
		r = read(p[0], buf + got, sizeof(buf) - got - 1);
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = 0;
		if (strstr(buf, "vfio-warden: learning"))
			return pid;
	}
	CHECK(0, "learn did not start: %s", buf);
	return pid;
}

/* SIGINT, then its exit status; its stderr in out. */
static int learn_finish(pid_t pid, int err_fd)
{
	size_t got = 0;
	ssize_t r;
	int st = 0;

	kill(pid, SIGINT);
	while (got + 1 < sizeof(out) && (r = read(err_fd, out + got, sizeof(out) - got - 1)) > 0)
		got += (size_t)r;
	out[got] = 0;
	close(err_fd);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long long denials(const char *bdf)
{
	json_object *st = cli_status();
	long long n = status_counter(st, bdf, "read.deny") + status_counter(st, bdf, "write.deny");

	json_object_put(st);
	return n;
}

/* `map --json`: per byte, the read and write verdicts ('a'llow, a'u'dit, 'd'eny, 's'crub), and the kind. */
static int map_verdicts(const char *policy, const char *bdf, char rd[4096], char wr[4096], char kind[4096])
{
	json_object *root, *regs;
	size_t i;
	int n;

	memset(rd, '?', 4096);
	memset(wr, '?', 4096);
	memset(kind, '?', 4096);
	if (cli_run(out, sizeof(out), "map", "--json", "-p", policy, bdf, NULL))
		return -1;
	root = json_tokener_parse(strchr(out, '{'));
	regs = root ? json_object_object_get(root, "regions") : NULL;
	n = regs ? (int)json_object_array_length(regs) : 0;
	for (i = 0; i < (size_t)n; i++) {
		json_object *r = json_object_array_get_idx(regs, i);
		int s = json_object_get_int(json_object_object_get(r, "start"));
		int l = json_object_get_int(json_object_object_get(r, "length"));
		const char *a = json_object_get_string(json_object_object_get(r, "read"));
		const char *b = json_object_get_string(json_object_object_get(r, "write"));
		const char *k = json_object_get_string(json_object_object_get(r, "kind"));
		int j;

		for (j = s; j < s + l && j < 4096; j++) {
			rd[j] = a[0] == 'a' && a[1] == 'u' ? 'u' : a[0];
			wr[j] = b[0] == 'a' && b[1] == 'u' ? 'u' : b[0];
			kind[j] = k[0];
		}
	}
	json_object_put(root);
	return n ? 0 : -1;
}

/* 1 + 2: learn from QEMU with --else deny, enforce it, the same lifecycle again: 0 denials. 3: untouched byte denied. */
static void learn_from_qemu(const struct learn_opts *o)
{
	static char rd[4096], wr[4096], kind[4096];
	char pol[512];
	const char *args[] = { "--device", o->bdf, "--else", "deny", "-o", pol, NULL };
	struct vw_dev d = { .fd = -1 };
	long long before;
	int err_fd = -1, rc, i, untouched = -1, touched = -1, nw = 0, bios1, bios2;
	uint32_t v = 0;
	pid_t pid;

	snprintf(pol, sizeof(pol), "%s/learned-qemu.yaml", o->rwdir);
	unlink(pol);
	pid = learn_spawn(args, &err_fd);
	bios1 = qemu_lifecycle(o->bdf, o->rwdir, 1);
	rc = learn_finish(pid, err_fd);
	CHECK(rc == 0, "learn exit %d: %s", rc, out);
	CHECK_EQ(cli_run(out, sizeof(out), "check", pol, NULL), 0);
	CHECK(map_verdicts(pol, o->bdf, rd, wr, kind) == 0, "map -p learned: %s", out);
	for (i = 0; i < 4096; i++) {
		nw += wr[i] == 'a';
		/* a header or capability byte the default policy lets anyone write, never written here */
		if (untouched < 0 && wr[i] == 'd' && (kind[i] == 'h' || kind[i] == 'c') && i >= 0x0c)
			untouched = i;
		if (touched < 0 && wr[i] == 'a')
			touched = i;
	}
	printf("  learned from QEMU: %d bytes writable, first write-allowed byte 0x%x, an untouched one 0x%x\n", nw,
	       touched, untouched);
	CHECK(nw > 0 && nw < 4096, "QEMU wrote something, not everything (%d bytes)", nw);

	/* 2. enforce it: QEMU's same lifecycle gets no denial */
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	before = denials(o->bdf);
	bios2 = qemu_lifecycle(o->bdf, o->rwdir, 2);
	CHECK_EQ(denials(o->bdf) - before, 0);
	CHECK_EQ(bios2, bios1);
	printf("  enforcing the learned policy: QEMU's lifecycle again, %lld denials\n", denials(o->bdf) - before);

	/* 3. a byte QEMU never touched: denied; one it wrote: allowed (its own value written back) */
	CHECK(vw_dev_open(&d, o->bdf) == 0, "open %s: %s", o->bdf, vw_errmsg());
	if (d.fd >= 0 && untouched >= 0 && touched >= 0) {
		CHECK_EQ(vw_cfg_read(&d, (unsigned)untouched, 1, &v), 0);
		before = denials(o->bdf);
		CHECK_EQ(vw_cfg_write(&d, (unsigned)untouched, 1, v), -EPERM);
		CHECK_EQ(denials(o->bdf) - before, 1);
		CHECK_EQ(vw_cfg_read(&d, (unsigned)touched, 1, &v), 0);
		CHECK_EQ(vw_cfg_write(&d, (unsigned)touched, 1, v), 0);
		/* and under the default policy that same untouched byte is writable: the learned policy did it */
		CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
		CHECK_EQ(vw_cfg_read(&d, (unsigned)untouched, 1, &v), 0);
		CHECK_EQ(vw_cfg_write(&d, (unsigned)untouched, 1, v), 0);
	} else {
		CHECK(0, "no untouched/touched byte to test (0x%x, 0x%x)", untouched, touched);
	}
	vw_dev_close(&d);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
}

/* ---- the flood ------------------------------------------------------------ */

#define FLOOD_THREADS 4
#define FLOOD_N 3000	/* reads per thread */
#define FLOOD_SPOTS 24	/* dwords the random reads land on */
#define SPOT(k) (0x100 + 0x80 * (k))
#define HEAD_N 500	/* per thread: 4-byte reads of dword 0 */

struct flood {
	const struct vw_dev *d;
	unsigned seed;
	unsigned spot_reads[FLOOD_SPOTS];
	unsigned char touched[4096];
	int errors;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	uint8_t buf[4];
	int i;

	for (i = 0; i < FLOOD_N; i++) {
		unsigned r = rand_r(&f->seed), k = r % FLOOD_SPOTS, sizes[] = { 1, 2, 4 }, len = sizes[(r >> 8) % 3];
		unsigned off = SPOT(k) + ((r >> 12) % (5 - len) & ~(len - 1));	/* aligned inside the dword */
		unsigned j;

		if (i < HEAD_N) {
			if (vw_cfg_pread(f->d, 0, buf, 4) != 4)
				f->errors++;
		}
		if (vw_cfg_pread(f->d, off, buf, len) != (ssize_t)len) {
			f->errors++;
			continue;
		}
		f->spot_reads[k]++;
		for (j = off; j < off + len; j++)
			f->touched[j] = 1;
	}
	return NULL;
}

/* The learned policy's comment for the range [s, e]: the count it gives, or -1. */
static long range_count(const char *pol, unsigned s, unsigned e, const char *what)
{
	FILE *f = fopen(pol, "r");
	char line[512], want[64];
	long n = -1;

	if (s == e)
		snprintf(want, sizeof(want), "{start: 0x%03x, length: 1, read: allow}", s);
	else
		snprintf(want, sizeof(want), "{start: 0x%03x, end: 0x%03x, read: allow}", s, e);
	while (f && fgets(line, sizeof(line), f)) {
		char *c, *p;

		if (!strstr(line, want) || !(c = strchr(line, '#')))
			continue;
		p = strstr(c, what);
		while (p && p > c && p[-1] == ' ')
			p--;
		while (p && p > c && p[-1] >= '0' && p[-1] <= '9')
			p--;
		if (p)
			n = strtol(p, NULL, 10);
	}
	if (f)
		fclose(f);
	return n;
}

static void learn_flood(const struct learn_opts *o)
{
	static struct flood fl[FLOOD_THREADS];
	static char rd[4096], wr[4096], kind[4096];
	static unsigned char touched[4096];
	char pol[512];
	const char *args[] = { "--device", o->bdf, "--else", "deny", "-o", pol, NULL };
	struct vw_dev d = { .fd = -1 };
	pthread_t th[FLOOD_THREADS];
	unsigned spot_total[FLOOD_SPOTS] = { 0 }, i, k, missing = 0, extra = 0, badcount = 0, errors = 0;
	int err_fd, rc;
	long n;
	pid_t pid;

	snprintf(pol, sizeof(pol), "%s/learned-flood.yaml", o->rwdir);
	unlink(pol);
	CHECK(vw_dev_open(&d, o->bdf) == 0, "open %s: %s", o->bdf, vw_errmsg());
	if (d.fd < 0)
		return;
	pid = learn_spawn(args, &err_fd);
	memset(touched, 0, sizeof(touched));
	for (i = 0; i < FLOOD_THREADS; i++) {
		memset(&fl[i], 0, sizeof(fl[i]));
		fl[i].d = &d;
		fl[i].seed = 77 + i;
		pthread_create(&th[i], NULL, flood_thread, &fl[i]);
	}
	for (i = 0; i < FLOOD_THREADS; i++)
		pthread_join(th[i], NULL);
	rc = learn_finish(pid, err_fd);
	vw_dev_close(&d);
	CHECK(rc == 0, "learn exit %d: %s", rc, out);
	for (i = 0; i < FLOOD_THREADS; i++) {
		errors += fl[i].errors;
		for (k = 0; k < FLOOD_SPOTS; k++)
			spot_total[k] += fl[i].spot_reads[k];
		for (k = 0; k < 4096; k++)
			touched[k] |= fl[i].touched[k];
	}
	for (k = 0; k < 4; k++)
		touched[k] = 1;
	CHECK_EQ(errors, 0);
	/* the bitmap covers exactly the touched bytes: read allowed there, denied everywhere else */
	CHECK(map_verdicts(pol, o->bdf, rd, wr, kind) == 0, "map -p learned: %s", out);
	for (k = 0; k < 4096; k++) {
		missing += touched[k] && rd[k] != 'a';
		extra += !touched[k] && rd[k] == 'a';
	}
	CHECK_EQ(missing, 0);
	CHECK_EQ(extra, 0);
	/* and the counts: every read of a spot's dword, from all four threads */
	n = range_count(pol, 0, 3, "reads");
	CHECK(n == FLOOD_THREADS * HEAD_N, "dword 0: %ld reads recorded, %d made", n, FLOOD_THREADS * HEAD_N);
	for (k = 0; k < FLOOD_SPOTS; k++) {
		unsigned s = SPOT(k), e = s + 3;

		while (s < e && !touched[s])
			s++;
		while (e > s && !touched[e])
			e--;
		n = range_count(pol, s, e, "reads");
		badcount += n != (long)spot_total[k];
		if (n != (long)spot_total[k])
			fprintf(stderr, "  spot 0x%x: %ld recorded, %u made\n", SPOT(k), n, spot_total[k]);
	}
	CHECK_EQ(badcount, 0);
	printf("  flood: %d threads x %d reads (+%d of dword 0): %u bytes touched, %u missing from the learned "
	       "policy, %u extra; per-dword counts exact on %u of %d dwords\n", FLOOD_THREADS, FLOOD_N, HEAD_N,
	       (unsigned)({ unsigned t = 0; for (k = 0; k < 4096; k++) t += touched[k]; t; }), missing, extra,
	       FLOOD_SPOTS - badcount, FLOOD_SPOTS);
}

/* --diff from the CLI: a recorded run against a policy; `import pciback` with a bad line and a good file. */
static void learn_diff_and_import(const struct learn_opts *o)
{
	char pol[512], q[512], pq[512];
	const char *args[] = { "--device", o->bdf, "--diff", pol, NULL };
	struct vw_dev d = { .fd = -1 };
	uint8_t b[4];
	int err_fd, rc;
	pid_t pid;
	FILE *f;

	snprintf(pol, sizeof(pol), "%s/diff.yaml", o->rwdir);
	f = fopen(pol, "w");
	if (f) {
		fprintf(f, "version: 1\ndefault:\n  unassigned: {read: deny, write: deny}\n");
		fclose(f);
	}
	CHECK(vw_dev_open(&d, o->bdf) == 0, "open %s: %s", o->bdf, vw_errmsg());
	pid = learn_spawn(args, &err_fd);
	if (d.fd >= 0) {
		CHECK_EQ(vw_cfg_pread(&d, 0xf00, b, 4), 4);	/* unassigned on QEMU's nvme */
		CHECK_EQ(vw_cfg_pread(&d, 0x0, b, 4), 4);
	}
	vw_dev_close(&d);
	rc = learn_finish(pid, err_fd);
	CHECK(rc == 0, "learn --diff exit %d: %s", rc, out);
	CHECK(strstr(out, ": read 0xf00-0xf03 would be denied: unassigned; 1 reads"), "%s", out);
	CHECK(strstr(out, "1 range of the recorded run would be audited or denied"), "%s", out);
	CHECK(!strstr(out, "0x000-"), "the header read is allowed: %s", out);

	/* import pciback: nothing written for a bad file, the ranges for a good one */
	snprintf(q, sizeof(q), "%s/quirks.txt", o->rwdir);
	snprintf(pq, sizeof(pq), "%s/imported.yaml", o->rwdir);
	unlink(pq);
	f = fopen(q, "w");
	if (f) {
		fprintf(f, "%s-0x40:4:0xffffffff\n%s-0x44:3:0xff\n", o->bdf, o->bdf);
		fclose(f);
	}
	CHECK_EQ(cli_run(out, sizeof(out), "import", "pciback", q, "-o", pq, NULL), 2);
	CHECK(strstr(out, "quirks.txt:2: size 3"), "%s", out);
	CHECK(access(pq, F_OK) != 0, "nothing written");
	f = fopen(q, "w");
	if (f) {
		fprintf(f, "%s-0xf00:4:0xffffffff\n", o->bdf);
		fclose(f);
	}
	CHECK_EQ(cli_run(out, sizeof(out), "import", "pciback", q, "-o", pq, NULL), 0);
	CHECK_EQ(cli_run(out, sizeof(out), "check", pq, NULL), 0);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pq, NULL), 0);
	CHECK(vw_dev_open(&d, o->bdf) == 0, "open %s", o->bdf);
	if (d.fd >= 0) {
		uint32_t v = 0;

		CHECK_EQ(vw_cfg_write(&d, 0xf00, 4, v), 0);	/* imported: allowed */
		CHECK_EQ(vw_cfg_write(&d, 0xf04, 4, v), -EPERM);	/* the default still denies next to it */
	}
	vw_dev_close(&d);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
}

void test_learn(const struct learn_opts *o)
{
	pid_t log;

	signal(SIGPIPE, SIG_IGN);	/* a QEMU that died: its monitor write fails, the test goes on */
	/* learn's base is the attached policy: one whose file still says what is enforced */
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
	/* the flood's audited reads go somewhere: a later test's `log` must not inherit them */
	log = cli_spawn("log", "-q", "-o", LEARN_EVENTS, NULL);
	learn_from_qemu(o);
	learn_flood(o);
	learn_diff_and_import(o);
	pause_ms(1000);
	kill(log, SIGTERM);
	waitpid(log, NULL, 0);
	printf("  events while learning (audited by the default policy, not used by learn): %d\n",
	       file_lines(LEARN_EVENTS));
}

/* learn from QEMU as the VFIO client, a read flood, --diff, import pciback: it reads the ring buffer itself */
VW_TEST(learn, learn, VW_ATTACHED)
{
	struct learn_opts lo = { .bdf = NVME, .rwdir = RWDIR };

	test_learn(&lo);
}
