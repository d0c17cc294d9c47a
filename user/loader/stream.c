// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stream.h"
#include "apply.h"
#include "attach.h"
#include "msg.h"

int vw_percpu_sum(int fd, __u32 key, void *out, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	size_t stride = (value_size + 7) & ~(size_t)7, i;
	__u64 *vals, *sum = out;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, stride);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int err = -errno;

		free(vals);
		return err;
	}
	memset(out, 0, value_size);
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < value_size / 8; i++)
			sum[i] += vals[c * stride / 8 + i];
	free(vals);
	return 0;
}

/*
 * The event ring buffer, read by hand rather than with libbpf's ring_buffer__poll:
 * libbpf moves the consumer position past each record as soon as its callback
 * returns, so a record survives a `kill -9` of the reader only if the callback
 * wrote it out first: one write(2) per record, 8,955 records/s under TCG. Here
 * records are formatted into memory, written with one write(2) per batch, and
 * only then is the consumer position moved past them. A `kill -9` can repeat a
 * batch to the next reader, never lose a record. The layout is the kernel's
 * (kernel/bpf/ringbuf.c), mapped as libbpf's ringbuf.c maps it: the consumer
 * page read-write at offset 0; the producer page and the data, mapped twice
 * back to back so that a record never wraps, read-only from one page on.
 */
struct ring {
	unsigned long *consumer_pos;
	const unsigned long *producer_pos;
	const char *data;
	unsigned long mask;
	size_t page, data_len;
	int epfd;
};

static int ring_open(struct ring *r, int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	void *p;

	memset(r, 0, sizeof(*r));
	r->epfd = -1;
	if (bpf_map_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries || (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r->page = sysconf(_SC_PAGESIZE);
	r->mask = info.max_entries - 1;
	r->data_len = 2 * (size_t)info.max_entries;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->consumer_pos = p;
	p = mmap(NULL, r->page + r->data_len, PROT_READ, MAP_SHARED, map_fd, r->page);
	if (p == MAP_FAILED) {
		int err = -errno;

		munmap(r->consumer_pos, r->page);
		return err;
	}
	r->producer_pos = p;
	r->data = (const char *)p + r->page;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, map_fd, &ev)) {
		int err = -errno;

		munmap(r->consumer_pos, r->page);
		munmap((void *)r->producer_pos, r->page + r->data_len);
		if (r->epfd >= 0)
			close(r->epfd);
		return err;
	}
	return 0;
}

static void ring_close(struct ring *r)
{
	munmap(r->consumer_pos, r->page);
	munmap((void *)r->producer_pos, r->page + r->data_len);
	close(r->epfd);
}

struct stream_ctx {
	FILE *batch;		/* open_memstream: the records of the batch being read */
	char *batch_buf;
	size_t batch_size;
	int fd;			/* -o FILE (O_APPEND) or stdout */
	enum vw_format fmt;
	uint64_t unreadable;
	uint64_t records;
	struct vw_sinks *sinks;
	volatile sig_atomic_t *stop;
};

static void on_event(struct stream_ctx *s, const void *data, size_t len)
{
	if (len != sizeof(struct vw_event)) {
		/* programs pinned by another build (run --keep across an upgrade): said, never dropped quietly */
		if (s->unreadable++ % 1000 == 0)
			vw_msg(VW_ERR, "vfio-warden: %llu event record(s) of %zu bytes, this build reads %zu: "
				"the attached programs come from another vfio-warden build; detach and attach "
				"with this one\n", (unsigned long long)s->unreadable, len, sizeof(struct vw_event));
		return;
	}
	vw_print_event(s->batch, s->fmt, data);
	if (s->sinks)
		vw_sinks_event(s->sinks, data);
	s->records++;
}

/* Write the batch out whole (a short write is continued; an error retried while not stopped). */
static int flush_batch(struct stream_ctx *s)
{
	off_t end;
	size_t done = 0;
	ssize_t n;
	int warned = 0;

	fflush(s->batch);
	end = ftello(s->batch);
	while (end > 0 && done < (size_t)end) {
		n = write(s->fd, s->batch_buf + done, end - done);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (!warned++)
			vw_msg(VW_ERR, "vfio-warden: writing events failed: %s; the ring buffer keeps them\n",
			       n < 0 ? strerror(errno) : "no progress");
		if (*s->stop)
			return -1;
		usleep(200 * 1000);
	}
	rewind(s->batch);
	return 0;
}

#define VW_BATCH_BYTES (256 * 1024)	/* formatted output per write(2) */

/*
 * Format every record the producers have committed, write them out, then free
 * their space. Returns the records read, or -1 if they could not be written.
 */
static long ring_drain(struct ring *r, struct stream_ctx *s)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE), prod;
	long got = 0;
	int more = 1;

	while (more) {
		more = 0;
		prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			const __u32 *hdr = (const __u32 *)(r->data + (cons & r->mask));
			__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				break;	/* reserved, not yet submitted: records after it wait */
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
				on_event(s, hdr + 2, len);	/* BPF_RINGBUF_HDR_SZ: len, pg_off */
				got++;
			}
			len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
			if (ftello(s->batch) >= VW_BATCH_BYTES) {
				more = 1;
				break;
			}
		}
		if (flush_batch(s))
			return -1;
		/* only now may the kernel reuse the space of what was written */
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	}
	return got;
}

static int open_out(const char *path)
{
	int fd;

	if (!path)
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		vw_msg(VW_ERR, "vfio-warden: cannot open %s: %s\n", path, strerror(errno));
	return fd;
}

static uint64_t global_lost(const struct vw_maps *m)
{
	struct vw_global_counters g;

	return vw_percpu_sum(m->fd[VW_MAP_GLOBAL], 0, &g, sizeof(g)) ? 0 : g.lost;
}

/* A lost line, written at once (a batch of its own). */
static void report_lost(struct stream_ctx *s, uint64_t count, uint64_t total)
{
	vw_print_lost(s->batch, s->fmt, count, total);
	flush_batch(s);
}

int vw_stream(const struct vw_maps *m, const struct vw_stream_opts *o)
{
	struct stream_ctx s = { .fmt = o->fmt, .sinks = o->sinks, .stop = o->stop };
	struct epoll_event ev;
	uint64_t lost_seen, lost;
	struct ring r;
	int rc = VW_EXIT_OK, err;
	long n;

	s.fd = open_out(o->out_path);
	if (s.fd < 0)
		return VW_EXIT_ERROR;
	s.batch = open_memstream(&s.batch_buf, &s.batch_size);
	err = s.batch ? ring_open(&r, m->fd[VW_MAP_EVENTS]) : -ENOMEM;
	if (err) {
		vw_msg(VW_ERR, "vfio-warden: cannot open the event ring buffer: %s\n", strerror(-err));
		if (s.batch)
			fclose(s.batch);
		free(s.batch_buf);
		if (s.fd != STDOUT_FILENO)
			close(s.fd);
		return VW_EXIT_ERROR;
	}
	/* losses before we started are reported by `status`; from here on, in-stream */
	lost_seen = global_lost(m);
	while (!*o->stop) {
		n = ring_drain(&r, &s);
		if (n < 0) {
			rc = VW_EXIT_ERROR;
			break;
		}
		lost = global_lost(m);
		if (lost > lost_seen) {
			report_lost(&s, lost - lost_seen, lost);
			lost_seen = lost;
		}
		if (o->reopen && *o->reopen && o->out_path) {
			*o->reopen = 0;
			if (s.fd != STDOUT_FILENO)
				close(s.fd);
			s.fd = open_out(o->out_path);
			if (s.fd < 0) {
				rc = VW_EXIT_ERROR;
				break;
			}
		}
		if (!vw_is_attached()) {
			ring_drain(&r, &s);
			vw_msg(VW_INFO, "vfio-warden: detached; event stream ends\n");
			break;
		}
		/* nothing more to read: sleep until a producer wakes us (it does when it finds
		 * the consumer caught up, which it now is), or 200 ms for the checks above */
		if (n == 0 && epoll_wait(r.epfd, &ev, 1, 200) < 0 && errno != EINTR) {
			vw_msg(VW_ERR, "vfio-warden: reading events failed: %s\n", strerror(errno));
			rc = VW_EXIT_ERROR;
			break;
		}
	}
	if (o->settle && *o->stop && rc == VW_EXIT_OK && vw_is_attached()) {
		/* run detaches next: no new verdicts, and the counts vw_agg holds come out
		 * within two windows; read them before the ring buffer goes */
		struct timespec t0, t;

		vw_retire(m->fd[VW_MAP_ACTIVE_GEN]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			if (ring_drain(&r, &s) < 0 ||
			    vw_agg_wait_empty(m->fd[VW_MAP_AGG], 0) != -ETIMEDOUT)
				break;
			epoll_wait(r.epfd, &ev, 1, 50);
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < VW_AGG_SETTLE_MS);
	}
	if (s.fd >= 0)
		ring_drain(&r, &s);	/* what came before the stop or the detach */
	ring_close(&r);
	fclose(s.batch);
	free(s.batch_buf);
	if (s.fd >= 0 && s.fd != STDOUT_FILENO)
		close(s.fd);
	return rc;
}
