// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"

/* Copy a QEMU option value up to an unescaped comma (",," is a literal comma). */
static const char *opt_value(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s; s++) {
		if (*s == ',') {
			if (s[1] != ',')
				break;
			s++;
		}
		if (o + 1 < len)
			out[o++] = *s;
	}
	out[o] = 0;
	return s;
}

/* -name [guest=]NAME[,process=...][,debug-threads=on]: the guest name. */
static void parse_name_opt(const char *s, struct vw_vm *vm)
{
	char val[sizeof(vm->name)];
	int first = 1;

	while (*s) {
		const char *eq = strchr(s, '='), *comma = strchr(s, ',');
		int keyed = eq && (!comma || eq < comma);

		if (keyed && !strncmp(s, "guest=", 6)) {
			s = opt_value(s + 6, val, sizeof(val));
			snprintf(vm->name, sizeof(vm->name), "%s", val);
		} else if (!keyed && first) {
			s = opt_value(s, val, sizeof(val));	/* QEMU's implied "guest" key */
			snprintf(vm->name, sizeof(vm->name), "%s", val);
		} else {
			s = opt_value(s, val, sizeof(val));
		}
		if (*s == ',')
			s++;
		first = 0;
	}
}

int vw_vm_from_cmdline(const char *args, size_t len, struct vw_vm *vm)
{
	const char *a = args, *end = args + len, *next;
	int found = 0;

	while (a < end) {
		next = memchr(a, 0, end - a);
		if (!next)
			break;	/* a truncated last argument is not read */
		if ((!strcmp(a, "-name") || !strcmp(a, "--name")) && next + 1 < end && memchr(next + 1, 0, end - next - 1)) {
			parse_name_opt(next + 1, vm);
			found |= vm->name[0] != 0;
		} else if ((!strcmp(a, "-uuid") || !strcmp(a, "--uuid")) && next + 1 < end &&
			   memchr(next + 1, 0, end - next - 1)) {
			snprintf(vm->uuid, sizeof(vm->uuid), "%s", next + 1);
			found |= vm->uuid[0] != 0;
		}
		a = next + 1;
	}
	if (found && vm->name[0]) {
		vm->name_from = "qemu -name";
		vm->source = VW_VM_SRC_QEMU_CMDLINE;
	}
	return found;
}

void vw_unescape_unit(const char *in, char *out, size_t len)
{
	size_t o = 0;
	unsigned v;

	/*
	 * Never NUL or a control character (\x0a would forge a log line): those
	 * stay escaped, as the unit name had them.
	 */
	for (; *in && o + 1 < len; in++) {
		if (in[0] == '\\' && in[1] == 'x' && sscanf(in + 2, "%2x", &v) == 1 &&
		    in[2] && in[3] && v >= 0x20 && v != 0x7f) {
			out[o++] = (char)v;
			in += 3;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

void vw_vm_from_cgroup(const char *path, struct vw_vm *vm)
{
	const char *c = path, *slash, *best = NULL;
	size_t n, best_n = 0;
	char plain[256];
	/* every component above the unit a slice, the first machine.slice: where libvirt (root) puts machines */
	int depth = 0, slices_only = 1, system_machine = 0, best_system = 0;

	while (c && *c) {
		while (*c == '/')
			c++;
		slash = strchr(c, '/');
		n = slash ? (size_t)(slash - c) : strlen(c);
		if (n && (ends_with(c, n, ".scope") || ends_with(c, n, ".service"))) {
			best = c;
			best_n = n;
			best_system = slices_only && system_machine;
		}
		if (n) {
			if (!depth++)
				system_machine = n == 13 && !memcmp(c, "machine.slice", 13);
			slices_only &= ends_with(c, n, ".slice");
		}
		c = slash;
	}
	if (!best)
		return;
	snprintf(vm->unit, sizeof(vm->unit), "%.*s", (int)best_n, best);
	if (vm->name[0])
		return;
	/* libvirt: machine-qemu\x2d<id>\x2d<name>.scope (names may be shortened by libvirt) */
	vw_unescape_unit(vm->unit, plain, sizeof(plain));
	if (strncmp(plain, "machine-qemu-", 13) || !ends_with(plain, strlen(plain), ".scope"))
		return;
	plain[strlen(plain) - 6] = 0;
	c = plain + 13;
	while (*c >= '0' && *c <= '9')
		c++;
	if (c == plain + 13 || *c != '-' || !c[1])
		return;
	snprintf(vm->name, sizeof(vm->name), "%s", c + 1);
	/*
	 * Anywhere else (a user's systemd, a delegated subtree: a container's in
	 * machine.slice, a service's) the name is its owner's choice: it says so.
	 */
	vm->name_from = best_system ? "libvirt scope" : "user scope";
	vm->source = best_system ? VW_VM_SRC_LIBVIRT_SCOPE : VW_VM_SRC_USER_CGROUP;
}

/* ---- the per-process cache ------------------------------------------------ */

#define VM_CACHE 256
static struct vm_entry {
	uint32_t pid;
	uint64_t start_ns;
	int used, from_cmdline;
	struct vw_vm vm;	/* from the command line only; the unit comes from each event */
} cache[VM_CACHE];
/* the event stream and the metrics endpoint's thread both ask */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

static unsigned long long ns_per_tick(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? 1000000000ULL / (unsigned long long)hz : 10000000ULL;
}

/* The start time of /proc/PID in clock ticks since boot (stat field 22); 0 if gone. */
static unsigned long long proc_start_ticks(uint32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	for (f = 2; p && f < 22; f++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	return ticks;
}

/* Is /proc/PID still the process that started at start_ns? */
static int proc_is(uint32_t pid, uint64_t start_ns)
{
	unsigned long long ticks = proc_start_ticks(pid);

	return ticks && ticks == start_ns / ns_per_tick();
}

static void resolve(struct vm_entry *e)
{
	char path[64], *buf = malloc(65536);
	ssize_t n;

	memset(&e->vm, 0, sizeof(e->vm));
	e->from_cmdline = 0;
	if (!buf)
		return;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", e->pid);
	n = read_file(path, buf, 65536);
	/* checked after the read: a pid reused in between fails the check */
	if (n > 0 && proc_is(e->pid, e->start_ns))
		e->from_cmdline = vw_vm_from_cmdline(buf, (size_t)n, &e->vm);
	free(buf);
}

void vw_vm_of(uint32_t pid, uint64_t start_ns, const char *cgroup_path, struct vw_vm *out)
{
	struct vm_entry *e = &cache[(pid ^ (start_ns >> 20)) % VM_CACHE];

	pthread_mutex_lock(&cache_lock);
	if (!e->used || e->pid != pid || e->start_ns != start_ns) {
		e->used = 1;
		e->pid = pid;
		e->start_ns = start_ns;
		resolve(e);
	}
	*out = e->vm;
	pthread_mutex_unlock(&cache_lock);
	if (cgroup_path)
		vw_vm_from_cgroup(cgroup_path, out);
}

void vw_vm_of_pid(uint32_t pid, struct vw_vm *out)
{
	char path[64], buf[4096], *line, *save = NULL;
	const char *cg = NULL;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "0::", 3))
			cg = line + 3;	/* cgroup v2 */
	vw_vm_of(pid, proc_start_ticks(pid) * ns_per_tick(), cg, out);
}
