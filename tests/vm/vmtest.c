// SPDX-License-Identifier: GPL-2.0
/* What the VM selftests share (tests/vm/vmtest.h): the guest's devices, the event log, helpers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vw_test.h"
#include "cli.h"
#include "vmtest.h"

const char *E1, *E2, *IGB, *NVME, *CXL, *RWDIR;
int LOCKED;
char EVFILE[512];
pid_t log_pid;
char attach_out[1 << 14];
const uint8_t real_serial[8] = { 0x56, 0x34, 0x12, 0xff, 0xff, 0x00, 0x54, 0x52 };

void start_log(void)
{
	unlink(EVFILE);
	log_pid = cli_spawn("log", "-q", "-o", EVFILE, NULL);
}

void stop_log(void)
{
	if (log_pid > 0) {
		kill(log_pid, SIGTERM);
		waitpid(log_pid, NULL, 0);
	}
	log_pid = 0;
}

const char *policy_path(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", RWDIR, name);
	return p[i];
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

const char *hexv(uint32_t v, unsigned size)
{
	static char b[8][16];
	static int i;

	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "0x%0*x", size * 2, v);
	return b[i];
}

const char *num(long long v)
{
	static char b[8][24];
	static int i;

	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "%lld", v);
	return b[i];
}

long long counter(const char *bdf, const char *path)
{
	json_object *st = cli_status();
	long long v = status_counter(st, bdf, path);

	json_object_put(st);
	return v;
}

/* Whether the guest booted with lockdown=integrity (securityfs brackets the mode). */
int lockdown_integrity(void)
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

int attach(const char *policy, const char *ringbuf)
{
	int rc;

	if (ringbuf)
		rc = cli_run(attach_out, sizeof(attach_out), "attach", "-q", "-p", policy, "--ringbuf-size", ringbuf, NULL);
	else if (policy)
		rc = cli_run(attach_out, sizeof(attach_out), "attach", "-q", "-p", policy, NULL);
	else
		rc = cli_run(attach_out, sizeof(attach_out), "attach", "-q", NULL);
	if (rc)
		fprintf(stderr, "attach failed (%d): %s\n", rc, attach_out);
	return rc;
}

uint32_t rd32(struct vw_dev *d, unsigned off)
{
	uint32_t v = 0xdeadbeef;

	CHECK_EQ(vw_cfg_read(d, off, 4, &v), 0);
	return v;
}

/* Wait (bounded) until process pid holds a BPF map: it got past its attached check. */
int wait_holds_bpf_map(pid_t pid)
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
