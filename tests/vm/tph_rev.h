/* SPDX-License-Identifier: GPL-2.0 */
/* The judged TPH uAPI revision (include/vw_tph_rev.h): the feature RFC's call, judged or not. */
#ifndef VW_SELFTEST_TPH_REV_H
#define VW_SELFTEST_TPH_REV_H

struct vw_dev;
struct tph_rev_opts {
	const struct vw_dev *dev;	/* an open vfio-pci device (e1000e; no TPH: the driver answers ENOTTY/EINVAL) */
	const char *evfile;	/* where `log` streams while the RFC revision is judged */
};

/* Run detached; leaves vfio-warden detached. */
void test_tph_revisions(const struct tph_rev_opts *o);

#endif
