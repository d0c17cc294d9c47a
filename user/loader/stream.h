/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_STREAM_H
#define VW_STREAM_H

#include <signal.h>
#include <stdint.h>
#include "events.h"
#include "pinned.h"
#include "sinks.h"

struct vw_stream_opts {
	enum vw_format fmt;
	const char *out_path;		/* NULL: stdout; reopened on SIGHUP */
	volatile sig_atomic_t *stop;	/* set by SIGINT/SIGTERM */
	volatile sig_atomic_t *reopen;	/* set by SIGHUP */
	struct vw_sinks *sinks;		/* audit log, journal; NULL: none */
	int settle;			/* on stop: stand the vetoes down and read what vw_agg still
					 * counted (run without --keep, which detaches next) */
};

/* Stream events until *stop or until detached. Returns an enum vw_exit code. */
int vw_stream(const struct vw_maps *m, const struct vw_stream_opts *o);

/* Sum a per-CPU map value (value_size bytes, __u64 fields) over all CPUs. */
int vw_percpu_sum(int fd, __u32 key, void *out, size_t value_size);

#endif
