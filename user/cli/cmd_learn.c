// SPDX-License-Identifier: GPL-2.0
/*
 * `learn`: record which config bytes each device's accesses touch (in-kernel
 * bitmaps, include/vw_learn.h), then write a least-privilege policy layered
 * on a base (learn_policy.c), or with --diff report what a policy would audit
 * or deny of the recorded run. `import pciback`: Xen quirk lines to a policy.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "apply.h"
#include "attach.h"
#include "bdf.h"
#include "cfgdump.h"
#include "commands.h"
#include "msg.h"
#include "learn_policy.h"
#include "lockdown.h"
#include "pciback.h"
#include "pinned.h"
#include "policy.h"
#include "policy_write.h"
#include "sysdev.h"

static volatile sig_atomic_t learn_stop;

static void on_learn_stop(int sig) { (void)sig; learn_stop = 1; }

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The attached policy's file still says what is enforced: parsed and adapted to
 * lockdown as attach/reload did, every entry's layer equals the pinned one of
 * the live generation. (A file edited since the reload, or replaced, is not the
 * base the operator is running.)
 */
static int base_is_pinned(const struct vw_policy *p)
{
	struct vw_policy *copy = malloc(sizeof(*copy));
	struct vw_profile *prof = malloc(sizeof(*prof));
	struct vw_maps m;
	unsigned gen;
	int i, same = 0;

	if (copy && prof && !vw_maps_open_pinned(&m)) {
		*copy = *p;
		vw_policy_adapt_lockdown(copy, vw_lockdown_current());
		same = !vw_read_active_gen(&m, &gen);
		for (i = 0; same && i < copy->nentries; i++) {
			__u32 idx = (gen & 1) * VW_MAX_PROFILES + (unsigned)i;

			same = !bpf_map_lookup_elem(m.fd[VW_MAP_PROFILES], &idx, prof) &&
			       !memcmp(prof, &copy->entries[i].prof, sizeof(*prof));
		}
		vw_maps_close(&m);
	}
	free(copy);
	free(prof);
	return same;
}

/* The base: -p FILE, else the policy attached now (its recorded source), else the built-in default. */
static int load_base(const struct vw_cli *cli, struct vw_policy *p, int attached)
{
	char err[512], src[256] = "";
	int rc;

	if (cli->policy_path) {
		rc = vw_policy_load_file(cli->policy_path, p, err, sizeof(err));
	} else {
		json_object *info = attached ? json_object_from_file(VW_POLICY_INFO) : NULL;
		const char *s = info ? json_object_get_string(json_object_object_get(info, "source")) : NULL;

		snprintf(src, sizeof(src), "%s", s ? s : "");
		if (info)
			json_object_put(info);
		if (src[0] && src[0] != '<')
			rc = vw_policy_load_file(src, p, err, sizeof(err));
		else
			rc = vw_policy_load_default(p, err, sizeof(err));
		if (!rc && attached && !base_is_pinned(p)) {
			vw_msg(VW_ERR, "vfio-warden learn: %s no longer says what is attached (changed since the "
				"last reload); give the base with -p\n", p->source);
			return VW_EXIT_USAGE;
		}
		if (rc)
			vw_msg(VW_ERR, "vfio-warden learn: the attached policy's file cannot be read back "
				"as the base; give it with -p\n");
	}
	if (rc) {
		vw_msg(VW_ERR, "%s\n", err);
		return VW_EXIT_USAGE;
	}
	return 0;
}

/* Write text to path atomically (a temporary file renamed over it), or to stdout. */
static int write_out(const char *path, const char *text, size_t len)
{
	char tmp[4200];
	FILE *f;

	if (!path) {
		fwrite(text, 1, len, stdout);
		return fflush(stdout) ? VW_EXIT_ERROR : 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		vw_msg(VW_ERR, "vfio-warden: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return VW_EXIT_ERROR;
	}
	if (rename(tmp, path)) {
		vw_msg(VW_ERR, "vfio-warden: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return VW_EXIT_ERROR;
	}
	return 0;
}

/* Render p and parse it back (what `check` does): only a policy that reads back is written. */
static int render_checked(const struct vw_policy *p, const char *header, const struct vw_policy_notes *notes,
			  char **text, size_t *len)
{
	struct vw_policy *back = calloc(1, sizeof(*back));
	char err[512];
	FILE *m = open_memstream(text, len);
	int rc = 0;

	if (!back || !m || vw_policy_write(m, p, header, notes) || fclose(m)) {
		vw_msg(VW_ERR, "vfio-warden: cannot render the policy\n");
		free(back);
		return VW_EXIT_ERROR;
	}
	if (vw_policy_parse("<written policy>", *text, *len, back, err, sizeof(err))) {
		vw_msg(VW_ERR, "vfio-warden: internal error: the written policy does not parse: %s\n", err);
		rc = VW_EXIT_ERROR;
	}
	free(back);
	return rc;
}

static int count_event(void *ctx, void *data, size_t size)
{
	(*(unsigned long *)ctx)++;
	return 0;
}

/* Which recorded devices go into which entry: by bdf, or all of one vendor:device. */
static int want_device(const struct vw_cli *cli, const struct vw_sysdev *sd, unsigned mv, unsigned md)
{
	char canon[VW_NAME_LEN];

	if (cli->device)
		return !vw_bdf_canon(cli->device, canon) && !strcmp(canon, sd->bdf);
	if (cli->match)
		return sd->vendor == mv && sd->device_id == md;
	return 1;
}

static int parse_match(const char *s, unsigned *v, unsigned *d)
{
	const char *c = strchr(s, ':');
	uint32_t a, b;

	if (!c || vw_hex_parse(s, (size_t)(c - s), 1, 4, &a) || vw_hex_parse(c + 1, strlen(c + 1), 1, 4, &b))
		return -1;
	*v = a;
	*d = b;
	return 0;
}

/* What one learn works with: large, so on the heap, per call. */
struct learn_state {
	struct vw_policy base, diffp;
	struct vw_learned learned[VW_MAX_ENTRIES];
};

static int learn_run(const struct vw_cli *cli, void *state)
{
	struct learn_state *st = state;
	struct vw_policy *base = &st->base, *diffp = &st->diffp;
	struct vw_learned *learned = st->learned;
	struct vw_learn *rec = NULL;
	struct vw_learn_notes *notes = NULL;
	struct ring_buffer *rb = NULL;
	struct sigaction sa = {};
	struct vw_maps m;
	unsigned long events = 0;
	unsigned mv = 0, md = 0;
	__u32 zero = 0, on = 1, off = 0, slot;
	char key[VW_NAME_LEN], next[VW_NAME_LEN], err[1024], canon[VW_NAME_LEN];
	int rc, ours = 0, nl = 0, i, attached;
	double t0;

	rc = vw_require_root("learn");
	if (rc)
		return rc;
	if (cli->device && cli->match) {
		vw_msg(VW_ERR, "vfio-warden learn: --device and --match choose the key: give one\n");
		return VW_EXIT_USAGE;
	}
	if (cli->device && vw_bdf_canon(cli->device, canon)) {
		vw_msg(VW_ERR, "vfio-warden learn: --device '%s' is not a PCI address\n", cli->device);
		return VW_EXIT_USAGE;
	}
	if (cli->match && parse_match(cli->match, &mv, &md)) {
		vw_msg(VW_ERR, "vfio-warden learn: --match takes vendor:device in hex (8086:10d3), got '%s'\n",
			cli->match);
		return VW_EXIT_USAGE;
	}
	attached = vw_is_attached();
	rc = load_base(cli, base, attached);
	if (rc)
		return rc;
	if (cli->diff) {
		rc = vw_policy_load_file(cli->diff, diffp, err, sizeof(err));
		if (rc) {
			vw_msg(VW_ERR, "%s\n", err);
			return VW_EXIT_USAGE;
		}
	}

	sa.sa_handler = on_learn_stop;	/* before attaching: a SIGTERM right after must still detach */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!attached) {
		rc = vw_attach_as(cli, "learn");
		if (rc)
			return rc;
		ours = 1;
	}
	rc = vw_maps_open_pinned(&m);
	if (rc)
		goto detach;
	if (!bpf_map_lookup_elem(m.fd[VW_MAP_LEARNING], &zero, &on) && on) {
		vw_msg(VW_ERR, "vfio-warden learn: another learn is recording; one at a time\n");
		vw_maps_close(&m);
		rc = VW_EXIT_BUSY;
		goto detach;
	}
	rec = calloc(1, sizeof(*rec));
	notes = calloc(1, sizeof(*notes));
	if (!rec || !notes) {
		rc = VW_EXIT_ERROR;
		goto close;
	}
	for (slot = 0; slot <= VW_MAX_DEVICES; slot++)
		if (bpf_map_update_elem(m.fd[VW_MAP_LEARN], &slot, rec, BPF_ANY)) {
			vw_msg(VW_ERR, "vfio-warden learn: clearing the recording: %s\n", strerror(errno));
			rc = VW_EXIT_ERROR;
			goto close;
		}
	on = 1;
	if (bpf_map_update_elem(m.fd[VW_MAP_LEARNING], &zero, &on, BPF_ANY)) {
		rc = VW_EXIT_ERROR;
		goto close;
	}
	/* our own attachment: nobody else reads its events, so drain them (learning needs none) */
	if (ours)
		rb = ring_buffer__new(m.fd[VW_MAP_EVENTS], count_event, &events, NULL);
	vw_msg(VW_INFO, "vfio-warden: learning%s (SIGINT/SIGTERM to stop%s)\n",
		ours ? ", attached for it" : " alongside the attached enforcement",
		cli->duration > 0 ? ", or --duration" : "");
	t0 = now_s();
	while (!learn_stop && (cli->duration <= 0 || now_s() - t0 < cli->duration)) {
		if (rb)
			ring_buffer__poll(rb, 100);
		else
			usleep(100000);
	}
	off = 0;
	bpf_map_update_elem(m.fd[VW_MAP_LEARNING], &zero, &off, BPF_ANY);
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}

	/* every device with a counters slot: its recording, by the key the operator chose */
	for (rc = bpf_map_get_next_key(m.fd[VW_MAP_SLOTS], NULL, next); !rc;
	     rc = bpf_map_get_next_key(m.fd[VW_MAP_SLOTS], key, next)) {
		struct vw_sysdev sd;
		struct vw_learned *ld = NULL;
		uint8_t cfg[VW_CFG_SIZE];
		size_t size = 0;
		unsigned w, any = 0;
		int d;

		memcpy(key, next, sizeof(key));
		if (bpf_map_lookup_elem(m.fd[VW_MAP_SLOTS], key, &slot) ||
		    bpf_map_lookup_elem(m.fd[VW_MAP_LEARN], &slot, rec))
			continue;
		for (d = 0; d < 2; d++)
			for (w = 0; w < VW_LEARN_WORDS; w++)
				any |= rec->bits[d][w] != 0;
		if (vw_sysdev_get(key, &sd) || !want_device(cli, &sd, mv, md))
			continue;
		if (!any && !cli->device)
			continue;
		for (i = 0; i < nl && cli->match; i++)
			ld = &learned[i];	/* --match: one entry for all of them */
		if (!ld) {
			if (nl == VW_MAX_ENTRIES)
				break;
			ld = &learned[nl++];
			memset(ld, 0, sizeof(*ld));
			snprintf(ld->bdf, sizeof(ld->bdf), "%s", sd.bdf);
			if (vw_cfg_read_sysfs(sd.bdf, cfg, &size, err, sizeof(err)) || vw_walk(cfg, size, &ld->lay)) {
				vw_msg(VW_ERR, "vfio-warden learn: %s: cannot read its config space from sysfs: %s\n",
					sd.bdf, err);
				nl--;
				continue;
			}
			if (cli->match) {
				ld->key.kind = VW_SEL_VENDOR_DEVICE;
				ld->key.vendor = sd.vendor;
				ld->key.device_id = sd.device_id;
				snprintf(ld->key.label, sizeof(ld->key.label), "vendor:device %04x:%04x", sd.vendor,
					 sd.device_id);
			} else {
				ld->key.kind = VW_SEL_BDF;
				snprintf(ld->key.bdf, sizeof(ld->key.bdf), "%s", sd.bdf);
				snprintf(ld->key.label, sizeof(ld->key.label), "bdf %s", sd.bdf);
			}
		}
		for (d = 0; d < 2; d++) {
			for (w = 0; w < VW_LEARN_WORDS; w++)
				ld->seen.bits[d][w] |= rec->bits[d][w];
			for (w = 0; w < VW_LEARN_DWORDS; w++)
				ld->seen.count[d][w] += rec->count[d][w];
		}
		snprintf(ld->devices + strlen(ld->devices), sizeof(ld->devices) - strlen(ld->devices), "%s%s",
			 ld->devices[0] ? ", " : "", sd.bdf);
	}
	rc = 0;
close:
	vw_maps_close(&m);
detach:
	if (ours) {
		int lock = vw_lock_wait("learn (detach on exit)", 30);

		if (lock >= 0) {
			if (vw_is_attached())
				vw_detach(cli->quiet);
			vw_unlock(lock);
		}
	}
	if (rc)
		goto out;
	if (ours && !cli->quiet)
		vw_msg(VW_INFO, "vfio-warden: %lu audit/deny events while learning (not needed for it, drained)\n",
			events);
	if (!nl && !cli->device) {
		vw_msg(VW_WARNING, "vfio-warden learn: no config access was recorded%s; nothing written\n",
			cli->match ? " for that vendor:device" : "");
		rc = VW_EXIT_ERROR;
		goto out;
	}
	if (cli->device && !nl) {
		vw_msg(VW_ERR, "vfio-warden learn: %s is not a vfio device that could be recorded\n", cli->device);
		rc = VW_EXIT_ERROR;
		goto out;
	}
	if (cli->diff) {
		int n = 0;

		for (i = 0; i < nl; i++)
			n += vw_learn_diff(stdout, diffp, &learned[i]);
		printf("%d range%s of the recorded run would be audited or denied by %s\n", n, n == 1 ? "" : "s",
		       cli->diff);
		goto out;
	}
	for (i = 0; i < nl; i++) {
		if (vw_learn_build(base, &learned[i], cli->else_action ? cli->else_action : VW_AUDIT, notes, err,
				   sizeof(err))) {
			vw_msg(VW_ERR, "vfio-warden learn: %s; nothing written\n", err);
			rc = VW_EXIT_ERROR;
			goto out;
		}
	}
	{
		char header[512], *text = NULL;
		size_t len = 0;
		struct vw_policy_notes cb = vw_policy_comments_cb;

		snprintf(header, sizeof(header),
			 "Written by `vfio-warden learn`, layered on %s (its entries follow, re-written from\n"
			 "the parsed policy, comments dropped). Review it, `vfio-warden check` it, then\n"
			 "`vfio-warden reload -p` it.", base->source);
		cb.arg = notes;
		rc = render_checked(base, header, &cb, &text, &len);
		if (!rc)
			rc = write_out(cli->output, text, len);
		free(text);
		if (!rc && !cli->quiet)
			vw_msg(VW_INFO, "vfio-warden: learned %d entr%s%s%s\n", nl, nl == 1 ? "y" : "ies",
				cli->output ? ", written to " : "", cli->output ? cli->output : "");
	}
out:
	free(rec);
	free(notes);
	return rc;
}

/* Run fn with size zeroed bytes of working state on the heap (no function-static storage). */
static int with_state(const struct vw_cli *cli, size_t size, int (*fn)(const struct vw_cli *, void *))
{
	void *st = calloc(1, size);
	int rc = st ? fn(cli, st) : VW_EXIT_ERROR;

	free(st);
	return rc;
}

int vw_cmd_learn(const struct vw_cli *cli)
{
	return with_state(cli, sizeof(struct learn_state), learn_run);
}

struct import_state {
	struct vw_policy base;
	struct vw_quirk q[VW_PCIBACK_MAX];
	struct vw_pciback_notes notes;
	char err[8192];
};

static int import_run(const struct vw_cli *cli, void *state)
{
	struct import_state *st = state;
	struct vw_policy_notes cb = vw_policy_comments_cb;
	char header[512], *buf, *text = NULL;
	size_t len = 0, tlen = 0;
	FILE *f;
	int n, rc;

	if (strcmp(cli->args[0], "pciback")) {
		vw_msg(VW_ERR, "vfio-warden import: unknown format '%s' (pciback)\n", cli->args[0]);
		return VW_EXIT_USAGE;
	}
	f = fopen(cli->args[1], "r");
	if (!f) {
		vw_msg(VW_ERR, "vfio-warden import: %s: %s\n", cli->args[1], strerror(errno));
		return VW_EXIT_USAGE;
	}
	buf = malloc(1 << 20);
	if (buf)
		len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	if (!buf)
		return VW_EXIT_ERROR;
	n = vw_pciback_parse(cli->args[1], buf, len, st->q, VW_PCIBACK_MAX, st->err, sizeof(st->err));
	free(buf);
	if (n < 0) {
		vw_msg(VW_ERR, "%s\nvfio-warden import: malformed quirk lines; nothing written\n", st->err);
		return VW_EXIT_USAGE;
	}
	rc = cli->policy_path ? vw_policy_load_file(cli->policy_path, &st->base, st->err, sizeof(st->err))
			      : vw_policy_load_default(&st->base, st->err, sizeof(st->err));
	if (rc) {
		vw_msg(VW_ERR, "%s\n", st->err);
		return VW_EXIT_USAGE;
	}
	if (vw_pciback_apply(&st->base, st->q, n, &st->notes, st->err, sizeof(st->err))) {
		vw_msg(VW_ERR, "vfio-warden import: %s; nothing written\n", st->err);
		return VW_EXIT_USAGE;
	}
	snprintf(header, sizeof(header),
		 "Written by `vfio-warden import pciback %s`, layered on %s (re-written from the\n"
		 "parsed policy, comments dropped): each pciback quirk field is an allowed write range.",
		 cli->args[1], st->base.source);
	cb.arg = &st->notes;
	rc = render_checked(&st->base, header, &cb, &text, &tlen);
	if (!rc)
		rc = write_out(cli->output, text, tlen);
	if (!rc && !cli->quiet)
		vw_msg(VW_INFO, "vfio-warden: imported %d quirk line%s\n", n, n == 1 ? "" : "s");
	free(text);
	return rc;
}

int vw_cmd_import(const struct vw_cli *cli)
{
	return with_state(cli, sizeof(struct import_state), import_run);
}
