// SPDX-License-Identifier: GPL-2.0
/*
 * `import pciback` (user/lib/pciback.c): every line of the example quirks file
 * becomes the expected allowed-write range (adjacent and overlapping fields
 * merged, per device), the written policy parses back and compiles to write
 * allow on exactly those bytes; every malformed line is refused with its line
 * number and nothing is produced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdump.h"
#include "explain.h"
#include "pciback.h"
#include "policy_write.h"
#include "vw_test.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *b = calloc(1, 1 << 16);

	*len = f ? fread(b, 1, (1 << 16) - 1, f) : 0;
	if (f)
		fclose(f);
	return b;
}

static struct vw_quirk q[VW_PCIBACK_MAX];
static struct vw_policy p, back;
static struct vw_pciback_notes notes;
static struct vw_explained x;

static void test_example(void)
{
	char err[2048], *text = NULL, *buf;
	size_t len, tl = 0;
	struct vw_policy_notes cb = vw_policy_comments_cb;
	struct vw_layout lay;
	uint8_t cfg[VW_CFG_SIZE];
	char bdf[VW_NAME_LEN];
	const struct vw_policy_entry *e;
	FILE *m;
	int n, i, bad = 0;

	buf = slurp("tests/data/pciback/quirks.txt", &len);
	n = vw_pciback_parse("quirks.txt", buf, len, q, VW_PCIBACK_MAX, err, sizeof(err));
	free(buf);
	CHECK_EQ(n, 8);
	CHECK(n > 4 && !strcmp(q[3].bdf, "0000:00:0a.0") && q[3].reg == 0x58 && q[3].size == 2 && q[3].mask == 0xff &&
	      q[3].line == 6, "domain left out, blanks around, no 0x");
	vw_policy_load_default(&p, err, sizeof(err));
	CHECK(vw_pciback_apply(&p, q, n, &notes, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(p.nentries, 3);
	e = &p.entries[1];
	CHECK_STR(e->bdf, "0000:00:0a.0");
	CHECK_EQ(e->prof.nranges, 3);
	/* 0x50+4, 0x54+2 touch: one range 0x50-0x55; 0x57 and 0x58+2 touch: 0x57-0x59; 0x80+4 holds 0x82 */
	CHECK(e->prof.ranges[0].start == 0x50 && e->prof.ranges[0].len == 6, "0x50-0x55");
	CHECK(e->prof.ranges[1].start == 0x57 && e->prof.ranges[1].len == 3, "0x57-0x59");
	CHECK(e->prof.ranges[2].start == 0x80 && e->prof.ranges[2].len == 4, "0x80-0x83");
	for (i = 0; i < e->prof.nranges; i++)
		CHECK_EQ(e->prof.ranges[i].rule, VW_RULE(VW_UNSET, VW_ALLOW));
	CHECK_STR(notes.range[1][0], "pciback line 3 mask 0xffffffff, line 4 mask 0xffff");
	CHECK_STR(notes.range[1][1], "pciback line 5 mask 0xff, line 6 mask 0xff");
	e = &p.entries[2];
	CHECK_STR(e->bdf, "0000:00:0d.0");
	CHECK(e->prof.nranges == 2 && e->prof.ranges[0].start == 0x44 && e->prof.ranges[0].len == 1 &&
	      e->prof.ranges[1].start == 0xf00 && e->prof.ranges[1].len == 4, "sorted");

	/* written, parsed back, compiled for the device: write allow on those bytes only */
	cb.arg = &notes;
	m = open_memstream(&text, &tl);
	vw_policy_write(m, &p, "imported", &cb);
	fclose(m);
	CHECK(vw_policy_parse("imported", text, tl, &back, err, sizeof(err)) == 0, "%s\n%s", err, text);
	CHECK(strstr(text, "- {start: 0x050, end: 0x055, write: allow}") && strstr(text, "# pciback line 3"),
	      "range with its lines:\n%s", text);
	free(text);
	CHECK(vw_cfg_load("tests/data/qemu-e1000e.lspci", NULL, cfg, &len, bdf, err, sizeof(err)) == 0, "%s", err);
	vw_walk(cfg, len, &lay);
	vw_explain(&back, &lay, "0000:00:0a.0", &x);
	for (i = 0x40; i < 0xa0; i++) {	/* unassigned on this device: denied unless imported */
		int want = (i >= 0x50 && i <= 0x55) || (i >= 0x57 && i <= 0x59) || (i >= 0x80 && i <= 0x83);

		bad += VW_ACT_WRITE(x.dev.act[i]) != (want ? VW_ALLOW : VW_DENY);
		bad += VW_ACT_READ(x.dev.act[i]) != VW_AUDIT;	/* reads: the base's, untouched */
	}
	CHECK_EQ(bad, 0);
}

static void test_bad(void)
{
	char err[4096], *buf;
	size_t len;
	int n, line;
	char want[32];

	buf = slurp("tests/data/pciback/bad.txt", &len);
	n = vw_pciback_parse("bad.txt", buf, len, q, VW_PCIBACK_MAX, err, sizeof(err));
	free(buf);
	CHECK_EQ(n, -1);
	for (line = 2; line <= 12; line++) {
		snprintf(want, sizeof(want), "bad.txt:%d: ", line);
		CHECK(strstr(err, want), "line %d not reported:\n%s", line, err);
	}
	CHECK(!strstr(err, "bad.txt:1:"), "the comment is not an error");
	CHECK(strstr(err, "bad.txt:2: size 3"), "%s", err);
	CHECK(strstr(err, "bad.txt:3: mask 0x1ff is wider than a 1-byte field"), "%s", err);
	CHECK(strstr(err, "bad.txt:4: register 0xffe (+4 bytes) lies outside config space"), "%s", err);
	CHECK(strstr(err, "bad.txt:11: '0000:00:20.0' is not a PCI address"), "%s", err);

	/* one bad line among good ones refuses the file */
	n = vw_pciback_parse("mix", "0000:00:0a.0-0x50:4:0xffffffff\n0000:00:0a.0-0x50:4\n", 52, q, VW_PCIBACK_MAX,
			     err, sizeof(err));
	CHECK_EQ(n, -1);
	CHECK(strstr(err, "mix:2: ") && !strstr(err, "mix:1:"), "%s", err);
	/* a base range for the same device in the way */
	{
		const char *pol = "version: 1\ndevices:\n  - match: {bdf: \"0000:00:0a.0\"}\n"
				  "    ranges: [{start: 0x52, length: 1, read: audit}]\n";

		n = vw_pciback_parse("ok", "0000:00:0a.0-0x50:4:0xffffffff\n", 31, q, VW_PCIBACK_MAX, err, sizeof(err));
		CHECK_EQ(n, 1);
		CHECK_EQ(vw_policy_parse("b", pol, strlen(pol), &p, err, sizeof(err)), 0);
		CHECK(vw_pciback_apply(&p, q, n, NULL, err, sizeof(err)) == -1 && strstr(err, "overlap the base"),
		      "%s", err);
	}
}

int main(void)
{
	test_example();
	test_bad();
	return vw_test_done();
}
