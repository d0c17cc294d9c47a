// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU as the VFIO client, started as libvirt starts it (-name guest=..., -uuid, in a
 * machine-qemu\x2dN\x2dNAME.scope cgroup), with `log --linux-audit deny --journal`
 * streaming: the events name the VM, `metrics` labels its device with it and promtool
 * accepts the output, the kernel audit log holds the denial, the journal holds it with
 * VFIO_WARDEN_* fields, and every event of the run validates against the schema.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vw_test.h"
#include "vmtest.h"
#include "cli.h"
#include "fleet.h"
#include "vfio_util.h"

#define FLEET_LOG "/tmp/vw-fleet.jsonl"
#define UUID_A "5a0c3b0e-6d1c-4f0e-9b5e-2f9a7c1d0a11"
#define SCOPE_A "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2dtenant\\x2da.scope"
#define SCOPE_B "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d2\\x2dtenant\\x2db.scope"
/* a user's systemd may name a scope like libvirt's, claiming tenant-a: not libvirt's */
#define SCOPE_U "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/" \
		"machine-qemu\\x2d3\\x2dtenant\\x2da.scope"
/* A VMM's name of its choosing: bytes never in UTF-8, a control character, a forged sample */
#define HOSTILE_NAME "bad\xff\xfe\x01\"} 1\nfake 9\\"
#define HOSTILE_LABEL "vm=\"bad\xef\xbf\xbd\xef\xbf\xbd\\\\x01\\\"} 1\\nfake 9\\\\\""
#define METRICS_SOCK "/run/vw-fleet-metrics.sock"

static char out[1 << 16];

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run a shell command; its exit status, output in out. */
static int sh(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	int st;

	out[n] = 0;
	st = p ? pclose(p) : -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run cmd until it succeeds (the journal and kauditd write in the background), bounded. */
static int sh_wait(const char *cmd)
{
	int i, rc;

	for (i = 0; (rc = sh(cmd)) != 0 && i < WAIT_S * 5; i++)
		pause_ms(200);
	return rc;
}

static void join_cgroup(const char *dir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", getpid());
		fclose(f);
	}
}

/* QEMU holding the device, paused (-S), its monitor on a pipe. */
static pid_t start_qemu(const char *bdf, int *monitor)
{
	char dev[64];
	int in[2];
	pid_t pid;

	snprintf(dev, sizeof(dev), "vfio-pci,host=%s", bdf);
	if (pipe(in))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		join_cgroup(SCOPE_A);
		dup2(in[0], 0);
		dup2(null, 1);
		dup2(null, 2);
		close(in[1]);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-name", "guest=tenant-a,debug-threads=on",
		       "-uuid", UUID_A, "-machine", "q35", "-accel", "tcg", "-m", "64", "-nodefaults",
		       "-display", "none", "-S", "-monitor", "stdio", "-device", dev, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	*monitor = in[1];
	return pid;
}

static void stop_qemu(pid_t pid, int monitor)
{
	int i, st;

	if (pid <= 0)
		return;
	if (write(monitor, "quit\n", 5) != 5)
		kill(pid, SIGTERM);
	close(monitor);
	for (i = 0; i < WAIT_S * 10 && waitpid(pid, &st, WNOHANG) == 0; i++)
		pause_ms(100);
	if (i == WAIT_S * 10) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

/* The journal: journald by hand (no systemd in the guest), its socket is all we need. */
static pid_t start_journald(void)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl("/lib/systemd/systemd-journald", "systemd-journald", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < WAIT_S * 10 && access("/run/systemd/journal/socket", F_OK); i++)
		pause_ms(100);
	return pid;
}

static void enable_kernel_audit(void)
{
	int fd = audit_open();

	/* no auditd in the guest: enabled, the kernel prints records to its log */
	CHECK(fd >= 0 && audit_set_enabled(fd, 1) > 0, "enabling the kernel audit: %s", strerror(errno));
	if (fd >= 0)
		audit_close(fd);
}

/* The device's deny counter as `metrics` labels it, for the VM holding it. */
static long long metric_denies(const char *bdf, const char *vm)
{
	char pat[256];
	const char *p;

	snprintf(pat, sizeof(pat), "vfio_warden_config_accesses_total{device=\"%s\",vendor=\"1b36\","
		 "device_id=\"0010\",vm=\"%s\",direction=\"write\",action=\"deny\"} ", bdf, vm);
	p = strstr(out, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static void check_metrics(const char *bdf)
{
	CHECK_EQ(cli_run(out, sizeof(out), "metrics", NULL), 0);
	CHECK(metric_denies(bdf, "tenant-a") >= 1, "metrics: no deny for %s labelled vm=tenant-a:\n%.3000s", bdf, out);
	CHECK_EQ(sh("build/vfio-warden metrics | promtool check metrics 2>&1"), 0);
	if (out[0])
		printf("promtool: %s\n", out);
	CHECK_EQ(cli_run(out, sizeof(out), "metrics", "-o", "/tmp/vw-textfile/vfio_warden.prom", NULL), 1);
	CHECK(strstr(out, "cannot write /tmp/vw-textfile/vfio_warden.prom"), "a missing directory is said: %s", out);
	mkdir("/tmp/vw-textfile", 0755);
	CHECK_EQ(cli_run(out, sizeof(out), "metrics", "-o", "/tmp/vw-textfile/vfio_warden.prom", NULL), 0);
	CHECK_EQ(sh("promtool check metrics < /tmp/vw-textfile/vfio_warden.prom 2>&1 && "
		    "grep -c 'vm=\"tenant-a\"' /tmp/vw-textfile/vfio_warden.prom"), 0);
	CHECK(atoi(out) >= 1, "textfile labels: %s", out);
}

static void check_vm_event(const char *bdf, const char *action)
{
	json_object *ev, *vm;

	int n = events_wait(FLEET_LOG, 1, WAIT_S, "device", bdf, "action", action, "vm.name", "tenant-a", NULL);

	/* at least one: how many header writes QEMU's reset makes is QEMU's business */
	CHECK(n >= 1, "no %s event naming tenant-a within %d s", action, WAIT_S);
	ev = events_find(FLEET_LOG, "device", bdf, "action", action, "vm.name", "tenant-a", NULL);
	vm = ev ? json_object_object_get(ev, "vm") : NULL;
	CHECK(vm != NULL, "no %s event naming tenant-a", action);
	if (!vm)
		return;
	CHECK_STR(json_object_get_string(json_object_object_get(vm, "name_from")), "qemu -name");
	CHECK_STR(json_object_get_string(json_object_object_get(vm, "source")), "qemu-cmdline");
	CHECK_STR(json_object_get_string(json_object_object_get(vm, "uuid")), UUID_A);
	CHECK_STR(json_object_get_string(json_object_object_get(vm, "unit")), "machine-qemu\\x2d1\\x2dtenant\\x2da.scope");
	CHECK(strstr(json_object_get_string(json_object_object_get(ev, "cgroup")), "tenant"), "raw cgroup kept");
	json_object_put(ev);
}

/* A process in a libvirt scope with no -name: the scope names the VM. */
static void scope_only_access(const char *bdf)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct vw_dev d = { .fd = -1 };
		uint32_t b;

		join_cgroup(SCOPE_B);
		if (vw_dev_open(&d, bdf))
			_exit(2);
		_exit(vw_cfg_read(&d, 0xf00, 4, &b) == 0 ? 0 : 3);	/* unassigned: audited */
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "scope-only reader: status %d", st);
	CHECK_EQ(events_wait(FLEET_LOG, 1, WAIT_S, "device", bdf, "offset", "3840", "vm.name", "tenant-b",
			     "vm.name_from", "libvirt scope", "vm.source", "libvirt-scope", NULL), 1);
}

/* The same from a user-delegated scope named like libvirt's: named, but as the user's. */
static void user_scope_access(const char *bdf)
{
	char dir[sizeof(SCOPE_U)];
	pid_t pid;
	int st;

	for (size_t i = strlen("/sys/fs/cgroup/"); i <= strlen(SCOPE_U); i++)
		if (SCOPE_U[i] == '/' || !SCOPE_U[i]) {
			snprintf(dir, sizeof(dir), "%.*s", (int)i, SCOPE_U);
			mkdir(dir, 0755);
		}
	pid = fork();
	if (pid == 0) {
		struct vw_dev d = { .fd = -1 };
		uint32_t b;

		join_cgroup(SCOPE_U);
		if (vw_dev_open(&d, bdf))
			_exit(2);
		_exit(vw_cfg_read(&d, 0xf04, 4, &b) == 0 ? 0 : 3);	/* unassigned: audited */
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "user-scope reader: status %d", st);
	CHECK_EQ(events_wait(FLEET_LOG, 1, WAIT_S, "device", bdf, "offset", "3844", "vm.name", "tenant-a",
			     "vm.name_from", "user scope", "vm.source", "user-cgroup", NULL), 1);
	CHECK_EQ(events_wait(FLEET_LOG, 0, 1, "offset", "3844", "vm.source", "libvirt-scope", NULL), 0);
}

static void check_audit_record(const char *bdf)
{
	char cmd[512];

	/* the record reaches the kernel log from kauditd */
	snprintf(cmd, sizeof(cmd), "dmesg | grep 'type=1121' | grep 'op=write action=deny device=%s' | "
		 "grep 'vm=\"tenant-a\"' | grep -c 'res=failed'", bdf);
	sh_wait(cmd);
	CHECK(atoi(out) >= 1, "no audit record of the denial in the kernel log");
	sh("dmesg | grep 'type=1121' | tail -n 1");
	printf("audit: %s", out);
}

static void check_journal(const char *bdf)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "journalctl -D /run/log/journal --no-pager -o json VFIO_WARDEN_ACTION=deny "
		 "VFIO_WARDEN_DEVICE=%s VFIO_WARDEN_VM=tenant-a VFIO_WARDEN_VM_SOURCE=qemu-cmdline 2>&1 | grep -c '\"PRIORITY\":\"4\"'", bdf);
	sh_wait(cmd);
	CHECK(atoi(out) >= 1, "journalctl VFIO_WARDEN_ACTION=deny found nothing: %s", out);
}

/*
 * Messages under systemd: stderr as the journal's stream, $JOURNAL_STREAM naming it as
 * systemd does for a unit (systemd-cat gives the stream). Errors land at priority 3,
 * progress at 6.
 */
static void check_message_priorities(void)
{
	static const char cmd[] = "systemd-cat -t vw-msgtest sh -c 'JOURNAL_STREAM=$(stat -L -c %%d:%%i /proc/self/fd/2) "
				  "exec build/vfio-warden %s'";
	char c[512];

	snprintf(c, sizeof(c), cmd, "attach");	/* attached already: an error */
	sh(c);
	snprintf(c, sizeof(c), cmd, "reload -p policies/default.yaml");	/* "reloaded, ...": information */
	sh(c);
	sh_wait("journalctl -D /run/log/journal --no-pager -t vw-msgtest -p err -o cat | grep -c 'already attached'");
	CHECK(atoi(out) == 1, "the error is not at priority err: %s", out);
	sh("journalctl -D /run/log/journal --no-pager -t vw-msgtest -p err -o cat | grep -c reloaded");
	CHECK(atoi(out) == 0, "progress filed as an error: %s", out);
	sh("journalctl -D /run/log/journal --no-pager -t vw-msgtest -p info -o json | grep reloaded | "
	   "grep -c '\"PRIORITY\":\"6\"'");
	CHECK(atoi(out) == 1, "progress not at priority info: %s", out);
	sh("journalctl -D /run/log/journal --no-pager -t vw-msgtest -o cat | grep -c '^<'");
	CHECK(atoi(out) == 0, "a prefix reached the journal as text: %s", out);
}

/*
 * A process holding the device's group open under a hostile `-name` (as a VMM could
 * name itself): bash with the name among its arguments, waiting on a pipe. Returns its
 * pid and the pipe to close to end it.
 */
static pid_t hold_hostile(const char *bdf, int *release)
{
	char group[64], ready[8] = "";
	int in[2], outp[2];
	pid_t pid;

	snprintf(group, sizeof(group), "/dev/vfio/%d", vw_iommu_group(bdf));
	if (pipe(in) || pipe(outp))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		close(in[1]);
		close(outp[0]);
		execlp("bash", "bash", "-c", "exec 3<>\"$0\" && echo held && read -r _", group, "-name",
		       "guest=" HOSTILE_NAME, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	if (read(outp[0], ready, sizeof(ready) - 1) <= 0 || strncmp(ready, "held", 4))
		CHECK(0, "the hostile holder did not open %s", group);
	close(outp[0]);
	*release = in[1];
	return pid;
}

/* GET /metrics over the Unix socket: the response in out. */
static int unix_get(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t o = 0;
	ssize_t n;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	out[0] = 0;
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	dprintf(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	while (o + 1 < sizeof(out) && (n = read(fd, out + o, sizeof(out) - 1 - o)) > 0)
		o += n;
	out[o] = 0;
	close(fd);
	return 0;
}

/*
 * A hostile VM name used to make the whole exposition invalid (promtool: "invalid label
 * value"), so every device's scrape failed. Now the `metrics` output and a real scrape
 * of `run --metrics-listen unix:PATH` pass promtool with the name's label sanitized;
 * the socket is 0600 and removed at exit. Run with no other event reader.
 */
static void check_hostile_name(const char *bdf, const char *pol)
{
	int release = -1, st = 0, i;
	pid_t holder = hold_hostile(bdf, &release), run;
	struct stat sst;
	const char *body;
	FILE *f;

	CHECK_EQ(cli_run(out, sizeof(out), "metrics", NULL), 0);
	CHECK(strstr(out, HOSTILE_LABEL), "metrics: no sanitized label %s:\n%.3000s", HOSTILE_LABEL, out);
	CHECK(!strstr(out, "\nfake 9"), "a VM name forged a sample");
	CHECK_EQ(sh("build/vfio-warden metrics | promtool check metrics 2>&1"), 0);
	printf("promtool on a hostile VM name: %s\n", out[0] ? out : "ok");

	unlink("/tmp/vw-fleet-run.jsonl");
	run = cli_spawn("run", "--keep", "-q", "-p", pol, "-o", "/tmp/vw-fleet-run.jsonl", "--metrics-listen",
			"unix:" METRICS_SOCK, NULL);
	for (i = 0; i < WAIT_S * 10 && lstat(METRICS_SOCK, &sst); i++)
		pause_ms(100);
	CHECK(i < WAIT_S * 10 && S_ISSOCK(sst.st_mode), "run made no socket at %s", METRICS_SOCK);
	CHECK_EQ(sst.st_mode & 07777, 0600);
	CHECK_EQ(sst.st_uid, 0);
	CHECK_EQ(unix_get(METRICS_SOCK), 0);
	CHECK(!strncmp(out, "HTTP/1.1 200", 12), "scrape over %s: %.200s", METRICS_SOCK, out);
	body = strstr(out, "\r\n\r\n");
	CHECK(body && strstr(body, HOSTILE_LABEL), "the scrape has no sanitized label: %.3000s", out);
	f = fopen("/tmp/vw-fleet-scrape.prom", "w");
	if (f && body) {
		fputs(body + 4, f);
		fclose(f);
	}
	CHECK_EQ(sh("promtool check metrics < /tmp/vw-fleet-scrape.prom 2>&1"), 0);
	printf("promtool on the scrape over %s: %s\n", METRICS_SOCK, out[0] ? out : "ok");
	kill(run, SIGTERM);
	waitpid(run, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run --keep: status %d", st);
	CHECK(lstat(METRICS_SOCK, &sst) != 0 && errno == ENOENT, "%s left after run", METRICS_SOCK);
	if (release >= 0)
		close(release);
	if (holder > 0)
		waitpid(holder, NULL, 0);
}

void check_events_schema(const char *first, const char *const *logs)
{
	char cmd[2048];
	size_t o;

	o = snprintf(cmd, sizeof(cmd), "python3 tests/validate-events.py user/lib/events.schema.json %s", first);
	for (; *logs && o < sizeof(cmd) - 256; logs++)
		if (access(*logs, R_OK) == 0)
			o += snprintf(cmd + o, sizeof(cmd) - o, " %s", *logs);
	snprintf(cmd + o, sizeof(cmd) - o, " 2>&1 | tail -n 20");
	sh(cmd);
	printf("%s", out);
	CHECK(strstr(out, " 0 invalid") && !strstr(out, "events: 0 valid"), "schema: %s", out);
}

void test_fleet(const struct fleet_opts *o)
{
	char pol[512], text[1024];
	pid_t log_pid, journald, qemu;
	int monitor = -1;
	FILE *f;

	mkdir("/sys/fs/cgroup/machine.slice", 0755);
	CHECK(mkdir(SCOPE_A, 0755) == 0 || errno == EEXIST, "%s: %s", SCOPE_A, strerror(errno));
	CHECK(mkdir(SCOPE_B, 0755) == 0 || errno == EEXIST, "%s: %s", SCOPE_B, strerror(errno));
	/* QEMU's reset writes the command register: denied for this device, audited reads elsewhere */
	snprintf(pol, sizeof(pol), "%s/fleet.yaml", o->rwdir);
	snprintf(text, sizeof(text), "version: 1\ndefault:\n  unassigned: {read: audit, write: deny}\n"
		 "devices:\n  - match: {bdf: \"%s\"}\n    header: {write: deny}\n", o->bdf);
	f = fopen(pol, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	enable_kernel_audit();
	journald = start_journald();
	CHECK(access("/run/systemd/journal/socket", F_OK) == 0, "journald did not start");
	unlink(FLEET_LOG);
	log_pid = cli_spawn("log", "-q", "--linux-audit", "deny", "--journal", "-o", FLEET_LOG, NULL);

	qemu = start_qemu(o->bdf, &monitor);
	/* realize reads all of config space: the unassigned part is audited */
	check_vm_event(o->bdf, "audit");
	/* a reset disables bus mastering through the command register: denied */
	if (write(monitor, "system_reset\n", 13) != 13)
		CHECK(0, "monitor write");
	check_vm_event(o->bdf, "deny");
	check_metrics(o->bdf);
	check_audit_record(o->bdf);
	check_journal(o->bdf);
	stop_qemu(qemu, monitor);
	check_message_priorities();

	scope_only_access(o->bdf);
	user_scope_access(o->bdf);
	kill(log_pid, SIGTERM);
	waitpid(log_pid, NULL, 0);
	if (journald > 0) {
		kill(journald, SIGTERM);
		waitpid(journald, NULL, 0);
	}
	check_hostile_name(o->bdf, pol);	/* runs `run`: the one event reader now */
	check_events_schema(FLEET_LOG, o->logs);
	snprintf(text, sizeof(text), "cp %s %s/fleet-events.jsonl", FLEET_LOG, o->rwdir);	/* for people */
	sh(text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
}

/* QEMU as the VFIO client: VM names, metrics, audit log, journal, its events against the schema */
VW_TEST(fleet, fleet, VW_ATTACHED)
{
	/* its own log: the runner checks every other test's at the end (runner.c) */
	const char *logs[] = { NULL };
	struct fleet_opts fo = { .bdf = NVME, .rwdir = RWDIR, .logs = logs };

	test_fleet(&fo);
}
