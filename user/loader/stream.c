// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/*
 * What a writer killed by kill -9 leaves in -o FILE, and what is done about it:
 * - a partial last line: write(2) to a regular file stops short when the writer
 *   gets SIGKILL; a restarted reader appending after it would glue two records
 *   into a line that is not JSON. The partial record is still in the ring buffer
 *   (only written batches are consumed), so it is cut here, and written again whole.
 * - records written but not consumed: the reader frees their ring space only
 *   after the write, so a kill in between hands them to the next reader again.
 *   Their seqs are in the file's tail (at most one batch: skipped repeats are
 *   consumed at once, below); ring records at the consumer position whose seq is
 *   there are skipped. Exact: a seq is never given twice (maps.bpf.h, vw_seq).
 */
#define VW_TAIL_BYTES (2 * VW_BATCH_BYTES + 65536)

struct seen {
	uint64_t *seq;	/* sorted */
	size_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A line's seq: JSON "seq":N, text seq=N at the end. 0 if none (lost lines). */
static int line_seq(const char *l, const char *end, uint64_t *seq)
{
	static const char js[] = "\"seq\":", tx[] = " seq=";
	const char *p = memmem(l, end - l, js, sizeof(js) - 1), *q;

	if (p)
		p += sizeof(js) - 1;
	else {
		for (q = end - (sizeof(tx) - 1); q >= l && !p; q--)
			if (!memcmp(q, tx, sizeof(tx) - 1))
				p = q + sizeof(tx) - 1;
	}
	if (!p || p >= end || *p < '0' || *p > '9')
		return 0;
	for (*seq = 0; p < end && *p >= '0' && *p <= '9'; p++)
		*seq = *seq * 10 + (uint64_t)(*p - '0');
	return 1;
}

/* Cut a partial last line; collect the seqs of the complete lines in the tail (if seen). */
static void repair_log(int fd, const char *path, struct seen *seen)
{
	struct stat st;
	off_t from, keep;
	size_t len, cap = 0;
	char *buf, *l, *nl, *last_nl = NULL;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0)
		return;
	len = st.st_size < VW_TAIL_BYTES ? (size_t)st.st_size : VW_TAIL_BYTES;
	from = st.st_size - len;
	buf = malloc(len);
	if (!buf)
		return;
	n = pread(fd, buf, len, from);
	if (n != (ssize_t)len) {
		free(buf);
		return;
	}
	for (l = buf + len; l > buf && !last_nl; l--)
		if (l[-1] == '\n')
			last_nl = l - 1;
	if (buf[len - 1] != '\n') {
		keep = last_nl ? from + (last_nl + 1 - buf) : from;
		if (last_nl || from == 0) {
			if (ftruncate(fd, keep) == 0)
				vw_msg(VW_WARNING, "vfio-warden: %s ended in a partial record (its writer was killed "
					"mid-write): cut %lld bytes; the record is written again whole\n", path,
					(long long)(st.st_size - keep));
			else
				vw_msg(VW_ERR, "vfio-warden: %s ends in a partial record and cutting it failed: %s\n",
					path, strerror(errno));
		}
	}
	/* complete lines only: the window's first may start mid-line */
	l = from ? memchr(buf, '\n', len) : buf;
	if (l && from)
		l++;
	while (seen && l && last_nl && l <= last_nl) {
		uint64_t seq, *grown;

		nl = memchr(l, '\n', last_nl + 1 - l);
		if (!nl)
			break;
		if (line_seq(l, nl, &seq)) {
			if (seen->n == cap) {
				cap = cap ? 2 * cap : 1024;
				grown = realloc(seen->seq, cap * sizeof(*grown));
				if (!grown)
					break;
				seen->seq = grown;
			}
			seen->seq[seen->n++] = seq;
		}
		l = nl + 1;
	}
	if (seen && seen->n)
		qsort(seen->seq, seen->n, sizeof(*seen->seq), cmp_u64);
	free(buf);
}

static int open_out(const char *path, struct seen *seen)
{
	int fd;

	if (!path)
		return STDOUT_FILENO;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		vw_msg(VW_ERR, "vfio-warden: cannot open %s: %s\n", path, strerror(errno));
	else
		repair_log(fd, path, seen);
	return fd;
}

/*
 * Consume the records at the consumer position that the file already holds
 * (written by a reader killed before it consumed them), up to the first it
 * does not. Consumed at once: a chain of killed readers never leaves more
 * than one batch unconsumed. Returns how many were skipped.
 */
static long skip_written(struct ring *r, const struct seen *seen)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
	long skipped = 0;

	while (seen->n && cons < prod) {
		const __u32 *hdr = (const __u32 *)(r->data + (cons & r->mask));
		__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			const struct vw_event *e = (const void *)(hdr + 2);

			if (len != sizeof(*e) ||
			    !bsearch(&e->seq, seen->seq, seen->n, sizeof(*seen->seq), cmp_u64))
				break;
			skipped++;
		}
		len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
	}
	__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return skipped;
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
	struct seen seen = {};
	struct ring r;
	int rc = VW_EXIT_OK, err;
	long n;

	s.fd = open_out(o->out_path, &seen);
	if (s.fd < 0) {
		free(seen.seq);
		return VW_EXIT_ERROR;
	}
	s.batch = open_memstream(&s.batch_buf, &s.batch_size);
	err = s.batch ? ring_open(&r, m->fd[VW_MAP_EVENTS]) : -ENOMEM;
	if (err) {
		vw_msg(VW_ERR, "vfio-warden: cannot open the event ring buffer: %s\n", strerror(-err));
		if (s.batch)
			fclose(s.batch);
		free(s.batch_buf);
		if (s.fd != STDOUT_FILENO)
			close(s.fd);
		free(seen.seq);
		return VW_EXIT_ERROR;
	}
	n = skip_written(&r, &seen);
	if (n)
		vw_msg(VW_NOTICE, "vfio-warden: %ld record(s) already in %s (written by a reader killed before it "
			"consumed them) not written again\n", n, o->out_path);
	free(seen.seq);
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
			s.fd = open_out(o->out_path, NULL);
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
		vw_test_stop_at("run-retired");
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
