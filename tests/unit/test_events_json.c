// SPDX-License-Identifier: GPL-2.0
/*
 * The flood's JSON (config and bypass records set into a json-c object kept per
 * shape, user/lib/events.c) against the same record built field by field: byte
 * for byte, over random records of every shape (value, capability, TPH reason,
 * aggregated count and first time).
 */
#include <stdint.h>
#include <unistd.h>
#include "vw_test.h"
#include "events.h"

int main(void)
{
	static char fast[4096], slow[4096];
	static const uint8_t caps[] = { 0x00, 0x01, 0x05, 0x10, 0x11, 0xff, 0xfe, 0x01, 0x18, 0x23 };
	uint64_t r = 42;
	int i, same = 0, n = 20000, counted = 0, firsts = 0;

	for (i = 0; i < n; i++) {
		struct vw_event e = {};

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		e.type = (r >> 60) % 5 ? VW_EV_CONFIG : VW_EV_BYPASS;
		e.action = (r >> 10) % 4;
		e.ts_boot_ns = (r >> 8) % (1ULL << 50);
		e.pid = getpid();
		e.tid = (r >> 13) % 100000;
		e.dir = (r >> 17) & 1;
		e.offset = (r >> 18) % 4096;
		e.size = 1 + (r >> 30) % 8;
		e.at = e.offset < 256 && (r >> 33) % 2 ? e.offset : (r >> 34) % 4096;
		e.cap = caps[(r >> 45) % sizeof(caps)];
		e.value = r;
		e.value_len = (r >> 50) % 9;
		e.extent = (r >> 5) % 4;
		e.path = (r >> 54) % 11;
		e.err = e.action == VW_DENY;
		e.tph_reason = (r >> 57) % 3 == 0 ? (r >> 40) % 5 : 0;
		e.count = (r >> 20) % 3 ? 1 : (r >> 22) % 100000;
		e.first_ns = (r >> 24) % 2 ? 0 : e.ts_boot_ns - (r >> 30) % 1000000000;
		e.vendor = 0x8086;
		e.device_id = (r >> 36) & 0xffff;
		snprintf(e.comm, sizeof(e.comm), "%s", (r >> 26) % 2 ? "qemu-system-x86" : "a\"b\\c");
		snprintf(e.bdf, sizeof(e.bdf), "0000:00:%02x.0", (unsigned)(r >> 28) % 32);
		vw_event_json(&e, 0, fast, sizeof(fast));
		vw_event_json(&e, 1, slow, sizeof(slow));
		if (!strcmp(fast, slow))
			same++;
		else if (same + 5 > i)
			CHECK_STR(fast, slow);
		counted += strstr(fast, "\"count\":") != NULL;
		firsts += strstr(fast, "\"first\":") != NULL;
	}
	CHECK_EQ(same, n);
	CHECK(counted > n / 2 && firsts > n / 4, "shapes covered: %d with count, %d with first", counted, firsts);
	return vw_test_done();
}
