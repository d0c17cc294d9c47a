// SPDX-License-Identifier: GPL-2.0
/*
 * The BDF grammar (user/lib/bdf.h): every accepted spelling and its canonical
 * form, every refusal and its reason, and that the places which read a BDF
 * (a policy's 'match: {bdf}', an lspci dump's device lines, `map`'s sysfs
 * target, `map --device`) accept exactly the same ones. They used to have a
 * grammar each: a policy took "0:3.1" and "0:00:03.0" that `map` refused, and
 * `map` took the kernel's VMD names ("10000:e0:06.0") that a policy refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bdf.h"
#include "cfgdump.h"
#include "policy.h"
#include "vw_test.h"

struct good { const char *in, *canon; };
struct bad { const char *in, *why; };

static const struct good good[] = {
	{ "0000:00:03.0", "0000:00:03.0" },
	{ "00:03.0", "0000:00:03.0" },		/* lspci without -D */
	{ "0:3.1", "0000:00:03.1" },		/* short fields (policies took these) */
	{ "0:00:03.0", "0000:00:03.0" },
	{ "000:00:03.0", "0000:00:03.0" },
	{ "ABCD:EF:1F.7", "abcd:ef:1f.7" },	/* any case; canonical is lower */
	{ "0000:AF:1F.7", "0000:af:1f.7" },
	{ "0002:01:00.0", "0002:01:00.0" },
	{ "ffff:ff:1f.7", "ffff:ff:1f.7" },
	{ "10000:e0:06.0", "10000:e0:06.0" },	/* VMD: the kernel names it so (map took these) */
	{ "0010000:e0:06.0", "10000:e0:06.0" },
	{ "fffffff:ff:1f.7", "fffffff:ff:1f.7" },	/* the widest that fits VW_NAME_LEN */
};

#define GENERIC "expected [domain:]bus:device.function"
static const struct bad bad[] = {
	{ "", GENERIC }, { "eth0", GENERIC }, { "00:03", GENERIC }, { "00-03.0", GENERIC },
	{ "a:b:c:d.0", GENERIC }, { "00:03:00:0", GENERIC },
	{ "10000000:00:03.0", "domain must be 1-7" }, { "00000000:00:03.0", "domain must be 1-7" },
	{ ":00:03.0", "domain must be" }, { "0x0:00:03.0", "domain must be" },
	{ "100:03.0", "bus must be 1-2" }, { ":03.0", "bus must be" }, { "g0:03.0", "bus must be" },
	{ "zz:03.0", "bus must be" }, { " 00:03.0", "bus must be" }, { "0x00:03.0", "bus must be" },
	{ "00:20.0", "device must be hex 00..1f" }, { "00:.0", "device must be" },
	{ "00:003.0", "device must be" },
	{ "00:03.8", "function must be 0..7" }, { "00:03.", "function must be" },
	{ "00:03.00", "function must be" }, { "0000:00:03.0.1", "function must be" },
	{ "00:03.0 ", "function must be" }, { "0000:00:03.0x", "function must be" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[] = "/tmp/vw-test-bdf-XXXXXX";

static void test_grammar(void)
{
	char out[VW_NAME_LEN];
	const char *why;
	size_t i, j;

	for (i = 0; i < N(good); i++) {
		memset(out, 'x', sizeof(out));
		CHECK(!vw_bdf_canon(good[i].in, out), "\"%s\" refused", good[i].in);
		CHECK_STR(out, good[i].canon);
		/* NUL-padded: the name is a map key compared byte for byte */
		for (j = strlen(good[i].canon); j < VW_NAME_LEN; j++)
			CHECK(!out[j], "\"%s\": byte %zu after the name is 0x%02x", good[i].in, j,
			      (unsigned char)out[j]);
	}
	for (i = 0; i < N(bad); i++) {
		memset(out, 'x', sizeof(out));
		why = NULL;
		CHECK_EQ(vw_bdf_parse(bad[i].in, strlen(bad[i].in), out, &why), -EINVAL);
		CHECK(why && strstr(why, bad[i].why), "\"%s\": why \"%s\", expected \"%s\"", bad[i].in,
		      why ? why : "(null)", bad[i].why);
		CHECK(out[0] == 'x', "\"%s\": out written on failure", bad[i].in);
		CHECK_EQ(vw_bdf_canon(bad[i].in, out), -EINVAL);
	}
	CHECK_EQ(vw_bdf_canon(NULL, out), -EINVAL);
	/* a length, not the NUL, ends the text */
	CHECK(!vw_bdf_parse("00:03.0junk", 7, out, &why), "prefix of a longer string");
	CHECK_STR(out, "0000:00:03.0");
}

static void test_hex(void)
{
	uint32_t v = 7;

	CHECK_EQ(vw_hexval('0'), 0);
	CHECK_EQ(vw_hexval('a'), 10);
	CHECK_EQ(vw_hexval('F'), 15);
	CHECK_EQ(vw_hexval('g'), -1);
	CHECK_EQ(vw_hexval(0), -1);
	CHECK_EQ(vw_hexval(0xc3), -1);
	CHECK(!vw_hex_parse("8086", 4, 1, 4, &v) && v == 0x8086, "8086 -> %x", v);
	CHECK(vw_hex_parse("8086", 4, 1, 3, &v), "too many digits");
	CHECK(vw_hex_parse("", 0, 1, 4, &v), "too few digits");
	CHECK(vw_hex_parse("0x10", 4, 1, 4, &v), "no prefix");
}

/* A policy selecting in: its error text, or "" when it parsed (label in *label). */
static const char *policy_verdict(const char *in, char *label, size_t len)
{
	static char err[512];
	char text[256];
	struct vw_policy *p = calloc(1, sizeof(*p));

	if (!p)
		exit(1);
	snprintf(text, sizeof(text), "version: 1\ndevices:\n  - match: {bdf: \"%s\"}\n", in);
	if (!vw_policy_parse("p", text, strlen(text), p, err, sizeof(err)))
		snprintf(label, len, "%s", p->entries[1].label);
	free(p);
	return err;
}

/* An lspci dump whose device line names in: 0 and the canonical name, or -errno. */
static int lspci_verdict(const char *in, char out[VW_NAME_LEN])
{
	char text[256], err[256];
	uint8_t buf[VW_CFG_SIZE];
	size_t size;

	snprintf(text, sizeof(text), "%s Ethernet controller: x\n"
		 "00: 86 80 d3 10 00 00 00 00 00 00 00 02 00 00 00 00\n"
		 "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		 "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		 "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", in);
	return vw_cfg_parse_lspci(text, strlen(text), NULL, buf, &size, out, err, sizeof(err));
}

/* `map BDF` / `dsn BDF`: config from a fake sysfs tree holding the canonical name. */
static int sysfs_verdict(const char *in, const char *canon, char out[VW_NAME_LEN])
{
	char path[512], err[512];
	uint8_t buf[VW_CFG_SIZE] = { 0x86, 0x80 };
	size_t size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, canon);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/config", tmpdir, canon);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, VW_STD_CFG_SIZE, f) != VW_STD_CFG_SIZE)
		exit(1);
	fclose(f);
	return vw_cfg_read_sysfs_at(tmpdir, in, buf, &size, out, err, sizeof(err));
}

/* Every reader takes the good spellings, to the same device. */
static void test_readers_agree_good(void)
{
	char out[VW_NAME_LEN], label[64], want[64];
	size_t i;

	for (i = 0; i < N(good); i++) {
		const char *in = good[i].in, *c = good[i].canon;

		CHECK_STR(policy_verdict(in, label, sizeof(label)), "");
		snprintf(want, sizeof(want), "bdf %s", c);
		CHECK_STR(label, want);
		memset(out, 0, sizeof(out));
		CHECK(!sysfs_verdict(in, c, out), "map %s: refused", in);
		CHECK_STR(out, c);
		if (!strchr(in, ' ')) {	/* a device line ends the name at a blank */
			memset(out, 0, sizeof(out));
			CHECK(!lspci_verdict(in, out), "lspci device line %s: refused", in);
			CHECK_STR(out, c);
		}
	}
}

/* ...and refuse the bad ones, the policy with the grammar's reason. */
static void test_readers_agree_bad(void)
{
	char out[VW_NAME_LEN], label[64];
	size_t i;

	for (i = 0; i < N(bad); i++) {
		const char *in = bad[i].in, *err = policy_verdict(in, label, sizeof(label));

		CHECK(strstr(err, "bad BDF") && strstr(err, bad[i].why), "policy bdf \"%s\": \"%s\"", in, err);
		CHECK_EQ(vw_cfg_read_sysfs_at(tmpdir, in, (uint8_t[VW_CFG_SIZE]){ 0 }, &(size_t){ 0 }, out,
					      (char[256]){ 0 }, 256), -EINVAL);
		if (*in && !strchr(in, ' '))
			CHECK(lspci_verdict(in, out) < 0, "lspci device line \"%s\" taken", in);
	}
}

int main(void)
{
	vw_test_mkdtemp(tmpdir);
	test_grammar();
	test_hex();
	test_readers_agree_good();
	test_readers_agree_bad();
	vw_test_rmtree(tmpdir);
	return vw_test_done();
}
