// SPDX-License-Identifier: GPL-2.0
/* The audit-log record text and which events go there. */
#include "sinks.h"
#include "vm.h"
#include "vw_test.h"

static struct vw_event ev(int type, int action, int dir)
{
	struct vw_event e = { .type = type, .action = action, .dir = dir, .offset = 4, .size = 2, .at = 4,
			      .pid = 4242, .vendor = 0x1b36, .device_id = 0x10 };

	strcpy(e.bdf, "0000:00:0e.0");
	return e;
}

static const struct vw_vm *named(const char *name, enum vw_vm_source src)
{
	static struct vw_vm vm;

	memset(&vm, 0, sizeof(vm));
	snprintf(vm.name, sizeof(vm.name), "%s", name);
	vm.source = src;
	return &vm;
}

/* nothing a terminal or a line-based reader would act on */
static int clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* hostile VM names in the audit record: hex, as the kernel encodes untrusted strings */
static void test_audit_hostile(const struct vw_event *deny)
{
	static const struct { const char *name, *hex; } c[] = {
		{ "a'b", "vm=612762" },		/* a quote would end the kernel's msg='...' */
		{ "x\nres=success", "vm=780A7265733D73756363657373" },
		{ "\x1b[31m", "vm=1B5B33316D" },
		{ "t\xc3\xa9\xff", "vm=74C3A9FF" },
	};
	char buf[1024];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		vw_audit_text(deny, named(c[i].name, VW_VM_SRC_USER_CGROUP), buf, sizeof(buf));
		CHECK(strstr(buf, c[i].hex) && strstr(buf, " vm_source=user-cgroup") && clean(buf) &&
		      !strchr(buf, '\''), "%zu: %s", i, buf);
	}
	vw_audit_text(deny, named("tenant-b", VW_VM_SRC_LIBVIRT_SCOPE), buf, sizeof(buf));
	CHECK(strstr(buf, " vm=\"tenant-b\" vm_source=libvirt-scope"), "%s", buf);
	vw_audit_text(deny, NULL, buf, sizeof(buf));
	CHECK(strstr(buf, " vm=? vm_source=?"), "%s", buf);
}

/* the journal's fields: the MESSAGE and what a process chose escaped; where the name came from */
static void test_journal(const struct vw_event *deny)
{
	struct vw_vm vm = {};
	char *f[VW_JOURNAL_FIELDS];
	int n, i, dirty = 0, found = 0;

	snprintf(vm.name, sizeof(vm.name), "evil\nVFIO_WARDEN_ACTION=allow\x1b[0m\xff");
	snprintf(vm.uuid, sizeof(vm.uuid), "u\r\n");
	vm.source = VW_VM_SRC_USER_CGROUP;
	n = vw_journal_fields(deny, &vm, "line one\nforged line\x1b]0;t\x07", f);
	CHECK(n > 10 && n <= VW_JOURNAL_FIELDS, "%d fields", n);
	for (i = 0; i < n; i++) {
		dirty += !clean(f[i]);
		found += !strcmp(f[i], "VFIO_WARDEN_VM=evil\\x0aVFIO_WARDEN_ACTION=allow\\x1b[0m\\xff") ||
			 !strcmp(f[i], "VFIO_WARDEN_VM_UUID=u\\x0d\\x0a") ||
			 !strcmp(f[i], "VFIO_WARDEN_VM_SOURCE=user-cgroup") ||
			 !strcmp(f[i], "MESSAGE=line one\\x0aforged line\\x1b]0;t\\x07") ||
			 !strcmp(f[i], "VFIO_WARDEN_ACTION=deny");
		if (!clean(f[i]))
			printf("dirty: %s\n", f[i]);
		free(f[i]);
	}
	CHECK_EQ(dirty, 0);
	CHECK_EQ(found, 5);
}

int main(void)
{
	struct vw_event deny = ev(VW_EV_CONFIG, VW_DENY, VW_DIR_WRITE), audit = ev(VW_EV_CONFIG, VW_AUDIT, VW_DIR_READ),
			bypass = ev(VW_EV_BYPASS, VW_ALLOW, VW_DIR_WRITE), dev = ev(VW_EV_DEVICE, 0, 0);
	enum vw_audit_mode m;
	char buf[512];

	CHECK_EQ(vw_parse_audit_mode("deny", &m), 0);
	CHECK_EQ(m, VW_AUDIT_DENY);
	CHECK_EQ(vw_parse_audit_mode("all", &m), 0);
	CHECK_EQ(m, VW_AUDIT_ALL);
	CHECK(vw_parse_audit_mode("Deny", &m) != 0, "case matters");
	CHECK(vw_parse_audit_mode("", &m) != 0, "empty");

	CHECK_EQ(vw_audit_wants(VW_AUDIT_DENY, &deny), 1);
	CHECK_EQ(vw_audit_wants(VW_AUDIT_DENY, &audit), 0);
	CHECK_EQ(vw_audit_wants(VW_AUDIT_DENY, &bypass), 1);
	CHECK_EQ(vw_audit_wants(VW_AUDIT_ALL, &audit), 1);
	CHECK_EQ(vw_audit_wants(VW_AUDIT_ALL, &dev), 0);
	CHECK_EQ(vw_audit_wants(VW_AUDIT_OFF, &deny), 0);

	deny.seq = 1765000000123456789ULL;	/* the record's number, for matching it in the event log */
	vw_audit_text(&deny, named("tenant-a", VW_VM_SRC_QEMU_CMDLINE), buf, sizeof(buf));
	CHECK_STR(buf, "op=write action=deny device=0000:00:0e.0 vendor=1b36 device_id=0010 offset=0x4 size=2 "
		       "at=0x4 region=header vmm_pid=4242 vm=\"tenant-a\" vm_source=qemu-cmdline seq=1765000000123456789");
	vw_audit_text(&audit, NULL, buf, sizeof(buf));
	CHECK(strstr(buf, "op=read action=audit ") == buf, "%s", buf);
	CHECK(strstr(buf, " vm=?"), "no VM: %s", buf);
	/* a name with a space or quote is hex-encoded, as audit fields must be */
	vw_audit_text(&deny, named("a b\"c", VW_VM_SRC_QEMU_CMDLINE), buf, sizeof(buf));
	CHECK(strstr(buf, " vm=61206222 63") == NULL && strstr(buf, " vm=612062226300") == NULL &&
	      strstr(buf, " vm=6120622263"), "encoded: %s", buf);
	vw_audit_text(&bypass, named("x", VW_VM_SRC_LIBVIRT_SCOPE), buf, sizeof(buf));
	CHECK(strstr(buf, "op=write action=bypass "), "%s", buf);
	CHECK_EQ(vw_audit_text(&deny, named("tenant-a", VW_VM_SRC_QEMU_CMDLINE), buf, 16), 15);	/* truncated, terminated */
	CHECK_EQ(strlen(buf), 15);
	test_audit_hostile(&deny);
	test_journal(&deny);
	return vw_test_done();
}
