/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flood aggregation of audit/deny events (README: "Floods"). A guest that
 * hammers config space must not be able to push the log past the ring
 * buffer, nor hide a denied write among lost audited reads. So identical
 * accesses are counted in the kernel instead of each sending a record:
 *
 * - identical: same process and thread, same device, direction, offset,
 *   size, action, first byte that earned it ("at"), syscall path, write
 *   value and TPH reason: everything a record says except its time. The
 *   action is in the key, so a deny is never merged into an audit: denied
 *   accesses keep their own records, or a count on a record marked deny.
 * - the first access of a key gets its own record at once, as before. The
 *   identical ones that follow within the window are counted, and the window's
 *   timer reports them as one record with that count (and the time of the
 *   first and last of them). While the key keeps coming, one record per
 *   window; a window with none ends the key (its map entry is deleted).
 *   Every access is thus reported at most one window after it happened.
 * - a record the ring buffer cannot take now is not lost: the count stays
 *   pending and the next window retries it.
 *
 * Shared by BPF (bpf/aggregate.bpf.h) and the host unit tests
 * (tests/unit/test_aggregate.c): the key and the counting rules. The BPF side
 * runs vw_agg_note/take/putback under the entry's bpf_spin_lock.
 */
#ifndef VW_AGGREGATE_H
#define VW_AGGREGATE_H

#include "vw_types.h"

#define VW_AGG_WINDOW_NS (1000ULL * 1000 * 1000)	/* 1 s: README "Floods" */
#define VW_AGG_MAX       4096	/* keys pending at once; beyond: a record per access, as before */

/* What makes two accesses the same: all an event says but its time (48 bytes). */
struct vw_agg_key {
	__u32 pid;		/* tgid */
	__u32 tid;
	char bdf[VW_NAME_LEN];
	__u64 value;		/* write data (value_len bytes), 0 otherwise */
	__u32 off;
	__u32 size;
	__u16 at;
	__u8 dir;		/* enum vw_dir in bit 0; BPF puts the record's extent (vw_extent.h) in bits 4-7 */
	__u8 action;		/* VW_AUDIT or VW_DENY */
	__u8 path;		/* enum vw_path */
	__u8 value_len;
	__u8 tph_reason;
	__u8 cap;		/* region map byte at 'at' */
};
_Static_assert(sizeof(struct vw_agg_key) == 48, "aggregation key");

/* The counting state of one key; the BPF side holds its lock around these. */
struct vw_agg_count {
	__u64 pending;		/* accesses counted since the last record */
	__u64 first_ns;		/* boot-time ns of the first and the last of them */
	__u64 last_ns;
	__u32 dead;		/* the timer found it idle and deletes the entry */
	__u32 pad;
};

/* Which actions are aggregated: audits and denials (scrubs have their own rate limit). */
static inline int vw_agg_mergeable(int action)
{
	return action == VW_AUDIT || action == VW_DENY;
}

static inline void vw_agg_key_make(struct vw_agg_key *k, __u32 pid, __u32 tid, const char *bdf, __u32 dir,
				   __u32 off, __u32 size, __u32 at, __u32 action, __u32 path, __u64 value,
				   __u32 value_len, __u32 tph_reason, __u8 cap)
{
	int i;

	k->pid = pid;
	k->tid = tid;
	for (i = 0; i < VW_NAME_LEN; i++)
		k->bdf[i] = bdf[i];
	k->value = value_len ? value : 0;
	k->off = off;
	k->size = size;
	k->at = (__u16)at;
	k->dir = (__u8)dir;
	k->action = (__u8)action;
	k->path = (__u8)path;
	k->value_len = (__u8)value_len;
	k->tph_reason = (__u8)tph_reason;
	k->cap = cap;
}

static inline int vw_agg_key_eq(const struct vw_agg_key *a, const struct vw_agg_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4] && x[5] == y[5];
}

/*
 * An access found its key's entry: count it. 0 when it may not: the entry is
 * dying (its timer found it idle) or was reused for another key after that
 * (a hash map recycles a deleted element at once); the access then gets a
 * record of its own. 'have' is the key copy stored in the entry.
 */
static inline int vw_agg_note(struct vw_agg_count *s, const struct vw_agg_key *have, const struct vw_agg_key *want,
			      __u64 now)
{
	if (s->dead || !vw_agg_key_eq(have, want))
		return 0;
	if (!s->pending)
		s->first_ns = now;
	s->pending++;
	s->last_ns = now;
	return 1;
}

/* The window ended: take what it counted. Nothing counted: the key is idle, the entry goes. */
static inline __u64 vw_agg_take(struct vw_agg_count *s, __u64 *first, __u64 *last)
{
	__u64 n = s->pending;

	*first = s->first_ns;
	*last = s->last_ns;
	s->pending = 0;
	if (!n)
		s->dead = 1;
	return n;
}

/* The ring buffer was full: the taken count goes back, older than anything counted since. */
static inline void vw_agg_putback(struct vw_agg_count *s, __u64 n, __u64 first, __u64 last)
{
	if (!s->pending)
		s->last_ns = last;
	s->first_ns = first;
	s->pending += n;
}

/* A record holds a 32-bit count: a window never counts more (4e9 accesses in 1 s). */
static inline __u32 vw_agg_record_count(__u64 n)
{
	return n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
}

#endif /* VW_AGGREGATE_H */
