// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stream.h"
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

struct stream_ctx {
	FILE *out;
	enum vw_format fmt;
	uint64_t unreadable;
	struct vw_sinks *sinks;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct stream_ctx *s = ctx;

	if (len != sizeof(struct vw_event)) {
		/* programs pinned by another build (run --keep across an upgrade): said, never dropped quietly */
		if (s->unreadable++ % 1000 == 0)
			vw_msg(VW_ERR, "vfio-warden: %llu event record(s) of %zu bytes, this build reads %zu: "
				"the attached programs come from another vfio-warden build; detach and attach "
				"with this one\n", (unsigned long long)s->unreadable, len, sizeof(struct vw_event));
		return 0;
	}
	vw_print_event(s->out, s->fmt, data);
	if (s->sinks)
		vw_sinks_event(s->sinks, data);
	/* written before the ring buffer forgets it (libbpf moves the consumer
	 * position after each callback): a kill -9 can then repeat an event in
	 * the next reader, never lose one */
	fflush(s->out);
	return 0;
}

static FILE *open_out(const char *path)
{
	FILE *f;

	if (!path)
		return stdout;
	f = fopen(path, "ae");
	if (!f)
		vw_msg(VW_ERR, "vfio-warden: cannot open %s: %s\n", path, strerror(errno));
	return f;
}

static uint64_t global_lost(const struct vw_maps *m)
{
	struct vw_global_counters g;

	return vw_percpu_sum(m->fd[VW_MAP_GLOBAL], 0, &g, sizeof(g)) ? 0 : g.lost;
}

int vw_stream(const struct vw_maps *m, const struct vw_stream_opts *o)
{
	struct stream_ctx s = { .fmt = o->fmt, .sinks = o->sinks };
	struct ring_buffer *rb;
	uint64_t lost_seen, lost;
	int rc = VW_EXIT_OK, n;

	s.out = open_out(o->out_path);
	if (!s.out)
		return VW_EXIT_ERROR;
	rb = ring_buffer__new(m->fd[VW_MAP_EVENTS], on_event, &s, NULL);
	if (!rb) {
		vw_msg(VW_ERR, "vfio-warden: cannot open the event ring buffer: %s\n", strerror(errno));
		return VW_EXIT_ERROR;
	}
	/* losses before we started are reported by `status`; from here on, in-stream */
	lost_seen = global_lost(m);
	while (!*o->stop) {
		n = ring_buffer__poll(rb, 200);
		if (n < 0 && n != -EINTR) {
			vw_msg(VW_ERR, "vfio-warden: reading events failed: %s\n", strerror(-n));
			rc = VW_EXIT_ERROR;
			break;
		}
		lost = global_lost(m);
		if (lost > lost_seen) {
			vw_print_lost(s.out, s.fmt, lost - lost_seen, lost);
			lost_seen = lost;
		}
		fflush(s.out);
		if (o->reopen && *o->reopen && o->out_path) {
			*o->reopen = 0;
			fclose(s.out);
			s.out = open_out(o->out_path);
			if (!s.out) {
				rc = VW_EXIT_ERROR;
				break;
			}
		}
		if (!vw_is_attached()) {
			ring_buffer__consume(rb);
			vw_msg(VW_INFO, "vfio-warden: detached; event stream ends\n");
			break;
		}
	}
	ring_buffer__consume(rb);
	fflush(s.out);
	ring_buffer__free(rb);
	if (s.out != stdout)
		fclose(s.out);
	return rc;
}
