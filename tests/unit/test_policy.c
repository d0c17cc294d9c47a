// SPDX-License-Identifier: GPL-2.0
/*
 * Policy parser tests: the shipped policies and their compiled effect (through
 * include/vw_decide.h, the code BPF runs), layer precedence, the malformed
 * corpus in tests/data/policies/bad/ (each file's first line says
 * "# expect: LINE:COL message-substring"), generated hostile inputs, and a
 * truncation/mutation pass that must never crash or leak. Run from the
 * repository root.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vw_test.h"
#include "vw_decide.h"
#include "policy.h"

#define BAD_DIR  "tests/data/policies/bad"
#define GOOD_DIR "tests/data/policies/good"

static char err[1024];

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static struct vw_policy *load(const char *path)
{
	struct vw_policy *p = calloc(1, sizeof(*p));

	if (vw_policy_load_file(path, p, err, sizeof(err))) {
		CHECK(0, "%s should parse: %s", path, err);
		free(p);
		return NULL;
	}
	return p;
}

/* Fabricated region map: header, PM at 0x40, MSI-X at 0x50, DSN at 0x100. */
static uint8_t capmap[VW_CFG_SIZE];

static void make_capmap(void)
{
	memset(capmap, VW_CAP_UNASSIGNED, sizeof(capmap));
	memset(capmap, VW_CAP_HEADER, VW_HEADER_SIZE);
	memset(capmap + 0x40, 0x01, 8);		/* Power Management */
	memset(capmap + 0x50, 0x11, 12);	/* MSI-X */
	memset(capmap + 0x100, 0x03, 12);	/* Device Serial Number (extended) */
}

struct dev {
	const char *bdf;
	uint16_t vendor, device;
	uint32_t class_code;
};

static const struct dev plain_dev = { "0000:05:00.0", 0x1234, 0x5678, 0x030000 };

static struct vw_device *compile(const struct vw_policy *p, const struct dev *d)
{
	static struct vw_device dv;
	struct vw_compile_ctx c = { .cap = capmap, .dev = &dv };
	int layers[VW_NLAYERS], k;

	vw_policy_layers(p, d->bdf, d->vendor, d->device, d->class_code, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	memset(&dv, 0, sizeof(dv));
	vw_compile(&c);
	return &dv;
}

static int judge(const struct vw_policy *p, const struct dev *d, uint32_t off, uint32_t len, int write,
		 uint32_t *at)
{
	uint32_t dummy;

	return vw_decide(compile(p, d), off, len, write, at ? at : &dummy);
}

#define RD 0
#define WR 1

/* ------------------------------------------------------------------ */
/* shipped policies                                                    */
/* ------------------------------------------------------------------ */

static void test_default(void)
{
	struct vw_policy *p = load("policies/default.yaml"), *b = calloc(1, sizeof(*b));
	size_t flen, tlen;
	char *file = slurp("policies/default.yaml", &flen);
	const char *text = vw_policy_default_text(&tlen);
	uint32_t at;
	int i;

	if (!p || !b || !file) {
		CHECK(0, "setup");
		goto out;
	}
	/* the embedded copy is the file, NUL-terminated */
	CHECK_EQ(tlen, flen);
	CHECK(!memcmp(text, file, flen), "embedded default differs from policies/default.yaml");
	CHECK_EQ(text[tlen], 0);
	CHECK_EQ(vw_policy_load_default(b, err, sizeof(err)), 0);
	CHECK_STR(b->source, "<built-in default>");
	CHECK_EQ(b->nentries, 1);
	CHECK(!memcmp(&b->entries[0].prof, &p->entries[0].prof, sizeof(b->entries[0].prof)),
	      "built-in and file profiles differ");
	CHECK_STR(p->source, "policies/default.yaml");

	CHECK_EQ(p->nentries, 1);
	CHECK_EQ(p->entries[0].kind, VW_SEL_DEFAULT);
	CHECK_STR(p->entries[0].label, "default");
	CHECK_EQ(p->entries[0].prof.header, VW_RULE(VW_ALLOW, VW_ALLOW));
	CHECK_EQ(p->entries[0].prof.cap_any, VW_RULE(VW_ALLOW, VW_ALLOW));
	CHECK_EQ(p->entries[0].prof.unassigned, VW_RULE(VW_AUDIT, VW_DENY));
	CHECK_EQ(p->entries[0].prof.nranges, 0);
	for (i = 0; i < 256; i++) {
		CHECK_EQ(p->entries[0].prof.std_cap[i], VW_RULE_NONE);
		/* the one capability rule: DSN scrubbed on read, refused on write */
		CHECK_EQ(p->entries[0].prof.ext_cap[i], i == 3 ? VW_RULE(VW_SCRUB, VW_DENY) : VW_RULE_NONE);
	}

	CHECK_EQ(judge(p, &plain_dev, 0xf00, 4, WR, &at), VW_DENY);
	CHECK_EQ(at, 0xf00);
	CHECK_EQ(judge(p, &plain_dev, 0xf00, 4, RD, NULL), VW_AUDIT);
	CHECK_EQ(judge(p, &plain_dev, 0x04, 2, WR, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &plain_dev, 0x04, 2, RD, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &plain_dev, 0x44, 2, WR, NULL), VW_ALLOW);	/* PM */
	CHECK_EQ(judge(p, &plain_dev, 0x100, 4, RD, NULL), VW_ALLOW);	/* DSN header: real */
	CHECK_EQ(judge(p, &plain_dev, 0x104, 8, RD, NULL), VW_SCRUB);	/* DSN serial */
	CHECK_EQ(judge(p, &plain_dev, 0x100, 1, WR, NULL), VW_DENY);	/* any DSN byte */
	/* an access spanning PM and unassigned space: the strongest, first offender */
	CHECK_EQ(judge(p, &plain_dev, 0x44, 8, WR, &at), VW_DENY);
	CHECK_EQ(at, 0x48);
	/* whole config space read (what QEMU does): not denied; the serial inside
	 * makes it a scrub (the strongest non-deny action), found at the serial */
	CHECK_EQ(judge(p, &plain_dev, 0, 4096, RD, &at), VW_SCRUB);
	CHECK_EQ(at, 0x104);
out:
	free(p);
	free(b);
	free(file);
}

static void test_strict(void)
{
	struct vw_policy *p = load("policies/strict.yaml");

	if (!p)
		return;
	CHECK_EQ(p->entries[0].prof.unassigned, VW_RULE(VW_DENY, VW_DENY));
	CHECK_EQ(p->entries[0].prof.std_cap[0x01], VW_RULE(VW_UNSET, VW_AUDIT));
	CHECK_EQ(judge(p, &plain_dev, 0xf00, 4, RD, NULL), VW_DENY);
	CHECK_EQ(judge(p, &plain_dev, 0xf00, 4, WR, NULL), VW_DENY);
	CHECK_EQ(judge(p, &plain_dev, 0x44, 2, WR, NULL), VW_AUDIT);	/* PM write */
	CHECK_EQ(judge(p, &plain_dev, 0x44, 2, RD, NULL), VW_ALLOW);	/* PM read: capabilities */
	CHECK_EQ(judge(p, &plain_dev, 0x50, 4, WR, NULL), VW_ALLOW);	/* MSI-X */
	CHECK_EQ(judge(p, &plain_dev, 0x04, 2, WR, NULL), VW_ALLOW);
	free(p);
}

static void test_audit_only(void)
{
	struct vw_policy *p = load("policies/audit-only.yaml");
	struct vw_device *d;
	int i, denies = 0, audits = 0;

	if (!p)
		return;
	d = compile(p, &plain_dev);
	for (i = 0; i < VW_CFG_SIZE; i++) {
		denies += VW_ACT_READ(d->act[i]) == VW_DENY || VW_ACT_WRITE(d->act[i]) == VW_DENY;
		audits += VW_ACT_READ(d->act[i]) == VW_AUDIT;
	}
	CHECK_EQ(denies, 0);
	CHECK(audits > 0, "unassigned reads should be audited");
	CHECK_EQ(judge(p, &plain_dev, 0xf00, 4, WR, NULL), VW_AUDIT);
	CHECK_EQ(judge(p, &plain_dev, 0xf00, 4, RD, NULL), VW_AUDIT);
	CHECK_EQ(judge(p, &plain_dev, 0x04, 2, WR, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &plain_dev, 0, 4096, WR, NULL), VW_AUDIT);
	free(p);
}

/* Every shipped policy and every good test policy parses. */
static void test_all_good(void)
{
	const char *dirs[] = { "policies", GOOD_DIR };
	struct vw_policy *p = calloc(1, sizeof(*p));
	int n = 0;

	for (size_t k = 0; k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;

		CHECK(d != NULL, "opendir %s: %s (run from the repository root)", dirs[k], strerror(errno));
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char path[512];
			size_t l = strlen(de->d_name);

			if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[k], de->d_name);
			CHECK(!vw_policy_load_file(path, p, err, sizeof(err)), "%s: %s", path, err);
			n++;
		}
		closedir(d);
	}
	CHECK(n >= 8, "only %d good policies found", n);
	free(p);
}

/* ------------------------------------------------------------------ */
/* layers                                                              */
/* ------------------------------------------------------------------ */

static void test_overrides(void)
{
	struct vw_policy *p = load(GOOD_DIR "/overrides.yaml");
	const struct dev bdf_dev = { "0000:00:03.0", 0x1234, 0x5678, 0x030000 };
	const struct dev short_bdf = { "00:03.0", 0x1234, 0x5678, 0x030000 };
	const struct dev nic = { "0000:00:04.0", 0x8086, 0x10d3, 0x020000 };
	const struct dev nic_at_bdf = { "0000:00:03.0", 0x8086, 0x10d3, 0x020000 };
	const struct dev qemu = { "0000:00:05.0", 0x1b36, 0x0010, 0x010802 };
	const struct dev net_other = { "0000:00:06.0", 0x10ec, 0x8139, 0x028000 };
	const struct dev nvme_like = { "0000:00:07.0", 0x144d, 0xa808, 0x010802 };
	const struct dev ahci = { "0000:00:08.0", 0x144d, 0xa808, 0x010601 };
	int l[VW_NLAYERS];
	uint32_t at;

	if (!p)
		return;
	CHECK_EQ(p->nentries, 7);
	CHECK_STR(p->entries[1].label, "bdf 0000:00:03.0");
	CHECK_STR(p->entries[1].bdf, "0000:00:03.0");
	CHECK_EQ(p->entries[1].line, 12);
	CHECK_STR(p->entries[2].label, "vendor 8086:10d3");
	CHECK_EQ(p->entries[2].kind, VW_SEL_VENDOR_DEVICE);
	CHECK_EQ(p->entries[2].vendor, 0x8086);
	CHECK_EQ(p->entries[2].device_id, 0x10d3);
	CHECK_STR(p->entries[3].label, "vendor 1b36");
	CHECK_EQ(p->entries[3].kind, VW_SEL_VENDOR);
	CHECK_STR(p->entries[4].label, "class 0x02");
	CHECK_EQ(p->entries[4].class_code, 0x020000);
	CHECK_EQ(p->entries[4].class_bits, 8);
	CHECK_STR(p->entries[5].label, "class 0x0200");
	CHECK_EQ(p->entries[5].class_bits, 16);
	CHECK_STR(p->entries[6].label, "class 0x010802");
	CHECK_EQ(p->entries[6].class_code, 0x010802);
	CHECK_EQ(p->entries[6].class_bits, 24);
	/* the range list, sorted by start */
	CHECK_EQ(p->entries[2].prof.nranges, 2);
	CHECK_EQ(p->entries[2].prof.ranges[0].start, 0x40);
	CHECK_EQ(p->entries[2].prof.ranges[0].len, 4);
	CHECK_EQ(p->entries[2].prof.ranges[0].rule, VW_RULE(VW_DENY, VW_UNSET));
	CHECK_EQ(p->entries[2].prof.ranges[1].start, 0xf00);
	CHECK_EQ(p->entries[2].prof.ranges[1].len, 4);
	CHECK_EQ(p->entries[2].prof.ranges[1].rule, VW_RULE(VW_UNSET, VW_ALLOW));

	/* layer lookup */
	vw_policy_layers(p, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, l);
	CHECK_EQ(l[VW_SEL_BDF], 1);
	CHECK_EQ(l[VW_SEL_VENDOR_DEVICE], 2);
	CHECK_EQ(l[VW_SEL_VENDOR], -1);
	CHECK_EQ(l[VW_SEL_CLASS], 5);
	CHECK_EQ(l[VW_SEL_DEFAULT], 0);
	vw_policy_layers(p, "0000:00:09.0", 0x1b36, 0x0001, 0x0c0330, l);
	CHECK_EQ(l[VW_SEL_BDF], -1);
	CHECK_EQ(l[VW_SEL_VENDOR_DEVICE], -1);
	CHECK_EQ(l[VW_SEL_VENDOR], 3);
	CHECK_EQ(l[VW_SEL_CLASS], -1);
	CHECK_EQ(l[VW_SEL_DEFAULT], 0);
	vw_policy_layers(p, "garbage", 0x8086, 0x10d4, 0x028000, l);
	CHECK_EQ(l[VW_SEL_BDF], -1);
	CHECK_EQ(l[VW_SEL_VENDOR_DEVICE], -1);
	CHECK_EQ(l[VW_SEL_VENDOR], -1);
	CHECK_EQ(l[VW_SEL_CLASS], 4);
	vw_policy_layers(p, NULL, 0, 0, 0x010802, l);
	CHECK_EQ(l[VW_SEL_CLASS], 6);
	vw_policy_layers(p, NULL, 0, 0, 0x010801, l);
	CHECK_EQ(l[VW_SEL_CLASS], -1);
	vw_policy_layers(NULL, NULL, 0, 0, 0, l);
	CHECK_EQ(l[VW_SEL_DEFAULT], -1);

	/* default layer only */
	CHECK_EQ(judge(p, &plain_dev, 0xf00, 1, WR, NULL), VW_DENY);
	CHECK_EQ(judge(p, &plain_dev, 0x50, 4, WR, NULL), VW_ALLOW);

	/* bdf entry: unassigned writes audited, reads inherited from default */
	CHECK_EQ(judge(p, &bdf_dev, 0xf00, 4, WR, NULL), VW_AUDIT);
	CHECK_EQ(judge(p, &bdf_dev, 0xf00, 4, RD, NULL), VW_AUDIT);
	CHECK_EQ(judge(p, &bdf_dev, 0x44, 2, WR, NULL), VW_AUDIT);	/* pm: {write: audit} */
	CHECK_EQ(judge(p, &bdf_dev, 0x04, 2, WR, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &short_bdf, 0xf00, 4, WR, NULL), VW_AUDIT);	/* "00:03.0" canonicalised */

	/* vendor:device entry: writes to 0xf00..0xf03 allowed, 0xf04 stays denied */
	CHECK_EQ(judge(p, &nic, 0xf00, 4, WR, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &nic, 0xf03, 1, WR, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &nic, 0xf04, 1, WR, NULL), VW_DENY);
	CHECK_EQ(judge(p, &nic, 0xf02, 4, WR, &at), VW_DENY);
	CHECK_EQ(at, 0xf04);
	CHECK_EQ(judge(p, &nic, 0xeff, 1, WR, NULL), VW_DENY);
	CHECK_EQ(judge(p, &nic, 0xf00, 4, RD, NULL), VW_AUDIT);		/* range sets only write */
	CHECK_EQ(judge(p, &nic, 0x40, 4, RD, NULL), VW_DENY);		/* range beats PM (capabilities) */
	CHECK_EQ(judge(p, &nic, 0x44, 4, RD, NULL), VW_ALLOW);
	/* the bdf layer is more specific than the vendor:device range */
	CHECK_EQ(judge(p, &nic_at_bdf, 0xf00, 4, WR, NULL), VW_AUDIT);

	/* vendor entry: MSI-X writes audited */
	CHECK_EQ(judge(p, &qemu, 0x50, 4, WR, NULL), VW_AUDIT);
	CHECK_EQ(judge(p, &qemu, 0x50, 4, RD, NULL), VW_ALLOW);

	/* class: 16 bits beat 8 bits; 24 bits */
	CHECK_EQ(judge(p, &nic, 0x04, 2, WR, NULL), VW_DENY);		/* class 0x0200 */
	CHECK_EQ(judge(p, &net_other, 0x04, 2, WR, NULL), VW_AUDIT);	/* class 0x02 */
	CHECK_EQ(judge(p, &net_other, 0x04, 2, RD, NULL), VW_ALLOW);
	CHECK_EQ(judge(p, &nvme_like, 0xf00, 4, RD, NULL), VW_DENY);	/* class 0x010802 */
	CHECK_EQ(judge(p, &ahci, 0xf00, 4, RD, NULL), VW_AUDIT);
	/* vendor layer beats class layer: 1b36 has class 0x010802 too */
	CHECK_EQ(judge(p, &qemu, 0xf00, 4, RD, NULL), VW_DENY);
	free(p);
}

static void test_audit_all(void)
{
	struct vw_policy *p = load(GOOD_DIR "/audit-all.yaml");
	struct vw_device *d;
	int i, ok = 1;

	if (!p)
		return;
	d = compile(p, &plain_dev);
	for (i = 0; i < VW_CFG_SIZE; i++)
		if (d->act[i] != VW_ACT(VW_AUDIT, VW_AUDIT))
			ok = 0;
	CHECK(ok, "audit-all: every byte should be audited both ways");
	free(p);
}

static void test_forms(void)
{
	struct vw_policy *p = load(GOOD_DIR "/forms.yaml");
	const struct vw_profile *d;

	if (!p)
		return;
	d = &p->entries[0].prof;
	CHECK_EQ(d->cap_any, VW_RULE(VW_ALLOW, VW_AUDIT));
	CHECK_EQ(d->unassigned, VW_RULE(VW_UNSET, VW_DENY));
	CHECK_EQ(d->std_cap[0x01], VW_RULE(VW_UNSET, VW_AUDIT));
	CHECK_EQ(d->std_cap[0x05], VW_RULE(VW_DENY, VW_DENY));
	CHECK_EQ(d->ext_cap[0x01], VW_RULE(VW_AUDIT, VW_UNSET));
	CHECK_EQ(d->ext_cap[0x03], VW_RULE(VW_SCRUB, VW_DENY));
	CHECK_EQ(d->std_cap[0x03], VW_RULE_NONE);
	CHECK_EQ(d->nranges, 3);
	CHECK_EQ(d->ranges[0].start, 0x40);
	CHECK_EQ(d->ranges[0].len, 1);
	CHECK_EQ(d->ranges[1].start, 0x180);
	CHECK_EQ(d->ranges[1].len, 0x80);
	CHECK_EQ(d->ranges[2].start, 0xfff);
	CHECK_EQ(d->ranges[2].len, 1);
	CHECK_EQ(p->nentries, 7);
	CHECK_STR(p->entries[1].label, "bdf 0000:00:1f.7");
	CHECK_STR(p->entries[2].label, "bdf ffff:ff:1f.7");
	CHECK_STR(p->entries[3].label, "vendor 8086:1234");
	CHECK_STR(p->entries[4].label, "vendor 8086:10d3");
	CHECK_STR(p->entries[5].label, "vendor 10ec");
	CHECK_STR(p->entries[6].label, "class 0x0c0330");
	/* the DSN scrub reaches the compiled map as a read action on the serial;
	 * the capability header dword stays readable so the chain can be walked */
	CHECK_EQ(judge(p, &plain_dev, 0x104, 4, RD, NULL), VW_SCRUB);
	CHECK(judge(p, &plain_dev, 0x100, 4, RD, NULL) != VW_SCRUB, "DSN header must not be scrubbed");
	CHECK_EQ(judge(p, &plain_dev, 0x100, 4, WR, NULL), VW_DENY);
	free(p);
}

/* ------------------------------------------------------------------ */
/* malformed corpus                                                    */
/* ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_bad_file(const char *path, struct vw_policy *p)
{
	size_t len;
	char *buf = slurp(path, &len), *nl, prefix[600];
	int line, col, used = 0;
	const char *want;

	if (!buf) {
		CHECK(0, "cannot read %s", path);
		return;
	}
	nl = memchr(buf, '\n', len);
	if (!nl || sscanf(buf, "# expect: %d:%d %n", &line, &col, &used) != 2 || !used) {
		CHECK(0, "%s: first line must be '# expect: LINE:COL message'", path);
		free(buf);
		return;
	}
	*nl = 0;
	want = buf + used;
	CHECK(*want, "%s: no message substring in the expect line", path);
	if (vw_policy_load_file(path, p, err, sizeof(err)) == 0) {
		CHECK(0, "%s: parsed, expected %d:%d %s", path, line, col, want);
	} else {
		snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
		CHECK(!strncmp(err, prefix, strlen(prefix)) && strstr(err + strlen(prefix), want),
		      "%s: got \"%s\", expected \"%s\" ... \"%s\"", path, err, prefix, want);
	}
	free(buf);
}

static void test_bad_corpus(void)
{
	DIR *d = opendir(BAD_DIR);
	struct dirent *de;
	char *names[512];
	struct vw_policy *p = calloc(1, sizeof(*p));
	int n = 0, i;

	CHECK(d != NULL, "opendir %s: %s (run from the repository root)", BAD_DIR, strerror(errno));
	if (!d || !p) {
		free(p);
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d)) && n < 512) {
		size_t l = strlen(de->d_name);

		if (l > 5 && !strcmp(de->d_name + l - 5, ".yaml"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		char path[600];

		snprintf(path, sizeof(path), BAD_DIR "/%s", names[i]);
		check_bad_file(path, p);
		free(names[i]);
	}
	CHECK(n >= 30, "only %d malformed policies in " BAD_DIR, n);
	printf("malformed corpus: %d files\n", n);
	free(p);
}

/* ------------------------------------------------------------------ */
/* generated hostile inputs                                            */
/* ------------------------------------------------------------------ */

static int expect_error(const char *what, const char *buf, size_t len, const char *want_prefix,
			const char *want)
{
	struct vw_policy *p = calloc(1, sizeof(*p));
	int rc = vw_policy_parse("gen", buf, len, p, err, sizeof(err));

	CHECK(rc == -1, "%s: parsed", what);
	if (rc == -1)
		CHECK(!strncmp(err, want_prefix, strlen(want_prefix)) && strstr(err, want),
		      "%s: got \"%s\", expected \"%s\" ... \"%s\"", what, err, want_prefix, want);
	free(p);
	return rc;
}

static void test_generated(void)
{
	size_t cap = VW_POLICY_MAX_SIZE + 64, len = 0, i;
	char *buf = malloc(cap);
	char path[] = "/tmp/vw-test-policy-XXXXXX";
	struct vw_policy *p = calloc(1, sizeof(*p));
	FILE *f;
	int fd;

	if (!buf || !p) {
		CHECK(0, "oom");
		goto out;
	}

	/* 10,000 device entries: refused at the 64th */
	len = (size_t)snprintf(buf, cap, "version: 1\ndevices:\n");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(buf + len, cap - len, "  - match: {bdf: \"%04zx:%02zx:%02zx.%zu\"}\n",
					i >> 13, (i >> 5) & 0xff, (i >> 3) & 0x1f, i & 7);
	expect_error("10000 devices", buf, len, "gen:66:5: ", "too many devices");

	/* 10,000 ranges in one entry: refused at the first past VW_MAX_RANGES (line 4 + 64) */
	len = (size_t)snprintf(buf, cap, "version: 1\ndefault:\n  ranges:\n");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(buf + len, cap - len, "    - {start: %zu, length: 1, write: allow}\n",
					i % 4096);
	expect_error("10000 ranges", buf, len, "gen:68:7: ", "too many ranges");

	/* 200,000 nested lists: stops at depth 17 */
	len = (size_t)snprintf(buf, cap, "version: 1\nx: ");
	for (i = 0; i < 200000; i++)
		buf[len++] = '[';
	expect_error("deep nesting", buf, len, "gen:2:19: ", "nesting deeper than 16");

	/* a 60,000-key mapping: refused at its first unknown key */
	len = (size_t)snprintf(buf, cap, "version: 1\ndefault:\n");
	for (i = 0; i < 60000; i++)
		len += (size_t)snprintf(buf + len, cap - len, "  k%zu: 1\n", i);
	expect_error("wide map", buf, len, "gen:3:3: ", "unknown key 'k0'");

	/* many spellings of one capability */
	len = (size_t)snprintf(buf, cap, "version: 1\ndefault:\n  capability:\n");
	for (i = 0; i < 20000; i++)
		len += (size_t)snprintf(buf + len, cap - len, "    cap:0x%0*x: deny\n", (int)(i % 8) + 2, 1);
	expect_error("capability aliases", buf, len, "gen:5:5: ", "is the same as");

	/* exactly 1 MiB is accepted ... */
	len = (size_t)snprintf(buf, cap, "version: 1\n");
	while (len < VW_POLICY_MAX_SIZE) {
		size_t chunk = VW_POLICY_MAX_SIZE - len < 80 ? VW_POLICY_MAX_SIZE - len : 80;

		memset(buf + len, '#', chunk);
		buf[len + chunk - 1] = '\n';
		len += chunk;
	}
	CHECK_EQ(len, VW_POLICY_MAX_SIZE);
	CHECK(!vw_policy_parse("gen", buf, len, p, err, sizeof(err)), "1 MiB: %s", err);
	/* ... one byte more is refused before parsing, in memory and as a file */
	buf[len++] = '\n';
	expect_error("huge buffer", buf, len, "gen:1:1: ", "too large");
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	if (fd >= 0) {
		f = fdopen(fd, "w");
		CHECK(f && fwrite(buf, 1, len, f) == len, "write %s", path);
		if (f)
			fclose(f);
		CHECK_EQ(vw_policy_load_file(path, p, err, sizeof(err)), -1);
		CHECK(strstr(err, path) == err && strstr(err, "too large"), "huge file: %s", err);
		unlink(path);
	}

	/* NUL bytes and invalid UTF-8 in memory, located */
	expect_error("NUL", "version: 1\n\0", 12, "gen:2:1: ", "NUL byte");
	expect_error("bad UTF-8", "version: 1\n\x80\n", 13, "gen:2:1: ", "UTF-8");
	expect_error("bad UTF-8 in key", "version: 1\ndefault:\n  h\xc3\x28: 1\n", 25, "gen:3:5: ", "invalid trailing UTF-8 octet");
	/* empty inputs */
	expect_error("NULL buffer", NULL, 0, "gen:1:1: ", "empty policy");
	expect_error("zero length", "version: 1", 0, "gen:1:1: ", "empty policy");
	expect_error("whitespace", "  \n\n", 4, "gen:", "empty policy");
	/* a BOM is fine */
	CHECK(!vw_policy_parse("gen", "\xef\xbb\xbfversion: 1\n", 14, p, err, sizeof(err)), "BOM: %s", err);
out:
	free(buf);
	free(p);
}

static void test_api_edges(void)
{
	struct vw_policy *p = calloc(1, sizeof(*p)), *sentinel = calloc(1, sizeof(*p));
	char small[12];

	if (!p || !sentinel)
		goto out;
	/* file errors: "PATH: strerror" */
	CHECK_EQ(vw_policy_load_file("tests/data/policies/no-such-file.yaml", p, err, sizeof(err)), -1);
	CHECK_STR(err, "tests/data/policies/no-such-file.yaml: No such file or directory");
	CHECK_EQ(vw_policy_load_file("tests/data/policies", p, err, sizeof(err)), -1);
	CHECK_STR(err, "tests/data/policies: not a regular file");
	CHECK_EQ(vw_policy_load_file("/dev/null", p, err, sizeof(err)), -1);
	CHECK_STR(err, "/dev/null: not a regular file");

	/* a failed parse leaves *out alone */
	memset(p, 0x5a, sizeof(*p));
	memset(sentinel, 0x5a, sizeof(*sentinel));
	CHECK_EQ(vw_policy_parse("x", "version: 2\n", 11, p, err, sizeof(err)), -1);
	CHECK(!memcmp(p, sentinel, sizeof(*p)), "failed parse modified *out");

	/* tiny and absent error buffers */
	CHECK_EQ(vw_policy_parse("name", "version: 2\n", 11, p, small, sizeof(small)), -1);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK_EQ(vw_policy_parse("name", "version: 2\n", 11, p, NULL, 0), -1);
	CHECK_EQ(vw_policy_parse("name", "version: 1\n", 11, p, NULL, 0), 0);
	CHECK_EQ(p->nentries, 1);
	CHECK_STR(p->source, "name");
	CHECK_EQ(p->entries[0].prof.header, VW_RULE_NONE);
	/* absent default = every rule unset = allow */
	CHECK_EQ(judge(p, &plain_dev, 0, 4096, WR, NULL), VW_ALLOW);
	/* long names are truncated, not overflowed */
	{
		char longname[600];

		memset(longname, 'n', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = 0;
		CHECK_EQ(vw_policy_parse(longname, "version: 1\n", 11, p, err, sizeof(err)), 0);
		CHECK_EQ(strlen(p->source), sizeof(p->source) - 1);
		CHECK_EQ(vw_policy_parse(longname, "version: 3\n", 11, p, err, sizeof(err)), -1);
	}
out:
	free(p);
	free(sentinel);
}

/* ------------------------------------------------------------------ */
/* robustness: truncations and mutations must fail cleanly             */
/* ------------------------------------------------------------------ */

static int well_formed_error(const char *e)
{
	int line, col, n = 0;

	return !strncmp(e, "m:", 2) && sscanf(e + 2, "%d:%d: %n", &line, &col, &n) == 2 && n > 0 &&
	       line >= 1 && col >= 1 && e[2 + n];
}

static void test_mutations(void)
{
	const char *files[] = { GOOD_DIR "/overrides.yaml", GOOD_DIR "/forms.yaml", "policies/default.yaml" };
	struct vw_policy *p = calloc(1, sizeof(*p));
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	int bad_errors = 0, runs = 0, ok = 0;
	size_t k, i;

	for (k = 0; k < sizeof(files) / sizeof(files[0]) && p; k++) {
		size_t len;
		char *orig = slurp(files[k], &len), *buf;

		if (!orig) {
			CHECK(0, "read %s", files[k]);
			continue;
		}
		buf = malloc(len + 1);
		/* every prefix */
		for (i = 0; i < len; i += k == 2 ? 7 : 1) {
			memcpy(buf, orig, i);
			if (vw_policy_parse("m", buf, i, p, err, sizeof(err)))
				bad_errors += !well_formed_error(err);
			else
				ok++;
			runs++;
		}
		/* random byte changes */
		for (i = 0; i < 3000; i++) {
			int j, nmut;

			memcpy(buf, orig, len);
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			nmut = 1 + (int)(rng % 4);
			for (j = 0; j < nmut; j++) {
				static const char interesting[] = "\0\t\n :-{}[],&*!|>'\"#%@`0x\xff\xc3";

				rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
				buf[(rng >> 8) % len] = (rng & 1) ? (char)(rng >> 24)
						      : interesting[(rng >> 32) % (sizeof(interesting) - 1)];
			}
			if (vw_policy_parse("m", buf, len, p, err, sizeof(err)))
				bad_errors += !well_formed_error(err);
			else
				ok++;
			runs++;
		}
		free(buf);
		free(orig);
	}
	CHECK_EQ(bad_errors, 0);
	printf("mutations: %d runs, %d still parsed\n", runs, ok);
	free(p);
}

int main(void)
{
	make_capmap();
	test_default();
	test_strict();
	test_audit_only();
	test_all_good();
	test_overrides();
	test_audit_all();
	test_forms();
	test_bad_corpus();
	test_generated();
	test_api_edges();
	test_mutations();
	return vw_test_done();
}
