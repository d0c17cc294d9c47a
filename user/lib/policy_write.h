/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a parsed policy back as YAML that vw_policy_parse() reads into the
 * same layers (tests/unit/test_policy_write.c checks the round trip on every
 * shipped and test policy). `learn` and `import pciback` write their output
 * with it, layered on a base policy, with comments for a reviewer.
 */
#ifndef VW_POLICY_WRITE_H
#define VW_POLICY_WRITE_H

#include <stdio.h>
#include "policy.h"

/* Comments a caller adds; any callback may be NULL or return NULL. */
struct vw_policy_notes {
	/* lines (no '#', separated by '\n') written above entry e */
	const char *(*entry)(void *arg, int e);
	/* a one-line comment after range r of entry e */
	const char *(*range)(void *arg, int e, int r);
	void *arg;
};

/* A comment store and its callbacks, for writers that fill comments as they go (large: heap). */
struct vw_policy_comments {
	char entry[VW_MAX_PROFILES][512];
	char range[VW_MAX_PROFILES][VW_MAX_RANGES][160];
};
/* Notes over a struct vw_policy_comments: set .arg to it. Empty strings are no comment. */
extern const struct vw_policy_notes vw_policy_comments_cb;

/* Write p. header: comment lines above 'version:' (may be NULL). 0 or -errno. */
int vw_policy_write(FILE *f, const struct vw_policy *p, const char *header, const struct vw_policy_notes *notes);

/*
 * Do a and b hold the same layers (selectors, serials, every rule)? Lines and
 * labels aside. 1 if so; else 0 and the first difference in why.
 */
int vw_policy_same(const struct vw_policy *a, const struct vw_policy *b, char *why, size_t len);

/* "allow", "audit", "deny", "scrub". */
const char *vw_policy_action_word(int action);

/*
 * The entry of p whose selector is the same as e's (bdf, vendor:device, ...),
 * or -1. vw_policy_add_entry() returns it, or appends a copy of e with an empty
 * profile: -ENOSPC when p is full.
 */
int vw_policy_find_entry(const struct vw_policy *p, const struct vw_policy_entry *e);
int vw_policy_add_entry(struct vw_policy *p, const struct vw_policy_entry *e);

#endif
