/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flood aggregation of audit/deny records (include/vw_aggregate.h has the
 * rules and why). Included by warden.bpf.c after the event helpers.
 *
 * - vw_agg: one entry per key (thread, device, access, action) pending, with
 *   a bpf_spin_lock over its count and a bpf_timer that ends its window.
 *   Pinned like the ring buffer, so counts pending when `run` is killed are
 *   reported by the timer all the same, and read by the next `run --keep`.
 * - Only the veto (BPF LSM, or fmod_ret: BPF_PROG_TYPE_LSM/TRACING) and the
 *   timer callback touch it: the verifier refuses bpf_spin_lock and
 *   bpf_timer in kprobe/tracepoint programs, which never see this map.
 * - vw_agg_report is a function of its own (noinline) with a small frame:
 *   6.1 adds up the frames of a call chain against 512 bytes, and the veto's
 *   is 224 (see vw_select_layers). Entry values come from map memory
 *   (vw_agg_zero), not the stack.
 */
#ifndef VW_AGGREGATE_BPF_H
#define VW_AGGREGATE_BPF_H

#include "vw_aggregate.h"

#define VW_CLOCK_MONOTONIC 1

struct vw_agg_val {
	struct bpf_spin_lock lock;
	__u32 slot;			/* counters slot of the device */
	struct vw_agg_count n;		/* under lock */
	struct vw_agg_key key;		/* a copy: a recycled element is told apart (vw_agg_note) */
	__u64 cgroup_id;
	__u64 start_ns;
	__u16 vendor;
	__u16 device_id;
	__u32 pad;
	char comm[16];
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VW_AGG_MAX);
	__type(key, struct vw_agg_key);
	__type(value, struct vw_agg_val);
} vw_agg SEC(".maps");

/* Zeroes to create entries from (a map value: the value is too big for the stack). Never written. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[sizeof(struct vw_agg_val)]);
} vw_agg_zero SEC(".maps");

/* The record of a key's window: what its first access's record said, with the count. */
static __always_inline void vw_agg_fill(struct vw_event *e, const struct vw_agg_val *v, __u64 n, __u64 first,
					__u64 last)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->seq = __sync_fetch_and_add(&vw_seq, 1);
	e->ts_boot_ns = last;
	e->first_ns = first ? first : last;
	e->cgroup_id = v->cgroup_id;
	e->start_ns = v->start_ns;
	e->type = VW_EV_CONFIG;
	e->pid = v->key.pid;
	e->tid = v->key.tid;
	e->vendor = v->vendor;
	e->device_id = v->device_id;
	__builtin_memcpy(e->comm, v->comm, sizeof(e->comm));
	__builtin_memcpy(e->bdf, v->key.bdf, sizeof(e->bdf));
	e->action = v->key.action;
	e->dir = v->key.dir & 1;
	e->extent = v->key.dir >> 4;
	e->offset = v->key.off;
	e->size = v->key.size;
	e->at = v->key.at;
	e->cap = v->key.cap;
	e->path = v->key.path;
	e->value = v->key.value;
	e->value_len = v->key.value_len;
	e->tph_reason = v->key.tph_reason;
	e->err = v->key.action == VW_DENY ? EPERM : 0;
	e->count = vw_agg_record_count(n);
}

/*
 * A window ended: report what it counted, or end an idle key. Runs in softirq
 * context. The entry is looked up again rather than taken from the callback's
 * argument: 6.1's verifier tracks a lock by the id of the pointer it was taken
 * through, and a callback argument has id 0, which it takes for "no lock"
 * ("bpf_spin_unlock without taking a lock"); a lookup's result has an id.
 */
static int vw_agg_fire(void *map, struct vw_agg_key *key, struct vw_agg_val *arg)
{
	__u64 first = 0, last = 0, n;
	struct vw_agg_val *v = bpf_map_lookup_elem(&vw_agg, key);
	struct vw_counters *c;
	struct vw_event *e;

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	n = vw_agg_take(&v->n, &first, &last);
	bpf_spin_unlock(&v->lock);
	if (!n) {
		bpf_map_delete_elem(map, key);	/* also cancels this timer */
		return 0;
	}
	e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);
	if (!e) {
		/* the ring buffer is full: keep the count, lose nothing, and retry at a random
		 * point of the next window, so that keys whose windows end together (a burst)
		 * do not all find the ring full again, while the reader frees it in between */
		bpf_spin_lock(&v->lock);
		vw_agg_putback(&v->n, n, first, last);
		bpf_spin_unlock(&v->lock);
		bpf_timer_start(&v->timer, VW_AGG_WINDOW_NS / 16 + bpf_get_prandom_u32() % VW_AGG_WINDOW_NS, 0);
		return 0;
	} else {
		vw_agg_fill(e, v, n, first, last);
		bpf_ringbuf_submit(e, 0);
		c = vw_slot_counters(v->slot);
		if (c)
			__sync_fetch_and_add(&c->events, 1);
	}
	bpf_timer_start(&v->timer, VW_AGG_WINDOW_NS, 0);
	return 0;
}

/*
 * An audited or denied config access: its own record if it is the first of
 * its key, else counted for the window's record. Returns 0 when it was
 * neither (no room in vw_agg, or its entry is dying): the caller then sends
 * a record for it the way it always did.
 */
static __noinline int vw_agg_report(const struct vw_devinfo *info, const struct vw_device *d, struct vw_counters *c,
				    const struct vw_access *a)
{
	struct vw_agg_key k = {};
	struct vw_agg_val *v;
	struct vw_event *e;
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_boot_ns();
	__u32 zero = 0;
	void *tmpl;
	int merged, own = 0;

	if (!vw_agg_mergeable(a->action))
		return 0;
	/* the extent (include/vw_extent.h) rides in dir's upper bits: records differ by it too */
	vw_agg_key_make(&k, id >> 32, (__u32)id, info->bdf, a->dir | (a->reach.extent << 4), a->reach.off,
			a->reach.size, a->at, a->action, a->path,
			a->value, a->value_len, a->tph_reason, d->cap[a->at & (VW_CFG_SIZE - 1)]);
	v = bpf_map_lookup_elem(&vw_agg, &k);
	if (v) {
		bpf_spin_lock(&v->lock);
		merged = vw_agg_note(&v->n, &v->key, &k, now);
		bpf_spin_unlock(&v->lock);
		return merged;
	}

	e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);
	if (e) {
		vw_event_fill(e, VW_EV_CONFIG, info);
		vw_event_access(e, a->action, a->dir, a->reach.off, a->reach.size, a->at, k.cap);
		e->extent = a->reach.extent;
		e->err = a->action == VW_DENY ? EPERM : 0;
		e->count = 1;
		e->path = a->path;
		e->value = a->value;
		e->value_len = a->value_len;
		e->tph_reason = a->tph_reason;
		vw_event_end(e, c);
		own = 1;
	}
	tmpl = bpf_map_lookup_elem(&vw_agg_zero, &zero);
	if (!tmpl || bpf_map_update_elem(&vw_agg, &k, tmpl, BPF_NOEXIST))
		return own;	/* full: later accesses of this key get records of their own */
	v = bpf_map_lookup_elem(&vw_agg, &k);
	if (!v)
		return own;
	/* only this thread uses this key, and the timer is not armed yet: no lock needed */
	v->key = k;
	v->slot = d->slot;
	v->cgroup_id = bpf_get_current_cgroup_id();
	v->start_ns = bpf_get_current_task_btf()->group_leader->start_boottime;
	v->vendor = info->vendor;
	v->device_id = info->device_id;
	bpf_get_current_comm(v->comm, sizeof(v->comm));
	if (!own) {
		/* the ring buffer is full: this access is the window's first count */
		v->n.pending = 1;
		v->n.first_ns = now;
		v->n.last_ns = now;
	}
	if (bpf_timer_init(&v->timer, &vw_agg, VW_CLOCK_MONOTONIC) ||
	    bpf_timer_set_callback(&v->timer, vw_agg_fire) ||
	    bpf_timer_start(&v->timer, VW_AGG_WINDOW_NS, 0)) {
		/* no timer, no report: the entry must not count anything */
		bpf_map_delete_elem(&vw_agg, &k);
		return own;
	}
	return 1;
}

#endif /* VW_AGGREGATE_BPF_H */
