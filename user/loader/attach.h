/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_ATTACH_H
#define VW_ATTACH_H

#include "policy.h"

struct vw_attach_opts {
	const struct vw_policy *policy;
	unsigned ringbuf_size;	/* bytes, power of two >= 4096; 0 = default 1 MiB */
	int quiet;
	int lockdown;	/* enum vw_lockdown: the policy was adapted to it (lockdown.h) */
};

/* Load, fill maps, attach, pin under VW_PIN_DIR. Returns an enum vw_exit code. */
int vw_attach(const struct vw_attach_opts *o);
/* Unpin everything and wait until the kernel has let go of every program, so the
 * next access sees plain vfio-pci. Returns enum vw_exit. */
int vw_detach(int quiet);

#endif
