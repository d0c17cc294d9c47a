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
#include <sys/stat.h>
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
	check_events_schema(FLEET_LOG, o->logs);
	snprintf(text, sizeof(text), "cp %s %s/fleet-events.jsonl", FLEET_LOG, o->rwdir);	/* for people */
	sh(text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", "policies/default.yaml", NULL), 0);
}

/* QEMU as the VFIO client: VM names, metrics, audit log, journal; every log so far against the schema */
VW_TEST(fleet, fleet, VW_ATTACHED)
{
	const char *logs[] = { EVFILE_ALL, EVFILE, "/tmp/vw-attack-events.jsonl", NULL };
	struct fleet_opts fo = { .bdf = NVME, .rwdir = RWDIR, .logs = logs };

	test_fleet(&fo);
}
