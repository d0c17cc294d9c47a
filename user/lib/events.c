// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <json-c/json.h>

#include "escape.h"
#include "events.h"
#include "layout.h"
#include "vm.h"
#include "vw_decide.h"
#include "tph.h"
#include "vw_ioctl.h"
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

static const char *const action_names[] = { "allow", "audit", "scrub", "deny" };
static const char *const region_names[] = { "header", "capability", "unassigned" };
static const char *const type_names[] = { [VW_EV_CONFIG] = "config", [VW_EV_BYPASS] = "bypass",
					  [VW_EV_DEVICE] = "device", [VW_EV_TPH] = "tph",
					  [VW_EV_IOCTL] = "ioctl", [VW_EV_RACE] = "race" };
static const char *const path_names[] = {
	"unknown", "read", "write", "pread", "pwrite", "readv", "writev", "preadv", "pwritev", "io_uring",
};
/* include/vw_extent.h: offset and size are the access's, or the widest it could reach */
static const char *const extent_names[] = { "exact", "from_offset", "any" };

int vw_parse_format(const char *s, enum vw_format *out)
{
	if (!strcmp(s, "json"))
		*out = VW_FMT_JSON;
	else if (!strcmp(s, "text"))
		*out = VW_FMT_TEXT;
	else
		return -EINVAL;
	return 0;
}

const char *vw_action_name(int action)
{
	return action >= 0 && action < 4 ? action_names[action] : "unknown";
}

const char *vw_region_name(int kind)
{
	return kind >= 0 && kind < 3 ? region_names[kind] : "unknown";
}

static const char *type_name(unsigned t)
{
	return t < sizeof(type_names) / sizeof(type_names[0]) && type_names[t] ? type_names[t] : "unknown";
}

void vw_format_time(uint64_t boot_ns, char *buf, size_t len)
{
	static int64_t offset_ns;	/* realtime - boottime, measured once */
	static time_t last_sec;
	static char last_date[64];
	struct timespec rt, bt;
	struct tm tm;
	int64_t ns;
	time_t sec;

	if (!offset_ns) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_BOOTTIME, &bt);
		offset_ns = ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
	}
	ns = (int64_t)boot_ns + offset_ns;
	sec = ns / 1000000000LL;
	/* a flood formats thousands of times a second: the date part once per second */
	if (sec != last_sec || !last_date[0]) {
		gmtime_r(&sec, &tm);
		snprintf(last_date, sizeof(last_date), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		last_sec = sec;
	}
	/* date, then .nnnnnnnnnZ by hand: printf was a good part of a record's time */
	{
		size_t dl = strlen(last_date);
		int64_t frac = ns % 1000000000LL;
		int i;

		if (len < dl + 12) {
			snprintf(buf, len, "%.40s.%09lldZ", last_date, (long long)frac);
			return;
		}
		memcpy(buf, last_date, dl);
		buf[dl] = '.';
		for (i = 9; i >= 1; i--) {
			buf[dl + i] = '0' + frac % 10;
			frac /= 10;
		}
		buf[dl + 10] = 'Z';
		buf[dl + 11] = 0;
	}
}

/* cgroup id -> path: the id of a cgroup v2 directory is its inode number. */
#define CG_CACHE 64
static struct { uint64_t id; char path[256]; } cg_cache[CG_CACHE];
static int cg_next;
static uint64_t cg_want;
static char cg_found[256];

static int cg_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D && st->st_ino == cg_want) {
		const char *rel = path + strlen("/sys/fs/cgroup");

		snprintf(cg_found, sizeof(cg_found), "%s", *rel ? rel : "/");
		return 1;
	}
	return 0;
}

void vw_cgroup_path_seed(uint64_t id, const char *path)
{
	int i = cg_next++ % CG_CACHE;

	cg_cache[i].id = id;
	snprintf(cg_cache[i].path, sizeof(cg_cache[i].path), "%s", path);
}

const char *vw_cgroup_path(uint64_t id)
{
	int i;

	for (i = 0; i < CG_CACHE; i++)
		if (cg_cache[i].id == id && cg_cache[i].path[0])
			return cg_cache[i].path;
	cg_want = id;
	cg_found[0] = 0;
	if (nftw("/sys/fs/cgroup", cg_visit, 16, FTW_PHYS | FTW_MOUNT) != 1)
		return "";
	i = cg_next++ % CG_CACHE;
	cg_cache[i].id = id;
	snprintf(cg_cache[i].path, sizeof(cg_cache[i].path), "%s", cg_found);
	return cg_cache[i].path;
}

static void hex_value(const struct vw_event *e, char *buf, size_t len)
{
	unsigned n = e->value_len < e->size ? e->value_len : e->size, i;
	size_t o;

	/* little endian, as the device sees the bytes: print most significant first */
	o = snprintf(buf, len, "0x");
	for (i = n; i > 0 && o + 2 < len; i--)
		o += snprintf(buf + o, len - o, "%02x", (unsigned)((e->value >> ((i - 1) * 8)) & 0xff));
}

static void region_of(const struct vw_event *e, int *kind, int *ext, const char **name)
{
	*kind = vw_region_kind(e->at, e->cap);
	*ext = e->at >= VW_STD_CFG_SIZE;
	*name = *kind == VW_REGION_CAPABILITY ? vw_cap_name(*ext, e->cap) : NULL;
}

/*
 * A string from outside (comm, cgroup, VM names, sysfs names) as a JSON
 * string: valid UTF-8, ill-formed sequences as U+FFFD; json-c escapes the
 * control characters. Both serializers take every such string from here.
 */
static json_object *json_str(const char *s, size_t max)
{
	char buf[VW_UTF8_MAX(256)];
	size_t n = vw_utf8_sanitize(s, max < 256 ? max : 256, buf, sizeof(buf));

	return json_object_new_string_len(buf, (int)n);
}

/* The TPH uAPI revision that decoded a call, by name ("v1"); its id if this build has none. */
static const char *tph_rev_name(__u32 id, char buf[12])
{
	const struct vw_tph_revision *r = vw_tph_revision_by_id(id);

	if (r)
		return r->name;
	snprintf(buf, 12, "%u", id);
	return buf;
}

/* A TPH call: the revision, op, its arguments, why, and the refused entries. */
static void tph_json(json_object *o, const struct vw_event *e)
{
	json_object *bad = json_object_new_array();
	char num[12];
	unsigned k;

	json_object_object_add(o, "tph_uapi", json_object_new_string(tph_rev_name(e->tph_rev, num)));
	json_object_object_add(o, "op", json_object_new_string(vw_tph_op_name(e->tph_op)));
	if (e->tph_op == VW_TPH_OP_ENABLE)
		json_object_object_add(o, "mode", json_object_new_string(vw_tph_mode_name(e->tph_mode)));
	if (e->tph_op == VW_TPH_OP_GET_ST || e->tph_op == VW_TPH_OP_SET_ST)
		json_object_object_add(o, "count", json_object_new_int64(e->tph_count));
	json_object_object_add(o, "reason", json_object_new_string(vw_tph_reason_name(e->tph_reason)));
	json_object_object_add(o, "refused_entries", json_object_new_int64(e->tph_nbad));
	for (k = 0; k < e->tph_nrec && k < 8; k++) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "index", json_object_new_int64(e->bad_idx[k]));
		json_object_object_add(b, "cpu", json_object_new_int64(e->bad_cpu[k]));
		json_object_object_add(b, "mem_type", json_object_new_string(vw_tph_mem_name(e->bad_mem[k])));
		json_object_object_add(b, "why", json_object_new_string(vw_tph_bad_name(e->bad_reason[k])));
		json_object_array_add(bad, b);
	}
	json_object_object_add(o, "entries", bad);
	json_object_object_add(o, "errno", json_object_new_int(e->err));
}

static const char *const ioc_reason_names[] = { "rule", "unreadable", "bad_rule" };

/* The IOMMU group behind fd of pid (/proc/PID/fd/FD -> /dev/vfio/GROUP), -1 if none. */
static long group_of_fd(const char *proc, uint32_t pid, int32_t fd)
{
	char path[96], link[64];
	char *end;
	ssize_t n;
	long g;

	snprintf(path, sizeof(path), "%s/%u/fd/%d", proc, pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	if (strncmp(link, "/dev/vfio/", 10))
		return -1;
	g = strtol(link + 10, &end, 10);
	return *end || end == link + 10 ? -1 : g;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The devices a PCI_HOT_RESET reaches: the device it is called on and every
 * device of the IOMMU groups behind the group fds the caller passed
 * (/sys/kernel/iommu_groups/GROUP/devices), resolved in user space when the
 * event is printed, from /proc/PID/fd. Sorted, without repeats. groups[k] is
 * fd k's group or -1 (closed by then, or not a VFIO group).
 */
int vw_hot_reset_devices(const char *proc, const char *sys, const struct vw_event *e, long *groups,
			 char (*devs)[VW_NAME_LEN], int max)
{
	char *names[64];
	int n = 0, out = 0, i;
	unsigned k;

	names[n++] = strndup(e->bdf, VW_NAME_LEN);
	for (k = 0; k < e->ioc_count && k < 8; k++) {
		char dir[96];
		struct dirent *de;
		DIR *d;

		groups[k] = group_of_fd(proc, e->pid, e->ioc_fds[k]);
		if (groups[k] < 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups/%ld/devices", sys, groups[k]);
		d = opendir(dir);
		while (d && (de = readdir(d)) && n < 64)
			if (de->d_name[0] != '.')
				names[n++] = strndup(de->d_name, VW_NAME_LEN - 1);
		if (d)
			closedir(d);
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		if (names[i] && (i == 0 || !names[i - 1] || strcmp(names[i], names[i - 1])) && out < max)
			snprintf(devs[out++], VW_NAME_LEN, "%s", names[i]);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return out;
}

/* A FEATURE's flags as the event fields name them: "feature" (name or index) and "feature_flags". */
static void feature_json(json_object *o, const char *fkey, const char *flkey, __u32 flags)
{
	const char *f = vw_ioc_feature_name(flags & VW_FEATURE_MASK);
	json_object *fl = json_object_new_array();

	if (f)
		json_object_object_add(o, fkey, json_object_new_string(f));
	else
		json_object_object_add(o, fkey, json_object_new_int64(flags & VW_FEATURE_MASK));
	if (flags & VW_FEATURE_GET)
		json_object_array_add(fl, json_object_new_string("get"));
	if (flags & VW_FEATURE_SET)
		json_object_array_add(fl, json_object_new_string("set"));
	if (flags & VW_FEATURE_PROBE)
		json_object_array_add(fl, json_object_new_string("probe"));
	json_object_object_add(o, flkey, fl);
}

static const char *class_name(__u32 cls)
{
	return cls < VW_IOC_NCLASSES ? vw_ioc_class_names[cls] : "unknown";
}

/* A FEATURE call the driver got unlike judged: what was judged, what ran, what was done. */
static void race_json(json_object *o, const struct vw_event *e)
{
	json_object *u = json_object_new_object(), *j;

	json_object_object_add(o, "ioctl", json_object_new_string("VFIO_DEVICE_FEATURE"));
	json_object_object_add(o, "race", json_object_new_string(vw_race_kind_name(e->race_kind)));
	if (e->race_kind == VW_RACE_FLAGS) {
		j = json_object_new_object();
		json_object_object_add(j, "rule", json_object_new_string(class_name(e->judged_class)));
		feature_json(j, "feature", "feature_flags", e->judged_flags);
		json_object_object_add(j, "flags", json_object_new_int64(e->judged_flags));
		json_object_object_add(j, "action", json_object_new_string(vw_action_name(e->judged_action)));
		json_object_object_add(o, "judged", j);
	}
	json_object_object_add(u, "rule", json_object_new_string(class_name(e->ioc_class)));
	feature_json(u, "feature", "feature_flags", e->ioc_flags);
	json_object_object_add(u, "flags", json_object_new_int64(e->ioc_flags));
	if (e->used_action <= VW_DENY)	/* the device's rule for what ran (none: device not compiled) */
		json_object_object_add(u, "policy", json_object_new_string(vw_action_name(e->used_action)));
	json_object_object_add(o, "used", u);
	json_object_object_add(o, "on_race", json_object_new_string(e->on_race == VW_IOC_KILL ? "kill" : "audit"));
	json_object_object_add(o, "killed", json_object_new_boolean(e->on_race == VW_IOC_KILL));
}

/* A VFIO device ioctl judged by the 'ioctls' rules. */
static void ioctl_json(json_object *o, const struct vw_event *e)
{
	const char *cmd = vw_ioc_cmd_name(e->ioc_cmd);
	char buf[32];

	if (!cmd) {
		snprintf(buf, sizeof(buf), "0x%x", e->ioc_cmd);
		cmd = buf;
	}
	json_object_object_add(o, "ioctl", json_object_new_string(cmd));
	json_object_object_add(o, "rule", json_object_new_string(e->ioc_class < VW_IOC_NCLASSES ?
								  vw_ioc_class_names[e->ioc_class] : "unknown"));
	if (e->ioc_cmd == VW_VFIO_DEVICE_FEATURE && e->ioc_reason != VW_IOC_R_UNREADABLE) {
		const char *f = vw_ioc_feature_name(e->ioc_flags & VW_FEATURE_MASK);
		json_object *fl = json_object_new_array();

		if (f)
			json_object_object_add(o, "feature", json_object_new_string(f));
		else
			json_object_object_add(o, "feature", json_object_new_int64(e->ioc_flags & VW_FEATURE_MASK));
		if (e->ioc_flags & VW_FEATURE_GET)
			json_object_array_add(fl, json_object_new_string("get"));
		if (e->ioc_flags & VW_FEATURE_SET)
			json_object_array_add(fl, json_object_new_string("set"));
		if (e->ioc_flags & VW_FEATURE_PROBE)
			json_object_array_add(fl, json_object_new_string("probe"));
		json_object_object_add(o, "feature_flags", fl);
	}
	if (e->ioc_cmd == VW_VFIO_DEVICE_PCI_HOT_RESET) {
		char devs[64][VW_NAME_LEN];
		json_object *fds = json_object_new_array(), *gr = json_object_new_array(),
			    *dv = json_object_new_array();
		long groups[8];
		unsigned k;
		int n;

		n = vw_hot_reset_devices("/proc", "/sys", e, groups, devs, 64);
		for (k = 0; k < e->ioc_count && k < 8; k++) {
			json_object_array_add(fds, json_object_new_int(e->ioc_fds[k]));
			json_object_array_add(gr, groups[k] < 0 ? NULL : json_object_new_int64(groups[k]));
		}
		for (int i = 0; i < n; i++)
			json_object_array_add(dv, json_str(devs[i], VW_NAME_LEN));
		json_object_object_add(o, "group_count", json_object_new_int64(e->ioc_count));
		json_object_object_add(o, "group_fds", fds);
		json_object_object_add(o, "groups", gr);
		json_object_object_add(o, "devices", dv);
	}
	json_object_object_add(o, "reason", json_object_new_string(e->ioc_reason < 3 ? ioc_reason_names[e->ioc_reason]
										     : "unknown"));
	json_object_object_add(o, "errno", json_object_new_int(e->err));
}

/* The VM behind the access, with what it was derived from; nothing when not a VM. */
static void vm_json(json_object *o, const struct vw_vm *vm)
{
	const char *source = vw_vm_source_name(vm->source);
	json_object *v;

	if (!vw_vm_known(vm))
		return;
	v = json_object_new_object();
	if (vm->name[0]) {
		json_object_object_add(v, "name", json_str(vm->name, sizeof(vm->name)));
		json_object_object_add(v, "name_from", json_object_new_string(vm->name_from));
		if (source)	/* who could choose the name: a reader trusts only libvirt-scope as libvirt's */
			json_object_object_add(v, "source", json_object_new_string(source));
	}
	if (vm->uuid[0])
		json_object_object_add(v, "uuid", json_str(vm->uuid, sizeof(vm->uuid)));
	if (vm->unit[0])
		json_object_object_add(v, "unit", json_str(vm->unit, sizeof(vm->unit)));
	json_object_object_add(o, "vm", v);
}

/* Who and on what: the device, the task, its cgroup and VM (the same in every event type). */
static void who_fields(json_object *o, const struct vw_event *e, const char *cgroup)
{
	struct vw_vm vm;
	char dev[8];

	json_object_object_add(o, "device", json_str(e->bdf, sizeof(e->bdf)));
	snprintf(dev, sizeof(dev), "%04x", e->vendor);
	json_object_object_add(o, "vendor", json_object_new_string(dev));
	snprintf(dev, sizeof(dev), "%04x", e->device_id);
	json_object_object_add(o, "device_id", json_object_new_string(dev));
	json_object_object_add(o, "pid", json_object_new_int64(e->pid));
	json_object_object_add(o, "tid", json_object_new_int64(e->tid));
	json_object_object_add(o, "comm", json_str(e->comm, sizeof(e->comm)));
	json_object_object_add(o, "cgroup", json_str(cgroup, 256));
	vw_vm_of(e->pid, e->start_ns, cgroup, &vm);
	vm_json(o, &vm);
}

/* Any event as a json-c object, built field by field (the reference for access_json). */
static json_object *event_json(const struct vw_event *e)
{
	json_object *o = json_object_new_object();
	const char *cgroup = vw_cgroup_path(e->cgroup_id);
	char buf[64];
	const char *cap_name;
	int kind, ext;

	vw_format_time(e->ts_boot_ns, buf, sizeof(buf));
	json_object_object_add(o, "schema", json_object_new_int(VW_EVENT_SCHEMA));
	/* unique per record: a repeat after a reader's kill -9 is recognisable by it */
	json_object_object_add(o, "seq", json_object_new_uint64(e->seq));
	json_object_object_add(o, "time", json_object_new_string(buf));
	json_object_object_add(o, "type", json_object_new_string(type_name(e->type)));
	if (e->type != VW_EV_DEVICE)
		json_object_object_add(o, "action", json_object_new_string(vw_action_name(e->action)));
	who_fields(o, e, cgroup);
	if (e->type == VW_EV_DEVICE) {
		json_object_object_add(o, "source", json_object_new_string("vfio-pci map"));
		if (e->replaced_walk) {	/* the loader's walk disagreed with vfio-pci from this byte */
			json_object_object_add(o, "replaces", json_object_new_string("capability walk"));
			json_object_object_add(o, "walk_differs_at", json_object_new_int64(e->at));
		}
		goto print;
	}
	if (e->type == VW_EV_TPH) {
		tph_json(o, e);
		goto print;
	}
	if (e->type == VW_EV_IOCTL) {
		ioctl_json(o, e);
		goto print;
	}
	if (e->type == VW_EV_RACE) {
		race_json(o, e);
		goto print;
	}
	json_object_object_add(o, "op", json_object_new_string(e->dir == VW_DIR_WRITE ? "write" : "read"));
	json_object_object_add(o, "path", json_object_new_string(e->path < 10 ? path_names[e->path] : "unknown"));
	json_object_object_add(o, "offset", json_object_new_int64(e->offset));
	json_object_object_add(o, "size", json_object_new_int64(e->size));
	json_object_object_add(o, "extent", json_object_new_string(e->extent < 3 ? extent_names[e->extent] : "any"));
	if (e->dir == VW_DIR_WRITE && e->value_len) {
		hex_value(e, buf, sizeof(buf));
		json_object_object_add(o, "value", json_object_new_string(buf));
	}
	region_of(e, &kind, &ext, &cap_name);
	json_object_object_add(o, "at", json_object_new_int64(e->at));
	json_object_object_add(o, "region", json_object_new_string(vw_region_name(kind)));
	if (kind == VW_REGION_CAPABILITY) {
		json_object_object_add(o, "cap_id", json_object_new_int(e->cap));
		json_object_object_add(o, "cap_name", json_object_new_string(cap_name));
		json_object_object_add(o, "extended", json_object_new_boolean(ext));
	}
	json_object_object_add(o, "errno", json_object_new_int(e->err));
	if (e->tph_reason)	/* a config write judged by the TPH rules */
		json_object_object_add(o, "tph_reason", json_object_new_string(vw_tph_reason_name(e->tph_reason)));
	if (e->type == VW_EV_CONFIG) {	/* how many accesses (scrub: reads since the last) this record stands for */
		json_object_object_add(o, "count", json_object_new_int64(e->count ? e->count : 1));
		if (e->first_ns) {	/* aggregated (include/vw_aggregate.h): time is the last access's */
			vw_format_time(e->first_ns, buf, sizeof(buf));
			json_object_object_add(o, "first", json_object_new_string(buf));
		}
	}
print:
	return o;
}

/*
 * config and bypass records: a flood's worth, ~3x faster than building a json-c
 * object per record (under TCG the object built per record held the drainer to
 * 16,700 records per CPU second). What may need escaping (comm, cgroup, the VM's
 * names: the "who") is serialized by json-c once per thread and device and kept;
 * capability names by json-c once each; the rest are numbers and fixed names.
 * The same bytes as event_json (test_events_json compares them).
 */
struct who_entry {
	int valid;
	uint32_t pid, tid;
	uint16_t vendor, device_id;
	uint64_t cgroup_id, start_ns;
	char comm[16], bdf[VW_NAME_LEN];
	char *json;	/* "device":..,"cgroup":..[,"vm":{..}] without braces */
};

static int who_matches(const struct who_entry *w, const struct vw_event *e)
{
	return w->valid && w->pid == e->pid && w->tid == e->tid && w->vendor == e->vendor &&
	       w->device_id == e->device_id && w->cgroup_id == e->cgroup_id && w->start_ns == e->start_ns &&
	       !memcmp(w->comm, e->comm, sizeof(w->comm)) && !memcmp(w->bdf, e->bdf, sizeof(w->bdf));
}

static const char *who_json(const struct vw_event *e)
{
	static struct who_entry cache[256];
	struct who_entry *w = &cache[(e->tid * 31 + e->pid + e->bdf[9] * 7 + e->bdf[11]) & 255];
	const char *cgroup, *j;
	json_object *o;
	size_t n;

	if (who_matches(w, e))
		return w->json;
	cgroup = vw_cgroup_path(e->cgroup_id);
	o = json_object_new_object();
	who_fields(o, e, cgroup);
	j = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(j);
	free(w->json);
	w->json = n >= 2 ? strndup(j + 1, n - 2) : strdup("");	/* without { } */
	json_object_put(o);
	w->valid = w->json != NULL;
	w->pid = e->pid;
	w->tid = e->tid;
	w->vendor = e->vendor;
	w->device_id = e->device_id;
	w->cgroup_id = e->cgroup_id;
	w->start_ns = e->start_ns;
	memcpy(w->comm, e->comm, sizeof(w->comm));
	memcpy(w->bdf, e->bdf, sizeof(w->bdf));
	return w->json ? w->json : "";
}

/* A string as json-c writes it (quoted, escaped); kept per capability name. */
static const char *cap_name_json(int ext, uint8_t cap, const char *name)
{
	static char *cache[2][256];
	json_object *o;

	if (!cache[ext][cap]) {
		o = json_object_new_string(name);
		cache[ext][cap] = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	return cache[ext][cap] ? cache[ext][cap] : "\"\"";
}

/* An appender without printf (printf was most of a record's time). */
struct out {
	char *p, *end;
};

static void put_s(struct out *o, const char *s)
{
	while (*s && o->p < o->end)
		*o->p++ = *s++;
}

static void put_u(struct out *o, uint64_t v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = '0' + v % 10;
	while ((v /= 10));
	while (n && o->p < o->end)
		*o->p++ = d[--n];
}

static void put_i(struct out *o, int64_t v)
{
	if (v < 0) {
		put_s(o, "-");
		v = -v;
	}
	put_u(o, (uint64_t)v);
}

static const char *access_json(const struct vw_event *e)
{
	static char buf[8192];
	struct out o = { buf, buf + sizeof(buf) - 1 };
	const char *cap_name;
	char t[64], val[40];
	int kind, ext;

	region_of(e, &kind, &ext, &cap_name);
	vw_format_time(e->ts_boot_ns, t, sizeof(t));
	put_s(&o, "{\"schema\":");
	put_i(&o, VW_EVENT_SCHEMA);
	put_s(&o, ",\"seq\":");
	put_u(&o, e->seq);
	put_s(&o, ",\"time\":\"");
	put_s(&o, t);
	put_s(&o, e->type == VW_EV_BYPASS ? "\",\"type\":\"bypass\",\"action\":\"" : "\",\"type\":\"config\",\"action\":\"");
	put_s(&o, vw_action_name(e->action));
	put_s(&o, "\",");
	put_s(&o, who_json(e));
	put_s(&o, e->dir == VW_DIR_WRITE ? ",\"op\":\"write\",\"path\":\"" : ",\"op\":\"read\",\"path\":\"");
	put_s(&o, e->path < 10 ? path_names[e->path] : "unknown");
	put_s(&o, "\",\"offset\":");
	put_u(&o, e->offset);
	put_s(&o, ",\"size\":");
	put_u(&o, e->size);
	put_s(&o, ",\"extent\":\"");
	put_s(&o, e->extent < 3 ? extent_names[e->extent] : "any");
	put_s(&o, "\"");
	if (e->dir == VW_DIR_WRITE && e->value_len) {
		hex_value(e, val, sizeof(val));
		put_s(&o, ",\"value\":\"");
		put_s(&o, val);
		put_s(&o, "\"");
	}
	put_s(&o, ",\"at\":");
	put_u(&o, e->at);
	put_s(&o, ",\"region\":\"");
	put_s(&o, vw_region_name(kind));
	put_s(&o, "\"");
	if (kind == VW_REGION_CAPABILITY) {
		put_s(&o, ",\"cap_id\":");
		put_u(&o, e->cap);
		put_s(&o, ",\"cap_name\":");
		put_s(&o, cap_name_json(ext, e->cap, cap_name));
		put_s(&o, ext ? ",\"extended\":true" : ",\"extended\":false");
	}
	put_s(&o, ",\"errno\":");
	put_i(&o, e->err);
	if (e->tph_reason) {
		json_object *r = json_object_new_string(vw_tph_reason_name(e->tph_reason));

		put_s(&o, ",\"tph_reason\":");
		put_s(&o, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(r);
	}
	if (e->type == VW_EV_CONFIG) {
		put_s(&o, ",\"count\":");
		put_u(&o, e->count ? e->count : 1);
		if (e->first_ns) {
			vw_format_time(e->first_ns, t, sizeof(t));
			put_s(&o, ",\"first\":\"");
			put_s(&o, t);
			put_s(&o, "\"");
		}
	}
	put_s(&o, "}");
	*o.p = 0;
	return buf;
}

int vw_event_json(const struct vw_event *e, int generic, char *buf, size_t len)
{
	json_object *o;
	int n;

	if (!generic && (e->type == VW_EV_CONFIG || e->type == VW_EV_BYPASS))
		return snprintf(buf, len, "%s", access_json(e));
	o = event_json(e);
	n = snprintf(buf, len, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return n;
}

static void print_json(FILE *out, const struct vw_event *e)
{
	json_object *o;

	if (e->type == VW_EV_CONFIG || e->type == VW_EV_BYPASS) {
		fputs(access_json(e), out);
		fputc('\n', out);
		return;
	}
	o = event_json(e);
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * The process's own words on a text line (comm, cgroup, VM name) escaped: a
 * newline would forge a line, an ESC sequence would reach the terminal. The
 * VM's name says who chose it.
 */
struct text_who {
	char comm[VW_ESCAPE_MAX(16)], cgroup[VW_ESCAPE_MAX(256)];
	char vm[VW_ESCAPE_MAX(128) + 48];
};

static void text_who(const struct vw_event *e, const char *cgroup, struct text_who *w)
{
	char name[VW_ESCAPE_MAX(128)];
	struct vw_vm vm;

	vw_text_escape(e->comm, sizeof(e->comm), w->comm, sizeof(w->comm));
	vw_text_escape(cgroup, 256, w->cgroup, sizeof(w->cgroup));
	vw_vm_of(e->pid, e->start_ns, cgroup, &vm);
	w->vm[0] = 0;
	if (vm.name[0]) {
		vw_text_escape(vm.name, sizeof(vm.name), name, sizeof(name));
		snprintf(w->vm, sizeof(w->vm), " vm=%s vm_source=%s", name,
			 vw_vm_source_name(vm.source) ? vw_vm_source_name(vm.source) : "unknown");
	}
}

/* One record's text, without its end: vw_print_event adds seq and the newline. */
static void print_text(FILE *out, const struct vw_event *e)
{
	const char *cgroup = vw_cgroup_path(e->cgroup_id);
	char t[64], val[40] = "", times[24] = "";
	const char *cap_name;
	struct text_who w;
	int kind, ext;

	vw_format_time(e->ts_boot_ns, t, sizeof(t));
	text_who(e, cgroup, &w);
	if (e->type == VW_EV_DEVICE) {
		fprintf(out, "%s device %s [%04x:%04x] first seen after attach; policy compiled from vfio-pci's map",
			t, e->bdf, e->vendor, e->device_id);
		return;
	}
	if (e->type == VW_EV_TPH) {
		char num[12];

		fprintf(out, "%s %-6s tph   %s [%04x:%04x] uapi=%s op=%s count=%u reason=%s refused=%u pid=%u comm=%s cgroup=%s%s%s",
			t, vw_action_name(e->action), e->bdf, e->vendor, e->device_id, tph_rev_name(e->tph_rev, num),
			vw_tph_op_name(e->tph_op),
			e->tph_count, vw_tph_reason_name(e->tph_reason), e->tph_nbad, e->pid, w.comm,
			w.cgroup, w.vm, e->err ? " errno=EPERM" : "");
		return;
	}
	if (e->type == VW_EV_RACE) {
		const char *jf = vw_ioc_feature_name(e->judged_flags & VW_FEATURE_MASK);
		const char *uf = vw_ioc_feature_name(e->ioc_flags & VW_FEATURE_MASK);

		if (e->race_kind == VW_RACE_FLAGS)
			fprintf(out, "%s RACE   ioctl %s [%04x:%04x] VFIO_DEVICE_FEATURE judged=%s(0x%x, %s, %s) "
				"used=%s(0x%x, %s) on_race=%s pid=%u tid=%u comm=%s cgroup=%s%s", t, e->bdf,
				e->vendor, e->device_id, jf ? jf : "?", e->judged_flags, class_name(e->judged_class),
				vw_action_name(e->judged_action), uf ? uf : "?", e->ioc_flags, class_name(e->ioc_class),
				e->on_race == VW_IOC_KILL ? "kill" : "audit", e->pid, e->tid, w.comm, w.cgroup, w.vm);
		else
			fprintf(out, "%s RACE   ioctl %s [%04x:%04x] VFIO_DEVICE_FEATURE unjudged used=%s(0x%x, %s) "
				"pid=%u tid=%u comm=%s cgroup=%s%s", t, e->bdf, e->vendor, e->device_id,
				uf ? uf : "?", e->ioc_flags, class_name(e->ioc_class), e->pid, e->tid, w.comm, w.cgroup,
				w.vm);
		return;
	}
	if (e->type == VW_EV_IOCTL) {
		const char *f = vw_ioc_feature_name(e->ioc_flags & VW_FEATURE_MASK);
		const char *cmd = vw_ioc_cmd_name(e->ioc_cmd);

		char devs[64][VW_NAME_LEN], list[512] = "";
		long groups[8];
		int n = 0;

		if (e->ioc_cmd == VW_VFIO_DEVICE_PCI_HOT_RESET) {
			n = vw_hot_reset_devices("/proc", "/sys", e, groups, devs, 64);
			strcpy(list, " devices=");
			for (int i = 0; i < n; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "", devs[i]);
		}
		fprintf(out, "%s %-6s ioctl %s [%04x:%04x] %s%s%s%s rule=%s pid=%u comm=%s cgroup=%s%s%s", t,
			vw_action_name(e->action), e->bdf, e->vendor, e->device_id, cmd ? cmd : "?",
			e->ioc_cmd == VW_VFIO_DEVICE_FEATURE && f ? " feature=" : "",
			e->ioc_cmd == VW_VFIO_DEVICE_FEATURE && f ? f : "", list,
			e->ioc_class < VW_IOC_NCLASSES ? vw_ioc_class_names[e->ioc_class] : "unknown", e->pid, w.comm,
			w.cgroup, w.vm, e->err ? " errno=EPERM" : "");
		return;
	}
	region_of(e, &kind, &ext, &cap_name);
	if (e->dir == VW_DIR_WRITE && e->value_len) {
		strcpy(val, " value=");
		hex_value(e, val + 7, sizeof(val) - 7);
	}
	if (e->type == VW_EV_CONFIG && e->count > 1)
		snprintf(times, sizeof(times), " x%u", e->count);
	fprintf(out, "%s %-6s %-5s %s [%04x:%04x] %s off=0x%03x size=%u%s%s at=0x%03x %s%s%s%s pid=%u comm=%s cgroup=%s%s%s%s",
		t, e->type == VW_EV_BYPASS ? "BYPASS" : vw_action_name(e->action),
		e->dir == VW_DIR_WRITE ? "write" : "read", e->bdf, e->vendor, e->device_id,
		e->path < 10 ? path_names[e->path] : "unknown", e->offset, e->size,
		e->extent == 1 ? " extent=from_offset" : e->extent ? " extent=any" : "", val, e->at,
		vw_region_name(kind), cap_name ? " (" : "", cap_name ? cap_name : "", cap_name ? ")" : "",
		e->pid, w.comm, w.cgroup, w.vm, e->err ? " errno=EPERM" : "", times);
}

void vw_print_event(FILE *out, enum vw_format fmt, const struct vw_event *e)
{
	if (fmt == VW_FMT_JSON) {
		print_json(out, e);
	} else {
		print_text(out, e);
		fprintf(out, " seq=%llu\n", (unsigned long long)e->seq);
	}
}

void vw_print_lost(FILE *out, enum vw_format fmt, uint64_t count, uint64_t total)
{
	struct timespec bt;
	char t[64];

	clock_gettime(CLOCK_BOOTTIME, &bt);
	vw_format_time((uint64_t)bt.tv_sec * 1000000000ULL + bt.tv_nsec, t, sizeof(t));
	if (fmt == VW_FMT_JSON)
		fprintf(out, "{\"schema\":%d,\"time\":\"%s\",\"type\":\"lost\",\"count\":%llu,\"total\":%llu}\n",
			VW_EVENT_SCHEMA, t,
			(unsigned long long)count, (unsigned long long)total);
	else
		fprintf(out, "%s LOST   %llu events (ring buffer full; %llu in total since attach)\n", t,
			(unsigned long long)count, (unsigned long long)total);
}
