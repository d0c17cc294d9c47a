// SPDX-License-Identifier: GPL-2.0
/*
 * Flood aggregation (include/vw_aggregate.h): the key, the counting rules, and
 * a model of the BPF flow (bpf/aggregate.bpf.h: vw_agg_report, vw_agg_fire)
 * over a small map and ring, driven by random accesses, timer ends and
 * drains. Whatever the interleaving: records' counts + pending + lost ==
 * accesses at every step, deny counts never on an audit record, every count
 * reported once the windows end, and idle keys leave the map.
 */
#include <stdint.h>
#include "vw_test.h"
#include "vw_aggregate.h"

static void key_of(struct vw_agg_key *k, int variant)
{
	char bdf[VW_NAME_LEN] = "0000:00:0b.0";

	vw_agg_key_make(k, 100, 101, bdf, VW_DIR_WRITE, 0xf00, 4, 0xf00, VW_DENY, VW_PATH_PWRITE, 0x5a5a5a5a, 4, 0, 0xff);
	switch (variant) {
	case 1: k->pid++; break;
	case 2: k->tid++; break;
	case 3: k->bdf[11] = '1'; break;
	case 4: k->dir = VW_DIR_READ; break;
	case 5: k->off++; break;
	case 6: k->size = 2; break;
	case 7: k->at++; break;
	case 8: k->action = VW_AUDIT; break;
	case 9: k->path = VW_PATH_PWRITEV; break;
	case 10: k->value ^= 1; break;
	case 11: k->value_len = 2; break;
	case 12: k->tph_reason = 1; break;
	case 13: k->cap = 0x10; break;
	}
}

static void test_key(void)
{
	struct vw_agg_key a, b;
	char bdf[VW_NAME_LEN] = "0000:00:0b.0";
	int v;

	key_of(&a, 0);
	key_of(&b, 0);
	CHECK(vw_agg_key_eq(&a, &b), "the same access, the same key");
	for (v = 1; v <= 13; v++) {
		key_of(&b, v);
		CHECK(!vw_agg_key_eq(&a, &b), "variant %d must not merge", v);
	}
	/* a read's value is not part of what it is */
	vw_agg_key_make(&a, 1, 2, bdf, VW_DIR_READ, 0, 4, 0, VW_AUDIT, VW_PATH_PREAD, 0x1234, 0, 0, 0);
	vw_agg_key_make(&b, 1, 2, bdf, VW_DIR_READ, 0, 4, 0, VW_AUDIT, VW_PATH_PREAD, 0x9999, 0, 0, 0);
	CHECK(vw_agg_key_eq(&a, &b), "value ignored without value_len");
	CHECK(vw_agg_mergeable(VW_AUDIT) && vw_agg_mergeable(VW_DENY), "audit and deny are aggregated");
	CHECK(!vw_agg_mergeable(VW_ALLOW) && !vw_agg_mergeable(VW_SCRUB), "allow and scrub are not");
	CHECK_EQ(vw_agg_record_count(5), 5);
	CHECK_EQ(vw_agg_record_count(1ULL << 40), 0xffffffffU);
}

static void test_rules(void)
{
	struct vw_agg_count s = {};
	struct vw_agg_key k, other;
	__u64 first, last, n;

	key_of(&k, 0);
	key_of(&other, 5);
	CHECK_EQ(vw_agg_note(&s, &k, &k, 10), 1);
	CHECK_EQ(vw_agg_note(&s, &k, &k, 20), 1);
	CHECK_EQ(s.pending, 2);
	CHECK_EQ(s.first_ns, 10);
	CHECK_EQ(s.last_ns, 20);
	CHECK_EQ(vw_agg_note(&s, &k, &other, 30), 0);	/* a recycled element of another key */
	CHECK_EQ(s.pending, 2);
	n = vw_agg_take(&s, &first, &last);
	CHECK_EQ(n, 2);
	CHECK_EQ(first, 10);
	CHECK_EQ(last, 20);
	CHECK_EQ(s.dead, 0);
	CHECK_EQ(vw_agg_note(&s, &k, &k, 40), 1);	/* counted during the failed emit */
	vw_agg_putback(&s, n, first, last);		/* ring full */
	CHECK_EQ(s.pending, 3);
	CHECK_EQ(s.first_ns, 10);
	CHECK_EQ(s.last_ns, 40);
	n = vw_agg_take(&s, &first, &last);
	CHECK_EQ(n, 3);
	n = vw_agg_take(&s, &first, &last);
	CHECK_EQ(n, 0);
	CHECK_EQ(s.dead, 1);
	CHECK_EQ(vw_agg_note(&s, &k, &k, 50), 0);	/* dying: the access gets its own record */
}

/* ---- the BPF flow, modelled ---- */
enum { MAPCAP = 24, RINGCAP = 6, NKEYS = 40, STEPS = 200000 };
#define W VW_AGG_WINDOW_NS

struct entry {
	int used;
	struct vw_agg_key key;
	struct vw_agg_count n;
	uint64_t timer_at;	/* 0: not armed */
};

struct rec {
	int key;
	uint32_t count;
	int deny;
	uint64_t first;	/* 0: own record */
};

static struct entry map[MAPCAP];
static struct rec ring[RINGCAP];
static int ring_len;
static uint64_t now, accesses, denied, lost, reported, deny_reported, deny_on_audit;
static uint64_t ring_full_seen;

static struct vw_agg_key keys[NKEYS];

static struct entry *lookup(const struct vw_agg_key *k)
{
	int i;

	for (i = 0; i < MAPCAP; i++)
		if (map[i].used && vw_agg_key_eq(&map[i].key, k))
			return &map[i];
	return NULL;
}

static int key_index(const struct vw_agg_key *k)
{
	int i;

	for (i = 0; i < NKEYS; i++)
		if (vw_agg_key_eq(&keys[i], k))
			return i;
	return -1;
}

static int ring_push(int key, uint32_t count, uint64_t first)
{
	if (ring_len == RINGCAP) {
		ring_full_seen++;
		return -1;
	}
	ring[ring_len++] = (struct rec){ key, count, keys[key].action == VW_DENY, first };
	return 0;
}

static void drain(void)
{
	int i;

	for (i = 0; i < ring_len; i++) {
		reported += ring[i].count;
		if (ring[i].deny)
			deny_reported += ring[i].count;
		if (!ring[i].deny && keys[ring[i].key].action == VW_DENY)
			deny_on_audit++;
	}
	ring_len = 0;
}

/* vw_agg_report, then the caller's own-record fallback */
static void do_access(int ki)
{
	const struct vw_agg_key *k = &keys[ki];
	struct entry *e = lookup(k);
	int own = 0, i;

	accesses++;
	if (k->action == VW_DENY)
		denied++;
	if (e) {
		if (vw_agg_note(&e->n, &e->key, k, now))
			return;
		goto fallback;
	}
	if (!ring_push(ki, 1, 0))
		own = 1;
	for (i = 0; i < MAPCAP && map[i].used; i++)
		;
	if (i == MAPCAP) {
		if (own)
			return;
		goto fallback;
	}
	map[i] = (struct entry){ .used = 1, .key = *k, .timer_at = now + W };
	if (!own) {
		map[i].n.pending = 1;
		map[i].n.first_ns = map[i].n.last_ns = now;
	}
	return;
fallback:
	if (ring_push(ki, 1, 0))
		lost++;
}

/* vw_agg_fire */
static void fire(struct entry *e)
{
	__u64 first, last, n = vw_agg_take(&e->n, &first, &last);

	if (!n) {
		e->used = 0;
		return;
	}
	if (ring_push(key_index(&e->key), vw_agg_record_count(n), first))
		vw_agg_putback(&e->n, n, first, last);
	e->timer_at = now + W;
}

/* accesses in records the drainer has not read yet */
static uint64_t ring_len_count(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < ring_len; i++)
		n += ring[i].count;
	return n;
}

static uint64_t pending_total(void)
{
	uint64_t p = 0;
	int i;

	for (i = 0; i < MAPCAP; i++)
		if (map[i].used)
			p += map[i].n.pending;
	return p;
}

static void test_model(unsigned seed)
{
	char bdf[VW_NAME_LEN] = "0000:00:0b.0";
	uint64_t r = seed;
	long step, bad_sum = 0;
	int i;

	memset(map, 0, sizeof(map));
	ring_len = 0;
	now = 1;
	accesses = denied = lost = reported = deny_reported = deny_on_audit = ring_full_seen = 0;
	for (i = 0; i < NKEYS; i++)
		vw_agg_key_make(&keys[i], 7, 8 + i % 4, bdf, i % 2, (i / 2) * 4, 4, (i / 2) * 4,
				i % 5 == 0 ? VW_DENY : VW_AUDIT, VW_PATH_PREAD, 0, 0, 0, 0);
	for (step = 0; step < STEPS; step++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		now += (r >> 33) % (W / 50);	/* up to 20 ms between events */
		switch ((r >> 20) % 8) {
		case 0: case 1: case 2: case 3:
			/* a few hot keys, many cold ones: a flood with stragglers */
			do_access((r >> 40) % 8 ? (int)((r >> 44) % 4) : (int)((r >> 44) % NKEYS));
			break;
		case 4:
			if ((r >> 50) % 3)	/* the drainer, sometimes late */
				drain();
			break;
		default:
			break;
		}
		for (i = 0; i < MAPCAP; i++)
			if (map[i].used && map[i].timer_at <= now)
				fire(&map[i]);
		if (reported + pending_total() + lost + ring_len_count() != accesses)
			bad_sum++;
	}
	/* quiet: every window ends, the drainer keeps up */
	for (i = 0; i < 4; i++) {
		int j;

		now += W;
		for (j = 0; j < MAPCAP; j++)
			if (map[j].used && map[j].timer_at <= now)
				fire(&map[j]);
		drain();
	}
	CHECK_EQ(bad_sum, 0);
	CHECK_EQ(reported + lost, accesses);
	CHECK_EQ(pending_total(), 0);
	CHECK(!lookup(&keys[0]) && !lookup(&keys[1]), "idle keys leave the map");
	for (i = 0; i < MAPCAP; i++)
		CHECK(!map[i].used, "entry %d still there after the flood", i);
	CHECK_EQ(deny_on_audit, 0);
	CHECK(deny_reported + lost >= denied && deny_reported <= denied, "deny counts %llu, denied %llu, lost %llu",
	      (unsigned long long)deny_reported, (unsigned long long)denied, (unsigned long long)lost);
	CHECK(ring_full_seen > 0, "the model never filled the ring (seed %u)", seed);
	printf("model seed %u: %llu accesses, %llu reported, %llu lost (map full and ring full), ring full %llu times\n",
	       seed, (unsigned long long)accesses, (unsigned long long)reported, (unsigned long long)lost,
	       (unsigned long long)ring_full_seen);
}

int main(void)
{
	unsigned s;

	test_key();
	test_rules();
	for (s = 1; s <= 5; s++)
		test_model(s);
	return vw_test_done();
}
