// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's measurements, driven by tests/vm/guest-bench.sh, which runs
 * them in rounds, one configuration after another, in one boot:
 *
 *   vw-selftest --bench ENVFILE        ns per operation, one line:
 *       CONFIG_READ CONFIG_WRITE TMPFS_PREAD PIPE_ROUNDTRIP
 *     4-byte reads and writes of the e1000e's command register through its
 *     VFIO file (pread/pwrite, as VMMs do), a 1-byte pread of a tmpfs file
 *     and a 1-byte pipe write+read: the host's other I/O. Each is the median
 *     of several batches.
 *   vw-selftest --bench-empty lsm|all  attach empty programs (tests/bpf/bench.bpf.c)
 *     on file_permission only (the yardstick: what any veto costs), or on
 *     every hook vfio-warden uses (the floor); print "ready", hold them until
 *     SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "bench.h"
#include "vfio_util.h"
#include "bench.skel.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum { OP_CFG_READ, OP_CFG_WRITE, OP_TMPFS_PREAD, OP_PIPE };

struct bench_ctx {
	struct vw_dev *d;
	uint32_t cmd;		/* the command register, written back unchanged */
	int tmpfs_fd, pipe_fd[2];
};

static int one(struct bench_ctx *c, int op)
{
	uint32_t v;
	char b = 'x';

	switch (op) {
	case OP_CFG_READ:
		return vw_cfg_read(c->d, 0x04, 4, &v);
	case OP_CFG_WRITE:
		return vw_cfg_write(c->d, 0x04, 4, c->cmd);
	case OP_TMPFS_PREAD:
		return pread(c->tmpfs_fd, &b, 1, 0) == 1 ? 0 : -1;
	default:
		return write(c->pipe_fd[1], &b, 1) == 1 && read(c->pipe_fd[0], &b, 1) == 1 ? 0 : -1;
	}
}

/* Median over batches of the mean ns per operation. */
static double measure(struct bench_ctx *c, int op, int n)
{
	enum { RUNS = 7 };
	double t[RUNS];
	int r, i, bad = 0;

	bad += one(c, op) != 0;	/* warm: the device compiled, caches filled */
	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (i = 0; i < n; i++)
			bad += one(c, op) != 0;
		t[r] = (now_ns() - t0) / n;
	}
	if (bad)
		fprintf(stderr, "bench: %d failed operations (op %d): the numbers are not comparable\n", bad, op);
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

/* A 1-byte file on tmpfs: /dev/shm, else a tmpfs mounted for the purpose by the caller. */
static int open_tmpfs_file(void)
{
	const char *dir = getenv("VW_BENCH_TMPFS") ? getenv("VW_BENCH_TMPFS") : "/dev/shm";
	char path[512];
	struct statfs sf;
	int fd;

	if (statfs(dir, &sf) || sf.f_type != TMPFS_MAGIC) {
		fprintf(stderr, "bench: %s is not a tmpfs\n", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/vw-bench", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && write(fd, "x", 1) != 1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int bench_config(const char *bdf, int n)
{
	struct vw_dev d = { .fd = -1 };
	struct bench_ctx c = { .d = &d, .tmpfs_fd = -1 };

	if (vw_dev_open(&d, bdf)) {
		fprintf(stderr, "bench: cannot open %s: %s\n", bdf, vw_errmsg());
		return 1;
	}
	c.tmpfs_fd = open_tmpfs_file();
	if (c.tmpfs_fd < 0 || pipe(c.pipe_fd) || vw_cfg_read(&d, 0x04, 4, &c.cmd)) {
		fprintf(stderr, "bench: setup failed: %s\n", strerror(errno));
		return 1;
	}
	/* the host paths are ~10x cheaper than a config access: more of them per batch */
	printf("%.0f %.0f %.0f %.0f\n", measure(&c, OP_CFG_READ, n), measure(&c, OP_CFG_WRITE, n),
	       measure(&c, OP_TMPFS_PREAD, n * 10), measure(&c, OP_PIPE, n * 5));
	vw_dev_close(&d);
	close(c.tmpfs_fd);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

int bench_empty(const char *which)
{
	struct vw_bench *skel = vw_bench__open();
	int all = !strcmp(which, "all"), err;

	if (!skel || (!all && strcmp(which, "lsm"))) {
		fprintf(stderr, "bench: --bench-empty lsm|all\n");
		return 2;
	}
	bpf_program__set_autoload(skel->progs.empty_file_ioctl, all);
	bpf_program__set_autoload(skel->progs.empty_config_rw, all);
	bpf_program__set_autoload(skel->progs.empty_config_rw_exit, all);
	err = vw_bench__load(skel) ?: vw_bench__attach(skel);
	if (err) {
		fprintf(stderr, "bench: loading the empty programs failed: %s\n", strerror(-err));
		vw_bench__destroy(skel);
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	vw_bench__destroy(skel);
	return 0;
}
