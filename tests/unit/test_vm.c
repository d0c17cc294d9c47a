// SPDX-License-Identifier: GPL-2.0
/* Which VM a process is: QEMU's -name/-uuid, systemd/libvirt scopes, and the cache. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm.h"
#include "vw_test.h"

/* argv as /proc/PID/cmdline holds it: each argument NUL-terminated */
static size_t args(char *buf, const char *const *argv)
{
	size_t o = 0;

	for (; *argv; argv++) {
		strcpy(buf + o, *argv);
		o += strlen(*argv) + 1;
	}
	return o;
}

static struct vw_vm from_argv(const char *const *argv, int *found)
{
	struct vw_vm vm = {};
	char buf[1024];

	*found = vw_vm_from_cmdline(buf, args(buf, argv), &vm);
	return vm;
}

static void test_cmdline(void)
{
	const char *libvirt[] = { "/usr/bin/qemu-system-x86_64", "-name", "guest=tenant-a,debug-threads=on",
				  "-S", "-uuid", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", NULL };
	const char *plain[] = { "qemu-system-x86_64", "-name", "vm1", NULL };
	const char *process[] = { "qemu", "--name", "web,process=qemu-web", NULL };
	const char *commas[] = { "qemu", "-name", "guest=a,,b,debug-threads=on", NULL };
	const char *later[] = { "qemu", "-name", "process=p,guest=late", NULL };
	const char *none[] = { "cloud-hypervisor", "--api-socket", "/run/ch.sock", NULL };
	const char *dangling[] = { "qemu", "-name", NULL };
	const char *uuid_only[] = { "qemu", "-uuid", "abc", NULL };
	struct vw_vm vm;
	int found;

	vm = from_argv(libvirt, &found);
	CHECK_EQ(found, 1);
	CHECK_STR(vm.name, "tenant-a");
	CHECK_STR(vm.uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
	CHECK_STR(vm.name_from, "qemu -name");
	vm = from_argv(plain, &found);
	CHECK_STR(vm.name, "vm1");
	vm = from_argv(process, &found);
	CHECK_STR(vm.name, "web");
	vm = from_argv(commas, &found);
	CHECK_STR(vm.name, "a,b");
	vm = from_argv(later, &found);
	CHECK_STR(vm.name, "late");
	vm = from_argv(none, &found);
	CHECK_EQ(found, 0);
	CHECK_EQ(vw_vm_known(&vm), 0);
	vm = from_argv(dangling, &found);
	CHECK_EQ(found, 0);
	vm = from_argv(uuid_only, &found);
	CHECK_EQ(found, 1);
	CHECK_STR(vm.uuid, "abc");
	CHECK(vm.name_from == NULL, "no name, no source");

	/* a truncated command line (no final NUL) is not read past its end */
	{
		struct vw_vm t = {};
		char buf[] = { '-', 'n', 'a', 'm', 'e', 0, 'x', 'y' };

		CHECK_EQ(vw_vm_from_cmdline(buf, sizeof(buf), &t), 0);
		CHECK_STR(t.name, "");
	}
}

static void test_cgroup(void)
{
	struct vw_vm vm = {};
	char out[64];

	vw_vm_from_cgroup("/machine.slice/machine-qemu\\x2d3\\x2dtenant\\x2da.scope/libvirt/vcpu0", &vm);
	CHECK_STR(vm.unit, "machine-qemu\\x2d3\\x2dtenant\\x2da.scope");
	CHECK_STR(vm.name, "tenant-a");
	CHECK_STR(vm.name_from, "libvirt scope");

	/* the command line's name wins; the unit still comes from the cgroup */
	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "from-cmdline");
	vm.name_from = "qemu -name";
	vw_vm_from_cgroup("/machine.slice/machine-qemu\\x2d3\\x2dother.scope/libvirt/emulator", &vm);
	CHECK_STR(vm.name, "from-cmdline");
	CHECK_STR(vm.unit, "machine-qemu\\x2d3\\x2dother.scope");

	memset(&vm, 0, sizeof(vm));
	vw_vm_from_cgroup("/system.slice/qemu-vm7.service", &vm);
	CHECK_STR(vm.unit, "qemu-vm7.service");
	CHECK_STR(vm.name, "");	/* a service is not a VM by its name */
	CHECK_EQ(vw_vm_known(&vm), 0);

	memset(&vm, 0, sizeof(vm));
	vw_vm_from_cgroup("/", &vm);
	CHECK_STR(vm.unit, "");
	vw_vm_from_cgroup("", &vm);
	CHECK_STR(vm.unit, "");
	/* not libvirt's pattern: no name */
	vw_vm_from_cgroup("/machine.slice/machine-qemu\\x2dx.scope", &vm);
	CHECK_STR(vm.name, "");
	vw_vm_from_cgroup("/machine.slice/machine-qemu\\x2d4\\x2d.scope", &vm);
	CHECK_STR(vm.name, "");

	vw_unescape_unit("a\\x2db\\x5cc\\x", out, sizeof(out));
	CHECK_STR(out, "a-b\\c\\x");
	vw_unescape_unit("\\x00z", out, sizeof(out));
	CHECK_STR(out, "\\x00z");	/* never a NUL inside a name */
}

/*
 * Hostile scope names: unescaping never makes a control character, and a
 * machine-qemu scope outside the system's machine.slice (a user's systemd,
 * a delegated subtree) names the VM as its owner's, not as libvirt's.
 */
static void test_hostile_scopes(void)
{
	static const struct { const char *path, *name, *from; enum vw_vm_source src; } c[] = {
		{ "/machine.slice/machine-qemu\\x2d1\\x2dtenant\\x2da.scope/libvirt/vcpu0", "tenant-a",
		  "libvirt scope", VW_VM_SRC_LIBVIRT_SCOPE },
		/* libvirt's partitions: slices under machine.slice */
		{ "/machine.slice/machine-tenants.slice/machine-qemu\\x2d2\\x2dt.scope", "t", "libvirt scope",
		  VW_VM_SRC_LIBVIRT_SCOPE },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/machine-qemu\\x2d1\\x2dtenant\\x2da.scope",
		  "tenant-a", "user scope", VW_VM_SRC_USER_CGROUP },
		{ "/user.slice/user-1000.slice/user@1000.service/machine.slice/machine-qemu\\x2d1\\x2dx.scope", "x",
		  "user scope", VW_VM_SRC_USER_CGROUP },
		/* a container's delegated subtree inside machine.slice */
		{ "/machine.slice/machine-ctr.scope/payload/machine-qemu\\x2d1\\x2dtenant\\x2da.scope", "tenant-a",
		  "user scope", VW_VM_SRC_USER_CGROUP },
		{ "/system.slice/foo.service/machine.slice/machine-qemu\\x2d1\\x2dy.scope", "y", "user scope",
		  VW_VM_SRC_USER_CGROUP },
		{ "/machine-qemu\\x2d1\\x2dz.scope", "z", "user scope", VW_VM_SRC_USER_CGROUP },
		/* control characters stay escaped: no forged line, no terminal escape */
		{ "/machine.slice/machine-qemu\\x2d1\\x2devil\\x0a2026\\x2d01 deny\\x1b[31m\\x7f\\x0d.scope",
		  "evil\\x0a2026-01 deny\\x1b[31m\\x7f\\x0d", "libvirt scope", VW_VM_SRC_LIBVIRT_SCOPE },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct vw_vm vm = {};

		vw_vm_from_cgroup(c[i].path, &vm);
		CHECK_STR(vm.name, c[i].name);
		CHECK_STR(vm.name_from ? vm.name_from : "(null)", c[i].from);
		CHECK(vm.source == c[i].src, "%s: source %s", c[i].path, vw_vm_source_name(vm.source));
	}
	vw_unescape_unit("a\\x0ab\\x1bc\\x09d\\x7fe\\x1ff\\x20g\\x2dh", out, sizeof(out));
	CHECK_STR(out, "a\\x0ab\\x1bc\\x09d\\x7fe\\x1ff g-h");
	/* the command line's name is the process's own word: said so, wherever it runs */
	{
		const char *argv[] = { "qemu", "-name", "guest=tenant-a", NULL };
		struct vw_vm vm;
		int found;

		vm = from_argv(argv, &found);
		vw_vm_from_cgroup("/machine.slice/machine-qemu\\x2d9\\x2dother.scope", &vm);
		CHECK_STR(vm.name, "tenant-a");
		CHECK_STR(vw_vm_source_name(vm.source), "qemu-cmdline");
	}
}

/* The cache against this very process: /proc/self is a process without -name. */
static void test_cache(void)
{
	struct vw_vm v, *vm = &v;

	vw_vm_of(getpid(), 0, "/machine.slice/machine-qemu\\x2d1\\x2dx.scope", vm);

	/* start time 0 is not this process: nothing from /proc, the scope still names it */
	CHECK_STR(vm->name, "x");
	CHECK_STR(vm->name_from, "libvirt scope");
	vw_vm_of(999999999, 123, NULL, vm);
	CHECK_EQ(vw_vm_known(vm), 0);
}

/* A live process started with -name: named with its true start time, not with another. */
static void test_live_process(void)
{
	unsigned long long ticks = 0, start;
	char path[64], buf[1024], *p;
	struct vw_vm v, *vm = &v;
	FILE *f;
	pid_t pid = fork();
	int fld;

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 30; :", "-name", "guest=cache-test,debug-threads=on", NULL);
		_exit(127);
	}
	CHECK(pid > 0, "fork");
	/* wait until the child has exec'd (its cmdline names it) */
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		f = fopen(path, "r");
		buf[0] = 0;
		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			buf[n] = 0;
			fclose(f);
		}
		if (!strcmp(buf, "/bin/sh"))
			break;
		usleep(1000);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	CHECK(f != NULL, "%s", path);
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		p = strrchr(buf, ')');
		for (fld = 2; p && fld < 22; fld++)
			p = strchr(p + 1, ' ');
		if (p)
			ticks = strtoull(p + 1, NULL, 10);
	}
	start = ticks * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
	vw_vm_of(pid, start, "/system.slice/vm.scope", vm);
	CHECK_STR(vm->name, "cache-test");
	CHECK_STR(vm->name_from, "qemu -name");
	CHECK_STR(vm->unit, "vm.scope");
	/* the same pid with another start time is another process: nothing from /proc */
	vw_vm_of(pid, start + 5000000000ULL, NULL, vm);
	CHECK_STR(vm->name, "");
	/* and the first process is still cached as itself */
	vw_vm_of(pid, start, NULL, vm);
	CHECK_STR(vm->name, "cache-test");
	/* metrics' way: start time and cgroup from /proc */
	vw_vm_of_pid(pid, vm);
	CHECK_STR(vm->name, "cache-test");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	test_cmdline();
	test_cgroup();
	test_hostile_scopes();
	test_cache();
	test_live_process();
	return vw_test_done();
}
