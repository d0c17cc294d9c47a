// SPDX-License-Identifier: GPL-2.0
/*
 * The adversarial campaign (attack.h). Every thread draws accesses the way
 * config-space fuzzers do: offsets weighted to unassigned space, capability
 * boundaries, Power Management and vendor-specific capabilities; sizes 1/2/4
 * and unaligned; values biased to 0x00/0xff/0x80/0x7f. Each access is
 * checked against the verdict the policy map predicts for it (`vfio-warden
 * map --json`), and the totals against the BPF counters and the event log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vw_test.h"
#include "vmtest.h"
#include "attack.h"
#include "cli.h"
#include "kmsg.h"
#include "review.h"
#include "stress.h"
#include "vfio_util.h"
#include "vw_tph.h"
#include "vw_ioctl.h"
#include <linux/vfio.h>

enum { A_ALLOW, A_AUDIT, A_SCRUB, A_DENY, A_OTHER, A_N };
static const char *const verdict_names[A_N] = { "allow", "audit", "scrub", "deny", "other-error" };
enum { P_PREAD, P_PWRITE, P_PREADV, P_PWRITEV, P_URING_R, P_URING_W, P_NCONFIG, P_READ_BAR = P_NCONFIG, P_TPH,
       P_FAULT, P_NOOP, P_IOCTL, P_N };
static const char *const path_names[P_N] = { "pread", "pwrite", "preadv", "pwritev", "io_uring read",
					     "io_uring write", "read (BAR0)", "TPH ioctl", "DSN read, faults",
					     "DSN read, no-op", "VFIO ioctls" };
#define NDEV 3
#define CFG 4096

/* What one policy says about each byte of a device, per direction. */
struct verdict_map {
	unsigned char act[2][CFG];
};

struct target {
	struct vw_dev dev;
	const char *bdf;
	struct verdict_map pol[2];	/* policy A, B (B = A without chaos) */
	unsigned short hot[CFG];	/* offsets fuzzers favour */
	unsigned nhot;
	unsigned short unassigned[CFG];
	unsigned nunassigned;
	unsigned char snapshot[CFG];
	unsigned dsn;	/* Device Serial Number capability, 0: none */
};

struct tally {
	long by_path[P_N][A_N];
	long issued[NDEV][2], denied[NDEV], reached[NDEV][2];
	long leaked, spurious, tph_calls[NDEV];
	long serial_leaks;	/* real serial bytes left by DSN reads that faulted part-way */
	long ioc_calls[NDEV][VW_IOC_NCLASSES], ioc_denied[NDEV][VW_IOC_NCLASSES];
};

static struct target T[NDEV];
static const struct attack_opts *O;
static volatile int workers_done;

static unsigned rnd(unsigned *seed, unsigned n)
{
	return n ? (unsigned)rand_r(seed) % n : 0;
}

static int action_of(const char *s)
{
	if (!s)
		return A_OTHER;
	if (!strcmp(s, "allow"))
		return A_ALLOW;
	if (!strcmp(s, "audit"))
		return A_AUDIT;
	if (!strcmp(s, "scrub"))
		return A_SCRUB;
	if (!strcmp(s, "deny"))
		return A_DENY;
	return A_OTHER;
}

/* `vfio-warden map --json [-p POLICY] BDF` into per-byte verdicts and hot offsets. */
static int load_map(struct target *t, const char *policy, struct verdict_map *vm, int collect)
{
	static char out[1 << 20];
	json_object *root, *regions, *r, *v;
	int rc, i, len, start, k;

	rc = policy ? cli_run(out, sizeof(out), "map", "--json", "-p", policy, t->bdf, NULL)
		    : cli_run(out, sizeof(out), "map", "--json", t->bdf, NULL);
	root = rc ? NULL : json_tokener_parse(strchr(out, '{') ? strchr(out, '{') : out);
	if (!root || !json_object_object_get_ex(root, "regions", &regions)) {
		fprintf(stderr, "attack: map %s failed (%d): %.300s\n", t->bdf, rc, out);
		json_object_put(root);
		return -1;
	}
	memset(vm, A_DENY, sizeof(*vm));
	for (i = 0; i < (int)json_object_array_length(regions); i++) {
		r = json_object_array_get_idx(regions, i);
		start = json_object_get_int(json_object_object_get(r, "start"));
		len = json_object_get_int(json_object_object_get(r, "length"));
		for (k = start; k < start + len && k < CFG; k++) {
			vm->act[0][k] = action_of(json_object_get_string(json_object_object_get(r, "read")));
			vm->act[1][k] = action_of(json_object_get_string(json_object_object_get(r, "write")));
		}
		if (!collect)
			continue;
		/* the bytes around every boundary */
		for (k = start - 2; k <= start + 2; k++)
			if (k >= 0 && k < CFG && t->nhot < CFG)
				t->hot[t->nhot++] = (unsigned short)k;
		v = json_object_object_get(r, "kind");
		if (v && !strcmp(json_object_get_string(v), "unassigned"))
			for (k = start; k < start + len && k < CFG; k++)
				t->unassigned[t->nunassigned++] = (unsigned short)k;
		v = json_object_object_get(r, "name");
		if (v && (strstr(json_object_get_string(v), "Power Management") ||
			  strstr(json_object_get_string(v), "Vendor")))
			for (k = start; k < start + len && k < CFG && t->nhot < CFG; k++)
				t->hot[t->nhot++] = (unsigned short)k;
	}
	json_object_put(root);
	return 0;
}

/* The strongest action over [off, off+size) in one direction. */
static int expected(const struct verdict_map *vm, int dir, unsigned off, unsigned size)
{
	int a = A_ALLOW, k;

	for (k = 0; k < (int)size && off + k < CFG; k++)
		if (vm->act[dir][off + k] > a)
			a = vm->act[dir][off + k];
	return a;
}

/*
 * The same over the bytes the veto judges for a path (include/vw_extent.h):
 * pread/pwrite exactly; preadv/pwritev(2) from the offset to the end of config
 * space; io_uring, read(), splice: all of config space.
 */
enum { X_EXACT, X_FROM_OFFSET, X_ANY };
static int expected_on(const struct verdict_map *vm, int dir, int extent, unsigned off, unsigned size)
{
	if (extent == X_FROM_OFFSET)
		return expected(vm, dir, off, CFG - off);
	if (extent == X_ANY)
		return expected(vm, dir, 0, CFG);
	return expected(vm, dir, off, size);
}

static int path_extent(int path)
{
	return path == P_PREAD || path == P_PWRITE ? X_EXACT :
	       path == P_PREADV || path == P_PWRITEV ? X_FROM_OFFSET : X_ANY;
}

static unsigned pick_offset(const struct target *t, unsigned *seed)
{
	unsigned r = rnd(seed, 100);

	if (r < 30 && t->nunassigned)
		return t->unassigned[rnd(seed, t->nunassigned)];
	if (r < 60 && t->nhot)
		return t->hot[rnd(seed, t->nhot)];
	return rnd(seed, (unsigned)t->dev.cfg_size);
}

static unsigned char pick_byte(unsigned *seed)
{
	static const unsigned char biased[] = { 0x00, 0xff, 0x80, 0x7f };
	unsigned r = rnd(seed, 5);

	return r < 4 ? biased[r] : (unsigned char)rnd(seed, 256);
}

/* A TPH call drawn from everything the uAPI allows and much it does not. */
static int tph_random(const struct vw_dev *d, unsigned *seed, void *buf)
{
	struct { struct vw_tph_op op; struct vw_tph_entry ents[64]; } *t = buf;
	unsigned i, n = rnd(seed, 10) < 8 ? rnd(seed, 64) : 3000;

	memset(t, 0, sizeof(*t));
	t->op.hdr.op = rnd(seed, 6);
	t->op.hdr.argsz = rnd(seed, 5) ? vw_tph_st_argsz(n < 64 ? n : 64) : rnd(seed, 24);
	t->op.ctrl.mode = (unsigned char)(1u << rnd(seed, 4));
	t->op.st.count = n;
	for (i = 0; i < 64; i++) {
		t->ents[i].cpu = rnd(seed, 4) ? rnd(seed, 4) : rnd(seed, 5000);
		t->ents[i].mem_type = (unsigned char)rnd(seed, 3);
		t->ents[i].index = (unsigned short)i;
	}
	return ioctl(d->fd, VW_TPH_IOCTL, rnd(seed, 20) ? buf : NULL) ? errno : 0;
}

/*
 * A VFIO device ioctl from the classes that leave a device usable mid-campaign
 * (no RESET, no LOW_POWER_ENTRY/EXIT: tests/vm/ioctls.c covers those): SET_IRQS
 * (MSI off), PCI_HOT_RESET with the device's own group (ENODEV on the root bus),
 * BUS_MASTER set, DMA_BUF, MIGRATION, PCI_VF_TOKEN, a PROBE, DMA logging (no
 * class: other_feature) and a NULL feature header (refused: unreadable).
 * *cls gets the class the judge puts it in. 0 or errno.
 */
static int ioctl_random(const struct vw_dev *d, unsigned *seed, int *cls)
{
	struct {
		struct vfio_device_feature f;
		__u8 data[32];
	} feat;
	struct {
		struct vfio_pci_hot_reset h;
		__s32 fds[1];
	} hr;
	struct vfio_irq_set irq = { .argsz = sizeof(irq), .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				    .index = VFIO_PCI_MSI_IRQ_INDEX };
	void *arg = &feat;
	unsigned long cmd = VFIO_DEVICE_FEATURE;

	memset(&feat, 0, sizeof(feat));
	feat.f.argsz = sizeof(feat);
	feat.data[0] = 1;	/* BUS_MASTER: set */
	switch (rnd(seed, 9)) {
	case 0:
		*cls = VW_IOC_SET_IRQS, cmd = VFIO_DEVICE_SET_IRQS, arg = &irq;
		break;
	case 1:
		memset(&hr, 0, sizeof(hr));
		hr.h.argsz = sizeof(hr);
		hr.h.count = 1;
		hr.fds[0] = d->group;
		*cls = VW_IOC_HOT_RESET, cmd = VFIO_DEVICE_PCI_HOT_RESET, arg = &hr;
		break;
	case 2:
		*cls = VW_IOC_BUS_MASTER, feat.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_BUS_MASTER;
		break;
	case 3:
		*cls = VW_IOC_DMA_BUF, feat.f.flags = VFIO_DEVICE_FEATURE_GET | VW_FEAT_DMA_BUF;
		break;
	case 4:
		*cls = VW_IOC_MIG, feat.f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION;
		break;
	case 5:
		*cls = VW_IOC_VF_TOKEN, feat.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
		break;
	case 6:
		*cls = VW_IOC_PROBE, feat.f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
						    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
		break;
	case 7:
		*cls = VW_IOC_OTHER, feat.f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT;
		break;
	default:
		*cls = VW_IOC_OTHER, arg = NULL;	/* unreadable: refused */
		break;
	}
	return ioctl(d->fd, cmd, arg) ? errno : 0;
}

struct worker {
	unsigned seed;
	struct tally t;
};

/*
 * Reads over a DSN serial that the review (issue 12) found mishandled: one
 * whose buffer faults part-way (the chunks before the fault are in it: no
 * real serial byte may be), and one the kernel refuses after the veto
 * (splice, preadv2 flags), which must not count as a skipped scrub.
 */
static void dsn_extra(struct worker *w, struct target *t, int di, uint8_t *fault_end)
{
	unsigned len = 9 + rnd(&w->seed, 8), off = t->dsn + rnd(&w->seed, 12), acc = 1 + rnd(&w->seed, len - 1);
	int fault = (int)rnd(&w->seed, 2), got = A_OTHER;
	uint8_t *b = NULL;
	long rc;

	int kind = (int)rnd(&w->seed, REVIEW_NOOP_KINDS);
	/* the fault read is a pread; the refused ones are splice (kind 0) and preadv2 */
	int extent = fault ? X_EXACT : kind ? X_FROM_OFFSET : X_ANY;

	rc = fault ? review_fault_read(&t->dev, fault_end, off, len, acc, &b)
		   : review_noop_read(&t->dev, off, len, kind);
	w->t.issued[di][0]++;
	if (rc == -EPERM) {
		got = A_DENY;
		w->t.denied[di]++;
		if (expected_on(&t->pol[0], 0, extent, off, len) != A_DENY &&
		    expected_on(&t->pol[1], 0, extent, off, len) != A_DENY)
			w->t.spurious++;
	} else if (fault) {
		w->t.reached[di][0]++;	/* vfio-pci ran, and failed on the chunk that faulted */
		if (O->scrubbed && review_real_bytes(b, off, acc, t->dsn, t->snapshot + t->dsn + 4)) {
			w->t.serial_leaks++;
			fprintf(stderr, "attack: real serial bytes in a %u-byte read at 0x%x cut after %u\n", len, off, acc);
		}
	}
	w->t.by_path[fault ? P_FAULT : P_NOOP][got]++;
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct io_uring ring;
	unsigned char buf[16], back[16];
	static __thread char tphbuf[16 + 64 * 12];
	uint8_t *fault_end = review_fault_pages();
	long i;

	if (io_uring_queue_init(4, &ring, 0)) {
		fprintf(stderr, "attack: io_uring_queue_init failed\n");
		return NULL;
	}
	for (i = 0; i < O->per_thread; i++) {
		unsigned di = rnd(&w->seed, NDEV), size, off, k, r = rnd(&w->seed, 100);
		struct target *t = &T[di];
		int path = (int)rnd(&w->seed, P_NCONFIG), dir, rc = 0, ea, eb, got, segs = 1;
		struct iovec iov[2];

		if (r < 2) {	/* read(): the file position, so BAR0, judged as if all of config space */
			ssize_t n = read(t->dev.fd, buf, 4);
			int deny = expected_on(&t->pol[0], 0, X_ANY, 0, CFG) == A_DENY &&
				   expected_on(&t->pol[1], 0, X_ANY, 0, CFG) == A_DENY;

			w->t.issued[di][0]++;
			if (n < 0 && errno == EPERM) {
				w->t.denied[di]++;
				w->t.spurious += expected_on(&t->pol[0], 0, X_ANY, 0, CFG) != A_DENY &&
						 expected_on(&t->pol[1], 0, X_ANY, 0, CFG) != A_DENY;
			} else if (n == 4 && deny) {
				w->t.leaked++;	/* judged deny under both policies, yet it went through */
			}
			w->t.by_path[P_READ_BAR][n == 4 ? A_ALLOW : n < 0 && errno == EPERM ? A_DENY : A_OTHER]++;
		} else if (r < 5) {
			rc = tph_random(&t->dev, &w->seed, tphbuf);
			w->t.by_path[P_TPH][rc == EPERM ? A_DENY : rc == ENOTTY ? A_ALLOW : A_OTHER]++;
			w->t.tph_calls[di]++;
		} else if (r < 7) {
			int cls = VW_IOC_OTHER;

			rc = ioctl_random(&t->dev, &w->seed, &cls);
			w->t.by_path[P_IOCTL][rc == EPERM ? A_DENY : A_ALLOW]++;
			w->t.ioc_calls[di][cls]++;
			w->t.ioc_denied[di][cls] += rc == EPERM;
		} else if (r < 10 && t->dsn && fault_end) {
			dsn_extra(w, t, (int)di, fault_end);
		}
		r = rnd(&w->seed, 10);
		size = r < 3 ? 1 : r < 6 ? 2 : r < 9 ? 4 : (rnd(&w->seed, 2) ? 3 : 8);
		off = pick_offset(t, &w->seed);
		if (size <= 4 && rnd(&w->seed, 10) < 6)
			off &= ~(size - 1);	/* mostly aligned, the rest as they fall */
		if (off + size > t->dev.cfg_size)
			off = (unsigned)t->dev.cfg_size - size;
		for (k = 0; k < size; k++)
			buf[k] = pick_byte(&w->seed);
		dir = path == P_PWRITE || path == P_PWRITEV || path == P_URING_W;
		switch (path) {
		case P_PREAD:
			rc = (int)vw_cfg_pread(&t->dev, off, back, size);
			break;
		case P_PWRITE:
			rc = (int)vw_cfg_pwrite(&t->dev, off, buf, size);
			break;
		case P_PREADV:
		case P_PWRITEV:
			iov[0] = (struct iovec){ dir ? buf : back, size > 1 ? 1 : size };
			iov[1] = (struct iovec){ (dir ? buf : back) + 1, size - 1 };
			segs = size > 1 ? 2 : 1;
			rc = (int)(dir ? pwritev(t->dev.fd, iov, segs, (off_t)(t->dev.cfg_off + off))
				       : preadv(t->dev.fd, iov, segs, (off_t)(t->dev.cfg_off + off)));
			if (rc < 0)
				rc = -errno;
			break;
		default:
			rc = vw_cfg_uring(&ring, &t->dev, dir, dir ? buf : back, size, off);
			break;
		}
		ea = expected_on(&t->pol[0], dir, path_extent(path), off, size);
		eb = expected_on(&t->pol[1], dir, path_extent(path), off, size);
		w->t.issued[di][dir]++;
		if (rc == (int)size) {
			got = ea != A_DENY ? ea : eb;
			if (ea == A_DENY && eb == A_DENY && dir) {
				w->t.leaked++;	/* a denied write reached the device */
				fprintf(stderr, "attack: LEAK %s %s %u@0x%x\n", t->bdf, path_names[path], size, off);
			}
			w->t.reached[di][dir] += segs;
		} else if (rc == -EPERM) {
			got = A_DENY;
			w->t.denied[di]++;
			if (ea != A_DENY && eb != A_DENY)
				w->t.spurious++;
		} else {
			got = A_OTHER;
		}
		w->t.by_path[path][got]++;
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

/* ---- chaos: kill -9 and restart `run --keep`, kill `attach`, reload A<->B --- */

static pid_t spawn_run(const struct attack_opts *o)
{
	return cli_spawn("run", "--keep", "-q", "-p", o->policy_a, "-o", o->evfile, NULL);
}

struct chaos_stats {
	int kills, attach_kills, reloads, reload_fail;
	pid_t run_pid;
};

static void *chaos_main(void *p)
{
	struct chaos_stats *c = p;
	static char out[1 << 16];
	unsigned seed = 4242;
	int i = 0;

	while (!workers_done || c->reloads < O->reloads) {
		int what = (int)rnd(&seed, 10);

		if (what < 7 && c->reloads < O->reloads) {
			if (cli_run(out, sizeof(out), "reload", "-q", "-p", (c->reloads & 1) ? O->policy_b : O->policy_a,
				    NULL))
				c->reload_fail++;	/* 7 (busy) while a run adopts is fine; counted */
			c->reloads++;
		} else if (what < 9) {
			/* kill the streamer at a random moment (maybe mid-adopt), restart it */
			usleep(rnd(&seed, 200) * 1000);
			kill(c->run_pid, SIGKILL);
			waitpid(c->run_pid, NULL, 0);
			c->kills++;
			c->run_pid = spawn_run(O);
		} else {
			pid_t a = cli_spawn("attach", "-q", "-p", O->policy_b, NULL);

			usleep(rnd(&seed, 100) * 1000);
			kill(a, SIGKILL);
			waitpid(a, NULL, 0);
			c->attach_kills++;
		}
		if (workers_done && c->reloads >= O->reloads)
			break;
		i++;
	}
	return NULL;
}

/* ---- accounting ------------------------------------------------------- */

/* counters.ioctls.CLASS.ACTION of bdf (0 if absent) */
static long long ioc_count(json_object *st, const char *bdf, int cls, const char *action)
{
	json_object *devs, *d, *v;
	size_t i;

	if (!st || !json_object_object_get_ex(st, "devices", &devs))
		return 0;
	for (i = 0; i < json_object_array_length(devs); i++) {
		d = json_object_array_get_idx(devs, i);
		if (strcmp(json_object_get_string(json_object_object_get(d, "device")), bdf))
			continue;
		if (json_object_object_get_ex(d, "counters", &v) && json_object_object_get_ex(v, "ioctls", &v) &&
		    json_object_object_get_ex(v, vw_ioc_class_names[cls], &v) && json_object_object_get_ex(v, action, &v))
			return json_object_get_int64(v);
	}
	return 0;
}

static long long dev_counter(json_object *st, const char *bdf, const char *path)
{
	return status_counter(st, bdf, path);
}

static long long sum_judged(json_object *st, const char *bdf, int dir)
{
	static const char *const r[] = { "read.allow", "read.audit", "read.scrub", "read.deny" };
	static const char *const w[] = { "write.allow", "write.audit", "write.scrub", "write.deny" };
	long long n = 0;
	int a;

	for (a = 0; a < 4; a++)
		n += dev_counter(st, bdf, dir ? w[a] : r[a]);
	return n;
}

/* Whether set (open addressing, cap a power of two) already holds key (nonzero); adds it if not. */
static int seen_before(uint64_t *set, size_t cap, uint64_t key)
{
	size_t i = (key * 0x9e3779b97f4a7c15ULL) >> 20 & (cap - 1);

	while (set[i] && set[i] != key)
		i = (i + 1) & (cap - 1);
	if (set[i])
		return 1;
	set[i] = key;
	return 0;
}

struct ev_tally {
	long ad[NDEV];	/* audit+deny config accesses per device: the sum of the records' counts */
	long lost_lines, repeated, no_seq, torn;
};

/*
 * What the config records since line `from` of the event file account for,
 * each record once by its seq; and what should never be there: a record
 * twice (run/log -o skip what a killed reader wrote), one without seq, a
 * line that is not whole JSON (a killed writer's partial line is cut).
 */
static void count_events(const char *file, long from, struct ev_tally *t)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0, setcap = 1 << 21;
	uint64_t *set = calloc(setcap, sizeof(*set));
	long n = 0;
	ssize_t len;
	int i;

	memset(t, 0, sizeof(*t));
	while (f && set && (len = getline(&line, &cap, f)) > 0) {
		json_object *e, *v;
		const char *type, *dev, *act;
		long weight;

		if (n++ < from)
			continue;
		if (line[len - 1] != '\n') {
			/* the streamer's write in progress: read again next round */
			break;
		}
		if (!(e = json_tokener_parse(line))) {
			t->torn++;
			continue;
		}
		type = json_object_object_get_ex(e, "type", &v) ? json_object_get_string(v) : "";
		if (!strcmp(type, "lost")) {
			t->lost_lines++;
			json_object_put(e);
			continue;
		}
		if (!json_object_object_get_ex(e, "seq", &v)) {
			t->no_seq++;
			json_object_put(e);
			continue;
		}
		if (seen_before(set, setcap, json_object_get_uint64(v) | 1ULL << 63)) {
			t->repeated++;
			json_object_put(e);
			continue;
		}
		weight = json_object_object_get_ex(e, "count", &v) ? json_object_get_int64(v) : 1;
		dev = json_object_object_get_ex(e, "device", &v) ? json_object_get_string(v) : "";
		act = json_object_object_get_ex(e, "action", &v) ? json_object_get_string(v) : "";
		for (i = 0; i < NDEV && !strcmp(type, "config"); i++)
			if (!strcmp(dev, T[i].bdf) && (!strcmp(act, "audit") || !strcmp(act, "deny")))
				t->ad[i] += weight;
		json_object_put(e);
	}
	free(set);
	free(line);
	if (f)
		fclose(f);
}

void attack_campaign(const struct attack_opts *o)
{
	struct worker *w = calloc((size_t)o->threads, sizeof(*w));
	pthread_t *th = calloc((size_t)o->threads, sizeof(*th)), ch;
	struct chaos_stats cs = { 0 };
	struct tally tot = { 0 };
	json_object *st0, *st1;
	long ev_from = file_lines(o->evfile), dmesg_from = 0, dmesg_to;
	struct ev_tally evt;
	long long lost0, lost1, unj0, unj1, issued_all = 0, judged_all = 0, tph_all = 0, tph_judged = 0;
	long long reached_all = 0, expect_reached = 0, skipped, denied_all = 0, eperm_all = 0, tph_deny = 0;
	long long missed, fexit_skipped;
	int i, j, p, a, warnings;
	struct utsname u;
	time_t t0;

	O = o;
	workers_done = 0;
	uname(&u);
	kmsg_problems(0, &dmesg_from, 1);
	for (i = 0; i < NDEV; i++) {
		memset(&T[i], 0, sizeof(T[i]));
		T[i].bdf = o->bdfs[i];
		CHECK_EQ(vw_dev_open(&T[i].dev, T[i].bdf), 0);
		CHECK_EQ(load_map(&T[i], o->chaos ? o->policy_a : NULL, &T[i].pol[0], 1), 0);
		if (o->chaos)
			CHECK_EQ(load_map(&T[i], o->policy_b, &T[i].pol[1], 0), 0);
		else
			T[i].pol[1] = T[i].pol[0];
		CHECK_EQ(vw_sysfs_cfg_read(T[i].bdf, 0, T[i].snapshot, CFG), (long)T[i].dev.cfg_size);
		T[i].dsn = T[i].dev.cfg_size == CFG ? review_ext_cap(T[i].snapshot, 0x03) : 0;
	}
	st0 = cli_status();
	lost0 = status_global(st0, "lost");
	unj0 = status_global(st0, "contended");
	if (o->chaos)
		cs.run_pid = spawn_run(o);
	for (i = 0; i < o->threads; i++) {
		w[i].seed = 1000u + (unsigned)i;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	if (o->chaos)
		pthread_create(&ch, NULL, chaos_main, &cs);
	for (i = 0; i < o->threads; i++)
		pthread_join(th[i], NULL);
	workers_done = 1;
	if (o->chaos) {
		pthread_join(ch, NULL);
		/* the last streamer stays to let the log catch up; one that died is replaced */
		if (waitpid(cs.run_pid, NULL, WNOHANG) != 0)
			cs.run_pid = spawn_run(o);
	}
	for (i = 0; i < o->threads; i++) {
		for (p = 0; p < P_N; p++)
			for (a = 0; a < A_N; a++)
				tot.by_path[p][a] += w[i].t.by_path[p][a];
		for (j = 0; j < NDEV; j++) {
			tot.issued[j][0] += w[i].t.issued[j][0];
			tot.issued[j][1] += w[i].t.issued[j][1];
			tot.reached[j][0] += w[i].t.reached[j][0];
			tot.reached[j][1] += w[i].t.reached[j][1];
			tot.denied[j] += w[i].t.denied[j];
			tot.tph_calls[j] += w[i].t.tph_calls[j];
			for (p = 0; p < VW_IOC_NCLASSES; p++) {
				tot.ioc_calls[j][p] += w[i].t.ioc_calls[j][p];
				tot.ioc_denied[j][p] += w[i].t.ioc_denied[j][p];
			}
		}
		tot.leaked += w[i].t.leaked;
		tot.spurious += w[i].t.spurious;
		tot.serial_leaks += w[i].t.serial_leaks;
	}

	/* ---- proofs ---- */
	st1 = cli_status();
	lost1 = status_global(st1, "lost");
	unj1 = status_global(st1, "contended");
	CHECK_EQ(tot.leaked, 0);
	/* refusals the policy did not ask for are all among those counted unjudged */
	CHECK(tot.spurious <= unj1 - unj0, "%ld unexpected refusals, %lld counted", tot.spurious, unj1 - unj0);
	for (i = 0; i < NDEV; i++) {
		long long jr = sum_judged(st1, T[i].bdf, 0) - sum_judged(st0, T[i].bdf, 0);
		long long jw = sum_judged(st1, T[i].bdf, 1) - sum_judged(st0, T[i].bdf, 1);
		long long rr = dev_counter(st1, T[i].bdf, "reached_read") - dev_counter(st0, T[i].bdf, "reached_read");
		long long rw = dev_counter(st1, T[i].bdf, "reached_write") - dev_counter(st0, T[i].bdf, "reached_write");
		long long dn = dev_counter(st1, T[i].bdf, "read.deny") + dev_counter(st1, T[i].bdf, "write.deny") -
			       dev_counter(st0, T[i].bdf, "read.deny") - dev_counter(st0, T[i].bdf, "write.deny");
		long long tj = 0;
		static const char *const tk[] = { "tph.allow", "tph.audit", "tph.scrub", "tph.deny" };

		for (a = 0; a < 4; a++)
			tj += dev_counter(st1, T[i].bdf, tk[a]) - dev_counter(st0, T[i].bdf, tk[a]);
		issued_all += tot.issued[i][0] + tot.issued[i][1] + tot.tph_calls[i];
		judged_all += jr + jw + tj;
		tph_all += tot.tph_calls[i];
		tph_judged += tj;
		if (unj1 == unj0) {
			CHECK_EQ(jr, tot.issued[i][0]);
			CHECK_EQ(jw, tot.issued[i][1]);
			CHECK_EQ(dn, tot.denied[i]);
			CHECK_EQ(tj, tot.tph_calls[i]);
		}
		reached_all += rr + rw;
		expect_reached += tot.reached[i][0] + tot.reached[i][1];
		denied_all += dn;
		eperm_all += tot.denied[i];
		tph_deny += dev_counter(st1, T[i].bdf, "tph.deny") - dev_counter(st0, T[i].bdf, "tph.deny");
		CHECK_EQ(dev_counter(st1, T[i].bdf, "bypass") - dev_counter(st0, T[i].bdf, "bypass"), 0);
		/* VFIO ioctls, per class: every call judged once, every EPERM a judged deny */
		for (p = 0; p < VW_IOC_NCLASSES; p++) {
			long long jd = 0, dn_c;

			for (a = 0; a < 3; a++) {
				const char *an = a == 0 ? "allow" : a == 1 ? "audit" : "deny";

				jd += ioc_count(st1, T[i].bdf, p, an) - ioc_count(st0, T[i].bdf, p, an);
			}
			dn_c = ioc_count(st1, T[i].bdf, p, "deny") - ioc_count(st0, T[i].bdf, p, "deny");
			CHECK(jd == tot.ioc_calls[i][p] && dn_c == tot.ioc_denied[i][p],
			      "%s %s: %lld judged (%lld denied) for %ld calls (%ld EPERM)", T[i].bdf,
			      vw_ioc_class_names[p], jd, dn_c, tot.ioc_calls[i][p], tot.ioc_denied[i][p]);
		}
	}
	/*
	 * Every access judged or refused unjudged. io_uring may judge a request
	 * twice (an inline attempt, then its io-wq retry), so judged can exceed
	 * issued only by refusals: every EPERM is a judged deny or an unjudged one.
	 */
	CHECK(judged_all <= issued_all && judged_all + (unj1 - unj0) >= issued_all,
	      "%lld judged + %lld refused unjudged for %lld issued", judged_all, unj1 - unj0, issued_all);
	CHECK_EQ(eperm_all + tot.by_path[P_TPH][A_DENY], denied_all + tph_deny + (unj1 - unj0));
	/* what reached vfio-pci: counted, or a run of the accounting fentry the kernel skipped */
	skipped = status_skipped_runs(st1, "vw_config_rw") - status_skipped_runs(st0, "vw_config_rw");
	CHECK_EQ(reached_all + skipped, expect_reached);
	/* DSN: what the scrub could not do is counted (scrub_missed, skipped runs) */
	missed = status_global(st1, "scrub_missed") - status_global(st0, "scrub_missed");
	fexit_skipped = status_skipped_runs(st1, "vw_config_rw_ex") - status_skipped_runs(st0, "vw_config_rw_ex");
	printf("  DSN reads that faulted part-way and kept real serial bytes: %ld; scrubs counted skipped: %lld "
	       "(fexit runs skipped: %lld)\n", tot.serial_leaks, missed, fexit_skipped);
	/* the scrub runs for every armed read whether or not the accounting fentry did:
	 * a read that kept real serial bytes is one whose fexit the kernel skipped, or
	 * one the fexit could not rewrite (counted in scrub_missed: a copy-on-write
	 * page after a fork, which the chaos thread's spawns make) */
	CHECK(tot.serial_leaks <= fexit_skipped + missed, "%ld reads kept real serial bytes, %lld fexit runs "
	      "skipped, %lld scrubs counted missed", tot.serial_leaks, fexit_skipped, missed);

	/* events: wait (bounded: 120 s) for the log to hold every audit/deny the counters saw */
	for (i = 0, t0 = time(NULL); time(NULL) - t0 < 120; i++) {
		long have = 0, want = 0;

		count_events(o->evfile, ev_from, &evt);
		json_object_put(st1);
		st1 = cli_status();
		for (j = 0; j < NDEV; j++) {
			want += dev_counter(st1, T[j].bdf, "read.audit") + dev_counter(st1, T[j].bdf, "write.audit") +
				dev_counter(st1, T[j].bdf, "read.deny") + dev_counter(st1, T[j].bdf, "write.deny") -
				dev_counter(st0, T[j].bdf, "read.audit") - dev_counter(st0, T[j].bdf, "write.audit") -
				dev_counter(st0, T[j].bdf, "read.deny") - dev_counter(st0, T[j].bdf, "write.deny");
			have += evt.ad[j];
		}
		lost1 = status_global(st1, "lost");
		if (have + (lost1 - lost0) >= want) {
			/* each record once (by seq): exact, and a record lost only when counted lost */
			CHECK(have == want || (have < want && have + (lost1 - lost0) >= want),
			      "%ld audit/deny accesses in the records for %ld judged (lost %lld)", have, want, lost1 - lost0);
			CHECK_EQ(evt.repeated, 0);
			CHECK_EQ(evt.no_seq, 0);
			CHECK_EQ(evt.torn, 0);
			printf("  events: records for %ld audit/deny accesses (sum of counts, each seq once) for %ld judged "
			       "audit/deny accesses, lost %lld; records repeated %ld, lines not JSON %ld\n", have, want,
			       lost1 - lost0, evt.repeated, evt.torn);
			break;
		}
		usleep(100 * 1000);	/* polling a condition: the streamer writing the log */
	}
	CHECK(time(NULL) - t0 < 120, "the event log never caught up");

	/* no denied byte changed; the devices still answer and reset */
	warnings = kmsg_problems(dmesg_from, &dmesg_to, 0);
	CHECK_EQ(warnings, 0);
	printf("\n  %-16s", "path");
	for (a = 0; a < A_N; a++)
		printf(" %11s", verdict_names[a]);
	printf("\n");
	for (p = 0; p < P_N; p++) {
		printf("  %-16s", path_names[p]);
		for (a = 0; a < A_N; a++)
			printf(" %11ld", tot.by_path[p][a]);
		printf("\n");
	}
	for (i = 0; i < NDEV; i++) {
		unsigned char now[CFG];
		uint32_t vendor = 0;
		int changed = 0, k, reset;

		vw_sysfs_cfg_read(T[i].bdf, 0, now, CFG);
		for (k = 0; k < (int)T[i].dev.cfg_size; k++)
			if (T[i].pol[0].act[1][k] == A_DENY && T[i].pol[1].act[1][k] == A_DENY &&
			    now[k] != T[i].snapshot[k])
				changed++;
		CHECK_EQ(changed, 0);
		CHECK_EQ(vw_cfg_read(&T[i].dev, 0, 2, &vendor), 0);
		CHECK_EQ(vendor, (uint32_t)(T[i].snapshot[0] | T[i].snapshot[1] << 8));
		reset = vw_dev_reset(&T[i].dev);
		CHECK_EQ(reset, 0);
		printf("  device %s: %ld reads, %ld writes, %ld denied, %ld TPH calls; denied bytes changed: %d; "
		       "vendor %04x; reset %s\n", T[i].bdf, tot.issued[i][0], tot.issued[i][1], tot.denied[i],
		       tot.tph_calls[i], changed, vendor, reset ? strerror(-reset) : "ok");
		printf("  device %s ioctls (calls/EPERM):", T[i].bdf);
		for (p = 0; p < VW_IOC_NCLASSES; p++)
			if (tot.ioc_calls[i][p])
				printf(" %s %ld/%ld", vw_ioc_class_names[p], tot.ioc_calls[i][p], tot.ioc_denied[i][p]);
		printf("\n");
		vw_dev_close(&T[i].dev);
	}
	printf("  kernel %s (preemption: %s): %lld config accesses + %lld TPH calls, all judged (%lld judged, %lld refused "
	       "unjudged); denied writes that landed: %ld; bypass: 0; lost events: %lld; kernel warnings: %d\n",
	       u.release, preempt_model(), issued_all - tph_all, tph_all, judged_all, unj1 - unj0,
	       tot.leaked, lost1 - lost0, warnings);
	printf("  reached vfio-pci: %lld counted + %lld accounting runs the kernel skipped = %lld expected\n",
	       reached_all, skipped, expect_reached);
	if (o->chaos)
		printf("  chaos: run --keep killed %d times and restarted, attach killed %d times, %d reloads "
		       "(%d refused busy)\n", cs.kills, cs.attach_kills, cs.reloads, cs.reload_fail);
	json_object_put(st0);
	json_object_put(st1);
	free(w);
	free(th);
}

/* the adversarial campaign, short form (`make attack` runs the long one) */
VW_TEST(attack_campaign, attack, VW_ATTACHED | VW_LOG)
{
	struct attack_opts ao = { .bdfs = { E1, IGB, NVME }, .threads = 4, .per_thread = 2500,
				  .evfile = EVFILE, .scrubbed = !LOCKED };

	attack_campaign(&ao);
}
