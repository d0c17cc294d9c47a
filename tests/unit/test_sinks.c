// SPDX-License-Identifier: GPL-2.0
/* The audit-log record text and which events go there. */
#include "sinks.h"
#include "vw_test.h"

static struct vw_event ev(int type, int action, int dir)
{
	struct vw_event e = { .type = type, .action = action, .dir = dir, .offset = 4, .size = 2, .at = 4,
			      .pid = 4242, .vendor = 0x1b36, .device_id = 0x10 };

	strcpy(e.bdf, "0000:00:0e.0");
	return e;
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
	vw_audit_text(&deny, "tenant-a", buf, sizeof(buf));
	CHECK_STR(buf, "op=write action=deny device=0000:00:0e.0 vendor=1b36 device_id=0010 offset=0x4 size=2 "
		       "at=0x4 region=header vmm_pid=4242 vm=\"tenant-a\" seq=1765000000123456789");
	vw_audit_text(&audit, NULL, buf, sizeof(buf));
	CHECK(strstr(buf, "op=read action=audit ") == buf, "%s", buf);
	CHECK(strstr(buf, " vm=?"), "no VM: %s", buf);
	/* a name with a space or quote is hex-encoded, as audit fields must be */
	vw_audit_text(&deny, "a b\"c", buf, sizeof(buf));
	CHECK(strstr(buf, " vm=61206222 63") == NULL && strstr(buf, " vm=612062226300") == NULL &&
	      strstr(buf, " vm=6120622263"), "encoded: %s", buf);
	vw_audit_text(&bypass, "x", buf, sizeof(buf));
	CHECK(strstr(buf, "op=write action=bypass "), "%s", buf);
	CHECK_EQ(vw_audit_text(&deny, "tenant-a", buf, 16), 15);	/* truncated, terminated */
	CHECK_EQ(strlen(buf), 15);
	return vw_test_done();
}
