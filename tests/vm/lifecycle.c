// SPDX-License-Identifier: GPL-2.0
/*
 * Attach, detach and crashes: detach gives plain vfio-pci back, a kill -9 of
 * `run` keeps enforcement pinned, and lockdown=confidentiality refuses attach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include "vw_test.h"
#include "cli.h"
#include "vmtest.h"


static char out[1 << 16];

/*
 * lockdown=confidentiality also forbids bpf_probe_read_kernel and kprobes: attach must
 * refuse before loading anything, naming lockdown and the mode (exit 6), not dump a
 * verifier log. Raised at run time (securityfs allows raising, never lowering).
 */
VW_TEST(lockdown_confidentiality, lifecycle, VW_DETACHED | VW_LAST)
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

VW_TEST(detach_restores, lifecycle, VW_ATTACHED)
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

VW_TEST(kill9_keeps_enforcement, lifecycle, VW_DETACHED)
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
