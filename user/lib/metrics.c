// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "events.h"
#include "metrics.h"
#include "vw_ioctl.h"

/*
 * A label value. The format escapes backslash, double quote and newline, and needs
 * valid UTF-8 (promtool and Prometheus reject the whole scrape otherwise): a VM name
 * is whatever bytes the VMM's command line holds, so ill-formed sequences become
 * U+FFFD, and the other control characters (C0, DEL, C1), which the format cannot
 * escape, are spelled \xNN (a literal backslash, as systemd spells unit names) so a
 * name cannot move a terminal's cursor or forge a line in whoever reads the text.
 */
static void label(FILE *out, const char *name, const char *value, int first)
{
	const unsigned char *v = (const unsigned char *)value;
	size_t len = strlen(value), i = 0, n, bad;

	fprintf(out, "%s%s=\"", first ? "" : ",", name);
	while (i < len) {
		n = vw_utf8_seq(v + i, len - i, &bad);
		if (!n) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD */
			n = bad;
		} else if (v[i] == '\\' || v[i] == '"') {
			fprintf(out, "\\%c", v[i]);
		} else if (v[i] == '\n') {
			fputs("\\n", out);
		} else if (v[i] < 0x20 || v[i] == 0x7f) {
			fprintf(out, "\\\\x%02x", v[i]);
		} else if (n == 2 && v[i] == 0xc2 && v[i + 1] < 0xa0) {
			fprintf(out, "\\\\xc2\\\\x%02x", v[i + 1]);	/* C1 control, U+0080..U+009F */
		} else {
			fwrite(v + i, 1, n, out);
		}
		i += n;
	}
	fputc('"', out);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP vfio_warden_%s %s\n# TYPE vfio_warden_%s %s\n", name, help, name, type);
}

static void device_labels(FILE *out, const struct vw_snap_device *d)
{
	label(out, "device", d->bdf, 1);
	label(out, "vendor", d->vendor, 0);
	label(out, "device_id", d->device_id, 0);
	label(out, "vm", d->vm, 0);
}

static void sample(FILE *out, const char *name, const struct vw_snap_device *d, const char *k1,
		   const char *v1, const char *k2, const char *v2, unsigned long long value)
{
	fprintf(out, "vfio_warden_%s{", name);
	device_labels(out, d);
	if (k1)
		label(out, k1, v1, 0);
	if (k2)
		label(out, k2, v2, 0);
	fprintf(out, "} %llu\n", value);
}

static const char *const dirs[2] = { "read", "write" };

/* Per-device families: one HELP/TYPE, then every device's samples. */
static void device_families(FILE *out, const struct vw_snapshot *s)
{
	int i, dir, a, k;

	family(out, "config_accesses_total", "counter",
	       "Config-space accesses judged by the veto, by direction and the action taken.");
	for (i = 0; i < s->ndev; i++)
		for (dir = 0; dir < 2; dir++)
			for (a = 0; a < 4; a++)
				sample(out, "config_accesses_total", &s->dev[i], "direction", dirs[dir], "action",
				       vw_action_name(a), s->dev[i].c.judged[dir][a]);
	family(out, "config_reached_total", "counter",
	       "Accesses that reached vfio-pci's config handler (vfio_pci_config_rw), by direction.");
	for (i = 0; i < s->ndev; i++)
		for (dir = 0; dir < 2; dir++)
			sample(out, "config_reached_total", &s->dev[i], "direction", dirs[dir], NULL, NULL,
			       s->dev[i].c.reached[dir]);
	family(out, "config_inexact_total", "counter",
	       "Accesses judged over every byte they could reach (paths other than pread/pwrite), by direction.");
	for (i = 0; i < s->ndev; i++)
		for (dir = 0; dir < 2; dir++)
			sample(out, "config_inexact_total", &s->dev[i], "direction", dirs[dir], NULL, NULL,
			       s->dev[i].c.inexact[dir]);
	family(out, "bypass_total", "counter",
	       "Accesses that reached vfio-pci without a verdict from the veto (each is an event).");
	for (i = 0; i < s->ndev; i++)
		sample(out, "bypass_total", &s->dev[i], NULL, NULL, NULL, NULL, s->dev[i].c.bypass);
	family(out, "tph_ioctls_total", "counter", "VFIO_DEVICE_PCI_TPH calls, by the action taken.");
	for (i = 0; i < s->ndev; i++)
		for (a = 0; a < 4; a++)
			sample(out, "tph_ioctls_total", &s->dev[i], "action", vw_action_name(a), NULL, NULL,
			       s->dev[i].c.tph[a]);
	family(out, "vfio_ioctls_total", "counter",
	       "VFIO device ioctls judged by the 'ioctls' rules, by rule class and the action taken.");
	for (i = 0; i < s->ndev; i++)
		for (k = 0; k < VW_IOC_NCLASSES; k++)
			for (a = 0; a < 4; a++)
				if (a != VW_SCRUB)
					sample(out, "vfio_ioctls_total", &s->dev[i], "ioctl", vw_ioc_class_names[k],
					       "action", vw_action_name(a), s->dev[i].c.ioctl[k][a]);
	family(out, "ioctl_races_total", "counter",
	       "VFIO_DEVICE_FEATURE calls the driver got unlike judged: flags changed after the veto read them, "
	       "or no verdict recorded (each is a race event); killed: processes sent SIGKILL (on_race: kill).");
	for (i = 0; i < s->ndev; i++) {
		sample(out, "ioctl_races_total", &s->dev[i], "kind", "flags_changed", NULL, NULL, s->dev[i].c.race[0]);
		sample(out, "ioctl_races_total", &s->dev[i], "kind", "unjudged", NULL, NULL, s->dev[i].c.race[1]);
		sample(out, "ioctl_races_total", &s->dev[i], "kind", "killed", NULL, NULL, s->dev[i].c.race[2]);
	}
	family(out, "device_events_total", "counter", "Events submitted to the ring buffer for the device.");
	for (i = 0; i < s->ndev; i++)
		sample(out, "device_events_total", &s->dev[i], NULL, NULL, NULL, NULL, s->dev[i].c.events);
	family(out, "device_events_lost_total", "counter",
	       "Events for the device that found the ring buffer full.");
	for (i = 0; i < s->ndev; i++)
		sample(out, "device_events_lost_total", &s->dev[i], NULL, NULL, NULL, NULL, s->dev[i].c.lost);
	family(out, "dsn_scrub_missed_total", "counter",
	       "DSN reads of the device whose scrub the kernel skipped.");
	for (i = 0; i < s->ndev; i++)
		sample(out, "dsn_scrub_missed_total", &s->dev[i], NULL, NULL, NULL, NULL, s->dev[i].c.scrub_missed);
}

static void global(FILE *out, const char *name, const char *type, const char *help, unsigned long long v)
{
	family(out, name, type, help);
	fprintf(out, "vfio_warden_%s %llu\n", name, v);
}

int vw_metrics_render(FILE *out, const struct vw_snapshot *s)
{
	int i;

	/* 1 only while the programs enforce: a dashboard watching this gauge must not see
	 * a detach that was killed half-way (programs pinned, standing down) as attached */
	global(out, "attached", "gauge", "1 while vfio-warden's programs are attached and enforcing.",
	       s->attached && !s->retired);
	if (s->attached) {
		global(out, "detach_interrupted", "gauge", "1 while the programs are pinned but NOT enforcing: a "
		       "detach was interrupted (attach re-arms them, detach finishes).", s->retired);
		global(out, "policy_generation", "gauge", "The policy generation in force (changes on reload).",
		       s->generation);
		global(out, "ringbuf_size_bytes", "gauge", "Size of the event ring buffer.", s->ringbuf_size);
		global(out, "dsn_scrub_active", "gauge",
		       "1 if the DSN scrub runs; 0 under kernel lockdown (scrub rules apply as audit).",
		       s->scrub_active);
		family(out, "kernel_lockdown", "gauge", "The kernel lockdown mode (the sample with value 1).");
		fputs("vfio_warden_kernel_lockdown{", out);
		label(out, "mode", s->lockdown ? s->lockdown : "unknown", 1);
		fputs("} 1\n", out);
		global(out, "events_lost_total", "counter", "Events, of any device, that found the ring buffer full.",
		       s->g.lost);
		global(out, "compiled_in_bpf_total", "counter",
		       "Devices first seen after attach, compiled from vfio-pci's map in BPF.", s->g.compiled);
		global(out, "walk_corrected_total", "counter",
		       "Devices whose walked layout differed from vfio-pci's map on first access, recompiled from it.",
		       s->g.walk_corrected);
		global(out, "devices_over_limit_total", "counter", "Devices beyond the counter slots.", s->g.no_slot);
		global(out, "errors_total", "counter", "Internal failures (map update, read) in the programs.",
		       s->g.errors);
		global(out, "contended_total", "counter",
		       "VFIO accesses refused unjudged: a per-CPU scratch was busy.", s->g.contended);
		global(out, "scrub_missed_total", "counter", "DSN reads whose scrub the kernel skipped, all devices.",
		       s->g.scrub_missed);
		family(out, "program_skipped_runs_total", "counter",
		       "Runs of a program the kernel skipped (preempted on that CPU), by the hook it is attached to.");
		for (i = 0; i < s->nprogs; i++) {
			fputs("vfio_warden_program_skipped_runs_total{", out);
			label(out, "program", s->progs[i].name, 1);
			fprintf(out, "} %llu\n", s->progs[i].skipped);
		}
		device_families(out, s);
	}
	return ferror(out) ? -1 : 0;
}

char *vw_metrics_text(const struct vw_snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	if (!f)
		return NULL;
	rc = vw_metrics_render(f, s);
	if (fclose(f) || rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The temporary file beside path, created by mkostemp: O_CREAT|O_EXCL under a name
 * nobody can predict, so a symlink or file planted in the directory (anyone who can
 * write it) is never opened, let alone truncated by root. 0644: node_exporter reads it
 * as another user. Returns the descriptor, or -errno.
 */
static int create_beside(const char *path, char *tmp, size_t len)
{
	int fd;

	/* node_exporter's textfile collector ignores names not ending in .prom */
	if (snprintf(tmp, len, "%s.tmp.XXXXXX", path) >= (int)len)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644)) {
		int err = -errno;

		close(fd);
		unlink(tmp);
		return err;
	}
	return fd;
}

int vw_metrics_write_file(const char *path, const struct vw_snapshot *s)
{
	char tmp[4096];
	size_t len;
	char *text = vw_metrics_text(s, &len);
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	fd = create_beside(path, tmp, sizeof(tmp));
	if (fd < 0) {
		free(text);
		return fd;
	}
	errno = 0;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	/* same directory: atomic; a symlink at path is replaced, never written through */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(text);
	return err;
}
